#!/usr/bin/env bash
# Compares two server builds (or settings) under the shared kit, rounds
# interleaved so the noisy machine weighs on both alike.
#
#   bench/ab.sh ROUNDS 'A' 'B' SCENARIO [ARGS...]
#
# A and B are how to start the server: a binary, optionally preceded by
# environment settings, e.g.
#   bench/ab.sh 3 target/base/release/realtime-server target/release/realtime-server chat 1000 50 --interval-ms 200
#   bench/ab.sh 2 'REALTIME_WORKER_THREADS=2 target/release/realtime-server' target/release/realtime-server unicast 2000 20000 --rate 2000
# A variant that names DATABASE_URL={pg} runs in clustered mode on a fresh
# database of a PostgreSQL this script starts (scripts/postgres.sh; fsync
# on, as the SQLite runs), e.g.
#   bench/ab.sh 3 target/release/realtime-server 'DATABASE_URL={pg} target/release/realtime-server' chat 1000 50 --interval-ms 200
# Prints per round and variant: server CPU in the phase, the other
# processes' (PostgreSQL's, in clustered mode), latency p50/p99,
# whether the run was clean, and the WAL's size at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 4 ] || { sed -n '2,12p' "$0"; exit 2; }
rounds=$1 a=$2 b=$3
shift 3
kit=../shared/bench-kit/run.sh
# The kit starts servers from its own directory: make paths absolute.
absolute() {
    local word out=()
    for word in $1; do
        [[ $word == */* && $word != /* && $word != *=* ]] && word=$PWD/$word
        out+=("$word")
    done
    echo "${out[*]}"
}
a=$(absolute "$a") b=$(absolute "$b")
if [[ "$a $b" == *"{pg}"* ]]; then
    source scripts/postgres.sh
    start_postgres -c max_connections=200
    trap stop_postgres EXIT
fi
for round in $(seq 1 "$rounds"); do
    for variant in A B; do
        start=$a
        [ "$variant" = B ] && start=$b
        db_dir=$(mktemp -d -t rt-ab.XXXXXX)
        if [[ $start == *"{pg}"* ]]; then
            database="ab_${round}_${variant,,}"
            psql -q "$PG_URL" -c "CREATE DATABASE $database"
            start=${start//\{pg\}/"postgresql://postgres@localhost/$database?host=$PG_SOCKET"}
        fi
        export PROJECT_CMD="exec env $start serve --bind 127.0.0.1:\$PORT --db $db_dir/rt.db --first-contact-chats"
        table=$(TARGETS=project timeout 600 "$kit" "$@" 2>&1 | grep '^|' || true)
        cell() { grep -E "$1" <<<"$table" | awk -F'|' '{gsub(/ /, "", $3); print $3}' | paste -sd/; }
        wal=$(stat -c %s "$db_dir/rt.db-wal" 2>/dev/null || echo 0)
        echo "$1 round $round $variant: cpu $(cell 'server CPU in phase')s other $(cell 'other processes CPU in phase')s" \
            "latency $(cell 'sender->recipient p(50|99) |e2e latency p(50|99)')" \
            "clean $(cell clean) wal ${wal}B"
        rm -rf "$db_dir"
    done
done
