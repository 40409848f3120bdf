"""What reached the notification daemon: every Notify call (through
dbus-monitor, with its arguments) and dunst's own view of its popups."""

import json
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Popup:
    """One Notify call: `replaces` is the id of the popup it took the place of (0 for a new one)."""

    app_name: str
    replaces: int
    summary: str
    body: str
    actions: dict[str, str] = field(default_factory=dict)  # identifier -> label


def _string(lines: list[str], i: int) -> tuple[str, int]:
    """A dbus-monitor `string "…"` argument starting at line i (it may span lines); the next line's index."""
    text = lines[i].split('string "', 1)[1]
    while not text.endswith('"') and i + 1 < len(lines):
        i += 1
        text += "\n" + lines[i]
    return text[:-1], i + 1


def parse_notify_calls(log: str) -> list[Popup]:
    """The Notify calls in a dbus-monitor log, in order."""
    popups = []
    for block in log.split("\nmethod call")[1:]:
        if "member=Notify" not in block.splitlines()[0]:
            continue
        lines = block.splitlines()[1:]
        top, actions, i = [], [], 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("   string "):
                text, i = _string(lines, i)
                top.append(text)
            elif line.startswith("   uint32 "):
                top.append(int(line.split()[1]))
                i += 1
            elif line.startswith("   array [") and not actions and len(top) == 5:
                i += 1
                while i < len(lines) and lines[i].startswith("      string "):
                    text, i = _string(lines, i)
                    actions.append(text)
                top.append("actions")
            else:
                i += 1
        app_name, replaces, _icon, summary, body = top[:5]
        popups.append(Popup(app_name, replaces, summary, body, dict(zip(actions[::2], actions[1::2]))))
    return popups


class NotifyCalls:
    """Every Notify call on the session bus from now on (dbus-monitor into `log`)."""

    def __init__(self, log: Path):
        self._log = log
        self.proc = subprocess.Popen(
            ["dbus-monitor", "--session",
             "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"],
            stdout=open(log, "w"), stderr=subprocess.STDOUT,
        )
        time.sleep(0.3)  # dbus-monitor has registered its match rule once it has printed its own greeting

    def all(self) -> list[Popup]:
        return parse_notify_calls(self._log.read_text(errors="replace"))

    def count(self) -> int:
        return len(self.all())

    def find(self, summary_start: str) -> Popup | None:
        return next((p for p in self.all() if p.summary.startswith(summary_start)), None)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


class Dunst:
    """The notification daemon's popups on screen and its history."""

    def __init__(self, pick_file: Path):
        self._pick = pick_file

    @staticmethod
    def _ctl(*args: str) -> str:
        return subprocess.run(["dunstctl", *args], capture_output=True, text=True, timeout=10).stdout

    def displayed(self) -> int:
        return int(self._ctl("count", "displayed") or 0)

    def total(self) -> int:
        return sum(int(self._ctl("count", which) or 0) for which in ("displayed", "waiting", "history"))

    def close_all(self) -> None:
        self._ctl("close-all")
        time.sleep(0.3)  # closed popups move to the history

    def history(self) -> list[tuple[str, str]]:
        """(summary, body) of every closed popup, newest first."""
        data = json.loads(self._ctl("history"))["data"][0]
        return [(n["summary"]["data"], n["body"]["data"]) for n in sorted(data, key=lambda n: -n["id"]["data"])]

    def click(self) -> None:
        """The newest popup's default action (a click on it)."""
        self._ctl("action", "0")

    def press_button(self, action: str) -> None:
        """The newest popup's button with this identifier, through dunst's context menu
        (its dmenu program, e2e/pick-action.sh, picks what the pick file names)."""
        self._pick.write_text(action + "\n")
        self._ctl("context")
