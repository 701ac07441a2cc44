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

# A port nothing listens on (bash's /dev/tcp: no python or netcat needed on a fresh machine),
# below the kernel's ephemeral range, where outgoing connections take their source ports
# (a connect test cannot see those, and they would make the bind fail).
free_port() {
    local p low
    low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    for _ in $(seq 1 200); do
        p=$((10000 + RANDOM % (low - 10000)))
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
    chosen=${3:-$(cat "$dir/port" 2>/dev/null || true)}
    for attempt in 1 2 3 4 5; do
        port=${chosen:-$(free_port)}
        echo "$port" >"$dir/port"
        as_pg "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 && break
        as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 60 \
            -o "-k $dir -h 127.0.0.1 -p $port ${PG_OPTS:-}" start >/dev/null && break
        # a port taken meanwhile: try another, unless the caller asked for this one
        if [ -n "$chosen" ] || [ "$attempt" = 5 ]; then
            tail -20 "$dir/pg.log" >&2
            exit 1
        fi
    done
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
