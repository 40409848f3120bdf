#!/usr/bin/env bash
# Clustered mode against the embedded default, under the bench kit's load
# generator and the same load, in one run:
#   embedded   one node on its own SQLite file (the default)
#   pg-1       one node on PostgreSQL
#   pg-3       three nodes on one PostgreSQL behind HAProxy (TCP,
#              round-robin, /healthz checks: server/deploy/cluster/haproxy.cfg
#              with loopback addresses), clients and publishes spread by it
#
#   bench/cluster.sh fanout 2000 100
#   bench/cluster.sh unicast 2000 20000 --rate 2000
#
# Everything shares the machine's two cores: PostgreSQL (fsync on, as the
# SQLite runs), the nodes, HAProxy and the load generator. The kit's own
# CPU columns measure the process on the port (the node, or HAProxy), so
# this script also reads each node's CPU from /proc over the whole run
# (connections and phase) and its delivered frames from /metrics, and
# prints CPU per delivered frame per node: the figure to compare across
# layouts. Needs target/release/realtime-server, the kit's load generator
# (built by the kit's first run) and the Debian packages postgresql and
# haproxy.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { sed -n '2,12p' "$0"; exit 2; }
loadgen=$PWD/target/bench-kit/tools/loadgen/target/release/loadgen
server=$PWD/target/release/realtime-server
[ -x "$loadgen" ] || { echo "no load generator: run ../shared/bench-kit/run.sh once" >&2; exit 1; }
[ -x "$server" ] || { echo "no release build: cargo build --release -p urutibiz-realtime-server" >&2; exit 1; }
command -v haproxy >/dev/null || { echo "HAProxy is not installed (Debian package: haproxy)" >&2; exit 1; }
export JWT_SECRET=bench-cluster-secret-0123456789abcdef
ticks=$(getconf CLK_TCK)
source scripts/postgres.sh

work=$(mktemp -d -t rt-cluster-bench.XXXXXX)
pids=()
stop_all() {
    [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
    [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}" 2>/dev/null || true
    pids=()
}
trap 'stop_all; stop_postgres; rm -rf "$work"' EXIT
start_postgres -c max_connections=200

cpu_seconds() { # pid -> user+system seconds
    awk -v t="$ticks" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"
}
postgres_cpu() { # every process of the postgres user
    local pid sum=0
    for pid in $(pgrep -u postgres); do
        sum=$(awk -v s="$sum" -v t="$ticks" '{printf "%.2f", s + ($14 + $15) / t}' "/proc/$pid/stat" 2>/dev/null || echo "$sum")
    done
    echo "$sum"
}
metric() { # addr name
    curl -s "http://$1/metrics" | awk -v n="$2" '$1 == n {print $2}'
}

# Starts a node with extra flags; sets node_pid and node_addr.
start_node() { # name flags...
    local name=$1 log=$work/$1.out
    shift
    "$server" serve --bind 127.0.0.1:0 --db "$work/$name.db" "$@" >"$log" 2>"$work/$name.log" &
    node_pid=$!
    pids+=("$node_pid")
    for _ in $(seq 1 100); do
        node_addr=$(sed -n 's|^listening on http://||p' "$log")
        [ -n "$node_addr" ] && return 0
        sleep 0.1
    done
    echo "node $name did not start: $(cat "$work/$name.log")" >&2
    exit 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs the load generator at $1 (addr) with the kit's CPU columns read
# from pid $2; prints one result line for the layout.
measure() { # layout addr pid nodes...
    local layout=$1 addr=$2 pid=$3
    shift 3
    local nodes=("$@") before=() node_pids=() addr_of=() n
    for n in "${nodes[@]}"; do
        node_pids+=("${n%@*}") addr_of+=("${n#*@}")
        before+=("$(cpu_seconds "${n%@*}")")
    done
    local pg_before
    pg_before=$(postgres_cpu)
    sleep 1
    "$loadgen" "${scenario[@]}" --port "${addr##*:}" --server-pid "$pid" --label "$layout" --event bench \
        >"$work/$layout.json" 2>"$work/$layout.loadgen.log" ||
        { echo "$layout: the load generator failed:" >&2; tail -5 "$work/$layout.loadgen.log" >&2; return 0; }
    local pg_after per_node=() i total_cpu=0 total_frames=0
    pg_after=$(postgres_cpu)
    for i in "${!node_pids[@]}"; do
        local cpu frames conns
        cpu=$(awk -v a="$(cpu_seconds "${node_pids[$i]}")" -v b="${before[$i]}" 'BEGIN {printf "%.2f", a - b}')
        frames=$(metric "${addr_of[$i]}" realtime_frames_out_total)
        conns=$(metric "${addr_of[$i]}" realtime_connections)
        per_node+=("node$((i + 1)): ${cpu}s, ${frames:-0} frames, ${conns:-0} sockets at the end")
        total_cpu=$(awk -v a="$total_cpu" -v b="$cpu" 'BEGIN {print a + b}')
        total_frames=$((total_frames + ${frames:-0}))
    done
    python3 - "$work/$layout.json" "$layout" "$total_cpu" "$total_frames" \
        "$(awk -v a="$pg_after" -v b="$pg_before" 'BEGIN {printf "%.2f", a - b}')" "${per_node[@]}" <<'EOF'
import json, sys
path, layout, cpu, frames, pg = sys.argv[1:6]
per_node = sys.argv[6:]
d = json.loads(open(path).read().strip().splitlines()[-1])
lat = f"p50 {d.get('lat_p50_us', 0) / 1000:.1f} / p99 {d.get('lat_p99_us', 0) / 1000:.1f} ms"
# The kit's own verdict: no loss, duplicate, error or timeout.
clean = bool(d.get("ok"))
frames = int(frames)
per = f"{float(cpu) * 1e6 / frames:.1f} µs" if frames else "-"
print(f"| {layout} | {d.get('delivered')}/{d.get('expected')} {'clean' if clean else 'NOT CLEAN'} | {lat} "
      f"| {float(cpu):.2f} s over {frames} frames: {per} per frame | {pg} s | "
      f"{d.get('phase_server_cpu_s')} s / {d.get('phase_other_cpu_s')} s | {'; '.join(per_node)} |")
EOF
}

# The kit's arguments: SCENARIO N [K] [loadgen options...].
name=$1 n=$2
shift 2
third=""
if [ $# -gt 0 ] && [[ $1 != -* ]]; then third=$1; shift; fi
case "$name" in
    fanout) scenario=(fanout -n "$n" -k "${third:-50}") ;;
    unicast) scenario=(unicast -n "$n" -k "${third:-20000}") ;;
    chat) scenario=(chat -n "$n" -m "${third:-50}") ;;
    *) echo "scenarios: fanout, unicast, chat" >&2; exit 2 ;;
esac
scenario+=("$@")
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "| layout | delivered | e2e latency | nodes' CPU, whole run | PostgreSQL CPU | kit: port process / others in phase | per node |"
echo "|---|---|---|---|---|---|---|"

start_node embedded
measure embedded "$node_addr" "$node_pid" "$node_pid@$node_addr"
stop_all

psql -q "$PG_URL" -c "CREATE DATABASE bench_one"
start_node pg1 --database-url "postgresql://postgres@localhost/bench_one?host=$PG_SOCKET"
measure pg-1 "$node_addr" "$node_pid" "$node_pid@$node_addr"
stop_all

psql -q "$PG_URL" -c "CREATE DATABASE bench_three"
nodes=() servers=""
for i in 1 2 3; do
    start_node "pg3-$i" --database-url "postgresql://postgres@localhost/bench_three?host=$PG_SOCKET"
    nodes+=("$node_pid@$node_addr")
    servers+="    server node$i $node_addr check"$'\n'
done
port=$(free_port)
# The deployment's config, with this machine's addresses.
sed -e "s|bind :8080|bind 127.0.0.1:$port|" -e '/^    server node/d' -e 's/maxconn 200000/maxconn 9000/' \
    server/deploy/cluster/haproxy.cfg >"$work/haproxy.cfg"
printf '%s' "$servers" >>"$work/haproxy.cfg"
haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=("$haproxy_pid")
for _ in $(seq 1 50); do
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
    sleep 0.1
done
measure pg-3 "127.0.0.1:$port" "$haproxy_pid" "${nodes[@]}"
stop_all
