#!/bin/sh
# Runs the root-only end-to-end cases. Not root: exit 77, which CTest reports as "skipped"
# (SKIP_RETURN_CODE) with the reason below, unless REQUIRE_ROOT_TESTS=1 (CI), where a skip
# is a failure: a green CI must mean the privilege drop was really exercised.
set -eu
bin=$1
shift
if [ "$(id -u)" != 0 ]; then
  if [ "${REQUIRE_ROOT_TESTS:-0}" = 1 ]; then
    echo "run-root-tests: REQUIRE_ROOT_TESTS=1 but not running as root: failing instead of skipping" >&2
    exit 1
  fi
  echo "run-root-tests: SKIPPED: these tests need root (private mount namespaces, setresuid); run as root or in CI" >&2
  exit 77
fi
exec "$bin" "$@"
