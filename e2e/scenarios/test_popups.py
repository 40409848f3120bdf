"""Popups: their sound, their text, their buttons, and one popup per booking."""

import subprocess
import time

import pytest

from harness.app import wait_live
from harness.paths import CLIENT
from harness.server import BOOKING_TITLE
from harness.sound import Recording
from harness.tray import Tray
from harness.waiting import wait_until

# Popups that arrive within this long of each other are gathered into one
# (crates/desktop-core popup_rules): a scenario waits it out between two
# popups it wants to see apart.
GATHERING = 1.5


def test_a_notification_pops_up_with_its_sound(server, host_app, notify_calls, out):
    recording = Recording(out / "sound.wav")
    server.put_booking("b-1", "pending")
    wait_until("the popup", lambda: notify_calls.count() >= 1)
    # The output device is opened on first use, which has taken more than a
    # second on a loaded machine: give it time before the recording ends.
    time.sleep(4)
    rms = recording.stop_and_measure()
    assert rms > 0.005, f"no sound recorded on the null sink (RMS amplitude {rms})"


def test_a_bookings_later_change_replaces_its_popup_in_place(server, host_app, notify_calls, dunst):
    tray = Tray.of(host_app.pid)
    server.put_booking("b-1", "pending")
    request = wait_until("the request popup", lambda: notify_calls.find("Booking requested"))
    assert request.summary == f"Booking requested — {BOOKING_TITLE} (renter-jean)"
    assert request.body == f"renter-jean requested {BOOKING_TITLE}."
    assert request.app_name == "UrutiBiz"
    assert request.replaces == 0
    assert {"confirm": "Confirm"}.items() <= request.actions.items(), request.actions
    assert "Decline" in request.actions.values(), request.actions
    tray.wait_for_icon("bell-1.png", "the badge to count the request")

    time.sleep(GATHERING)
    server.put_booking("b-1", "confirmed")
    confirmed = wait_until("the confirmation popup", lambda: notify_calls.find("Booking confirmed"))
    assert confirmed.summary == f"Booking confirmed — {BOOKING_TITLE} (renter-jean)"
    assert confirmed.body == f"{BOOKING_TITLE} is confirmed."
    assert confirmed.replaces != 0, "the confirmation did not take the request popup's place"
    assert "confirm" not in confirmed.actions, "a confirmed booking still offers Confirm"
    assert dunst.displayed() <= 1, "the booking's second popup stacked instead of replacing the first"
    tray.wait_for_icon("bell-2.png", "the badge to count both")
    for label in ("Open UrutiBiz", "● Booking confirmed", "● Booking requested", "Mark all as read",
                  "Do not disturb", "Quit"):
        wait_until(f"the tray menu entry {label!r}", lambda: any(text.startswith(label) for text in tray.labels()))


@pytest.fixture
def renter_log(server, out):
    """What renter Jean's client hears, each line stamped with the time it arrived (ms)."""
    log = out / "renter.log"
    listen = subprocess.Popen([CLIENT, "listen", "--url", server.base, "--token", server.token("renter-jean", "renter")],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stamp = subprocess.Popen(["python3", "-u", "-c", "import sys, time\n"
                              "for line in sys.stdin: print(int(time.time() * 1000), line, end='', flush=True)"],
                             stdin=listen.stdout, stdout=open(log, "w"))
    wait_until("the renter's client", lambda: '"authenticated"' in log.read_text())
    yield log
    listen.terminate()
    stamp.terminate()


def test_confirm_on_a_request_popup_confirms_it_for_the_renter_and_reads_it(
        server, host_app, host_token, notify_calls, dunst, renter_log):
    server.put_booking("b-2", "pending")
    wait_until("the request popup with Decline",
               lambda: "Decline" in getattr(notify_calls.find("Booking requested"), "actions", {}).values())
    wait_until("the request popup on screen", lambda: dunst.displayed() >= 1)
    dunst.press_button("confirm")

    wait_until("the booking to be confirmed on the server",
               lambda: server.request("GET", "/api/v1/bookings/b-2", token=host_token)["status"] == "confirmed")
    wait_until("the renter's booking-status-changed",
               lambda: any('"booking-status-changed"' in line and '"b-2"' in line
                           for line in renter_log.read_text().splitlines()))
    outcome = wait_until("the outcome popup", lambda: notify_calls.find(f"Confirmed — {BOOKING_TITLE}"))
    assert outcome.replaces != 0, "the outcome did not take the request popup's place"
    time.sleep(2)  # the host's own "Booking confirmed" notification lands in the same place
    assert dunst.displayed() <= 1, f"expected one popup for the booking, saw {dunst.displayed()}"

    # Acting on the popup was looking at it: the request is read everywhere.
    def request_read():
        items = server.request("GET", "/api/v1/notifications?limit=50", token=host_token)["items"]
        about = [item for item in items if item["data"].get("bookingId") == "b-2"]
        return min(about, key=lambda item: item["seq"])["read"]
    wait_until("the answered request to be read on the server", request_read)


def test_a_popup_s_link_as_a_windows_toast_launches_it_acts_only_with_the_token_the_app_issued(
        server, host_app, host_token, launch, profile, notify_calls, renter_log):
    # A Windows toast's buttons are urutibiz: links carrying the popup's
    # one-time token; Windows launches the app with one, and a second launch
    # hands it to the running app. The same path runs here.
    server.put_booking("b-3", "pending")
    wait_until("the request popup", lambda: notify_calls.find("Booking requested"))

    # The app saves each popup's token with its history (a click may reach a
    # later process); the toast would carry it.
    def saved_token():
        issued = profile.store().get("popups") or []
        return next((i["token"] for i in issued if i["target"]["booking"] == "b-3"), None)
    token = wait_until("the popup's token in the app's store", saved_token)

    def status():
        return server.request("GET", "/api/v1/bookings/b-3", token=host_token)["status"]

    def handed_over(link: str, log: str) -> None:
        second = launch(link, log=log)
        wait_until(f"{log} to hand its link to the running app", lambda: not second.running())

    # A page could make such a link, with any token: it only shows the booking.
    handed_over(f"urutibiz://booking/b-3?popup={'f' * 32}&act=confirm", "app-forged-link")
    host_app.wait_for_window()
    time.sleep(2)
    assert status() == "pending", "a link with a token the app never issued confirmed the booking"

    handed_over(f"urutibiz://booking/b-3?popup={token}&act=confirm", "app-toast-link")
    wait_until("the booking to be confirmed on the server", lambda: status() == "confirmed")
    wait_until("the renter's booking-status-changed",
               lambda: any('"booking-status-changed"' in line and '"b-3"' in line
                           for line in renter_log.read_text().splitlines()))
    wait_until("the outcome popup", lambda: notify_calls.find(f"Confirmed — {BOOKING_TITLE}"))
    assert token not in host_app.log_text(), "the popup's token was written to the log"


def test_open_in_browser_on_a_message_popup_opens_its_conversation(server, launch, host_token, notify_calls, dunst, out):
    # This app knows the website, and its "browser" writes down what it is asked to open.
    opened = out / "opened-urls"
    browser = out / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    app = launch("--hidden", "--token", host_token, "--server", server.base, "--web-url", "https://urutibiz.example",
                 env={"BROWSER": str(browser)})
    wait_live(app, server)
    server.notify("host-amina", "Message from Jean", "Still free on Friday?", kind="message",
                  data={"chatId": "dm-e2e", "fromName": "Jean"})
    popup = wait_until("the message popup", lambda: notify_calls.find("Jean"))
    assert "Open in browser" in popup.actions.values(), popup.actions
    assert "Reply" in popup.actions.values(), popup.actions
    wait_until("the message popup on screen", lambda: dunst.displayed() >= 1)
    dunst.press_button("web")
    wait_until("the browser to be asked for the conversation's page",
               lambda: opened.exists() and "https://urutibiz.example/messages/dm-e2e" in opened.read_text().split())


def test_clicking_a_popup_opens_the_window(server, launch, host_token, dunst):
    app = launch("--hidden", "--token", host_token, "--server", server.base)
    wait_live(app, server)
    assert not app.windows(), "a hidden start showed its window"
    server.notify("host-amina", "Review received", "renter-jean left 5 stars.")
    wait_until("the popup on screen", lambda: dunst.displayed() >= 1)
    dunst.click()
    app.wait_for_window()


def test_popups_name_people_cleanly_and_show_their_markup_as_text(server, host_app, notify_calls):
    # The backend's name for Jean hides a right-to-left override, a zero-width
    # space and a blank filler: the popup says "Jean".
    server.request("PUT", "/api/v1/users/renter-jean", body={"displayName": "\u202eJean\u200b\u3164"})
    server.put_booking("b-9", "pending", title="Canon EOS R6")
    request = wait_until("the booking popup", lambda: notify_calls.find("Booking requested"))
    assert (request.summary, request.body) == ("Booking requested — Canon EOS R6 (Jean)", "Jean requested Canon EOS R6.")
    time.sleep(GATHERING)
    server.notify("host-amina", "Message from Jean", '<b>Free</b> & <a href="http://evil.example">cheap</a>',
                  kind="message", data={"chatId": "c-1", "fromName": "Jean"})
    message = wait_until("the message popup", lambda: next((p for p in notify_calls.all() if p.summary == "Jean"), None))
    # The daemon renders bodies as markup: escaped, the tags Jean typed are
    # shown as characters, never as bold text or a link.
    assert message.body == '&lt;b&gt;Free&lt;/b&gt; &amp; &lt;a href="http://evil.example"&gt;cheap&lt;/a&gt;'
