#!/usr/bin/env bash
# Offline validation of the deployment files (no cluster, no network once npm packages are
# installed). Usage: scripts/k8s-validate.sh [deploy/k8s.yaml] [deploy/compose.yaml]
# Every Kubernetes object is built with its npm kubernetes-models class and validated, unknown
# fields and kinds fail, and project rules are checked; compose.yaml must parse and have its
# services in order (scripts/k8s-validate.js says what exactly). kubernetes-models and yaml
# are pinned in package.json/package-lock.json; installs Node.js/npm (apt) and runs `npm ci`
# only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "k8s-validate.sh: needs node and npm; run as root or install them" >&2
        exit 1
    fi
    echo "k8s-validate.sh: installing nodejs npm" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# The installed versions must be the pinned ones (package.json is the source of truth).
if ! node -e '
    const want = require("./package.json").devDependencies;
    for (const p of ["kubernetes-models", "yaml"])
        if (require(p + "/package.json").version !== want[p]) process.exit(1);
' 2>/dev/null; then
    echo "k8s-validate.sh: installing the pinned npm packages (npm ci)" >&2
    npm ci --no-audit --no-fund >&2
fi

exec node scripts/k8s-validate.js "$@"
