#!/usr/bin/env bash
# Builds the release app and its Linux installers (.deb, .rpm) into
# target/release/bundle/. Run from any directory. Arguments go to
# `tauri build` (e.g. --config FILE); with --debug the app is built in the
# dev profile instead, into target/debug/bundle/ (what the tests install:
# it reuses the test build's dependencies).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${DESKTOP_PACKAGES[@]}" rpm
build_ui
# The Tauri CLI finds src-tauri/tauri.conf.json from the repository root.
ui/node_modules/.bin/tauri build --bundles deb,rpm "$@"
profile=release
for arg in "$@"; do [ "$arg" = --debug ] && profile=debug; done
ls -la target/$profile/bundle/deb target/$profile/bundle/rpm
