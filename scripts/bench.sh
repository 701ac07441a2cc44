#!/usr/bin/env bash
# `make bench`: the service's throughput, latency and memory under load, beside what
# PostgreSQL itself does with the same statements at the same concurrency.
#
#  1. builds the release binary (`make`: -O2) and starts a throwaway PostgreSQL 15 with
#     durable settings (fsync, synchronous_commit and full_page_writes on), larger
#     shared_buffers/max_connections/max_wal_size, and pg_stat_statements;
#  2. loads the data set straight into the tables (tests/bench/load_*.sql): NPATIENTS
#     patients with a year of pain and dose entries, NCOHORT more with stored risk results
#     on one clinician's care team; then the schema's derived state and VACUUM ANALYZE;
#  3. starts the service (rate limit off, log level warn) and captures, with
#     log_statement=all for a moment, the statements one real request of each scenario
#     runs; tests/bench/benchlib.py turns them into pgbench scripts (same SQL, same
#     parameters, a random patient and fresh entry ids per transaction);
#  4. for each scenario and connection count: wrk (tests/bench/oihwatch.lua) after a
#     warm-up, then pgbench with the captured statements at the same concurrency;
#     the server's VmRSS/VmHWM during and after the runs at the highest count;
#  5. a soak of mixed load at the highest connection count, VmRSS every 10 s;
#  6. prints one table (also build/bench/results.md) with PASS/FAIL for the targets,
#     and where the database time goes (pg_stat_statements).
# Everything is torn down on exit (BENCH_KEEP=1 keeps the cluster).
#
# Environment (defaults in brackets):
#   BENCH_SECONDS [10]           seconds per measured run
#   BENCH_WARMUP [2]             seconds of warm-up before each run
#   BENCH_CONNECTIONS ["16 64"]  connection counts (wrk -c, pgbench -c)
#   BENCH_COHORT_CONNECTIONS ["4" + BENCH_CONNECTIONS]  the cohort list's counts: a clinic's
#                                dashboards, not 16 clients polling it flat out; its p99
#                                target is judged at the lowest
#   SOAK_SECONDS [300]           soak length (0 skips it)
#   BENCH_KEEP [0]               1: keep the PostgreSQL cluster running afterwards
#   BENCH_SCENARIOS ["trend risk cohort pain_one batch100 batch1000"]
#   BENCH_NPATIENTS [2000], BENCH_NCOHORT [10000], BENCH_DAYS [365]
#   BENCH_PGBENCH_FULL [0]       1: also run pgbench with every statement of the request
#                                (token lookup, visibility check) as a second ceiling
#   BENCH_SOAK_TOLERANCE_KIB [1024]  RSS growth over the soak still counted as "no growth"
#   BENCH_STRICT [0]             1: exit 3 when a target fails
#   OIHWATCH_THREADS, OIHWATCH_DB_POOL, OIHWATCH_RISK_WORKER: passed to the service
set -Eeuo pipefail
trap 'echo "bench: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

SECS=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-"16 64"}
SOAK=${SOAK_SECONDS:-300}
KEEP=${BENCH_KEEP:-0}
SCENARIOS=${BENCH_SCENARIOS:-"trend risk cohort pain_one batch100 batch1000"}
NPATIENTS=${BENCH_NPATIENTS:-2000}
NCOHORT=${BENCH_NCOHORT:-10000}
DAYS=${BENCH_DAYS:-365}
PGBENCH_FULL=${BENCH_PGBENCH_FULL:-0}
SOAK_TOL_KIB=${BENCH_SOAK_TOLERANCE_KIB:-1024}
ZONES='{UTC,America/Chicago,Europe/Berlin,Asia/Kolkata}' # patient n gets zone n % 4 + 1
OUT=build/bench
RAW=$OUT/raw
LUA=tests/bench/oihwatch.lua
COHORT_CONNS=${BENCH_COHORT_CONNECTIONS:-"4 $CONNS"}
MAXC=$(printf '%s\n' $CONNS | sort -n | tail -1)
# pgbench speaks the protocol the service does: prepared statements unless turned off
PGB_PROTO=$([ "${OIHWATCH_PREPARED_STATEMENTS:-1}" = 0 ] && echo extended || echo prepared)

say() { printf '%s\n' "$*"; }
step() { printf '\n==> %s\n' "$*"; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# --- dependencies and build ----------------------------------------------------------

step "dependencies and release build"
scripts/deps.sh run
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v pgbench >/dev/null || missing+=(postgresql-15)
command -v python3 >/dev/null || missing+=(python3)
command -v ss >/dev/null || missing+=(iproute2)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing: ${missing[*]}; run as root or install them"
    say "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install \
        -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi
PGSHARE=$(/usr/lib/postgresql/15/bin/pg_config --sharedir 2>/dev/null || echo /usr/share/postgresql/15)
[ -f "$PGSHARE/extension/pg_stat_statements.control" ] ||
    die "pg_stat_statements is not installed (postgresql-15 contrib)"
make -s -j"$(nproc)" all
BIN=build/oihwatch
VERSION=$(git describe --always --dirty 2>/dev/null || echo unknown)
say "source $VERSION; $("$BIN" version)"

# --- cluster ---------------------------------------------------------------------------

WORK=$(mktemp -d /tmp/oihwatch-bench.XXXXXX)
SVC_PID=
SAMPLER_PID=
WRK_PID=
cleanup() {
    local rc=$?
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
    [ -f "$WORK/service.log" ] && [ -d "$RAW" ] && cp "$WORK/service.log" "$RAW/service.log"
    [ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null
    if [ -n "$SVC_PID" ] && kill -0 "$SVC_PID" 2>/dev/null; then
        kill -TERM "$SVC_PID" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$SVC_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SVC_PID" 2>/dev/null || true
    fi
    if [ "$KEEP" = 1 ] && [ -f "$WORK/port" ]; then
        say ""
        say "BENCH_KEEP=1: the cluster is still running: psql $(scripts/pg.sh url "$WORK")"
        say "  (service log: $WORK/service.log; PostgreSQL log: $WORK/data/log/)"
        say "  stop it with: scripts/pg.sh stop $WORK && rm -rf $WORK"
    else
        scripts/pg.sh stop "$WORK" 2>/dev/null || true
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$RAW"
mkdir -p "$RAW"

step "PostgreSQL 15 with durable settings"
# Durability stays on (fsync, synchronous_commit, full_page_writes are the defaults and
# are set explicitly); what changes is memory, connections and checkpoint spacing.
export PG_OPTS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on
 -c shared_buffers=1GB -c max_connections=300 -c max_wal_size=8GB -c min_wal_size=1GB
 -c checkpoint_timeout=30min -c checkpoint_completion_target=0.9 -c wal_buffers=64MB
 -c effective_cache_size=4GB -c shared_preload_libraries=pg_stat_statements
 -c pg_stat_statements.max=5000 -c logging_collector=on -c log_destination=stderr,csvlog
 -c log_directory=log -c log_filename=postgresql.log -c log_rotation_size=0"
PG_OPTS=$(printf '%s' "$PG_OPTS" | tr '\n' ' ')
ADMIN_URL=$(scripts/pg.sh start "$WORK")
PORT=$(cat "$WORK/port")
SVC_URL="postgresql://oihwatch@127.0.0.1:$PORT/postgres"
PGB_URL="postgresql://bench_pgbench@127.0.0.1:$PORT/postgres"
CSV="$WORK/data/log/postgresql.csv"
q() { psql "$ADMIN_URL" -qAtX -v ON_ERROR_STOP=1 "$@"; }
# The service and pgbench connect as their own roles, so pg_stat_statements tells them apart.
q -c "CREATE ROLE oihwatch LOGIN SUPERUSER" -c "CREATE ROLE bench_pgbench LOGIN SUPERUSER" \
    -c "CREATE EXTENSION pg_stat_statements"
q -c "SELECT format('PostgreSQL %s: fsync=%s synchronous_commit=%s full_page_writes=%s
    wal_sync_method=%s shared_buffers=%s max_connections=%s', current_setting('server_version'),
    current_setting('fsync'), current_setting('synchronous_commit'),
    current_setting('full_page_writes'), current_setting('wal_sync_method'),
    current_setting('shared_buffers'), current_setting('max_connections'))" | tr -s ' \n' ' '
echo

export DATABASE_URL=$SVC_URL
unset DATABASE_READ_URL OIHWATCH_TLS_CERT OIHWATCH_TLS_KEY
"$BIN" migrate 2>&1 | tail -1
ADMIN_TOKEN=$("$BIN" token create --role admin --name bench-admin 2>/dev/null)
CLIN_TOKEN=$("$BIN" token create --role clinician --name bench-clinician 2>/dev/null)
CLIN_ID=$(q -c "SELECT principal_id FROM tokens
                WHERE token_hash = sha256(convert_to('$CLIN_TOKEN', 'UTF8'))")
[ -n "$CLIN_ID" ] || die "could not find the clinician's principal"

# --- data ------------------------------------------------------------------------------

step "loading $NPATIENTS patients x $DAYS days of entries, $NCOHORT cohort patients"
t_load=$EPOCHREALTIME
vars=(-v npatients="$NPATIENTS" -v ncohort="$NCOHORT" -v days="$DAYS" -v zones="$ZONES"
    -v clinician="$CLIN_ID")
q "${vars[@]}" -f tests/bench/load_base.sql
# pain and dose in parallel: one backend each, two cores
q "${vars[@]}" -f tests/bench/load_pain.sql &
p1=$!
q "${vars[@]}" -f tests/bench/load_dose.sql &
p2=$!
fail=0
wait "$p1" || fail=1
wait "$p2" || fail=1
[ "$fail" = 0 ] || die "loading entries failed"
t_entries=$EPOCHREALTIME
# Derived state the schema keeps per write (e.g. a daily rollup): if the schema has a
# rebuild function, the bulk load must call it, as the API path would have kept it.
derived="none"
if [ "$(q -c "SELECT to_regproc('oih_rebuild_days') IS NOT NULL")" = t ]; then
    q -c "SELECT oih_rebuild_days()" >/dev/null
    derived="oih_rebuild_days()"
fi
# every loaded patient gets a stored risk result from the worker before measuring
q -c "INSERT INTO risk_dirty (patient_id) SELECT md5('p' || n)::uuid
      FROM generate_series(1, $NPATIENTS) AS n ON CONFLICT DO NOTHING"
t_derived=$EPOCHREALTIME
q -c "VACUUM (ANALYZE)"
t_done=$EPOCHREALTIME
PAIN_ROWS=$(q -c "SELECT count(*) FROM pain_entries")
DOSE_ROWS=$(q -c "SELECT count(*) FROM dose_entries")
LOAD_S=$(elapsed "$t_load" "$t_done")
say "loaded $PAIN_ROWS pain and $DOSE_ROWS dose entries in $LOAD_S s" \
    "(entries $(elapsed "$t_load" "$t_entries") s, derived state [$derived]" \
    "$(elapsed "$t_entries" "$t_derived") s, VACUUM ANALYZE $(elapsed "$t_derived" "$t_done") s)"
q -c "SELECT md5('p' || n)::uuid FROM generate_series(1, $NPATIENTS) AS n" >"$WORK/patients.txt"

# --- service ---------------------------------------------------------------------------

step "service"
env OIHWATCH_LISTEN=127.0.0.1:0 OIHWATCH_RATE_LIMIT=0 OIHWATCH_LOG_LEVEL=warn \
    "$BIN" serve >"$WORK/service.log" 2>&1 &
SVC_PID=$!
HTTP_PORT=
for _ in $(seq 1 300); do
    kill -0 "$SVC_PID" 2>/dev/null || { tail -5 "$WORK/service.log" >&2; die "the service exited"; }
    HTTP_PORT=$(ss -Hltnp 2>/dev/null | awk -v p="pid=$SVC_PID," 'index($0, p) { n = split($4, a, ":"); print a[n]; exit }')
    [ -n "$HTTP_PORT" ] && curl -fs "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null && break
    HTTP_PORT=
    sleep 0.1
done
[ -n "$HTTP_PORT" ] || die "the service did not become ready"
BASE="http://127.0.0.1:$HTTP_PORT"
THREADS=${OIHWATCH_THREADS:-8}
POOL=${OIHWATCH_DB_POOL:-$THREADS}
say "pid $SVC_PID on $BASE: $THREADS threads, pool $POOL, risk worker ${OIHWATCH_RISK_WORKER:-1}"
if [ "${OIHWATCH_RISK_WORKER:-1}" != 0 ]; then
    t0=$EPOCHREALTIME
    for _ in $(seq 1 600); do
        [ "$(q -c "SELECT count(*) FROM risk_dirty")" = 0 ] && break
        sleep 0.5
    done
    say "risk worker computed the loaded patients in $(elapsed "$t0" "$EPOCHREALTIME") s" \
        "(backlog now $(q -c "SELECT count(*) FROM risk_dirty"))"
fi

RSS_IDLE=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$SVC_PID/status")
say "server VmRSS before any load: $((RSS_IDLE / 1024)) MiB"

# --- capture the service's statements for pgbench ---------------------------------------

step "capturing the statements of one request per scenario"
patient_n() { q -c "SELECT md5('p' || $1)::uuid"; } # n % 4 == 1: America/Chicago
declare -A CAP_N=([trend]=1 [risk]=5 [cohort]=0 [pain_one]=9 [batch100]=13 [batch1000]=17)
declare -A CAP_PREFIX=([pain_one]=cafe0001-0000-4000-8000 [batch100]=cafe0100-0000-4000-8000
    [batch1000]=cafe1000-0000-4000-8000)
python3 tests/bench/benchlib.py body --single --prefix "${CAP_PREFIX[pain_one]}" >"$WORK/body_pain_one.json"
python3 tests/bench/benchlib.py body --n 100 --spread 2592000 --prefix "${CAP_PREFIX[batch100]}" >"$WORK/body_batch100.json"
python3 tests/bench/benchlib.py body --n 1000 --spread 2592000 --prefix "${CAP_PREFIX[batch1000]}" >"$WORK/body_batch1000.json"
q -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
declare -A CAP_T0 CAP_T1
for s in $SCENARIOS; do
    n=${CAP_N[$s]:-}
    [ -n "$n" ] || die "unknown scenario $s"
    pid=$([ "$n" != 0 ] && patient_n "$n" || true)
    args=(-H "Authorization: Bearer $ADMIN_TOKEN")
    case $s in
    trend) path=/v1/patients/$pid/trend ;;
    risk) path=/v1/patients/$pid/risk ;;
    cohort) path="/v1/risk?level=moderate"; args=(-H "Authorization: Bearer $CLIN_TOKEN") ;;
    *) path=/v1/patients/$pid/pain-entries
       args+=(-H "Content-Type: application/json" --data-binary "@$WORK/body_$s.json") ;;
    esac
    CAP_T0[$s]=$EPOCHREALTIME
    code=$(curl -s -o "$WORK/capture_$s.response" -w '%{http_code}' "${args[@]}" "$BASE$path")
    CAP_T1[$s]=$EPOCHREALTIME
    case $code in 2??) ;; *) die "capture request for $s answered $code: $(head -c 300 "$WORK/capture_$s.response")" ;; esac
    sleep 0.3
done
q -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1 # the logging collector writes asynchronously
for s in $SCENARIOS; do
    n=${CAP_N[$s]}
    if [ "$n" != 0 ]; then
        pid=$(patient_n "$n")
        extra=(--marker "$pid" --patient "$pid" --zone America/Chicago)
    else
        extra=(--marker "$CLIN_ID")
    fi
    python3 tests/bench/benchlib.py capture --csv "$CSV" --name "$s" --t0 "${CAP_T0[$s]}" \
        --t1 "${CAP_T1[$s]}" "${extra[@]}" --zones "$ZONES" --id-prefix "${CAP_PREFIX[$s]:-}" \
        --npatients "$NPATIENTS" --out "$RAW/capture_$s"
done

# --- measuring -------------------------------------------------------------------------

pgss_snapshot() {
    q -c "COPY (SELECT r.rolname, s.queryid, s.calls, s.total_exec_time,
                       regexp_replace(s.query, '\s+', ' ', 'g')
                FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid
                WHERE r.rolname IN ('oihwatch', 'bench_pgbench')) TO STDOUT" >"$1"
}
status_kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SVC_PID/status"; }
start_sampler() { # file interval tag
    (while :; do
        printf '%s %s %s %s\n' "$3" "$(date +%s)" "$(status_kib VmRSS)" "$(status_kib VmHWM)"
        sleep "$2"
    done) >>"$1" 2>/dev/null &
    SAMPLER_PID=$!
}
svc_alive() {
    kill -0 "$SVC_PID" 2>/dev/null && return 0
    local rc=0
    wait "$SVC_PID" 2>/dev/null || rc=$?
    [ "$rc" = 0 ] && die "the service was stopped (interrupted?) during $1"
    tail -20 "$WORK/service.log" >&2
    die "the service exited (status $rc$([ "$rc" -gt 128 ] && echo ", signal $((rc - 128))")) during $1"
}
# CPU time in clock ticks: utime + stime of the service; of the postmaster and its
# children, plus what the postmaster collected from children that exited (pgbench's
# backends end with the run).
svc_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$SVC_PID/stat" 2>/dev/null || echo 0; }
pg_ticks() {
    local pm p line
    pm=$(head -1 "$WORK/data/postmaster.pid")
    for p in "$pm" $(pgrep -P "$pm"); do
        { read -r line <"/proc/$p/stat"; } 2>/dev/null && printf '%s %s\n' "$p" "$line" || true
    done | awk -v pm="$pm" '{ pid = $1; sub(/^[0-9]+ [0-9]+ \(.*\) /, "")
        t += $12 + $13; if (pid == pm) t += $14 + $15 } END { print t + 0 }'
}
TICK=$(getconf CLK_TCK)
TIMEFORMAT='%R %U %S'
# busy ticks of the whole machine (all CPUs): to see what other processes took meanwhile
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
measure() { # tag command...: runs the command, writes raw/cpu_<tag>.env
    local tag=$1 s0 p0 m0 tfile
    shift
    tfile="$WORK/time_$tag"
    s0=$(svc_ticks)
    p0=$(pg_ticks)
    m0=$(machine_ticks)
    { time "$@"; } 2>"$tfile"
    printf 'svc=%s\npg=%s\nmachine=%s\nclient=%s\ntick=%s\n' "$(($(svc_ticks) - s0))" \
        "$(($(pg_ticks) - p0))" "$(($(machine_ticks) - m0))" "$(tail -1 "$tfile")" "$TICK" \
        >"$RAW/cpu_$tag.env"
}
stop_sampler() { [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=; }

# The risk worker recomputes every patient a write marked. Each measured run starts with
# an empty queue, so a run pays for the recomputations its own writes cause and not for
# those of the run before (pgbench's writes mark patients through the same SQL).
drain_backlog() {
    [ "${OIHWATCH_RISK_WORKER:-1}" = 0 ] && return 0
    local i n
    for i in $(seq 1 240); do
        n=$(q -c "SELECT count(*) FROM risk_dirty")
        [ "$n" = 0 ] && return 0
        sleep 0.25
    done
    say "  (risk backlog still $n after 60 s; measuring anyway)"
}

RUN=0
run_wrk() { # mode batch conns seconds outfile
    RUN=$((RUN + 1))
    BENCH_MODE=$1 BENCH_BATCH=$2 BENCH_RUN=$RUN BENCH_TOKEN=$ADMIN_TOKEN \
        BENCH_CLINICIAN_TOKEN=$CLIN_TOKEN BENCH_PATIENT_FILE="$WORK/patients.txt" \
        wrk -t2 -c"$3" -d"$4"s --timeout 10s -s "$LUA" "$BASE" >"$5" 2>&1 || true
}
run_pgbench() { # script conns seconds outfile [logprefix]
    local log=()
    [ -n "${5:-}" ] && log=(-l --log-prefix="$5")
    (cd "$RAW" && pgbench -n -M "$PGB_PROTO" -f "$1" -c "$2" -j 2 -T "$3" "${log[@]}" "$PGB_URL") \
        >"$4" 2>&1 || true
}
wrk_summary() {
    awk '/^WRK_RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
        printf "%8.0f req/s  p50 %6.2f ms  p99 %7.2f ms  errors %d", r["requests"] / (r["duration_us"] / 1e6),
            r["p50_us"] / 1000, r["p99_us"] / 1000, r["err_connect"] + r["err_read"] + r["err_write"] + r["err_status"] + r["err_timeout"] }' "$1"
}
pgbench_summary() {
    awk '/^tps = / { printf "%8.0f tps", $3 } /failed transactions: [1-9]/ { printf " (FAILED: %s)", $0 }
         /^pgbench: error/ { printf " (%s)", $0 }' "$1"
}

# What the machine does without us (another test suite on a shared machine skews everything)
m0=$(machine_ticks); o0=$(( $(svc_ticks) + $(pg_ticks) )); sleep 3
IDLE_OTHER=$(awk -v m="$(( $(machine_ticks) - m0 - $(svc_ticks) - $(pg_ticks) + o0 ))" \
    -v t="$TICK" -v n="$(nproc)" 'BEGIN { printf "%.0f", 100 * m / t / 3 / n }')
say "CPU used by other processes before the runs: ${IDLE_OTHER} % of the machine"

step "runs: ${SECS}s each after ${WARMUP}s warm-up; connections: $CONNS"
for s in $SCENARIOS; do
    case $s in
    batch100) mode=pain_batch batch=100 ;;
    batch1000) mode=pain_batch batch=1000 ;;
    *) mode=$s batch=100 ;;
    esac
    conns=$CONNS
    [ "$s" = cohort ] && conns=$COHORT_CONNS
    for c in $conns; do
        run_wrk "$mode" "$batch" "$c" "$WARMUP" /dev/null
        svc_alive "the $s warm-up at $c connections"
        drain_backlog
        pgss_snapshot "$RAW/pgss_before_${s}_c$c.tsv"
        curl -s "$BASE/metrics" >"$RAW/metrics_before_${s}_c$c.txt" || true
        [ "$c" = "$MAXC" ] && start_sampler "$RAW/rss_runs.txt" 1 "$s"
        measure "wrk_${s}_c$c" run_wrk "$mode" "$batch" "$c" "$SECS" "$RAW/wrk_${s}_c$c.out"
        svc_alive "$s at $c connections"
        [ "$c" = "$MAXC" ] && stop_sampler
        [ "$c" = "$MAXC" ] && printf '%s %s %s %s\n' "$s" "$(date +%s)" "$(status_kib VmRSS)" \
            "$(status_kib VmHWM)" >>"$RAW/rss_runs.txt"
        pgss_snapshot "$RAW/pgss_after_${s}_c$c.tsv"
        curl -s "$BASE/metrics" >"$RAW/metrics_after_${s}_c$c.txt" || true
        line=$(printf '%-10s c=%-3s HTTP %s' "$s" "$c" "$(wrk_summary "$RAW/wrk_${s}_c$c.out")")
        for v in core $([ "$PGBENCH_FULL" = 1 ] && echo full); do
            run_pgbench "capture_$s.$v.sql" "$c" "$WARMUP" /dev/null
            drain_backlog
            measure "pgbench_${s}_${v}_c$c" run_pgbench "capture_$s.$v.sql" "$c" "$SECS" \
                "$RAW/pgbench_${s}_${v}_c$c.out" "pgblog_${s}_${v}_c$c"
            line+=$(printf ' | pgbench %s %s' "$v" "$(pgbench_summary "$RAW/pgbench_${s}_${v}_c$c.out")")
        done
        say "$line"
    done
done
RSS_AFTER=$(status_kib VmRSS)
RSS_HWM=$(status_kib VmHWM)
RSS_MAX=0
[ -s "$RAW/rss_runs.txt" ] && RSS_MAX=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$RAW/rss_runs.txt")
say "server memory at $MAXC connections: max VmRSS $((RSS_MAX / 1024)) MiB, VmHWM $((RSS_HWM / 1024)) MiB, VmRSS after $((RSS_AFTER / 1024)) MiB"

if [ "$SOAK" -gt 0 ]; then
    step "soak: mixed load at $MAXC connections for $SOAK s, VmRSS every 10 s"
    drain_backlog
    RUN=$((RUN + 1))
    BENCH_MODE=mixed BENCH_BATCH=100 BENCH_RUN=$RUN BENCH_TOKEN=$ADMIN_TOKEN \
        BENCH_CLINICIAN_TOKEN=$CLIN_TOKEN BENCH_PATIENT_FILE="$WORK/patients.txt" \
        wrk -t2 -c"$MAXC" -d"$SOAK"s --timeout 10s -s "$LUA" "$BASE" >"$RAW/wrk_soak.out" 2>&1 &
    WRK_PID=$!
    : >"$RAW/soak_rss.txt"
    t_soak=$EPOCHREALTIME
    soak_s0=$(svc_ticks)
    soak_p0=$(pg_ticks)
    for i in $(seq 10 10 "$SOAK"); do
        # sleep until i seconds after the start, so samples do not drift
        sleep "$(awk -v s="$t_soak" -v now="$EPOCHREALTIME" -v i="$i" 'BEGIN { d = s + i - now; print (d > 0 ? d : 0) }')"
        printf '%s %s %s\n' "$i" "$(status_kib VmRSS)" "$(status_kib VmHWM)" >>"$RAW/soak_rss.txt"
        say "  t=${i}s VmRSS $(status_kib VmRSS) KiB"
    done
    wait "$WRK_PID" || true
    WRK_PID=
    svc_alive "the soak"
    printf 'svc=%s\npg=%s\ntick=%s\n' "$(($(svc_ticks) - soak_s0))" "$(($(pg_ticks) - soak_p0))" \
        "$TICK" >"$RAW/cpu_soak.env"
    say "soak: $(wrk_summary "$RAW/wrk_soak.out"); VmRSS after $(status_kib VmRSS) KiB"
fi

pgss_snapshot "$RAW/pgss_final.tsv"
curl -s "$BASE/metrics" >"$RAW/metrics_end.txt" || true
cp "$WORK/service.log" "$RAW/service.log" 2>/dev/null || true

# --- report ----------------------------------------------------------------------------

{
    echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
    echo "version=$VERSION"
    echo "machine=$(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM, Debian $(cat /etc/debian_version 2>/dev/null)"
    echo "cores=$(nproc)"
    echo "pg_version=$(q -c 'SHOW server_version')"
    echo "fsync=$(q -c 'SHOW fsync')"
    echo "synchronous_commit=$(q -c 'SHOW synchronous_commit')"
    echo "full_page_writes=$(q -c 'SHOW full_page_writes')"
    echo "shared_buffers=$(q -c 'SHOW shared_buffers')"
    echo "threads=$THREADS"
    echo "db_pool=$POOL"
    echo "risk_worker=${OIHWATCH_RISK_WORKER:-1}"
    echo "seconds=$SECS"
    echo "warmup=$WARMUP"
    echo "connections=$CONNS"
    echo "pgbench_full=$PGBENCH_FULL"
    echo "npatients=$NPATIENTS"
    echo "ncohort=$NCOHORT"
    echo "pain_rows=$PAIN_ROWS"
    echo "dose_rows=$DOSE_ROWS"
    echo "load_seconds=$LOAD_S"
    echo "load_entries_seconds=$(elapsed "$t_load" "$t_entries")"
    echo "load_derived_seconds=$(elapsed "$t_entries" "$t_derived")"
    echo "load_vacuum_seconds=$(elapsed "$t_derived" "$t_done")"
    echo "idle_other_percent=$IDLE_OTHER"
    echo "rss_limit_mib=32"
    echo "cohort_connections=$COHORT_CONNS"
    echo "pgbench_mode=$PGB_PROTO"
    echo "rss_idle_kib=$RSS_IDLE"
    if [ -s "$RAW/rss_runs.txt" ]; then
        echo "rss_max_kib=$RSS_MAX"
        echo "rss_hwm_kib=$RSS_HWM"
        echo "rss_after_kib=$RSS_AFTER"
    fi
    if [ "$SOAK" -gt 0 ] && [ -s "$RAW/soak_rss.txt" ]; then
        echo "soak_seconds=$SOAK"
        echo "soak_first_kib=$(awk 'NR == 1 { print $2 }' "$RAW/soak_rss.txt")"
        echo "soak_last_kib=$(awk 'END { print $2 }' "$RAW/soak_rss.txt")"
        echo "soak_max_kib=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$RAW/soak_rss.txt")"
        echo "soak_tolerance_kib=$SOAK_TOL_KIB"
    fi
} >"$RAW/meta.env"

step "results (also in $OUT/results.md)"
rc=0
python3 tests/bench/benchlib.py report --dir "$OUT" || rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
    die "the report failed"
fi
if [ "$rc" = 3 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then
    exit 3
fi
exit 0
