#!/usr/bin/env bash
# RSS per idle connection of one server binary, alone on the machine:
#
#   bench/idle-rss.sh BINARY N [native|socketio]
#
# Starts BINARY on a fresh database, opens N connections with the kit's
# load generator (built by a first ../shared/bench-kit/run.sh), holds them,
# and prints the generator's JSON line (`rss_per_conn_kb`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,8p' "$0"; exit 2; }
bin=$1 n=$2 proto=${3:-native}
loadgen=target/bench-kit/tools/loadgen/target/release/loadgen
[ -x "$loadgen" ] || { echo "no $loadgen: run ../shared/bench-kit/run.sh once" >&2; exit 1; }
dir=$(mktemp -d -t rt-idle.XXXXXX)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
export JWT_SECRET=bench-secret-0123456789abcdef0123456789
"$bin" serve --bind 127.0.0.1:0 --db "$dir/rt.db" --max-connections $((n + 1000)) \
    --max-connections-per-ip $((n + 1000)) >"$dir/out" 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$dir/out")
[ -n "$port" ] || { cat "$dir/log" >&2; exit 1; }
sleep 1
"$loadgen" --proto "$proto" --port "$port" connect -n "$n" --server-pid "$pid" --hold-secs 3 2>"$dir/loadgen.err" | tail -1
