#!/usr/bin/env bash
# The OpenAPI document: docs/openapi.yaml is the source; docs/openapi.json is generated from
# it, committed, and embedded into the binary (served at GET /openapi.json).
#   scripts/openapi.sh lint    redocly lint (ruleset in redocly.yaml); fails on any problem
#   scripts/openapi.sh bundle  regenerates docs/openapi.json (what `make openapi` runs)
#   scripts/openapi.sh check   fails when docs/openapi.json is not what bundle would write
# Needs Node.js 20.19+ and npm; @redocly/cli is pinned in package.json/package-lock.json.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

spec=docs/openapi.yaml
out=docs/openapi.json
redocly=node_modules/.bin/redocly

export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export NO_COLOR=1

usage() {
    echo "usage: $0 lint|bundle|check" >&2
    exit 2
}

ensure_redocly() {
    if [[ ! -x $redocly ]]; then
        echo "openapi.sh: installing @redocly/cli (npm ci)" >&2
        npm ci --no-audit --no-fund >&2
    fi
}

# Writes the bundled JSON document to $1: pretty-printed, ending in a newline.
bundle_to() {
    local dest=$1 tmp status=0
    tmp=$(mktemp -d)
    "$redocly" bundle "$spec" --ext json -o "$tmp/openapi.json" >"$tmp/log" 2>&1 || status=$?
    if [[ $status -eq 0 ]]; then
        # Re-serialize with a fixed layout (two-space indent, trailing newline) so the output
        # does not depend on how redocly happens to format it.
        node -e '
            const fs = require("fs");
            const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
            fs.writeFileSync(process.argv[2], JSON.stringify(doc, null, 2) + "\n");
        ' "$tmp/openapi.json" "$dest" || status=$?
    else
        cat "$tmp/log" >&2
    fi
    rm -rf "$tmp"
    return "$status"
}

cmd=${1:-}
[[ $# -eq 1 ]] || usage

case $cmd in
lint)
    ensure_redocly
    log=$(mktemp)
    trap 'rm -f "$log"' EXIT
    status=0
    "$redocly" lint "$spec" --format=stylish --max-problems=1000 >"$log" 2>&1 || status=$?
    # Drop the boxed Node.js 20 deprecation banner redocly 2.x prints on every run; it is
    # about the runtime, not the document.
    sed -e '/╔/,/╚/d' "$log"
    # redocly exits 0 on warnings (and still says "valid"): treat any problem as failure.
    if [[ $status -ne 0 ]] || grep -Eq '^ +[0-9]+:[0-9]+ +(error|warning) ' "$log" ||
        grep -Eq 'You have [0-9]+ (error|warning)' "$log" ||
        ! grep -q 'Your API description is valid' "$log"; then
        echo "openapi.sh: redocly lint reported problems in $spec" >&2
        exit 1
    fi
    echo "openapi.sh: $spec: no errors, no warnings"
    ;;
bundle)
    ensure_redocly
    bundle_to "$out"
    echo "openapi.sh: wrote $out"
    ;;
check)
    ensure_redocly
    tmpfile=$(mktemp)
    trap 'rm -f "$tmpfile"' EXIT
    bundle_to "$tmpfile"
    if [[ ! -f $out ]] || ! cmp -s "$tmpfile" "$out"; then
        echo "openapi.sh: $out is out of date with $spec; run \`make openapi\` and commit the result" >&2
        [[ -f $out ]] && diff -u "$out" "$tmpfile" | head -n 40 >&2
        exit 1
    fi
    echo "openapi.sh: $out is up to date"
    ;;
*)
    usage
    ;;
esac
