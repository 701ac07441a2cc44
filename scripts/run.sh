#!/usr/bin/env bash
# `make run`: serve on a working database. With DATABASE_URL unset, a PostgreSQL cluster
# kept under .pgdata/ in the repo (git-ignored) is created on first use and started; its
# data survives restarts. Then migrate, explain how to get an admin token, and serve.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/oihwatch

if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL=$(scripts/pg.sh start "$PWD/.pgdata")
    export DATABASE_URL
    echo "oihwatch: using the embedded PostgreSQL in .pgdata/ ($DATABASE_URL)" >&2
    echo "          stop it with: scripts/pg.sh stop .pgdata" >&2
fi
export OIHWATCH_LISTEN=${OIHWATCH_LISTEN:-127.0.0.1:8080}

"$bin" migrate
cat >&2 <<MSG

oihwatch: serving on http://$OIHWATCH_LISTEN (Ctrl-C stops it)
  Get an admin token in another terminal:
    DATABASE_URL='$DATABASE_URL' $bin token create --role admin --name "\$USER"
  Then try:
    curl -H "Authorization: Bearer \$TOKEN" http://$OIHWATCH_LISTEN/v1/me

MSG
exec "$bin" serve
