#!/usr/bin/env bash
# End to end on Linux: the built app under Xvfb + a D-Bus session with dunst
# and status-notifier-watcher, against a real server process.
# Checks: a booking change published over HTTP becomes a native notification
# with the right title and body (dunst history); the tray icon follows the
# unread count; mark-all-read from the window (keyboard) clears the badge.
# Measures publish -> dunst latency and idle RSS; screenshots go to target/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/e2e
mkdir -p "$out"
display=:${E2E_DISPLAY:-97}
if ! xdpyinfo -display "$display" >/dev/null 2>&1; then
    Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
    xvfb=$!
    trap 'kill $xvfb 2>/dev/null || true' EXIT
    for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
fi
export DISPLAY=$display
# DISPLAY must be set before the session bus starts, or dunst cannot start.
dbus-run-session -- bash e2e/in-session.sh
