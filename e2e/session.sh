# Sourced by the scripts that run inside a test D-Bus session
# (desktop-session.sh), after it
# define `fail`: background processes killed on exit, waiting for a D-Bus
# name or any condition, and the tray watcher plus a notification daemon.
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

has_name() {
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.NameHasOwner "$1" 2>/dev/null | grep -q true
}
wait_for() { # description, command...: tries every 0.1 s, $WAIT_TENTHS times (15 s)
    local what=$1; shift
    for _ in $(seq "${WAIT_TENTHS:-150}"); do "$@" && return 0; sleep 0.1; done
    fail "timed out waiting for $what"
}

start_desktop_services() { # log-suffix, dunst arguments...
    local suffix=$1; shift
    status-notifier-watcher >"$out/watcher$suffix.log" 2>&1 & pids+=($!)
    dunst "$@" >"$out/dunst$suffix.log" 2>&1 & pids+=($!)
    wait_for "the notification daemon" has_name org.freedesktop.Notifications
    wait_for "the tray watcher" has_name org.kde.StatusNotifierWatcher
}
