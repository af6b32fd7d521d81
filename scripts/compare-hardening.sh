#!/bin/sh
# Prints, side by side, what a command gets after dropping root with unroot, gosu and setpriv:
# ids, supplementary groups, no_new_privs, the bounding set, and what a setuid-root copy of id
# in the image does. Not a test (it never fails on the answers): it backs the README's
# "Compared with gosu, su-exec and setpriv" table with a run anyone can repeat. Needs root;
# works in a private mount namespace on a tmpfs, changes nothing on the machine.
#   scripts/compare-hardening.sh [path/to/unroot]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
unroot=${1:-$src/build/unroot}
[ "$(id -u)" = 0 ] || { echo "compare-hardening: run as root" >&2; exit 1; }
[ -x "$unroot" ] || { echo "compare-hardening: build unroot first ($unroot)" >&2; exit 1; }
sh "$src/scripts/install-deps.sh" gosu util-linux
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)  kernel: $(uname -r)  gosu: $(gosu --version | cut -d' ' -f1)  $(setpriv --version)"
echo "caller: root with supplementary groups 0,10; target: nobody (65534)"
# The caller's groups are set with setpriv itself; then each tool drops to nobody.
exec setpriv --groups 0,10 unshare --mount --propagation private sh -c '
  unroot=$1
  dir=$(mktemp -d)
  mount -t tmpfs -o mode=0755 tmpfs "$dir"
  cp /usr/bin/id "$dir/id"
  chmod 4755 "$dir/id"
  row() {
    name=$1; shift
    ids=$("$@" id 2>&1 | tr "\n" " ")
    st=$("$@" sh -c "grep -E \"^(NoNewPrivs|CapBnd):\" /proc/self/status" 2>&1 | tr "\t\n" "  ")
    suid=$("$@" "$dir/id" 2>&1 | grep -o "euid=[0-9]*([a-z]*)" || echo "no euid change")
    printf "%-40s %s\n%-40s %s\n%-40s setuid-root id: %s\n" "$name" "$ids" "" "$st" "" "$suid"
  }
  row "unroot nobody" "$unroot" nobody
  row "gosu nobody" gosu nobody
  row "setpriv --reuid 65534" setpriv --reuid 65534
  row "setpriv --reuid --regid --init-groups" setpriv --reuid 65534 --regid 65534 --init-groups
  row "  + --no-new-privs --bounding-set -all" setpriv --reuid 65534 --regid 65534 --init-groups \
      --no-new-privs --bounding-set -all
  umount "$dir"
  rmdir "$dir"
' sh "$unroot"
