#!/usr/bin/env bash
# The part of e2e/installed.sh that runs inside the D-Bus session: the
# installed program against a real server, as a user starts it.
set -euo pipefail
binary=$1 entry=$2 out=$3
secret="e2e-secret-0123456789abcdef-0123456789"
fail() { echo "INSTALLED PACKAGE TEST FAILED: $*" >&2; exit 1; }
source e2e/session.sh
start_desktop_services ""

JWT_SECRET=$secret ./target/debug/realtime-server serve --bind 127.0.0.1:0 --db "$out/server.db" \
    >"$out/server.out" 2>"$out/server.log" & pids+=($!)
wait_for "the server" grep -q "listening on" "$out/server.out"
base=$(sed -n 's/^listening on //p' "$out/server.out")
token() { JWT_SECRET=$secret ./target/debug/realtime-server token --sub "$1" --role "$2" --ttl 1h; }

# A user of their own: settings, cache and keychain under the test's home.
export HOME=$PWD/$out/home XDG_CONFIG_HOME=$PWD/$out/home/.config XDG_DATA_HOME=$PWD/$out/home/.local/share
mkdir -p "$HOME"
# Its update checks go to a closed loopback port, never the internet.
URUTIBIZ_UPDATE_URL=http://127.0.0.1:9/latest.json \
    "$binary" --hidden --token "$(token host-amina host)" --server "$base" >"$out/app.log" 2>&1 & app=$!; pids+=($app)

items() {
    gdbus call --session --dest org.kde.StatusNotifierWatcher --object-path /StatusNotifierWatcher \
        --method org.freedesktop.DBus.Properties.Get org.kde.StatusNotifierWatcher RegisteredStatusNotifierItems
}
has_item() { items | grep -q "'"; }
wait_for "the installed app's tray icon" has_item
online() { test "$(curl -fsS "$base/metrics" | sed -n 's/^realtime_connections //p')" = 1; }
wait_for "the installed app to connect" online
echo "the installed app is in the tray and connected"

dunst_count() { echo $(( $(dunstctl count displayed) + $(dunstctl count waiting) + $(dunstctl count history) )); }
more_than() { test "$(dunst_count)" -gt "$1"; }
before=$(dunst_count)
curl -fsS -X POST "$base/api/v1/publish" -H "Authorization: Bearer $(token marketplace service)" \
    -H 'content-type: application/json' \
    -d '{"room":"user-host-amina","event":"notification","data":{"title":"Installed and listening","body":"Hello from the server."}}' >/dev/null
wait_for "the notification popup" more_than "$before"
dunstctl close-all; sleep 0.3  # closed popups move to dunst's history
dunstctl history | grep -q 'Installed and listening' || fail "the popup is not the published notification"
echo "a published notification popped up"

# The OS knows the installed app handles urutibiz:// links, and a link
# opened the way a browser or mail client opens one reaches the running app.
handler=$(xdg-mime query default x-scheme-handler/urutibiz)
[ "$handler" = "$(basename "$entry")" ] || fail "urutibiz:// is handled by '$handler', not $(basename "$entry")"
env -u BROWSER XDG_CURRENT_DESKTOP= DE= xdg-open "urutibiz://booking/b-7" >"$out/xdg-open.log" 2>&1 \
    || { cat "$out/xdg-open.log"; fail "xdg-open urutibiz://booking/b-7"; }
link_taken() { grep -q 'a second launch opened a link.*b-7' "$out/app.log"; }
wait_for "the running app to take the link" link_taken
echo "xdg-open urutibiz://booking/b-7 reached the running app through $handler"
kill "$app"; wait "$app" 2>/dev/null || true
