#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-syscalls.sh: the number of syscalls unroot makes for a plain privilege drop stays bounded.
#
#   scripts/check-syscalls.sh --max N BINARY
#
# Runs `BINARY app /bin/true` under strace as root, inside a private mount namespace where fixture
# passwd/group files (user app, uid 1000, in groups 1000 and 2000) are bind-mounted over
# /etc/passwd and /etc/group; the host's files are never touched. Counts unroot's syscalls from
# its own execve up to and including the execve of /bin/true, prints them, and fails if there are
# more than N. A count is a structural fact, unlike a time: it changes only when the code does,
# and a jump means someone added work to every container start (a per-line read, an NSS lookup,
# a loop over capabilities) that should be looked at.
# Exit status: 0 within the bound; 1 over it or the run failed; 77 skipped (not root, or strace
# missing) unless REQUIRE_ROOT_TESTS=1, which turns a skip into a failure.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/skip.sh"

max=""
if [[ ${1:-} == --max && ${2:-} =~ ^[0-9]+$ ]]; then
  max=$2
  shift 2
fi
if [[ -z $max || $# -ne 1 ]]; then
  echo "usage: check-syscalls.sh --max N BINARY" >&2
  exit 2
fi
bin=$(realpath "$1")
[[ -x $bin ]] || {
  echo "check-syscalls.sh: not executable: $bin" >&2
  exit 2
}
[[ $(id -u) -eq 0 ]] || skip check-syscalls.sh "needs root (unroot drops privileges; the fixtures need a mount namespace)"
command -v strace > /dev/null || skip check-syscalls.sh "strace not installed (Debian: apt-get install strace)"
command -v unshare > /dev/null || skip check-syscalls.sh "unshare not installed (util-linux)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cat > "$work/passwd" << 'EOF'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
EOF
cat > "$work/group" << 'EOF'
root:x:0:
app:x:1000:
extra:x:2000:app
EOF

status=0
unshare --mount --propagation private -- sh -c '
  mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group &&
  exec strace -f -qq -o "$1/trace" -- "$2" app /bin/true' sh "$work" "$bin" || status=$?
if ((status != 0)); then
  echo "check-syscalls.sh: FAIL: '$bin app /bin/true' exited with $status; trace:" >&2
  cat "$work/trace" >&2 || true
  exit 1
fi

# unroot's part of the trace: its execve (the first line) through the execve of /bin/true.
awk '/^[0-9]+ +execve\(/ { n++ } { sub(/^[0-9]+ +/, ""); print } n == 2 { exit }' \
  "$work/trace" > "$work/own"
if [[ $(grep -c '^execve(' "$work/own") -ne 2 ]] || ! tail -n 1 "$work/own" | grep -q '"/bin/true"'; then
  echo "check-syscalls.sh: FAIL: no execve of /bin/true in the trace:" >&2
  cat "$work/trace" >&2
  exit 1
fi
count=$(wc -l < "$work/own")
cat "$work/own"
if ((count > max)); then
  echo "check-syscalls.sh: FAIL: $bin made $count syscalls for a plain drop; the bound is $max" >&2
  exit 1
fi
echo "check-syscalls.sh: ok: $bin made $count syscalls for a plain drop (bound $max)"
