#!/usr/bin/env bash
# Builds release binaries and runs every benchmark scenario once.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p urutibiz-realtime-server -p urutibiz-bench
for scenario in publish replay "idle --connections 10000" "storm --connections 5000" fanout; do
    # shellcheck disable=SC2086
    ./target/release/realtime-bench $scenario
done
