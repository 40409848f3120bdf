#!/usr/bin/env python3
"""The tray menu of the session's (first) tray item, for shell scripts:

    tray_menu.py labels          prints each item's label, one per line
    tray_menu.py click LABEL     clicks the item with exactly that label
"""

import sys

from harness.tray import Tray


def main() -> None:
    if sys.argv[1:] == ["labels"]:
        print("\n".join(Tray.of(None, timeout=0).labels()))
    elif len(sys.argv) == 3 and sys.argv[1] == "click":
        Tray.of(None, timeout=0).click(sys.argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
