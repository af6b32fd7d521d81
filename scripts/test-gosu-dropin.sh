#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-gosu-dropin: an entrypoint script in the official-images idiom, which calls `gosu`, works
# unchanged when gosu is unroot (a symlink or a copy); the same script rewritten for
# `unroot --chown` does the same job without find. Runs as root in a private mount namespace with
# fixture /etc/passwd and /etc/group bind-mounted over the real ones; the machine's files, users
# and mounts are never changed.
#
# Usage: scripts/test-gosu-dropin.sh UNROOT_BINARY
set -euo pipefail

if [[ ${1:-} == --inside ]]; then
  inside=1
  shift
else
  inside=0
fi
unroot=$(realpath "${1:?usage: test-gosu-dropin.sh UNROOT_BINARY}")

if [[ $inside == 0 ]]; then
  if [[ $(id -u) != 0 ]]; then
    . "$(dirname "${BASH_SOURCE[0]}")/skip.sh"
    skip test-gosu-dropin "needs root (mount namespace, chown)"
  fi
  # The mounts below vanish with this namespace: nothing leaks to the machine even on failure.
  exec unshare --mount --propagation private -- "$0" --inside "$unroot"
fi

t=$(mktemp -d /tmp/unroot-gosu.XXXXXX)
trap 'rm -rf --one-file-system "$t"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The script re-runs itself as app: it must be able to reach and read it.
chmod 0755 "$t"

# Fixture users: the machine's own entries (so root, find and chown work as usual) plus `app`
# (1001) and a group `extra` that lists app, which gosu's spec `app` must pick up.
cp /etc/passwd "$t/passwd"
cp /etc/group "$t/group"
echo 'app:x:1001:1001:app:/home/app:/usr/sbin/nologin' >>"$t/passwd"
printf 'app:x:1001:\nextra:x:2001:app\n' >>"$t/group"
mount --bind "$t/passwd" /etc/passwd
mount --bind "$t/group" /etc/group

. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

# A wrapper that records every call of find, so the test can tell whether the script used it.
mkdir -p "$t/bin"
cat >"$t/bin/find" <<EOS
#!/bin/sh
echo called >>"$t/find.log"
exec /usr/bin/find "\$@"
EOS
chmod 0755 "$t/bin/find"

# The official-images entrypoint idiom, as postgres, redis and others write it (tabs and all).
cat >"$t/entrypoint-gosu.sh" <<'EOS'
#!/bin/sh
set -e
if [ "$(id -u)" = '0' ]; then
	find "$DATA" \! -user app -exec chown app '{}' +
	exec gosu app "$0" "$@"
fi
exec "$@"
EOS
# The same script for unroot: --chown replaces the find loop (and sets the group too).
cat >"$t/entrypoint-unroot.sh" <<'EOS'
#!/bin/sh
set -e
if [ "$(id -u)" = '0' ]; then
	exec unroot --chown "$DATA" app "$0" "$@"
fi
exec "$@"
EOS
chmod 0755 "$t/entrypoint-gosu.sh" "$t/entrypoint-unroot.sh"

# What the command reports about itself.
# shellcheck disable=SC2016  # expanded by the command's own shell, as app
probe='printf "%s|%s|%s|%s|%s\n" "$(id -u)" "$(id -g)" "$(id -G)" "$HOME" \
  "$(grep ^NoNewPrivs: /proc/self/status | cut -f2)"; echo written >"$DATA/from-app"'

make_volume() {  # make_volume DIR: root-owned files, one already app's, a planted symlink
  rm -rf "$1" "$t/outside"
  mkdir -p "$1/sub" "$t/outside"
  echo a >"$1/a"
  echo b >"$1/sub/b"
  echo mine >"$1/already-app"
  echo secret >"$t/outside/secret"
  ln -s "$t/outside/secret" "$1/sub/link"
  chown -hR 0:0 "$1" "$t/outside"
  chown 1001 "$1/already-app"
  chmod 0755 "$1" "$1/sub"
}

run_entrypoint() {  # run_entrypoint SCRIPT DATA: prints the probe's line; the exit code is kept
  env -i PATH="$t/bin:/usr/local/bin:/usr/bin:/bin" DATA="$2" "$1" sh -c "$probe"
}

# 1. gosu is unroot, by symlink and by copy: the unchanged script works.
for how in symlink copy; do
  rm -f "$t/bin/gosu" "$t/find.log"
  if [[ $how == symlink ]]; then
    ln -s "$unroot" "$t/bin/gosu"
  else
    cp "$unroot" "$t/bin/gosu"
  fi
  data=$t/data-gosu-$how
  make_volume "$data"
  out=$(run_entrypoint "$t/entrypoint-gosu.sh" "$data") && rc=0 || rc=$?
  check "gosu is unroot ($how): the unchanged script exits 0" equals "$rc" 0
  check "... the command runs as app: uid 1001, gid 1001, groups 1001 2001, HOME, no_new_privs" \
    equals "$out" "1001|1001|1001 2001|/home/app|1"
  check "... find ran (the idiom's chown loop)" test -s "$t/find.log"
  check "... the volume belongs to app (owner only: chown app leaves the group)" \
    equals "$(find "$data" -path "$data/sub/link" -prune -o \! -user 1001 -printf '%p ')" ""
  check "... the app wrote to it" equals "$(stat -c %U "$data/from-app")" app
  # GNU chown follows symlinks named on its command line, so the idiom hands over whatever a
  # link planted in the volume points to. This is the hole that --chown closes.
  check "... the idiom followed the planted symlink and took over its target" \
    equals "$(stat -c %u "$t/outside/secret")" 1001
done

# 2. The same script with unroot --chown: same result, no find, and nothing outside is touched.
ln -sf "$unroot" "$t/bin/unroot"
rm -f "$t/find.log"
data=$t/data-unroot
make_volume "$data"
out=$(run_entrypoint "$t/entrypoint-unroot.sh" "$data") && rc=0 || rc=$?
check "unroot --chown script exits 0" equals "$rc" 0
check "... the command runs as app, as with gosu" equals "$out" "1001|1001|1001 2001|/home/app|1"
check "... find never ran" test ! -e "$t/find.log"
check "... every entry belongs to app:app (owner and group), the symlink itself included" \
  equals "$(find "$data" \( \! -user 1001 -o \! -group 1001 \) -printf '%p ')" ""
check "... the symlink's target outside the volume is still root's" \
  equals "$(stat -c %u:%g "$t/outside/secret")" 0:0
check "... the app wrote to it" equals "$(stat -c %U:%G "$data/from-app")" app:app

if ((failures)); then
  echo "test-gosu-dropin: FAILED" >&2
  exit 1
fi
echo "test-gosu-dropin: all checks passed"
