#!/usr/bin/env bash
# The packaged app end to end: the scenarios in e2e/packaged/ (the .deb
# installed with apt, started as the OS starts it, removed without a trace;
# updates offered from a loopback site, installed from the tray or refused),
# run by pytest in the headless session e2e/desktop-session.sh brings up.
# Needs root or sudo (apt, and the updater's own `sudo dpkg -i`), the
# packages e2e/build-updates.sh made (target/e2e-updater/{a,b}/) and the
# server from `cargo build`. Arguments go to pytest, e.g. `-k malformed`.
set -euo pipefail
cd "$(dirname "$0")/.."
E2E_DISPLAY=${E2E_DISPLAY:-96} exec e2e/desktop-session.sh bash -c 'cd e2e && exec pytest-3 packaged "$@"' pytest "$@"
