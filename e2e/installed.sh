#!/usr/bin/env bash
# The .deb as a user gets it: installed with apt (dependencies resolved),
# its desktop entry and link scheme checked, the installed binary launched
# under Xvfb + D-Bus + dunst (tray icon, a notification, a urutibiz:// link
# opened through the OS's handler lookup), then removed with nothing left
# behind outside the user's data directory. Needs root or sudo (apt), a .deb
# (the argument, or scripts/bundle.sh's) and the server from `cargo build`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=target/e2e-installed
rm -rf "$out"; mkdir -p "$out"
fail() { echo "INSTALLED PACKAGE TEST FAILED: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

deb=${1:-$(ls target/release/bundle/deb/*.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || fail "no .deb (give one, or run scripts/bundle.sh)"
package=$(dpkg-deb -f "$deb" Package)
if dpkg -s "$package" >/dev/null 2>&1; then as_root apt-get remove -y --purge "$package" >/dev/null; fi

# Everything the package puts on the system is newer than this mark.
touch "$out/mark"; sleep 1
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "./$deb" >"$out/apt-install.log" 2>&1 \
    || { tail -20 "$out/apt-install.log"; fail "apt-get install ./$deb"; }
dpkg -L "$package" >"$out/files"
binary=$(grep -m1 '^/usr/bin/' "$out/files") || fail "the package installs no program under /usr/bin"
entry=$(grep -m1 '^/usr/share/applications/.*\.desktop$' "$out/files") || fail "the package installs no desktop entry"
grep -q '^/usr/share/icons/hicolor/.*\.png$' "$out/files" || fail "the package installs no icons"
grep -qx 'MimeType=x-scheme-handler/urutibiz;\?' "$entry" || fail "$entry does not declare the urutibiz:// scheme"
grep -q '^Exec=.* %U$' "$entry" || fail "$entry does not pass links to the program (%U)"
desktop-file-validate "$entry" || fail "$entry is not a valid desktop entry"
echo "installed $package with apt: $binary, $entry (declares x-scheme-handler/urutibiz, Exec … %U)"

display=:${E2E_DISPLAY:-96}
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$out/xvfb.log" 2>&1 & xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
DISPLAY=$display dbus-run-session -- bash e2e/installed-session.sh "$binary" "$entry" "$out"

as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y --purge "$package" >"$out/apt-remove.log" 2>&1 \
    || fail "apt-get remove $package"
while read -r path; do
    [ -d "$path" ] && continue
    [ -e "$path" ] && fail "$path is still there after removing $package"
done <"$out/files"
# Nothing else the package or the app made outside the user's data (the
# test's own home lives under target/, apt's own records under /var).
left=$(find /usr /etc /opt -xdev -newer "$out/mark" -not -type d 2>/dev/null \
    | grep -v -e '^/etc/ld.so.cache$' -e '^/usr/share/applications/mimeinfo.cache$' \
        -e '^/usr/share/icons/hicolor/icon-theme.cache$' || true)
[ -z "$left" ] || fail "left behind after removal: $left"
echo "removed $package: none of its files remain"
echo "installed package test passed"
