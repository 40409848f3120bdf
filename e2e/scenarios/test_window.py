"""The window: its keyboard, closing it to the tray, one instance, links."""

import time

from harness.tray import Tray
from harness.waiting import wait_until


def test_mark_all_read_from_the_keyboard_clears_the_badge_and_the_servers_count(server, host_app, host_token):
    tray = Tray.of(host_app.pid)
    server.notify("host-amina", "Payout sent", "Your payout is on its way.")
    tray.wait_for_icon("bell-1.png", "the badge to count the payout")
    window = host_app.wait_for_window()

    def cleared():
        # Pressed again until the page has loaded and takes it.
        host_app.press("ctrl+shift+a", window)
        time.sleep(0.5)
        return tray.icon_is("bell.png")
    wait_until("Ctrl+Shift+A to clear the badge", cleared, timeout=30, every=0)
    unread = server.request("GET", "/api/v1/notifications/unread-count", token=host_token)
    assert unread == {"unreadCount": 0}, f"the server still counts unread: {unread}"


def test_closing_the_window_keeps_the_app_in_the_tray_and_connected(server, host_app):
    host_app.wait_for_window()
    host_app.close_window()
    time.sleep(2)
    assert host_app.running(), "the app quit when its window closed"
    assert server.connections() == 1, "the app dropped its connection with the window closed"


def test_a_second_launch_shows_the_first_instance_and_exits(server, host_app, launch, host_token):
    host_app.wait_for_window()
    host_app.close_window()
    second = launch("--token", host_token, "--server", server.base, log="app-second")
    host_app.wait_for_window()
    wait_until("the second instance to exit", lambda: not second.running())
    assert server.connections() == 1


def test_a_booking_link_given_to_a_second_launch_opens_the_first_at_that_booking(server, launch, host_token):
    first = launch("--hidden", "--token", host_token, "--server", server.base)
    wait_until("the app to connect", lambda: server.connections() == 1)
    second = launch("urutibiz://booking/b-2", log="app-link")
    first.wait_for_window()
    wait_until("the second instance to exit", lambda: not second.running())
    taken = wait_until("the first instance to take the link",
                       lambda: [line for line in first.log_text().splitlines() if "a second launch opened a link" in line])
    assert "b-2" in taken[0], f"the link reached the app as another booking: {taken[0]}"
