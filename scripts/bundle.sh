#!/usr/bin/env bash
# Builds the release app and its Linux installers (.deb, .rpm) into
# target/release/bundle/. Run from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${DESKTOP_PACKAGES[@]}" rpm
build_ui
# The Tauri CLI finds src-tauri/tauri.conf.json from the repository root.
ui/node_modules/.bin/tauri build --bundles deb,rpm "$@"
ls -la target/release/bundle/deb target/release/bundle/rpm
