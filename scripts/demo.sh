#!/usr/bin/env bash
# Sets up what is needed and runs the demo: the realtime server in dev mode,
# the desktop app signed in as the host, and a publisher that plays out a
# marketplace day (booking requests, chat, a confirmation, a cancellation)
# every few seconds. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${DESKTOP_PACKAGES[@]}"

echo "Building (the first time takes several minutes)..."
build_ui
cargo build --quiet -p urutibiz-realtime-server -p urutibiz-client -p urutibiz-desktop --bins
cargo build --quiet -p urutibiz-realtime-server --example marketplace_day

mkdir -p target/demo
rm -f target/demo/realtime.db*
port="${DEMO_PORT:-8080}"
base="http://127.0.0.1:$port"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
./target/debug/realtime-server serve --dev --bind "127.0.0.1:$port" --db target/demo/realtime.db \
    >/dev/null 2>target/demo/server.log &
pids+=($!)
for _ in $(seq 50); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
echo "Server on $base (log: target/demo/server.log)"
host_token=$(./target/debug/realtime-server token --dev --sub host-amina --role host --ttl 12h)

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "Starting the desktop app, signed in as host-amina: watch the tray bell and the notifications."
    ./target/debug/urutibiz-desktop --token "$host_token" --server "$base" 2>target/demo/app.log &
    pids+=($!)
else
    echo "No graphical session here: showing the host's events with the command-line client instead."
    ./target/debug/realtime-client listen --url "$base" --token "$host_token" &
    pids+=($!)
fi
sleep 2
./target/debug/examples/marketplace_day "$base" --loop
