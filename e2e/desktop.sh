#!/usr/bin/env bash
# End to end on Linux: the built app under Xvfb + a D-Bus session with dunst
# and status-notifier-watcher, against a real server process.
# Checks (in-session.sh, then signin.sh): autostart after the first sign-in;
# history loaded over HTTP; the tray badge following the unread count, and
# its menu; sounds recorded on a null sink; popups with the right title and
# body, Confirm/Decline acting from the popup and replaced in place, Open in
# browser; mark-all-read from the keyboard; single instance and
# urutibiz:// links; a restart's missed notifications as one summary; quiet
# hours and their summary; the idle relaunch held for a memory-only
# session; browser sign-in (OpenID code + PKCE) with the refresh token in the
# Secret Service only; names cleaned in popups, markup shown as text; a
# restart signed in from the keychain; the idle relaunch restoring from the
# keychain with no token on its command line; a revoked session signing out
# with a popup; another user's sign-in forgetting the previous cache.
# Measures publish -> popup latency, memory and idle CPU; screenshots go to
# target/e2e/.
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
