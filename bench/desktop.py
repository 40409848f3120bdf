"""The desktop app's measurements, printed (never asserted): publish to
popup, Confirm on a popup to the renter hearing it, start to connected,
memory with the window open, closed and never opened, and idle CPU.

Run it through bench/desktop.sh, which brings up the headless session and
builds what is missing. Each figure is one sample on a noisy 2-core
machine: run it a few times and compare within a run.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from harness.app import App, Profile  # noqa: E402
from harness.notifications import Dunst, NotifyCalls  # noqa: E402
from harness.paths import CLIENT  # noqa: E402
from harness.server import Server  # noqa: E402
from harness.waiting import wait_until  # noqa: E402

IDLE_SECONDS = 20
TICKS = int(subprocess.run(["getconf", "CLK_TCK"], capture_output=True, text=True).stdout)


def memory_kib(app: App) -> tuple[int, int]:
    """RSS and PSS of the app and every process under it (WebKit's included), in KiB."""
    rss = pss = 0
    for pid in app.processes():
        try:
            rss += int(next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:")))
            pss += int(next(l.split()[1] for l in open(f"/proc/{pid}/smaps_rollup") if l.startswith("Pss:")))
        except (FileNotFoundError, StopIteration, ProcessLookupError):
            pass
    return rss, pss


def cpu_ticks(app: App) -> int:
    total = 0
    for pid in app.processes():
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except FileNotFoundError:
            pass
    return total


def mib(kib: tuple[int, int]) -> str:
    return f"RSS {kib[0] // 1024} MiB, PSS {kib[1] // 1024} MiB"


def main() -> None:
    out = Path(tempfile.mkdtemp(prefix="desktop-bench."))
    server = Server(out)
    host = server.token("host-amina", "host")
    dunst = Dunst(Path(os.environ["E2E_PICK"]))
    calls = NotifyCalls(out / "notify-calls.log")
    apps: list[App] = []
    renter = None
    try:
        profile = Profile(out / "home")
        start = time.monotonic()
        app = App(profile, out / "app.log", "--token", host, "--server", server.base)
        apps.append(app)
        wait_until("the app to connect", lambda: server.connections() == 1, every=0.02)
        print(f"start (window, session from the command line) to connected: {(time.monotonic() - start) * 1000:.0f} ms")

        time.sleep(2)
        start = time.monotonic()
        server.put_booking("b-1", "pending")
        wait_until("the popup", lambda: calls.count() >= 1, every=0.005)
        print(f"publish -> popup (Notify call on the bus): {(time.monotonic() - start) * 1000:.0f} ms")

        app.wait_for_window()
        time.sleep(3)
        print(f"window open: {mib(memory_kib(app))} (all processes)")
        app.close_window()
        time.sleep(3)
        print(f"window closed: {mib(memory_kib(app))}")
        before = cpu_ticks(app)
        time.sleep(IDLE_SECONDS)
        ticks = cpu_ticks(app) - before
        print(f"idle, window closed, connected: {ticks / TICKS / IDLE_SECONDS * 100:.2f} % of one core "
              f"over {IDLE_SECONDS} s ({ticks} ticks)")

        # Confirm pressed on a request popup -> the renter's client hears the change.
        log = out / "renter.log"
        renter = subprocess.Popen([CLIENT, "listen", "--url", server.base, "--token",
                                   server.token("renter-jean", "renter")], stdout=open(log, "w"),
                                  stderr=subprocess.DEVNULL)
        wait_until("the renter's client", lambda: '"authenticated"' in log.read_text())
        dunst.close_all()
        time.sleep(1.5)
        server.put_booking("b-2", "pending")
        wait_until("the request popup", lambda: dunst.displayed() >= 1 and calls.find("Booking requested"))
        start = time.monotonic()
        dunst.press_button("confirm")
        wait_until("the renter to hear it", lambda: '"b-2"' in log.read_text() and
                   "booking-status-changed" in log.read_text(), every=0.005)
        print(f"Confirm on a popup -> the renter's booking-status-changed: {(time.monotonic() - start) * 1000:.0f} ms")
        app.stop()

        hidden = App(Profile(out / "home-hidden"), out / "app-hidden.log", "--hidden", "--token", host,
                     "--server", server.base)
        apps.append(hidden)
        wait_until("the hidden app to connect", lambda: server.connections() == 2)
        time.sleep(5)
        print(f"started hidden, window never opened: {mib(memory_kib(hidden))}")
    finally:
        for app in apps:
            app.stop()
        if renter:
            renter.terminate()
        calls.stop()
        server.stop()


if __name__ == "__main__":
    main()
