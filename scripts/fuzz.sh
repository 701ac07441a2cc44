#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ (clang, ASan + UBSan) into build/fuzz/ and
# runs them. Usage:
#   scripts/fuzz.sh [fuzz]   replay every seed and regression, then fuzz each target for
#                            FUZZ_SECONDS (default 60) seconds
#   scripts/fuzz.sh regress  only replay: every target over every file of tests/fuzz/corpus/
#                            and of tests/fuzz/regressions/<target>/, once, no fuzzing
#   scripts/fuzz.sh build    only build
# Fuzzing starts from a copy of the seeds in build/fuzz/corpus-<target>/ (libFuzzer adds
# to its first corpus directory; the repository's seeds stay as they are). Any crash, leak
# or timeout makes the exit status non-zero and leaves build/fuzz/<target>-crash-* (or
# -leak-*, -timeout-*, -oom-*); copy it to tests/fuzz/regressions/<target>/ and it is
# replayed by every later run.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
OUT=build/fuzz
SEEDS=tests/fuzz/corpus
REGRESSIONS=tests/fuzz/regressions
PKGS="libmicrohttpd jansson libpq libcrypto" # as the Makefile's PKGS
CC=${FUZZ_CC:-clang}
jobs=$(nproc 2>/dev/null || echo 2)

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
WARN="-Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
-Wold-style-definition -Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 -Wundef \
-Wvla -Wimplicit-fallthrough -fno-common -Werror"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

targets=()
for f in tests/fuzz/fuzz_*.c; do
    t=$(basename "$f" .c)
    [ "$t" = fuzz_common ] || targets+=("$t")
done

step() { printf '\n==> %s\n' "$*"; }

# clang with its libFuzzer runtime, and the libraries the service links.
ensure_tools() {
    scripts/deps.sh build
    local probe=$OUT/probe
    mkdir -p "$OUT"
    printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
        'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; return (int)(n & 0); }' \
        >"$probe.c"
    if ! "$CC" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c" 2>/dev/null; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "clang with libFuzzer is missing: install clang and libclang-rt-14-dev" >&2
            exit 1
        fi
        echo "installing: clang libclang-rt-14-dev" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
        "$CC" -fsanitize=fuzzer,address,undefined -o "$probe" "$probe.c"
    fi
    rm -f "$probe" "$probe.c"
}

# Writes $2 from embed.sh output only when it changed, so objects stay up to date.
embed() {
    local out=$1 sym=$2
    shift 2
    scripts/embed.sh "$sym" "$@" >"$out.tmp"
    if cmp -s "$out.tmp" "$out"; then rm -f "$out.tmp"; else mv "$out.tmp" "$out"; fi
}

# True when object $1 is missing or older than anything its .d file lists.
stale() {
    local obj=$1 dep=${1%.o}.d f
    [ -f "$obj" ] && [ -f "$dep" ] || return 0
    for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' -e '/^[[:space:]]*$/d' "$dep" | tr -d ':'); do
        [ -e "$f" ] && [ "$f" -nt "$obj" ] && return 0
    done
    return 1
}

# Compiles todo (pairs of source and object) with up to $jobs compilers at once.
compile_all() {
    local i running=0 fail=0
    for ((i = 0; i < ${#todo[@]}; i += 2)); do
        "$CC" "${libflags[@]}" -MMD -MP -c -o "${todo[i + 1]}" "${todo[i]}" &
        running=$((running + 1))
        if [ $running -ge "$jobs" ]; then
            wait -n || fail=1
            running=$((running - 1))
        fi
    done
    while [ $running -gt 0 ]; do
        wait -n || fail=1
        running=$((running - 1))
    done
    return $fail
}

build() {
    ensure_tools
    step "build fuzz targets into $OUT/"
    mkdir -p "$OUT/gen" "$OUT/obj"
    # shellcheck disable=SC2046 # word splitting of the file list is intended
    embed "$OUT/gen/migrations.c" migrations $(find sql -name '*.sql' | LC_ALL=C sort)
    embed "$OUT/gen/openapi.c" openapi_files docs/openapi.json

    # The service's code, every file but main.c, instrumented for coverage; warnings are
    # the regular build's business.
    local cflags=() pkgflags=() srcs=() objs=() todo=() libflags s o
    # shellcheck disable=SC2086 # PKGS is a list
    read -ra pkgflags <<<"$(pkg-config --cflags $PKGS)"
    read -ra cflags <<<"-std=c17 -D_GNU_SOURCE -g -O1 $SAN -Isrc"
    cflags+=("${pkgflags[@]}")
    libflags=("${cflags[@]}" -fsanitize=fuzzer-no-link -DOIH_VERSION='"fuzz"' -w)
    # objects built with other flags (an edit of this script) are rebuilt
    if [ "$(cat "$OUT/obj/flags" 2>/dev/null)" != "$CC ${libflags[*]}" ]; then
        rm -f "$OUT"/obj/*.o "$OUT"/obj/*.d
        echo "$CC ${libflags[*]}" >"$OUT/obj/flags"
    fi
    while IFS= read -r s; do srcs+=("$s"); done < <(find src -name '*.c' ! -path src/main.c |
        LC_ALL=C sort)
    srcs+=("$OUT/gen/migrations.c" "$OUT/gen/openapi.c")
    for s in "${srcs[@]}"; do
        o=$OUT/obj/$(echo "${s#"$OUT"/}" | tr '/' '_')
        o=${o%.c}.o
        objs+=("$o")
        if stale "$o"; then todo+=("$s" "$o"); fi
    done
    if [ ${#todo[@]} -gt 0 ]; then
        echo "  CC  $((${#todo[@]} / 2)) files of src/"
        compile_all
    fi
    # a new or removed source file changes the list, which rebuilds the archive too
    if [ ${#todo[@]} -gt 0 ] || [ "$(cat "$OUT/obj/list" 2>/dev/null)" != "${objs[*]}" ] ||
        [ ! -f "$OUT/liboih.a" ]; then
        rm -f "$OUT/liboih.a"
        ar rcs "$OUT/liboih.a" "${objs[@]}"
        echo "${objs[*]}" >"$OUT/obj/list"
    fi

    local libs=()
    # shellcheck disable=SC2086 # PKGS is a list
    read -ra libs <<<"$(pkg-config --libs $PKGS) -lm -lpthread"
    for t in "${targets[@]}"; do
        if [ -f "$OUT/$t" ] && [ "$OUT/$t" -nt "$OUT/liboih.a" ] &&
            [ "$OUT/$t" -nt "tests/fuzz/$t.c" ] && [ "$OUT/$t" -nt tests/fuzz/fuzz_common.c ] &&
            [ "$OUT/$t" -nt tests/fuzz/fuzz_common.h ] && [ "$OUT/$t" -nt scripts/fuzz.sh ]; then
            continue
        fi
        echo "  LD  $OUT/$t"
        # shellcheck disable=SC2086 # WARN is a list of flags
        "$CC" "${cflags[@]}" $WARN -fsanitize=fuzzer -Itests/fuzz -o "$OUT/$t" \
            "tests/fuzz/$t.c" tests/fuzz/fuzz_common.c "$OUT/liboih.a" "${libs[@]}"
    done
}

# Runs target $1 once over files $2...; on failure names each failing file.
replay() {
    local t=$1 f failed=0
    shift
    "$OUT/$t" -timeout=10 -rss_limit_mb=2048 "$@" >"$OUT/$t.regress.log" 2>&1 && return 0
    for f in "$@"; do
        if ! "$OUT/$t" -timeout=10 -rss_limit_mb=2048 "$f" >"$OUT/$t.one.log" 2>&1; then
            echo "FAIL  $t: $f" >&2
            grep -m 3 -E 'ERROR: |runtime error|invariant failed' "$OUT/$t.one.log" >&2 || true
            failed=1
        fi
    done
    rm -f "$OUT/$t.one.log"
    [ $failed -eq 1 ] || tail -20 "$OUT/$t.regress.log" >&2
    return 1
}

# Replays every seed (of all targets) and the target's regressions once.
regress_one() {
    local t=$1 seeds=() regressions=() f status=0
    while IFS= read -r f; do seeds+=("$f"); done < <(find "$SEEDS" -type f ! -name '.*' |
        LC_ALL=C sort)
    while IFS= read -r f; do regressions+=("$f"); done < <(find "$REGRESSIONS/$t" -type f \
        ! -name '.*' 2>/dev/null | LC_ALL=C sort)
    if [ ${#seeds[@]} -gt 0 ]; then replay "$t" "${seeds[@]}" || status=1; fi
    if [ ${#regressions[@]} -gt 0 ]; then replay "$t" "${regressions[@]}" || status=1; fi
    if [ $status -eq 0 ]; then
        echo "  ok  $t: ${#seeds[@]} seeds, ${#regressions[@]} regressions"
    else
        echo "FAIL  $t: replay" >&2
    fi
    return $status
}

regress() {
    step "replay seeds and regressions"
    local t status=0
    for t in "${targets[@]}"; do regress_one "$t" || status=1; done
    return $status
}

fuzz_one() {
    local t=$1 dict=() status=0 start=$SECONDS execs stats
    local corpus=$OUT/corpus-$t log=$OUT/$t.log
    mkdir -p "$corpus"
    if [ -d "$SEEDS/$t" ]; then cp -n "$SEEDS/$t"/* "$corpus"/ 2>/dev/null || true; fi
    [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
    "$OUT/$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/$t-" "${dict[@]}" "$corpus" \
        >"$log" 2>&1 || status=$?
    execs=$(grep -oE 'number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' ||
        grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    stats=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+' ||
        true)
    printf '  %s  %s: %s execs in %ss; %s\n' "$([ $status -eq 0 ] && echo ok || echo '!!')" \
        "$t" "${execs:-?}" "$((SECONDS - start))" "$stats"
    if [ $status -ne 0 ]; then
        echo "FAIL  $t (exit $status); log: $log" >&2
        grep -m 5 -E 'ERROR: |runtime error|invariant failed|Test unit written' "$log" >&2 || true
        grep -A 12 -m 1 -E '^    #0 ' "$log" >&2 || true
        return 1
    fi
}

fuzz() {
    step "fuzz each target for ${FUZZ_SECONDS}s"
    local t status=0
    for t in "${targets[@]}"; do fuzz_one "$t" || status=1; done
    return $status
}

case "${1:-fuzz}" in
build) build ;;
regress) build && regress ;;
fuzz)
    build
    status=0
    regress || status=1
    fuzz || status=1
    exit $status
    ;;
*)
    echo "usage: $0 [fuzz|regress|build]" >&2
    exit 2
    ;;
esac
