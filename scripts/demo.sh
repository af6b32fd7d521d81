#!/bin/sh
# The README's first command: build the static unroot and show it dropping root for real. Run as
# root on Debian 12.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh cmake g++ make file util-linux
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=Release -DUNROOT_BUILD_TESTS=OFF >/dev/null
cmake --build build-demo -j2 --target unroot >/dev/null
echo "== $(file -b build-demo/unroot | cut -d, -f1-5)"
echo "== as root:    $(id)"
echo "== unroot --dry-run nobody id:"
build-demo/unroot --dry-run nobody id
echo "== unroot nobody ... (the command runs as nobody, same PID, no capabilities):"
build-demo/unroot nobody sh -c 'id; grep -E "^(Cap(Inh|Prm|Eff|Amb)|NoNewPrivs):" /proc/self/status'
# setpriv (util-linux) asks the kernel for uid 0 as the command; its refusal is the proof.
echo "== as nobody, setpriv --reuid 0 tries to get root back:"
if build-demo/unroot nobody setpriv --reuid 0 id 2>&1; then
  echo "== root came back: something is wrong" >&2
  exit 1
fi
echo "== the kernel refused: root cannot be regained"
