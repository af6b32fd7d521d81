#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# emulated-tests.sh: the root end-to-end cases, run against a release binary of another
# architecture under its emulator (qemu-user-static; i386 runs natively where the kernel can).
# qemu-user passes the binary's syscalls to this kernel, so the drop and its verification really
# happen; the command unroot execs is a host binary and runs natively.
#
#   scripts/emulated-tests.sh ARCH RELEASE_DIR E2E_TESTS [CASE...]
#
# Without CASE: every [root] case. With CASEs (Catch2 names, * wildcards, no commas): those, and the
# run fails unless at least one case ran per CASE given, so a renamed case cannot silently drop
# out. Not root: exit 77 (skip) unless REQUIRE_ROOT_TESTS=1 (scripts/run-root-tests.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/arch.sh"
if [[ $# -lt 3 ]]; then
  echo "usage: emulated-tests.sh ARCH RELEASE_DIR E2E_TESTS [CASE...]" >&2
  exit 2
fi
arch=$1 release=$2 e2e=$3
shift 3
bin=$release/unroot-linux-$arch
[[ -x $bin ]] || {
  echo "emulated-tests: $bin missing (scripts/release.sh $release)" >&2
  exit 1
}
runner=$(arch_runner "$arch" "$bin")
if [[ -n $runner ]] && ! command -v "$runner" > /dev/null; then
  echo "emulated-tests: $runner not found (scripts/install-cross.sh installs it)" >&2
  exit 1
fi
export UNROOT_BIN=$bin UNROOT_TEST_RUNNER=$runner
spec="[root]"
if (($#)); then
  spec=$(IFS=,; echo "$*")  # Catch2: one argument, patterns separated by commas, is "any of"
fi
t0=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
"$here/scripts/run-root-tests.sh" "$e2e" "$spec" 2>&1 | tee "$log" || rc=$?
took=$(($(date +%s) - t0))
((rc == 0)) || exit "$rc"
cases=$(grep -oE '[0-9]+ test cases?' "$log" | tail -1 | grep -oE '^[0-9]+' || echo 0)
echo "emulated-tests: $arch under ${runner:-the kernel}: $cases case(s) passed in $took s"
if (($#)) && ((cases < $#)); then
  echo "emulated-tests: $arch: $# case patterns given, only $cases case(s) ran" >&2
  exit 1
fi
