#!/usr/bin/env bash
# How fast can several server nodes append to one event log in PostgreSQL
# while positions become visible in commit order? (issue 19's design)
#
#   bench/pg-sequencer.sh [SECONDS]
#
# Starts a throwaway PostgreSQL (scripts/postgres.sh: fsync and
# synchronous_commit on, as shipped) and runs pgbench with one client per
# node writer (1 and 3) and batches of 1, 8 and 64 events per transaction
# (a node's group commit), for three ways of numbering events:
#   sequencer: one row updated by the transaction's last statement, which
#              inserts the batch at the positions it took; the row lock is
#              held through COMMIT, so positions become visible in order;
#   +notify:   the same with NOTIFY inside the transaction (it takes a
#              database-wide lock at commit);
#   sequence:  a plain SEQUENCE (an upper bound: 11 may commit before 10,
#              which a client resuming from 11 would never see).
# Prints events/s and the mean transaction latency for each.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
source scripts/postgres.sh
start_postgres
trap stop_postgres EXIT
work=$(mktemp -d -t rt-pgbench.XXXXXX)
chmod 755 "$work"
psql -q "$PG_URL" <<'SQL'
CREATE TABLE sequencer (id int PRIMARY KEY, head bigint NOT NULL);
INSERT INTO sequencer VALUES (1, 0);
CREATE TABLE events (seq bigint PRIMARY KEY, payload text NOT NULL);
CREATE SEQUENCE event_seq;
CREATE TABLE events_unordered (seq bigint PRIMARY KEY DEFAULT nextval('event_seq'), payload text NOT NULL);
SQL
payload=$(python3 -c 'print("x" * 300)')
cat > "$work/sequencer.sql" <<SQL
BEGIN;
WITH s AS (UPDATE sequencer SET head = head + :batch WHERE id = 1 RETURNING head)
INSERT INTO events (seq, payload) SELECT s.head - :batch + g, '$payload' FROM s, generate_series(1, :batch) g;
COMMIT;
SQL
cat > "$work/notify.sql" <<SQL
BEGIN;
WITH s AS (UPDATE sequencer SET head = head + :batch WHERE id = 1 RETURNING head)
INSERT INTO events (seq, payload) SELECT s.head - :batch + g, '$payload' FROM s, generate_series(1, :batch) g;
NOTIFY events_appended;
COMMIT;
SQL
cat > "$work/sequence.sql" <<SQL
INSERT INTO events_unordered (payload) SELECT '$payload' FROM generate_series(1, :batch);
SQL
printf '| numbering | writers | events per commit | events/s | commits/s | mean commit latency |\n'
printf '|---|---|---|---|---|---|\n'
for script in sequencer notify sequence; do
    for writers in 1 3; do
        for batch in 1 8 64; do
            result=$(pgbench -n -f "$work/$script.sql" -D batch=$batch -c "$writers" -j "$writers" -T "$seconds" "$PG_URL" 2>&1)
            tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$result")
            latency=$(sed -n 's/^latency average = \([0-9.]* ms\).*/\1/p' <<<"$result")
            events=$(python3 -c "print(f'{float(\"$tps\") * $batch:,.0f}')")
            label=$script; [ "$script" = notify ] && label="sequencer +notify"
            printf '| %s | %s | %s | %s | %.0f | %s |\n' "$label" "$writers" "$batch" "$events" "$tps" "$latency"
        done
    done
done
rm -rf "$work"
