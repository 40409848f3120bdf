#!/usr/bin/env bash
# Renders bell.svg into the app icons for every OS (the PNGs; icon.ico with
# 16-256 px for Windows: the executable's resource, the installer, the
# taskbar; icon.icns for macOS) and the tray variants (unread badge 1-9 and
# 9+, offline, signed out). Needs rsvg-convert (librsvg2-bin), icotool
# (icoutils), png2icns (icnsutils) and the DejaVu fonts. Everything here is
# committed, so builds and the release workflow need none of these tools;
# rerun after editing bell.svg.
set -euo pipefail
cd "$(dirname "$0")"
render() { # name bell-colour badge-markup size
    sed -e "s|{{BELL}}|$2|" -e "s|{{BADGE}}|$3|" bell.svg > /tmp/urutibiz-icon.svg
    rsvg-convert -w "$4" -h "$4" /tmp/urutibiz-icon.svg -o "$1"
}
badge() { # text font-size
    echo "<circle cx='47' cy='17' r='16' fill='#e5322d' stroke='#ffffff' stroke-width='3'/><text x='47' y='17' dy='0.36em' text-anchor='middle' font-family='DejaVu Sans' font-weight='bold' font-size='$2' fill='#ffffff'>$1</text>"
}
brand="#1f6feb"
for size in 32 128 256 512; do render "${size}x${size}.png" "$brand" "" "$size"; done
cp 256x256.png 128x128@2x.png
cp 512x512.png icon.png
# Windows picks the size nearest each use (16: title bars and the tray's
# small icons, 24/48: Explorer, 256: large views), stored as PNG inside.
ico_sizes=(16 24 32 48 64 128 256)
for size in "${ico_sizes[@]}"; do render "/tmp/urutibiz-ico-$size.png" "$brand" "" "$size"; done
icotool --create --output=icon.ico $(for size in "${ico_sizes[@]}"; do echo "--raw=/tmp/urutibiz-ico-$size.png"; done)
# macOS: the sizes an .icns holds (the @2x ones are the next size up).
icns_sizes=(16 32 48 128 256 512 1024)
for size in "${icns_sizes[@]}"; do render "/tmp/urutibiz-icns-$size.png" "$brand" "" "$size"; done
png2icns icon.icns $(for size in "${icns_sizes[@]}"; do echo "/tmp/urutibiz-icns-$size.png"; done) >/dev/null
rm -f /tmp/urutibiz-ico-*.png /tmp/urutibiz-icns-*.png
mkdir -p tray
render tray/bell.png "$brand" "" 64
for n in 1 2 3 4 5 6 7 8 9; do render "tray/bell-$n.png" "$brand" "$(badge "$n" 22)" 64; done
render tray/bell-9plus.png "$brand" "$(badge "9+" 17)" 64
render tray/bell-offline.png "#8b949e" "<path d='M8 8 L56 56' stroke='#8b949e' stroke-width='6' stroke-linecap='round'/>" 64
render tray/bell-signed-out.png "#8b949e" "<circle cx='47' cy='17' r='16' fill='#d29922' stroke='#ffffff' stroke-width='3'/><text x='47' y='17' dy='0.36em' text-anchor='middle' font-family='DejaVu Sans' font-weight='bold' font-size='22' fill='#ffffff'>!</text>" 64
rm -f /tmp/urutibiz-icon.svg
