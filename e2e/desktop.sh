#!/usr/bin/env bash
# The desktop app end to end on Linux: the scenarios in e2e/scenarios/, each
# with a server, a profile and apps of its own, run by pytest inside one
# headless session (e2e/desktop-session.sh). Arguments go to pytest:
#
#   e2e/desktop.sh                      every scenario
#   e2e/desktop.sh -k quiet_hours       the ones whose name matches
#   e2e/desktop.sh scenarios/test_sign_in.py
#
# Needs the debug build: cargo build -p urutibiz-realtime-server -p
# urutibiz-client -p urutibiz-desktop --bins (E2E_APP=… names another app
# binary). Logs and screenshots: target/e2e/<file>/<test>/.
set -euo pipefail
cd "$(dirname "$0")/.."
exec e2e/desktop-session.sh bash -c 'cd e2e && exec pytest-3 "$@"' pytest "$@"
