#!/usr/bin/env bash
# Updates end to end, from the packages e2e/build-updates.sh made: version A
# installed with apt runs under Xvfb + D-Bus + dunst; a local HTTP server
# offers B (its signed .deb and latest.json); the tray says "Update
# available — B", a click installs it and the app restarts as B. Then the
# same with B signed by another key, and with B's download cut halfway:
# refused with a popup, A keeps running; and a malformed manifest: no offer.
# Needs root or sudo (apt, and the updater's own `sudo dpkg -i`).
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/e2e-updater
fail() { echo "UPDATER TEST FAILED: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
deb_a=$(ls "$out"/a/*.deb) deb_b=$(ls "$out"/b/*.deb)
package=$(dpkg-deb -f "$deb_a" Package)
version_a=$(dpkg-deb -f "$deb_a" Version) version_b=$(dpkg-deb -f "$deb_b" Version)

# What the release server offers: B, as the updater manifest lists it.
site=$out/site; rm -rf "$site"; mkdir -p "$site/good" "$site/bad" "$site/cut" "$site/malformed"
cp "$deb_b" "$deb_b.sig" "$site/good/"
# The same package signed by a key the app does not trust.
cp "$deb_b" "$site/bad/"
CI=true ui/node_modules/.bin/tauri signer generate --ci --force -w "$out/stranger.key" -p "" >/dev/null
TAURI_SIGNING_PRIVATE_KEY_PASSWORD="" ui/node_modules/.bin/tauri signer sign -f "$out/stranger.key" -p "" \
    "$site/bad/$(basename "$deb_b")" >/dev/null
# A download cut halfway, with the full package's signature.
name=$(basename "$deb_b")
head -c $(( $(stat -c %s "$deb_b") / 2 )) "$deb_b" > "$site/cut/$name"
cp "$deb_b.sig" "$site/cut/$name.sig"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for kind in good bad cut; do
    python3 scripts/updater_manifest.py --version "$version_b" --base-url "http://127.0.0.1:$port/$kind" \
        --notes "Test update" "$site/$kind" > "$site/$kind/latest.json"
done
echo '{"version": "0.1.1", "platforms": ' > "$site/malformed/latest.json"  # cut short: not JSON
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >"$out/http.log" 2>&1 & http=$!

display=:${E2E_DISPLAY:-95}
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$out/xvfb.log" 2>&1 & xvfb=$!
trap 'kill $http $xvfb 2>/dev/null || true; as_root apt-get remove -y --purge "$package" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done

for kind in good bad cut malformed; do
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --allow-downgrades "./$deb_a" \
        >"$out/apt-$kind.log" 2>&1 || fail "apt-get install ./$deb_a"
    [ "$(dpkg-query -W -f '${Version}' "$package")" = "$version_a" ] || fail "version A is not installed"
    DISPLAY=$display dbus-run-session -- bash e2e/updater-session.sh "$kind" \
        "http://127.0.0.1:$port/$kind/latest.json" "$version_a" "$version_b" "$out"
done
installed=$(dpkg-query -W -f '${Version}' "$package")
[ "$installed" = "$version_a" ] || fail "after the refused update $installed is installed, not $version_a"
echo "updater test passed"
