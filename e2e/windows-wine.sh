#!/usr/bin/env bash
# The Windows executable end to end under Wine, on this Debian machine:
# what of the Windows build runs without WebView2 and WinRT. The app starts
# hidden in the tray with a token, connects to a real server, takes a
# booking request (its toast is attempted: Wine has no WinRT toast classes,
# so the app logs that it cannot show it), and saves the popup's one-time
# token. Then two more Windows processes are launched with a toast's link,
# as Windows does when a toast's button is pressed: with a forged token the
# running app only opens its window (which fails: no WebView2 under Wine)
# and the booking stays pending; with the token the app issued, the
# running app confirms it on the server. Then the app's and the core's unit
# tests, built for Windows, run under Wine.
#
# Not run by CI: it needs the linked executable (scripts/bundle-windows.sh,
# about 9 minutes warm, much longer cold) and Wine. Run by hand:
#   scripts/bundle-windows.sh && e2e/windows-wine.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
source scripts/windows.sh
ensure_packages "${WINDOWS_PACKAGES[@]}" wine64 xvfb curl

work=$(mktemp -d /tmp/urutibiz-wine.XXXXXX)
app_dir=$work/app
mkdir -p "$app_dir"
build=target/windows/$WINDOWS_TARGET/debug
[ -x "$build/urutibiz-desktop.exe" ] || { echo "run scripts/bundle-windows.sh first" >&2; exit 1; }
cp "$build/urutibiz-desktop.exe" "$build/WebView2Loader.dll" "$app_dir/"

# Wine 8 (Debian 12) has no bcryptprimitives.dll, where Rust's standard
# library finds ProcessPrng on Windows 10+: a stand-in for this test only,
# on advapi32's RtlGenRandom (SystemFunction036).
cat >"$work/prng.c" <<'EOF'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID, ULONG);
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) { return SystemFunction036(data, (ULONG)len); }
EOF
x86_64-w64-mingw32-gcc -shared -o "$app_dir/bcryptprimitives.dll" "$work/prng.c" -ladvapi32

cargo build --quiet -p urutibiz-realtime-server --bin realtime-server
server_bin=target/debug/realtime-server
port=$((20000 + RANDOM % 20000))
base=http://127.0.0.1:$port
display=:$((90 + RANDOM % 9))

pids=()
cleanup() {
    WINEPREFIX=$work/prefix /usr/lib/wine/wineserver -k 2>/dev/null || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

Xvfb "$display" -screen 0 1024x768x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
"$server_bin" serve --dev --bind "127.0.0.1:$port" --db "$work/rt.db" >"$work/server.log" 2>&1 &
pids+=($!)

export DISPLAY=$display WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine=/usr/lib/wine/wine64
# Bounded waits: every loop below gives up after its count.
wait_for() { # what, tries (of 0.5 s), command...
    local what=$1 tries=$2
    shift 2
    for _ in $(seq "$tries"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    echo "windows-wine: timed out waiting for $what (logs in $work)" >&2
    exit 1
}
wait_for "the server" 40 curl -sf "$base/healthz"
timeout 180 "$wine" wineboot --init >"$work/wineboot.log" 2>&1

host=$("$server_bin" token --dev --sub host-amina --role host --ttl 1h)
service=$("$server_bin" token --dev --sub backend --role service)
booking_status() {
    curl -sf "$base/api/v1/bookings/b-wine" -H "Authorization: Bearer $host" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])'
}

"$wine" "$app_dir/urutibiz-desktop.exe" --hidden --no-autostart --token "$host" --server "$base" >"$work/app.log" 2>&1 &
pids+=($!)
connected() { curl -sf "$base/metrics" | grep -E '^realtime_connections(_open)? [1-9]'; }
wait_for "the Windows app to connect" 120 connected

curl -sf -X PUT "$base/api/v1/bookings/b-wine" -H "Authorization: Bearer $service" -H 'content-type: application/json' \
    -d '{"hostId":"host-amina","renterId":"renter-jean","status":"pending","title":"Canon EOS R6"}' >/dev/null
# The app's settings store (%APPDATA%\biz.urutibiz.desktop\settings.json)
# holds each popup's token; a toast would carry it.
popup_token() {
    local store
    store=$(find "$work/prefix/drive_c/users" -path '*biz.urutibiz.desktop/settings.json' | head -1)
    python3 - "$store" <<'EOF'
import json, sys
issued = json.load(open(sys.argv[1])).get("popups") or []
print(next(i["token"] for i in issued if i["target"]["booking"] == "b-wine"))
EOF
}
wait_for "the popup's token in the app's store" 40 popup_token
token=$(popup_token)
grep -q "cannot show desktop notifications" "$work/app.log" && echo "the toast was attempted (Wine has no WinRT toasts: expected)"

# A link anyone could make: it only shows the booking.
timeout 60 "$wine" "$app_dir/urutibiz-desktop.exe" "urutibiz://booking/b-wine?popup=$(printf 'f%.0s' {1..32})&act=confirm" \
    >"$work/forged.log" 2>&1
wait_for "the running app to take the forged link" 20 grep -q "a second launch opened a link" "$work/app.log"
sleep 2
[ "$(booking_status)" = pending ] || { echo "windows-wine: a forged token confirmed the booking" >&2; exit 1; }
echo "a forged link: the booking stays pending"

# The toast's own link.
timeout 60 "$wine" "$app_dir/urutibiz-desktop.exe" "urutibiz://booking/b-wine?popup=$token&act=confirm" \
    >"$work/toast.log" 2>&1
confirmed() { [ "$(booking_status)" = confirmed ]; }
wait_for "the booking to be confirmed by the toast's link" 40 confirmed
echo "the toast's link: the booking is confirmed"
if grep -q "$token" "$work/app.log"; then
    echo "windows-wine: the popup's token was written to the log" >&2
    exit 1
fi

# The unit tests of the app and its core, built for Windows, run under Wine
# too (what the release workflow's Windows job runs natively). Their
# TypeScript exports land in the scratch directory they run in.
tests=$(windows_cargo test --no-run --message-format=json -p urutibiz-desktop-core -p urutibiz-desktop 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(m["executable"])')
mkdir -p "$work/unit"
for test in $tests; do
    cp "$app_dir/bcryptprimitives.dll" "$(dirname "$test")/"
    output=$work/unit/$(basename "$test").log
    (cd "$work/unit" && timeout 300 "$wine" "$test" >"$output" 2>&1) || true
    grep -E '^test result|FAILED|panicked' "$output" || true
    grep -q '^test result: ok' "$output" || { echo "windows-wine: $(basename "$test") did not pass under Wine" >&2; exit 1; }
done
echo "The Windows executable and the app's unit tests passed under Wine (logs in $work)."
