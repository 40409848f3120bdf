#!/usr/bin/env bash
# The desktop app's latency, memory and idle CPU, printed (bench/desktop.py),
# in the same headless session as the end-to-end scenarios:
#
#   bench/desktop.sh            the debug build (what the scenarios run)
#   E2E_APP=target/release/urutibiz-desktop bench/desktop.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p urutibiz-realtime-server -p urutibiz-client -p urutibiz-desktop --bins
exec e2e/desktop-session.sh /usr/bin/python3 bench/desktop.py
