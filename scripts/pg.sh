#!/usr/bin/env bash
# A PostgreSQL 15 cluster owned by the `postgres` user in a directory we choose
# (initdb refuses to run as root). Usage:
#   scripts/pg.sh start DIR [PORT]   -> prints the DATABASE_URL on stdout
#   scripts/pg.sh stop DIR
#   scripts/pg.sh url DIR
# Extra server settings can be passed in PG_OPTS (e.g. "-c fsync=off").
set -euo pipefail

BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || pg_config --bindir)}
cmd=${1:?usage: pg.sh start|stop|url DIR [PORT]}
dir=$(realpath -m "${2:?missing DIR}")
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# postgres must be able to walk down to its directory even when it lies under /root:
# grant search (x) permission, never read, on each ancestor that lacks it.
let_postgres_reach() {
    local d
    d=$(dirname "$1")
    while [ "$d" != "/" ]; do
        runuser -u postgres -- test -x "$d" 2>/dev/null || chmod o+x "$d"
        d=$(dirname "$d")
    done
}

# A port nothing listens on (bash's /dev/tcp: no python or netcat needed on a fresh machine).
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    echo "no free port found" >&2
    return 1
}

case "$cmd" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    [ "$(id -u)" -eq 0 ] && let_postgres_reach "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        as_pg "$BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
            --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    port=${3:-}
    [ -n "$port" ] || port=$(cat "$dir/port" 2>/dev/null || free_port)
    echo "$port" >"$dir/port"
    if ! as_pg "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 \
            -o "-k $dir -h 127.0.0.1 -p $port ${PG_OPTS:-}" start >/dev/null ||
            { tail -20 "$dir/pg.log" >&2; exit 1; }
    fi
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    [ -d "$dir/data" ] && as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
url)
    echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
    ;;
*)
    echo "unknown command $cmd" >&2
    exit 2
    ;;
esac
