#!/usr/bin/env bash
# Links the Windows app from this Debian machine and checks what Windows
# would get: a 64-bit executable (a GUI one in release; a debug build keeps
# its console, for logs) carrying the app's icon (16-256 px) and version,
# importing only DLLs every Windows 10/11 has, plus WebView2Loader.dll,
# which a GNU build loads from beside it (copied there, as Tauri's bundler
# puts it in the installer; MSVC builds, the release workflow's, link the
# loader in). Then its NSIS installer with the Tauri bundler, when
# the bundler's NSIS toolset is at hand (the bundler downloads its plugin,
# nsis_tauri_utils.dll, from GitHub: out of reach here, so this step says
# so and stops). Debian's toolchain, as in scripts/windows.sh; output in
# target/windows/x86_64-pc-windows-gnu/<profile>/.
#
#   scripts/bundle-windows.sh            # dev profile (what CI could afford)
#   scripts/bundle-windows.sh --release  # what ships
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
source scripts/windows.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${WINDOWS_PACKAGES[@]}" icoutils nsis
build_ui

profile=debug
cargo_profile=()
if [ "${1:-}" = --release ]; then
    profile=release
    cargo_profile=(--release)
fi
start=$SECONDS
windows_cargo build "${cargo_profile[@]}" -p urutibiz-desktop --bin urutibiz-desktop
echo "-- linked in $((SECONDS - start)) s"

exe=target/windows/$WINDOWS_TARGET/$profile/urutibiz-desktop.exe
ls -la "$exe"
fail() { echo "bundle-windows: $*" >&2; exit 1; }

# A 64-bit Windows GUI program: a console one would open a terminal window
# (main.rs keeps the console in debug builds only).
subsystem=GUI
[ "$profile" = debug ] && subsystem=console
file "$exe" | tee /dev/stderr | grep -q "PE32+ executable ($subsystem) x86-64" ||
    fail "not a 64-bit $subsystem executable"

# The icon Explorer, the taskbar and the installer show: every size of
# icons/icon.ico, in the executable's resources.
wrestool --list --type=group_icon "$exe" | grep -q . || fail "no icon in the executable"
mkdir -p target/windows/check
wrestool --extract --type=group_icon --output=target/windows/check/app.ico "$exe"
sizes=$(icotool --list target/windows/check/*.ico | sed -n 's/.*--width=\([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')
echo "icon sizes in the executable: $sizes"
for size in 16 32 48 256; do
    case " $sizes " in *" $size "*) ;; *) fail "the executable's icon has no ${size} px image" ;; esac
done

# The version Windows shows in the file's properties.
version=$(python3 -c 'import json; print(json.load(open("src-tauri/tauri.conf.json"))["version"])')
wrestool --list --type=version "$exe" | grep -q . || fail "no version resource"
strings -el "$exe" | grep -qx "$version" || fail "the version resource does not say $version"

# Only system DLLs (no mingw runtime DLL that Windows lacks), and the
# WebView2 loader, which goes beside the executable.
imports=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p' | sort -u)
echo "imports: $(echo "$imports" | tr '\n' ' ')"
if echo "$imports" | grep -iE '^(libgcc|libstdc|libwinpthread)' >/dev/null; then
    fail "the executable needs a mingw runtime DLL Windows does not ship"
fi
if echo "$imports" | grep -qix 'WebView2Loader.dll'; then
    loader=$(find "target/windows/$WINDOWS_TARGET/$profile/build" -path '*webview2-com-sys*/out/x64/WebView2Loader.dll' \
        -printf '%T@ %p\n' | sort -n | tail -1 | cut -d' ' -f2)
    [ -n "$loader" ] || fail "the executable needs WebView2Loader.dll and the build made none"
    cp "$loader" "$(dirname "$exe")/"
    file "$(dirname "$exe")/WebView2Loader.dll" | grep -q 'PE32+ executable (DLL)' || fail "WebView2Loader.dll is not a 64-bit DLL"
    echo "WebView2Loader.dll: beside the executable"
fi

# The installer.
nsis_tools="${XDG_CACHE_HOME:-$HOME/.cache}/tauri/NSIS"
if [ ! -e "$nsis_tools/Plugins/x86-unicode/additional/nsis_tauri_utils.dll" ]; then
    echo "NSIS installer: not built. The Tauri bundler needs its NSIS plugin (nsis_tauri_utils.dll)"
    echo "in $nsis_tools, which it downloads from github.com: out of this machine's reach."
    echo "The release workflow's Windows job builds the NSIS and MSI installers."
    exit 0
fi
ui/node_modules/.bin/tauri bundle --bundles nsis --target "$WINDOWS_TARGET" \
    $([ "$profile" = debug ] && echo --debug)
ls -la target/windows/$WINDOWS_TARGET/$profile/bundle/nsis/
