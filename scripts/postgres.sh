# Sourced: a throwaway PostgreSQL for tests and benchmarks, from Debian's
# `postgresql` package. initdb and pg_ctl refuse to run as root, so the
# cluster belongs to the `postgres` system user; it listens on a Unix
# socket in its own directory only (no TCP port), and goes away with it.
#
#   source scripts/postgres.sh
#   start_postgres            # sets PG_DIR, PG_SOCKET, PG_URL
#   psql "$PG_URL" -c 'select 1'
#   stop_postgres
#
# Extra server settings can be passed to start_postgres: `-c name=value`.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

start_postgres() {
    [ -x "$pg_bin/initdb" ] || { echo "PostgreSQL is not installed (Debian package: postgresql)" >&2; return 1; }
    PG_DIR=$(mktemp -d -t rt-pg.XXXXXX)
    chown postgres: "$PG_DIR" 2>/dev/null || true
    PG_SOCKET=$PG_DIR
    as_postgres "$pg_bin/initdb" -D "$PG_DIR/data" -U postgres -A trust --no-sync >/dev/null
    as_postgres "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
        "-c listen_addresses='' -k $PG_SOCKET $*" start >/dev/null
    PG_URL="postgresql://postgres@localhost/postgres?host=$PG_SOCKET"
    export PG_DIR PG_SOCKET PG_URL
}

stop_postgres() {
    [ -n "${PG_DIR:-}" ] || return 0
    as_postgres "$pg_bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    unset PG_DIR PG_SOCKET PG_URL
}
