"""The app's tray item as a panel sees it over D-Bus (StatusNotifierItem + dbusmenu).

The item is the one whose bus connection belongs to the app's process, so an
item left by an earlier scenario's app is never mistaken for this one.
"""

import re
import subprocess
from pathlib import Path

from .paths import ICONS
from .waiting import wait_until


def _gdbus(*args: str) -> str:
    return subprocess.run(["gdbus", "call", "--session", *args], check=True, capture_output=True, text=True,
                          timeout=10).stdout


def _property(bus: str, path: str, interface: str, name: str) -> str:
    return _gdbus("--dest", bus, "--object-path", path, "--method", "org.freedesktop.DBus.Properties.Get",
                  interface, name)


def _pid_of(bus: str) -> int:
    answer = _gdbus("--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus", "--method",
                    "org.freedesktop.DBus.GetConnectionUnixProcessID", bus)
    return int(re.search(r"uint32 (\d+)", answer).group(1))


class Tray:
    def __init__(self, bus: str, path: str):
        self.bus, self.path = bus, path

    @classmethod
    def of(cls, pid: int | None, timeout: float = 15.0) -> "Tray":
        """The tray item registered by process `pid` (None: the first registered), waited for."""
        def find():
            items = _property("org.kde.StatusNotifierWatcher", "/StatusNotifierWatcher",
                              "org.kde.StatusNotifierWatcher", "RegisteredStatusNotifierItems")
            for item in re.findall(r"'([^']+)'", items):
                bus, _, path = item.partition("/")
                if pid is not None and _pid_of(bus) != pid:
                    continue
                if not path:  # registered by bus name only: find the item's object
                    tree = subprocess.run(["gdbus", "introspect", "--session", "--dest", bus, "--object-path", "/",
                                           "--recurse"], check=True, capture_output=True, text=True).stdout
                    return cls(bus, re.search(r"node (/org/ayatana/NotificationItem/\S+)", tree).group(1))
                return cls(bus, "/" + path)
            return None
        return wait_until(f"the tray item of process {pid or 'any'}", find, timeout)

    def icon_file(self) -> Path:
        answer = _property(self.bus, self.path, "org.kde.StatusNotifierItem", "IconName")
        return Path(re.search(r"'([^']*)'", answer).group(1))

    def icon_is(self, png: str) -> bool:
        """The item shows icons/tray/<png> (compared pixel by pixel)."""
        icon = self.icon_file()
        if not icon.is_file():
            return False
        compared = subprocess.run(["compare", "-metric", "AE", icon, ICONS / png, "null:"], capture_output=True,
                                  text=True, timeout=30)
        return compared.stderr.strip() == "0"

    def wait_for_icon(self, png: str, what: str, timeout: float = 15.0) -> None:
        wait_until(f"{what} (tray icon {png})", lambda: self.icon_is(png), timeout)

    def _menu_path(self) -> str:
        answer = _property(self.bus, self.path, "org.kde.StatusNotifierItem", "Menu")
        return re.search(r"'(/[^']*)'", answer).group(1)

    def menu(self) -> list[tuple[int, str]]:
        """(id, label) of every menu entry, in order."""
        layout = _gdbus("--dest", self.bus, "--object-path", self._menu_path(), "--method",
                        "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "@as []")
        return [(int(n), label) for n, label in re.findall(r"\((\d+), \{[^}]*?'label': <'([^']*)'>", layout)]

    def labels(self) -> list[str]:
        return [label for _, label in self.menu()]

    def click(self, label: str) -> None:
        found = [n for n, text in self.menu() if text == label]
        assert found, f"no tray menu entry {label!r} in {self.labels()}"
        _gdbus("--dest", self.bus, "--object-path", self._menu_path(), "--method", "com.canonical.dbusmenu.Event",
               str(found[0]), "clicked", '<"">', "0")
