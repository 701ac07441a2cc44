#!/usr/bin/env bash
# Container smoke test: builds the image and runs it for real, as a plain container and from
# the Kubernetes manifests, against a throwaway PostgreSQL. Usage (as root, Debian 12):
#   scripts/container-test.sh [TAG]      (default oihwatch:test)
# 1. builds the image with scripts/image.sh (base image, podman and its config on first use);
# 2. starts a PostgreSQL cluster (scripts/pg.sh) that containers reach over the podman
#    bridge at host.containers.internal, with a random password;
# 3. runs the image (`serve`, migrating on start), waits for /readyz through the published
#    port, runs the image's HEALTHCHECK, makes an admin token with the image's
#    `token create`, writes a patient and a pain entry over HTTP and reads the entry back;
# 4. stops PostgreSQL for a moment: 503 with Retry-After, /readyz 503, /healthz 200, and
#    recovery without a restart once it is back;
# 5. stops the container with SIGTERM (podman stop) while a slow upload is in flight, and
#    expects that request to complete and the exit code to be 0;
# 6. `podman kube play` of deploy/k8s.yaml on a second, empty database: with
#    OIHWATCH_AUTO_MIGRATE=0 the pod cannot be ready (it restarts) until the migration Job's
#    command has run; then /readyz and /healthz answer 200 through the pod's port; a SIGTERM
#    stop exits 0; `podman kube down` removes it.
# Everything it starts is removed on exit (trap), whatever happens.
# shellcheck disable=SC2015 # "check && check || fail": fail exits, so it is an if-then
set -euo pipefail
cd "$(dirname "$0")/.."
TAG=${1:-oihwatch:test}
case "$TAG" in
*/*) IMAGE=$TAG ;;
*) IMAGE=localhost/$TAG ;; # what podman build names a short tag
esac
RUN_ID=ct$$
T0=$SECONDS

step() { printf '\n==> [%3ds] %s\n' $((SECONDS - T0)) "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
fail() {
    printf '    FAIL: %s\n' "$*" >&2
    exit 1
}

if [ "$(id -u)" -ne 0 ]; then
    echo "container-test.sh runs podman as root: run it as root" >&2
    exit 1
fi

# ---------------------------------------------------------------------------------------
step "host packages (postgresql-15, curl; podman comes with scripts/image.sh)"
want=(postgresql-15 postgresql-client-15 curl)
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "    installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
ok "present"

# ---------------------------------------------------------------------------------------
step "build image $TAG (scripts/image.sh)"
scripts/image.sh "$TAG"
eval "$(scripts/image.sh --env)"
SIZE=$(podman image inspect --format '{{.Size}}' "$IMAGE")
ok "$IMAGE, $((SIZE / 1000000)) MB"

WORK=$(mktemp -d /tmp/oihwatch-ct.XXXXXX)
CTR=oihwatch-$RUN_ID
DEPLOY=oihwatch-$RUN_ID # Deployment name in the kube copy: pods are $DEPLOY-pod-N
SECRET=oihwatch-db-$RUN_ID
KUBE_YAML=$WORK/k8s.yaml

cleanup() {
    local rc=$?
    set +e
    if [ $rc -ne 0 ]; then
        echo "--- container logs ($CTR) ---" >&2
        podman logs --tail 30 "$CTR" 2>&1 | grep -v 'systemd' >&2
        echo "--- pod logs ($DEPLOY-pod-0) ---" >&2
        podman logs --tail 30 "$DEPLOY-pod-0-oihwatch" 2>&1 | grep -v 'systemd' >&2
        echo "--- PostgreSQL log ---" >&2
        tail -10 "$WORK/pg/pg.log" >&2
    fi
    podman rm -f -t 0 "$CTR" >/dev/null 2>&1
    [ -f "$KUBE_YAML" ] && podman kube down "$KUBE_YAML" >/dev/null 2>&1
    podman pod rm -f "$DEPLOY-pod-0" >/dev/null 2>&1
    podman secret rm "$SECRET" >/dev/null 2>&1
    scripts/pg.sh stop "$WORK/pg"
    rm -rf "$WORK"
    if [ $rc -eq 0 ]; then
        printf '\n==> PASS: container test in %ds\n' $((SECONDS - T0))
    else
        printf '\n==> FAILED (exit %d) after %ds\n' "$rc" $((SECONDS - T0)) >&2
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Podman without systemd (CI, containers) logs an error for every healthcheck timer it
# cannot create or remove; the healthcheck itself is run by hand below.
podman() {
    command podman "$@" 2> >(grep -v 'unable to get systemd connection\|failed to connect to syslog' >&2)
}

# A port nothing listens on, below the ephemeral range: a port in that range may be the
# local end of some outgoing connection, which a connect test cannot see but bind() can.
free_port() {
    local p lo=32768 top
    read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    top=$((lo > 12000 ? lo - 1 : 32767))
    for _ in $(seq 1 200); do
        p=$((10000 + RANDOM % (top - 10000)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# wait_status URL STATUS SECONDS: polls until the URL answers STATUS
wait_status() {
    local url=$1 expect=$2 limit=$3 got=000 start=$SECONDS
    while [ $((SECONDS - start)) -lt "$limit" ]; do
        got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
        [ "$got" = "$expect" ] && return 0
        sleep 0.5
    done
    echo "    $url answered $got, expected $expect after ${limit}s" >&2
    return 1
}

# ---------------------------------------------------------------------------------------
step "throwaway PostgreSQL reachable from containers"
# Listens on every address (containers come from the podman bridges) but only with a
# random password from anywhere but 127.0.0.1 (trust, as scripts/pg.sh sets up).
PW=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
# A port that was free on 127.0.0.1 can still be taken on another address; try a few.
for attempt in 1 2 3; do
    LOCAL_URL=$(PG_OPTS="-c listen_addresses=*" scripts/pg.sh start "$WORK/pg" "$(free_port)")
    psql -qXAt "$LOCAL_URL" -c 'SELECT 1' >/dev/null 2>&1 && break
    echo "    PostgreSQL on ${LOCAL_URL##*:} is not reachable (attempt $attempt):" >&2
    tail -5 "$WORK/pg/pg.log" | sed 's/^/      /' >&2
    scripts/pg.sh stop "$WORK/pg"
    rm -rf "$WORK/pg"
    [ "$attempt" -lt 3 ] || fail "PostgreSQL did not start"
done
PG_PORT=${LOCAL_URL##*:}
PG_PORT=${PG_PORT%%/*}
echo "host all all 0.0.0.0/0 scram-sha-256" >>"$WORK/pg/data/pg_hba.conf"
psql -q -X -v ON_ERROR_STOP=1 "$LOCAL_URL" >/dev/null <<SQL
ALTER USER postgres PASSWORD '$PW';
CREATE DATABASE oihwatch_kube;
SELECT pg_reload_conf();
SQL
DB_URL="postgresql://postgres:$PW@host.containers.internal:$PG_PORT/postgres"
KUBE_DB_URL="postgresql://postgres:$PW@host.containers.internal:$PG_PORT/oihwatch_kube"
ok "port $PG_PORT; databases postgres (container) and oihwatch_kube (kube play)"

# ---------------------------------------------------------------------------------------
step "run the image: serve (migrates on start) on a published port"
HTTP_PORT=$(free_port)
BASE=http://127.0.0.1:$HTTP_PORT
podman run -d --name "$CTR" -p "127.0.0.1:$HTTP_PORT:8080" \
    --read-only --cap-drop ALL --security-opt no-new-privileges \
    -e DATABASE_URL="$DB_URL" "$IMAGE" >/dev/null
[ "$(podman inspect --format '{{.Config.User}}' "$CTR")" = "10001:10001" ] ||
    fail "the container does not run as 10001"
wait_status "$BASE/readyz" 200 60 || fail "/readyz never became 200"
ok "/readyz 200 on 127.0.0.1:$HTTP_PORT after $((SECONDS - T0))s (user 10001, read-only root)"
body=$(curl -sf "$BASE/healthz") && [ "$body" = '{"status":"ok"}' ] || fail "/healthz: $body"
ok "/healthz $body"
podman healthcheck run "$CTR" || fail "the image's HEALTHCHECK failed"
hc=$(podman inspect --format '{{.State.Healthcheck.Status}}' "$CTR")
[ "$hc" = healthy ] || fail "health status '$hc'"
ok "image HEALTHCHECK (bash /dev/tcp, no curl in the image): $hc"

step "admin token from the image's own CLI"
TOKEN=$(podman run --rm --no-healthcheck --read-only --cap-drop ALL \
    -e DATABASE_URL="$DB_URL" "$IMAGE" token create --role admin --name container-test)
[ ${#TOKEN} -ge 22 ] || fail "token create printed '$TOKEN'"
ok "token of ${#TOKEN} characters"

step "write and read back over HTTP"
AUTH=(-H "Authorization: Bearer $TOKEN")
JSON=(-H "Content-Type: application/json")
code=$(curl -s -o "$WORK/me.json" -w '%{http_code}' "${AUTH[@]}" "$BASE/v1/me")
[ "$code" = 200 ] && grep -q '"role": *"admin"' "$WORK/me.json" || fail "GET /v1/me: $code $(cat "$WORK/me.json")"
ok "GET /v1/me 200 (admin)"
code=$(curl -s -o "$WORK/patient.json" -D "$WORK/patient.h" -w '%{http_code}' "${AUTH[@]}" \
    "${JSON[@]}" -d "{\"external_ref\": \"ct-$RUN_ID\", \"timezone\": \"America/Chicago\"}" \
    "$BASE/v1/patients")
[ "$code" = 201 ] || fail "POST /v1/patients: $code $(cat "$WORK/patient.json")"
PATIENT=$(sed -n 's/.*"id": *"\([0-9a-f-]\{36\}\)".*/\1/p' "$WORK/patient.json")
[ -n "$PATIENT" ] || fail "no id in $(cat "$WORK/patient.json")"
grep -qi '^x-request-id:' "$WORK/patient.h" || fail "no X-Request-Id header"
ok "POST /v1/patients 201 -> $PATIENT"
ENTRY=$(cat /proc/sys/kernel/random/uuid)
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
code=$(curl -s -o "$WORK/entry.json" -w '%{http_code}' "${AUTH[@]}" "${JSON[@]}" \
    -d "{\"id\": \"$ENTRY\", \"recorded_at\": \"$NOW\", \"score\": 6, \"enjoyment\": 5, \"activity\": 4, \"qualities\": [\"burning\"]}" \
    "$BASE/v1/patients/$PATIENT/pain-entries")
[ "$code" = 201 ] || fail "POST pain-entries: $code $(cat "$WORK/entry.json")"
ok "POST /v1/patients/{id}/pain-entries 201 -> $ENTRY"
code=$(curl -s -o "$WORK/list.json" -w '%{http_code}' "${AUTH[@]}" \
    "$BASE/v1/patients/$PATIENT/pain-entries")
[ "$code" = 200 ] && grep -q "\"$ENTRY\"" "$WORK/list.json" && grep -q '"score": *6' "$WORK/list.json" ||
    fail "GET pain-entries: $code $(cat "$WORK/list.json")"
ok "GET /v1/patients/{id}/pain-entries 200, the entry is there"
curl -sf "$BASE/metrics" | grep -q '^oihwatch_http_requests_total{' || fail "/metrics lacks request counters"
ok "/metrics has oihwatch_http_requests_total"

step "database outage: 503 with Retry-After, not ready, still live; recovers by itself"
scripts/pg.sh stop "$WORK/pg"
code=$(curl -s -o /dev/null -D "$WORK/down.h" -w '%{http_code}' --max-time 10 "${AUTH[@]}" \
    "$BASE/v1/patients/$PATIENT/pain-entries")
[ "$code" = 503 ] && grep -qi '^retry-after:' "$WORK/down.h" ||
    fail "with the database down: $code, headers: $(tr -d '\r' <"$WORK/down.h" | tr '\n' ' ')"
ok "GET pain-entries 503 with Retry-After"
wait_status "$BASE/readyz" 503 15 || fail "/readyz should be 503 with the database down"
wait_status "$BASE/healthz" 200 5 || fail "/healthz should stay 200 with the database down"
ok "/readyz 503, /healthz 200"
PG_OPTS="-c listen_addresses=*" scripts/pg.sh start "$WORK/pg" >/dev/null
wait_status "$BASE/readyz" 200 30 || fail "no recovery after the database came back"
code=$(curl -s -o /dev/null -w '%{http_code}' "${AUTH[@]}" "$BASE/v1/patients/$PATIENT/pain-entries")
[ "$code" = 200 ] || fail "GET pain-entries after recovery: $code"
ok "database back: /readyz 200, GET pain-entries 200 (no restart)"

step "SIGTERM during a slow upload: podman stop --time 15"
# A batch of 500 pain entries (~85 kB) uploaded at 40 kB/s is in flight for ~2 s; SIGTERM
# arrives after 0.7 s. The service must stop accepting, finish that request and exit 0.
{
    printf '{"entries": ['
    for i in $(seq 1 500); do
        [ "$i" -gt 1 ] && printf ','
        printf '{"id": "%s", "recorded_at": "2026-01-01T08:%02d:%02dZ", "score": %d, "note": "drain test entry"}' \
            "$(cat /proc/sys/kernel/random/uuid)" $((i / 60 % 60)) $((i % 60)) $((i % 11))
    done
    printf ']}'
} >"$WORK/batch.json"
curl -s -o "$WORK/batch.out" -w '%{http_code}' --limit-rate 40k "${AUTH[@]}" "${JSON[@]}" \
    --data-binary "@$WORK/batch.json" "$BASE/v1/patients/$PATIENT/pain-entries" \
    >"$WORK/batch.code" 2>&1 &
upload=$!
sleep 0.7
t=$SECONDS
podman stop --time 15 "$CTR" >/dev/null
wait "$upload" || true
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$CTR")
[ "$exit_code" = 0 ] || fail "exit code $exit_code after SIGTERM"
[ "$(cat "$WORK/batch.code")" = 200 ] && grep -q '"created": *500' "$WORK/batch.out" ||
    fail "the in-flight batch was not completed: $(cat "$WORK/batch.code") $(cat "$WORK/batch.out")"
podman logs "$CTR" 2>&1 | grep -E '"msg":"(shutting down|request)"' | tail -2 >"$WORK/order.log"
grep -q '"msg":"shutting down"' <(head -1 "$WORK/order.log") &&
    grep -q '"method":"POST".*pain-entries.*"status":200' <(tail -1 "$WORK/order.log") ||
    fail "the batch was not in flight at SIGTERM (log order: $(cat "$WORK/order.log"))"
ok "the batch in flight at SIGTERM finished (200, created 500); exit code 0 after $((SECONDS - t))s"
podman logs "$CTR" >"$WORK/ctr.log" 2>&1
grep -q '"route":"/v1/patients/{patient_id}/pain-entries"' "$WORK/ctr.log" ||
    fail "no request log line with the route template"
! grep -qF "$TOKEN" "$WORK/ctr.log" || fail "the bearer token appears in the log"
ok "one JSON log line per request (route templates), no token in the log"
grep -v '"msg":"request"' "$WORK/ctr.log" | tail -3 | sed 's/^/    log: /'
podman rm "$CTR" >/dev/null

# ---------------------------------------------------------------------------------------
step "podman kube play deploy/k8s.yaml (empty database oihwatch_kube)"
# The copy differs from deploy/k8s.yaml only where this machine needs it: the local image;
# names made unique; one replica on a free 127.0.0.1 hostPort (podman 4.3 would publish
# every replica's containerPort on host port 8080); and the Secret, which podman 4.3 stores
# as YAML but reads back as JSON, is created with `podman secret create` instead.
KUBE_PORT=$(free_port)
awk -v deploy="$DEPLOY" -v secret="$SECRET" '
    function flush() { if (buf != "" && !is_secret) printf "%s", buf; buf = ""; is_secret = 0 }
    /^---$/ { flush(); buf = "---\n"; kind = ""; next }
    /^kind: / { kind = $2; if (kind == "Secret") is_secret = 1 }
    kind == "Deployment" && /^  name: oihwatch$/ { $0 = "  name: " deploy }
    /^ +name: oihwatch-db$/ { sub(/oihwatch-db$/, secret) }
    { buf = buf $0 "\n" }
    END { flush() }' deploy/k8s.yaml |
    sed -E -e "s#^( +image: ).*oihwatch:.*#\1$IMAGE#" \
        -e 's/^  replicas: [0-9]+$/  replicas: 1/' \
        -e "s/^( *)containerPort: 8080$/&\n\1hostIP: 127.0.0.1\n\1hostPort: $KUBE_PORT/" \
        >"$KUBE_YAML"
grep -q "hostPort: $KUBE_PORT" "$KUBE_YAML" && grep -q "image: $IMAGE" "$KUBE_YAML" &&
    grep -q "name: $DEPLOY" "$KUBE_YAML" || fail "could not adapt deploy/k8s.yaml"
printf '{"DATABASE_URL": "%s"}' "$(printf %s "$KUBE_DB_URL" | base64 -w0)" |
    podman secret create "$SECRET" - >/dev/null
podman kube play --replace "$KUBE_YAML" >/dev/null
POD=$DEPLOY-pod-0
PCTR=$POD-oihwatch
KBASE=http://127.0.0.1:$KUBE_PORT
podman pod exists "$POD" || fail "pod $POD was not created"
ok "pod $POD created, port 127.0.0.1:$KUBE_PORT"
fmt='user={{.Config.User}} readonly={{.HostConfig.ReadonlyRootfs}} memory={{.HostConfig.Memory}} nanocpus={{.HostConfig.NanoCpus}} restart={{.HostConfig.RestartPolicy.Name}}'
ok "container settings: $(podman inspect --format "$fmt" "$PCTR")"
# Like `kubectl apply` of the whole file: the Job and the Deployment start together. With
# OIHWATCH_AUTO_MIGRATE=0 and no schema yet, serve refuses to start and the pod restarts
# (Kubernetes: CrashLoopBackOff) until the Job has migrated; it must never report ready.
sleep 2
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$KBASE/readyz" || true)
[ "$code" != 200 ] || fail "/readyz 200 before the schema exists"
ok "before the migration: /readyz answers ${code/000/nothing} (not ready), restarts so far: $(podman inspect --format '{{.RestartCount}}' "$PCTR")"

step "the migration Job's command (podman kube play ignores Jobs): oihwatch migrate"
podman run --rm --no-healthcheck --read-only --cap-drop ALL --user 10001:10001 \
    --security-opt no-new-privileges -e DATABASE_URL="$KUBE_DB_URL" "$IMAGE" migrate 2>&1 |
    grep -v '"level":"info"' | sed 's/^/    /'
wait_status "$KBASE/readyz" 200 60 || fail "the pod never became ready after the migration"
ok "pod ready: /readyz $(curl -s "$KBASE/readyz") (after $(podman inspect --format '{{.RestartCount}}' "$PCTR") restarts)"
[ "$(podman pod inspect --format '{{.State}}' "$POD")" = Running ] || fail "pod $POD not Running"
body=$(curl -sf "$KBASE/healthz")
[ "$body" = '{"status":"ok"}' ] || fail "pod /healthz: $body"
ok "pod Running, /healthz $body"
podman exec "$PCTR" sh -c 'test "$OIHWATCH_AUTO_MIGRATE" = 0 && test -n "$DATABASE_URL"' ||
    fail "ConfigMap or Secret did not reach the container"
ok "env from the ConfigMap (OIHWATCH_AUTO_MIGRATE=0) and the Secret (DATABASE_URL)"

step "SIGTERM to the pod, then podman kube down"
t=$SECONDS
podman pod stop --time 15 "$POD" >/dev/null
exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$PCTR")
[ "$exit_code" = 0 ] || fail "pod container exit code $exit_code after SIGTERM"
ok "exit code 0 after $((SECONDS - t))s"
podman kube down "$KUBE_YAML" >/dev/null
! podman pod exists "$POD" || fail "pod still exists after kube down"
ok "kube down removed the pod"
