"""What was missed while the app was not running."""

import time

from harness.waiting import wait_until


def test_notifications_missed_while_stopped_arrive_as_one_summary(server, launch, host_token, notify_calls):
    first = launch("--hidden", "--token", host_token, "--server", server.base)
    wait_until("the app to connect", lambda: server.connections() == 1)
    time.sleep(1)  # the first start's history is loaded and its position kept
    first.stop()
    for n in range(1, 5):
        server.notify("host-amina", f"Payout {n} sent", f"Payout {n} is on its way.")
    before = notify_calls.count()
    launch("--hidden", "--token", host_token, "--server", server.base, log="app-restarted")
    summary = wait_until("the replay's summary", lambda: notify_calls.all()[before:])[0]
    time.sleep(2.5)  # anything more would have come by now
    popups = notify_calls.all()[before:]
    assert len(popups) == 1, f"expected one summary, got {[p.summary for p in popups]}"
    assert summary.summary == "4 new notifications", summary
    assert "Latest: Payout 4 sent" in summary.body, summary.body
