#!/usr/bin/env bash
# The part of e2e/updater.sh that runs inside the D-Bus session: the
# installed version A offered an update by `url`; `kind` is good (install it,
# restart as B), bad (signed by a stranger) or cut (download cut halfway):
# refused, A keeps running; or malformed (a broken manifest: nothing offered).
set -euo pipefail
kind=$1 url=$2 version_a=$3 version_b=$4 out=$5
fail() { echo "UPDATER TEST FAILED ($kind): $*" >&2; exit 1; }
source e2e/session.sh
# The installed app outlives its first pid when it restarts after an update.
trap 'cleanup; pkill -f "^/usr/bin/urutibiz-desktop" || true' EXIT
WAIT_TENTHS=300
start_desktop_services "-$kind"

export HOME=$PWD/$out/home-$kind XDG_CONFIG_HOME=$PWD/$out/home-$kind/.config XDG_DATA_HOME=$PWD/$out/home-$kind/.local/share
rm -rf "$HOME"; mkdir -p "$HOME"
log=$out/app-$kind.log
URUTIBIZ_UPDATE_URL=$url /usr/bin/urutibiz-desktop --hidden --no-autostart >"$log" 2>&1 & app=$!
offered() { python3 e2e/tray_menu.py labels 2>/dev/null | grep -qx "Update available — $version_b"; }
if [ "$kind" = malformed ]; then
    check_failed() { grep -q "could not check for updates" "$log"; }
    wait_for "the check to fail" check_failed
    kill -0 "$app" 2>/dev/null || fail "version $version_a stopped on a malformed manifest"
    ! offered || fail "a malformed manifest offered an update"
    echo "malformed: the manifest was refused ($(grep 'could not check for updates' "$log" | grep -o 'error=.*' | head -1)); nothing offered, $version_a runs"
    exit 0
fi
wait_for "the tray to offer $version_b" offered
echo "$kind: version $version_a's tray offers \"Update available — $version_b\""
python3 e2e/tray_menu.py click "Update available — $version_b"

case $kind in
good)
    restarted() { grep -q "UrutiBiz starting.*version=$version_b" "$log"; }
    wait_for "the app to restart as $version_b" restarted
    [ "$(dpkg-query -W -f '${Version}' "$(dpkg -S /usr/bin/urutibiz-desktop | cut -d: -f1)")" = "$version_b" ] \
        || fail "the package was not updated to $version_b"
    running() { pgrep -f '^/usr/bin/urutibiz-desktop' >/dev/null; }
    wait_for "$version_b to be running" running
    ! kill -0 "$app" 2>/dev/null || fail "version $version_a is still running"
    echo "good: installed $version_b through the tray and restarted as $version_b"
    ;;
bad | cut)
    refused() { grep -q "update not installed" "$log"; }
    wait_for "the update to be refused" refused
    grep "update not installed" "$log" | grep -q "The update was refused: its signature" \
        || fail "the refusal does not name the signature: $(grep 'update not installed' "$log")"
    kill -0 "$app" 2>/dev/null || fail "version $version_a stopped running"
    popup() { dunstctl close-all; dunstctl history | grep -q 'Update not installed'; }
    wait_for "the popup saying so" popup
    why=$(grep 'update not installed' "$log" | sed -n 's/.*error=\(.*\) reason=.*/\1/p' | head -1)
    echo "$kind: the update was refused with a popup ($why); $version_a keeps running"
    ;;
esac
