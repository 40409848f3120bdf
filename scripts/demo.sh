#!/usr/bin/env bash
# Sets up what is needed and runs the demo: the realtime server in dev mode
# plus a publisher that plays out a marketplace day, printing what the host
# and the renter receive.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
ensure_packages "${BUILD_PACKAGES[@]}"

echo "Building (first time takes a few minutes)..."
cargo build --quiet -p urutibiz-realtime-server --bins --examples

mkdir -p target/demo
rm -f target/demo/realtime.db*
port="${DEMO_PORT:-8080}"
./target/debug/realtime-server serve --dev --bind "127.0.0.1:$port" --db target/demo/realtime.db \
    2>target/demo/server.log &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
echo "Server on http://127.0.0.1:$port (log: target/demo/server.log)"
echo "Try it yourself: TOKEN=\$(./target/debug/realtime-server token --dev --sub u1 --role host)"
./target/debug/examples/marketplace_day "http://127.0.0.1:$port" "$@"
