#!/usr/bin/env bash
# Brings up a headless desktop session and runs a command in it:
#
#   e2e/desktop-session.sh COMMAND [ARG...]
#
# Xvfb; a D-Bus session bus; dunst, whose context-menu program
# (e2e/pick-action.sh) presses the popup button named in the file $E2E_PICK;
# the tray's StatusNotifierWatcher; PulseAudio with a null sink `e2e` as the
# default output (its monitor is what a test records); gnome-keyring's
# Secret Service, unlocked. Everything started here stops when the command
# ends, and the command's exit status is this script's. The scenarios
# (e2e/desktop.sh) and the measurements (bench/desktop.sh) run in it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/e2e
mkdir -p "$out"
if [ "${1:-}" != --inside ]; then
    [ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG...]" >&2; exit 2; }
    display=:${E2E_DISPLAY:-97}
    if ! xdpyinfo -display "$display" >/dev/null 2>&1; then
        Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
        xvfb=$!
        trap 'kill $xvfb 2>/dev/null || true' EXIT
        for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    # DISPLAY must be set before the session bus starts, or dunst cannot start.
    export DISPLAY=$display
    # The bus daemon's own chatter goes to a log; the command keeps this stderr.
    exec 3>&2
    status=0
    dbus-run-session -- bash -c 'exec 2>&3 3>&-; exec bash "$0" --inside "$@"' "$0" "$@" \
        2>"$out/dbus-daemon.log" || status=$?
    exit $status
fi
shift
fail() { echo "DESKTOP SESSION FAILED: $*" >&2; exit 1; }
source e2e/session.sh

export E2E_PICK=$PWD/$out/pick
printf '[global]\n    dmenu = %s\n' "$PWD/e2e/pick-action.sh" > "$out/dunstrc"
start_desktop_services "" -config "$out/dunstrc"

export XDG_RUNTIME_DIR=$PWD/$out/runtime
rm -rf "$XDG_RUNTIME_DIR"; mkdir -p -m 700 "$XDG_RUNTIME_DIR"
pulseaudio --daemonize=no --exit-idle-time=-1 -n --load=module-native-protocol-unix \
    --load="module-null-sink sink_name=e2e" >"$out/pulseaudio.log" 2>&1 & pids+=($!)
pulse_up() { pactl info >/dev/null 2>&1; }
wait_for "PulseAudio" pulse_up
pactl set-default-sink e2e

# The keyring's files live in a home of their own; each scenario's app has
# another home but finds the Secret Service on the bus.
keyring_home=$PWD/$out/keyring-home
rm -rf "$keyring_home"; mkdir -p "$keyring_home"
eval "$(printf 'e2e-keyring-password' | HOME=$keyring_home gnome-keyring-daemon --unlock --components=secrets)"
wait_for "the Secret Service" has_name org.freedesktop.secrets

"$@"
