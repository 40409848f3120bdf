#!/usr/bin/env bash
# Sets up what is needed and runs the demo: a development OpenID provider
# (dev-idp/, with the users host-amina "Amina" and renter-jean "Jean"), the
# realtime server verifying its tokens, the desktop app (sign in as
# host-amina through the browser), and a publisher that plays out a
# marketplace day (booking requests, chat, a confirmation, a cancellation)
# every few seconds; and the web demo page (web/demo) with the bell on the
# Socket.IO endpoint, at http://127.0.0.1:5173. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/packages.sh
ensure_packages "${BUILD_PACKAGES[@]}" "${DESKTOP_PACKAGES[@]}"

echo "Building (the first time takes several minutes)..."
build_ui
install_dev_idp
install_web
cargo build --quiet -p urutibiz-realtime-server -p urutibiz-client -p urutibiz-desktop --bins
cargo build --quiet -p urutibiz-realtime-server --example marketplace_day

mkdir -p target/demo
rm -f target/demo/realtime.db*
port="${DEMO_PORT:-8080}"
idp_port="${DEMO_IDP_PORT:-8081}"
web_port="${DEMO_WEB_PORT:-5173}"
web="http://127.0.0.1:$web_port"
base="http://127.0.0.1:$port"
issuer="http://127.0.0.1:$idp_port"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
node dev-idp/server.mjs --port "$idp_port" >/dev/null 2>target/demo/idp.log &
pids+=($!)
for _ in $(seq 50); do curl -fsS "$issuer/.well-known/openid-configuration" >/dev/null 2>&1 && break; sleep 0.1; done
echo "OpenID provider on $issuer (log: target/demo/idp.log)"
# People's tokens come from the provider (keys by JWKS); --dev keeps the
# built-in secret for the publisher's own backend tokens.
./target/debug/realtime-server serve --dev --bind "127.0.0.1:$port" --db target/demo/realtime.db \
    --jwt-algorithm RS256 --jwks-discover --jwt-issuer "$issuer" --jwt-audience urn:urutibiz:realtime \
    --cors-origins "$web" >/dev/null 2>target/demo/server.log &
pids+=($!)
for _ in $(seq 50); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
echo "Server on $base (log: target/demo/server.log)"
(cd web && VITE_REALTIME_URL="$base" exec npx vite --config demo/vite.config.ts --port "$web_port" --logLevel warn) \
    >target/demo/web.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fsS "$web" >/dev/null 2>&1 && break; sleep 0.1; done
echo "Web demo on $web: sign in as host-amina to see the same notifications in the browser's bell"
host_token=$(./target/debug/realtime-server token --dev --sub host-amina --role host --name Amina --ttl 12h)

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "Starting the desktop app. Click \"Sign in with UrutiBiz\": your browser opens the"
    echo "provider's page; sign in as host-amina (any password). Then watch the tray bell and the"
    echo "notifications. (No browser? Start it with --token \"\$(realtime-server token --dev --sub host-amina --role host)\".)"
    xdg-open "$web" >/dev/null 2>&1 || true
    ./target/debug/urutibiz-desktop --no-autostart --server "$base" --issuer "$issuer" 2>target/demo/app.log &
    pids+=($!)
else
    echo "No graphical session here: showing the host's events with the command-line client instead."
    ./target/debug/realtime-client listen --url "$base" --token "$host_token" &
    pids+=($!)
fi
sleep 2
./target/debug/examples/marketplace_day "$base" --loop
