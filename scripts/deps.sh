#!/usr/bin/env bash
# Installs the Debian packages a target needs, only when missing. Usage:
#   scripts/deps.sh build|test|run
# Runs apt-get only if something is absent, so repeated `make run` stays fast and offline.
set -euo pipefail

build_pkgs=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libpq-dev libssl-dev libcmocka-dev)
pg_pkgs=(postgresql-15 postgresql-client-15)
test_pkgs=(curl valgrind python3 nodejs npm openssl clang-format cppcheck)

case "${1:-build}" in
build) want=("${build_pkgs[@]}") ;;
run) want=("${build_pkgs[@]}" "${pg_pkgs[@]}") ;;
test) want=("${build_pkgs[@]}" "${pg_pkgs[@]}" "${test_pkgs[@]}") ;;
*) echo "usage: $0 build|run|test" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
    # npm/node may come from outside Debian (nvm, nodesource): accept any working binary
    case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    python3) command -v python3 >/dev/null 2>&1 && continue ;;
    esac
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]}; run as root or install them" >&2
    exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
