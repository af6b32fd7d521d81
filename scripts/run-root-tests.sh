#!/bin/sh
# Runs the root-only end-to-end cases. Not root: exit 77, which CTest reports as "skipped"
# (SKIP_RETURN_CODE) with the reason below, unless REQUIRE_ROOT_TESTS=1 (CI), where a skip
# is a failure: a green CI must mean the privilege drop was really exercised.
set -eu
bin=$1
shift
. "$(dirname "$0")/skip.sh"
if [ "$(id -u)" != 0 ]; then
  skip run-root-tests "these tests need root (private mount namespaces, setresuid); run as root or in CI"
fi
exec "$bin" "$@"
