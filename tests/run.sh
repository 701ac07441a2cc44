#!/usr/bin/env bash
# `make test`: every test against a real PostgreSQL this script starts and stops.
#  0. clang-format and cppcheck over src/ and tests/
#  1. unit tests (cmocka) under AddressSanitizer + UBSan, then the plain build under valgrind
#  2. the black-box API suite: the ASan build of the server, over HTTP, on a throwaway cluster
#  3. the shared-state code (pool, workers, limiter, metrics) under ThreadSanitizer
#  4. the core API modules again, with the plain build of the server under valgrind
#  5. the OpenAPI document: linted, and the served JSON in sync with the YAML
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

step() { printf '\n==> %s\n' "$*"; }

step "static checks: clang-format and cppcheck"
make -s format-check
make -s lint

step "build (ASan + UBSan) and unit tests"
make -s -j"$jobs" SANITIZE=1 build/asan/oihwatch $(ls tests/unit/test_*.c | sed 's|tests/unit/\(.*\)\.c|build/asan/tests/\1|')
for t in build/asan/tests/test_*; do
    out=$("$t" 2>&1) || { echo "$out" >&2; echo "FAILED: $t" >&2; exit 1; }
    echo "  ok  $t ($(echo "$out" | grep -c '^\[       OK \]') tests)"
done

step "unit tests under valgrind"
make -s -j"$jobs" $(ls tests/unit/test_*.c | sed 's|tests/unit/\(.*\)\.c|build/tests/\1|')
for src in tests/unit/test_*.c; do
    t=build/tests/$(basename "$src" .c)
    valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=9 "$t" \
        >build/valgrind.log 2>&1 || { cat build/valgrind.log >&2; echo "valgrind: $t" >&2; exit 1; }
    echo "  ok  $t"
done

step "API tests against a throwaway PostgreSQL"
pgdir=$(mktemp -d /tmp/oihwatch-test-pg.XXXXXX)
cleanup() { scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT
DATABASE_URL=$(PG_OPTS="-c fsync=off" scripts/pg.sh start "$pgdir")
export DATABASE_URL
export OIH_BIN=build/asan/oihwatch
export OIH_SERVER_LOG="$pgdir/server.log"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
if ! python3 -m unittest discover -s tests/api -t . ${API_TEST_VERBOSE:+-v}; then
    echo "--- last server log lines ---" >&2
    tail -40 "$OIH_SERVER_LOG" >&2 || true
    exit 1
fi

step "threads under ThreadSanitizer"
make -s -j"$jobs" TSAN=1 build/tsan/threads/test_threads
out=$(TSAN_OPTIONS="halt_on_error=1" build/tsan/threads/test_threads 2>&1) ||
    { echo "$out" >&2; echo "FAILED: ThreadSanitizer run" >&2; exit 1; }
echo "  ok  build/tsan/threads/test_threads ($(echo "$out" | grep -c '^\[       OK \]') tests)"

step "API pass with the server under valgrind"
make -s -j"$jobs" build/oihwatch
vglogs="$pgdir/valgrind"
mkdir -p "$vglogs"
OIH_BIN=tests/valgrind-server.sh OIH_VALGRIND_LOG="$vglogs/%p.log" OIH_SERVER_LOG="$pgdir/vg-server.log" \
    python3 -m unittest tests.api.test_patients tests.api.test_pain tests.api.test_dose \
    tests.api.test_auth tests.api.test_idempotency tests.api.test_erasure tests.api.test_pagination \
    tests.api.test_errors tests.api.test_ops tests.api.test_limits_audit
if [ -n "$(find "$vglogs" -name '*.log' -size +0)" ]; then
    cat "$vglogs"/*.log >&2
    echo "FAILED: valgrind reported errors" >&2
    exit 1
fi
echo "  ok  no invalid access, no leak under valgrind"

step "OpenAPI lint and sync"
scripts/openapi.sh lint
scripts/openapi.sh check

step "all tests passed"
