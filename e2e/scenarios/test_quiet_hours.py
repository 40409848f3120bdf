"""Quiet hours: no popups but booking requests, the badge still counts, and
one summary of what they held back when they end."""

import datetime
import time

from harness.tray import Tray
from harness.waiting import wait_until


def test_quiet_hours_hold_popups_but_not_requests_and_summarise_when_they_end(
        server, launch, profile, host_token, notify_calls):
    # Quiet from a minute ago to the next minute: they end within 20-60 s.
    if datetime.datetime.now().second > 40:
        time.sleep(61 - datetime.datetime.now().second)
    now = datetime.datetime.now()
    minute = datetime.timedelta(minutes=1)
    profile.write_preferences({"quietHours": {
        "enabled": True, "start": (now - minute).strftime("%H:%M"), "end": (now + minute).strftime("%H:%M"),
        "days": list(range(7)), "urgentStaysLoud": True}})
    app = launch("--hidden", "--token", host_token, "--server", server.base)
    wait_until("the app to connect", lambda: server.connections() == 1)
    tray = Tray.of(app.pid)
    tray.wait_for_icon("bell.png", "the empty bell")

    for kind in ("system", "message"):
        server.notify("host-amina", f"Quiet {kind}", "Sent in quiet hours.", kind=kind)
    tray.wait_for_icon("bell-2.png", "the badge to count what quiet hours kept from popping up")
    time.sleep(1.5)  # past the popup gathering window
    server.put_booking("b-3", "pending")
    request = wait_until("the booking request to pop up anyway", lambda: notify_calls.all())[0]
    tray.wait_for_icon("bell-3.png", "the badge to count all three")
    assert request.summary.startswith("Booking requested"), request
    assert notify_calls.count() == 1, f"quiet hours let through {[p.summary for p in notify_calls.all()]}"

    summary = wait_until("the summary when quiet hours end",
                         lambda: next((p for p in notify_calls.all() if "While it was quiet" in p.summary), None),
                         timeout=90, every=1)
    assert summary.summary == "While it was quiet: 2 new notifications", summary
