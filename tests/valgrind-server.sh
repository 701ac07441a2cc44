#!/bin/sh
# Runs the plain (non-sanitizer) build under valgrind, for the API pass that tests/run.sh
# makes with the server under memcheck: any invalid access or leak makes the process exit
# 99, which the harness's final SIGTERM check reports. OIH_VALGRIND_LOG names the report.
exec valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
    --log-file="${OIH_VALGRIND_LOG:-/tmp/oihwatch-valgrind.%p.log}" \
    "$(dirname "$0")/../build/oihwatch" "$@"
