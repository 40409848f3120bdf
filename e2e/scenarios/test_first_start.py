"""A first start: what the app sets up and loads before anything live arrives."""

import re

from harness.tray import Tray
from harness.waiting import wait_until


def test_the_first_sign_in_turns_on_start_at_login_hidden(host_app, profile):
    entry = wait_until("the start-at-login entry", lambda: (profile.autostart_entries() or [None])[0])
    text = entry.read_text()
    assert re.search(r"^Exec=.*urutibiz-desktop.* --hidden", text, re.M), f"{entry} does not start the app hidden:\n{text}"
    wait_until("the settings to record start at login",
               lambda: profile.store().get("settings", {}).get("startAtLogin") is True)


def test_a_first_start_loads_older_notifications_over_http(server, launch, host_token, notify_calls):
    # Sent before the app ever ran: it can only come through the HTTP history.
    server.notify("host-amina", "Welcome to UrutiBiz", "Your listings are live.")
    app = launch("--token", host_token, "--server", server.base)
    tray = Tray.of(app.pid)
    tray.wait_for_icon("bell-1.png", "the unread welcome in the badge")
    wait_until("the welcome in the tray menu", lambda: "● Welcome to UrutiBiz" in tray.labels())
    assert notify_calls.count() == 0, "history loaded at start popped up as if it were new"


def test_notifications_read_elsewhere_leave_the_badge(server, host_app, host_token):
    tray = Tray.of(host_app.pid)
    server.notify("host-amina", "Payout sent", "Your payout is on its way.")
    tray.wait_for_icon("bell-1.png", "the badge to count the payout")
    server.request("POST", "/api/v1/notifications/read", token=host_token, body={"all": True})
    tray.wait_for_icon("bell.png", "the plain bell once read on another device")
