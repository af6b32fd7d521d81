#!/bin/sh
# The main job, as the README's first command: build the static unroot and show it dropping
# root for real. Run as root on Debian 12.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh cmake g++ make file
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=Release -DUNROOT_BUILD_TESTS=OFF >/dev/null
cmake --build build-demo -j2 --target unroot >/dev/null
echo "== $(file -b build-demo/unroot | cut -d, -f1-5)"
echo "== as root:    $(id)"
echo "== unroot --dry-run nobody id:"
build-demo/unroot --dry-run nobody id
echo "== unroot nobody ... (the command runs as nobody, same PID, no capabilities):"
build-demo/unroot nobody sh -c 'id; grep -E "^(Cap(Inh|Prm|Eff|Amb)|NoNewPrivs):" /proc/self/status'
echo "== unroot nobody sh -c 'exec setpriv --reuid 0 id' (trying to get root back):"
build-demo/unroot nobody sh -c 'exec setpriv --reuid 0 id' || echo "== refused, exit $?: root cannot be regained"
