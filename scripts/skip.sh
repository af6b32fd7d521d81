# Sourced by the test scripts (sh and bash). `skip NAME REASON` ends the script as "skipped":
# exit 77, which CTest reports as such (SKIP_RETURN_CODE), with the reason on stderr; unless
# REQUIRE_ROOT_TESTS=1 (CI), where a skip exits 1, because a green CI must mean every test ran.
skip() {
  if [ "${REQUIRE_ROOT_TESTS:-0}" = 1 ]; then
    echo "$1: FAIL: $2 (REQUIRE_ROOT_TESTS=1 turns a skip into a failure)" >&2
    exit 1
  fi
  echo "$1: SKIPPED: $2" >&2
  exit 77
}
