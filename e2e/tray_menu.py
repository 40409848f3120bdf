#!/usr/bin/env python3
"""The app's tray menu over D-Bus, as a panel sees it (dbusmenu).

    tray_menu.py labels          prints each item's label, one per line
    tray_menu.py click LABEL     clicks the item with exactly that label

Finds the tray item through the StatusNotifierWatcher of the session bus.
"""

import re
import subprocess
import sys


def gdbus(*args: str) -> str:
    return subprocess.run(["gdbus", "call", "--session", *args], check=True, capture_output=True, text=True).stdout


def menu() -> tuple[str, str]:
    items = gdbus("--dest", "org.kde.StatusNotifierWatcher", "--object-path", "/StatusNotifierWatcher",
                  "--method", "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierWatcher",
                  "RegisteredStatusNotifierItems")
    item = re.search(r"'([^']+)'", items).group(1)
    bus, _, path = item.partition("/")
    if not path:  # registered by bus name only: find the item's object
        tree = subprocess.run(["gdbus", "introspect", "--session", "--dest", bus, "--object-path", "/", "--recurse"],
                              check=True, capture_output=True, text=True).stdout
        path = re.search(r"node (/org/ayatana/NotificationItem/\S+)", tree).group(1)
    else:
        path = "/" + path
    menu_path = re.search(r"'(/[^']*)'", gdbus("--dest", bus, "--object-path", path, "--method",
                                             "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierItem",
                                             "Menu")).group(1)
    return bus, menu_path


def labels(bus: str, path: str) -> list[tuple[int, str]]:
    layout = gdbus("--dest", bus, "--object-path", path, "--method", "com.canonical.dbusmenu.GetLayout", "--",
                   "0", "-1", "@as []")
    return [(int(n), label) for n, label in re.findall(r"\((\d+), \{[^}]*?'label': <'([^']*)'>", layout)]


def main() -> None:
    bus, path = menu()
    if sys.argv[1:] == ["labels"]:
        for _, label in labels(bus, path):
            print(label)
    elif len(sys.argv) == 3 and sys.argv[1] == "click":
        found = [n for n, label in labels(bus, path) if label == sys.argv[2]]
        if not found:
            raise SystemExit(f"no tray menu item {sys.argv[2]!r}")
        gdbus("--dest", bus, "--object-path", path, "--method", "com.canonical.dbusmenu.Event",
              str(found[0]), "clicked", '<"">', "0")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
