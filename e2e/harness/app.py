"""A profile of the app's own (home, settings, autostart) and the app started in it."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from .paths import APP, ROOT
from .tray import Tray
from .waiting import wait_until

APP_ID = "biz.urutibiz.desktop"


class Profile:
    """A fresh home for the app: settings store, cache and autostart entries of its own."""

    def __init__(self, home: Path):
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.config = home / ".config"
        self.data = home / ".local" / "share"
        self.env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(self.config),
                    "XDG_DATA_HOME": str(self.data)}

    @property
    def settings_path(self) -> Path:
        return self.data / APP_ID / "settings.json"

    def store(self) -> dict:
        """The app's settings store file (settings, cache and its owner), as JSON."""
        return json.loads(self.settings_path.read_text())

    def write_preferences(self, preferences: dict) -> None:
        store = self.store() if self.settings_path.exists() else {}
        store.setdefault("settings", {})["preferences"] = preferences
        self.settings_path.parent.mkdir(parents=True, exist_ok=True)
        self.settings_path.write_text(json.dumps(store))

    def autostart_entries(self) -> list[Path]:
        return sorted((self.config / "autostart").glob("*.desktop"))


class App:
    """The desktop app run in a profile; its output goes to `log`.

    The idle relaunch (which replaces the process a while after its window
    closes) is off unless a scenario sets URUTIBIZ_RELAUNCH_AFTER.
    """

    def __init__(self, profile: Profile, log: Path, *args: str, env: dict | None = None,
                 program: Path = APP):
        self.log = log
        self.args = [str(a) for a in args]
        environment = {**profile.env, "URUTIBIZ_RELAUNCH_AFTER": "off", **(env or {})}
        self.proc = subprocess.Popen([program, *self.args], env=environment, stdout=open(log, "a"),
                                     stderr=subprocess.STDOUT, cwd=ROOT)
        self.pid = self.proc.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    # The app's windows, found by process and title (dunst names its popup
    # windows after the app too, so the process is what tells them apart).
    def windows(self, visible: bool = True) -> list[str]:
        args = ["xdotool", "search", "--all"] + (["--onlyvisible"] if visible else []) + \
            ["--pid", str(self.pid), "--name", "^UrutiBiz$"]
        return subprocess.run(args, capture_output=True, text=True).stdout.split()

    def wait_for_window(self, timeout: float = 15.0) -> str:
        return wait_until("the app's window on screen", lambda: (self.windows() or [None])[-1], timeout)

    def wait_for_no_window(self, timeout: float = 15.0) -> None:
        wait_until("the app's window to close", lambda: not self.windows(visible=False), timeout)

    def press(self, key: str, window: str | None = None) -> None:
        """A key sent to the app's window (focused first)."""
        window = window or self.wait_for_window()
        subprocess.run(["xdotool", "windowfocus", "--sync", window], capture_output=True, timeout=10)
        subprocess.run(["xdotool", "key", "--window", window, key], capture_output=True, timeout=10)

    def type_at_focus(self, key: str, window: str) -> None:
        """A key typed through XTEST at the focus, after raising the window."""
        subprocess.run(["xdotool", "windowactivate", "--sync", window], capture_output=True, timeout=10)
        subprocess.run(["xdotool", "key", key], capture_output=True, timeout=10)

    def close_window(self) -> None:
        """Ctrl+W until the window takes it: a cold WebKit start has taken over 15 s to load the page."""
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            windows = self.windows()  # once: a window can go between two looks
            if not windows:
                break
            self.press("ctrl+w", windows[-1])
            time.sleep(0.5)
        self.wait_for_no_window(30)

    def processes(self) -> list[int]:
        """The app and every process under it (WebKit's included)."""
        found, frontier = [self.pid], [self.pid]
        while frontier:
            children = subprocess.run(["pgrep", "-P", ",".join(map(str, frontier))], capture_output=True,
                                      text=True).stdout.split()
            frontier = [int(c) for c in children]
            found += frontier
        return found


def screenshot(path: Path) -> None:
    subprocess.run(["import", "-window", "root", path], capture_output=True, timeout=30)


def wait_live(app: App, server) -> None:
    """Until the app follows live events: connected to `server`, and online
    by its own account (the tray's plain bell). On a first start the client
    begins at the head the server named when it authenticated, and what
    came before is history loaded over HTTP, never a popup: a scenario that
    publishes to see a popup waits for this first."""
    wait_until("the app to connect", lambda: server.connections() == 1)
    Tray.of(app.pid).wait_for_icon("bell.png", "the app to be online")
