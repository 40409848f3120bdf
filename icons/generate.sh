#!/usr/bin/env bash
# Renders bell.svg into the app icons and the tray variants (unread badge
# 1-9 and 9+, offline, signed out). Needs rsvg-convert (librsvg2-bin) and
# the DejaVu fonts. The PNGs are committed; rerun after editing bell.svg.
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
mkdir -p tray
render tray/bell.png "$brand" "" 64
for n in 1 2 3 4 5 6 7 8 9; do render "tray/bell-$n.png" "$brand" "$(badge "$n" 22)" 64; done
render tray/bell-9plus.png "$brand" "$(badge "9+" 17)" 64
render tray/bell-offline.png "#8b949e" "<path d='M8 8 L56 56' stroke='#8b949e' stroke-width='6' stroke-linecap='round'/>" 64
render tray/bell-signed-out.png "#8b949e" "<circle cx='47' cy='17' r='16' fill='#d29922' stroke='#ffffff' stroke-width='3'/><text x='47' y='17' dy='0.36em' text-anchor='middle' font-family='DejaVu Sans' font-weight='bold' font-size='22' fill='#ffffff'>!</text>" 64
rm -f /tmp/urutibiz-icon.svg
