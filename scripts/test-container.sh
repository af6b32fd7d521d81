#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-container: build Dockerfile.example with podman, run it, and check what a container user
# would: HTTP on port 80 as uid 1001, one process (the app) as PID 1, no capabilities, no way
# back to root, a root-owned volume handed to the app, a fast clean stop on SIGTERM, and the
# app's exit code reported by the runtime; and with `unroot --init` as the entrypoint, a
# handler-less Node server that stops at once and an app whose orphans leave no zombie. Root only
# (podman needs it here).
#
# Usage: scripts/test-container.sh [prepare]
#   prepare   only make (or reuse) the cached local base images, then exit
#
# No registry is reachable, so the base images are made locally: debootstrap (minbase bookworm)
# imported with `podman import`, and the same tree plus Debian's nodejs. They are cached in
# podman's storage under localhost/unroot-test/*; delete them with `podman rmi` to rebuild.
# How podman has to be run on these machines (runc, cgroupfs, ulimits) and what each check
# proves: README.md, "Tested for real: scripts/test-container.sh".
set -euo pipefail

started=$(date +%s)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

. "$here/scripts/skip.sh"
if [[ $(id -u) != 0 ]]; then
  skip test-container "needs root (podman, debootstrap)"
fi

# crun (podman's default) fails on these hybrid-cgroup machines; runc with cgroupfs works. The
# default rlimits cannot be raised in this sandbox, so every build and run pins them.
podman=(podman --runtime runc --cgroup-manager cgroupfs)
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# Everything this run creates is removed on any exit, failure or ^C included: containers by their
# name prefix (so ones started in a subshell are found too), directories from this list.
name_prefix=unroot-test-$$
temp_dirs=()
cleanup() {
  local c d
  for c in $("${podman[@]}" ps -a --format '{{.Names}}' --filter name="^$name_prefix-"); do
    "${podman[@]}" rm -f -t 0 "$c" >/dev/null 2>&1 || true
  done
  for d in "${temp_dirs[@]}"; do
    rm -rf --one-file-system "$d"
  done
}
trap cleanup EXIT
# ^C or a ctest timeout (SIGTERM): exit through the EXIT trap, so containers never outlive us.
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools -------------------------------------------------------------------------------------
# catatonit: podman's --init, which the test compares with; nsenter and flock: util-linux.
sh "$here/scripts/install-deps.sh" podman runc catatonit netavark debootstrap curl \
  util-linux

base_debian=localhost/unroot-test/debian:bookworm
base_node=localhost/unroot-test/node:bookworm

# The Debian mirror apt already uses here (never hard-coded: CI machines may use another).
debian_mirror() {
  apt-cache policy | awk '$3 == "bookworm/main" { print $2; exit }'
}

# Makes both base images unless they are cached. One debootstrap serves both: import it as the
# builder base, add nodejs, import again as the runtime base. A lock keeps two concurrent runs
# from bootstrapping twice.
prepare_base_images() {
  exec 9>/run/lock/unroot-test-base-images.lock
  flock -w 900 9
  if "${podman[@]}" image exists "$base_debian" && "${podman[@]}" image exists "$base_node"; then
    echo "test-container: reusing cached $base_debian and $base_node"
    exec 9>&-
    return
  fi
  local mirror root t0
  mirror=$(debian_mirror)
  if [[ -z $mirror ]]; then
    echo "test-container: no bookworm/main mirror in apt's sources" >&2
    exit 1
  fi
  root=$(mktemp -d /var/tmp/unroot-base.XXXXXX)
  temp_dirs+=("$root" "$root.log")
  t0=$(date +%s)
  echo "test-container: debootstrap --variant=minbase bookworm (about a minute)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
    { tail -20 "$root.log" >&2; exit 1; }
  # An image, not a system: no apt caches, no package lists (the Dockerfile's apt-get update
  # fetches fresh ones), as the official debian images do.
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/*
  tar --numeric-owner -C "$root" -c . | "${podman[@]}" import -q - "$base_debian" >/dev/null
  echo "test-container: debian base imported ($(($(date +%s) - t0)) s)"
  # nodejs from Debian (18.x): the app only needs `http`, and no other repository is reachable.
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  { chroot "$root" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive chroot "$root" \
      apt-get install -y -qq --no-install-recommends nodejs; } >"$root.log" 2>&1 ||
    { tail -20 "$root.log" >&2; exit 1; }
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/*
  : >"$root/etc/resolv.conf"
  tar --numeric-owner -C "$root" -c . | "${podman[@]}" import -q - "$base_node" >/dev/null
  echo "test-container: node base imported ($(($(date +%s) - t0)) s in all)"
  rm -rf --one-file-system "$root"
  exec 9>&-
}

prepare_base_images
if [[ ${1:-} == prepare ]]; then
  echo "test-container: base images ready in $(($(date +%s) - started)) s"
  exit 0
fi

# --- checks --------------------------------------------------------------------------------------
. "$here/scripts/checks.sh"
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# --- build Dockerfile.example -------------------------------------------------------------------
# One tag per source tree, so two checkouts (worktrees, CI and a developer) never test each
# other's build.
image=localhost/unroot-test/example:$(printf '%s' "$here" | sha256sum | cut -c1-12)
t0=$(date +%s%N)
previous=$("${podman[@]}" image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
work=$(mktemp -d /tmp/unroot-container.XXXXXX)
temp_dirs+=("$work")
# --pull=never: the base images are the local ones; a registry must not be asked (none answers).
# --network host: the build stage's apt-get reaches the Debian mirror through the machine.
if ! "${podman[@]}" build --pull=never --network host "${limits[@]}" \
  --build-arg BUILDER_IMAGE="$base_debian" --build-arg NODE_IMAGE="$base_node" \
  -f "$here/Dockerfile.example" -t "$image" "$here" >"$work/build.log" 2>&1; then
  tail -40 "$work/build.log" >&2
  echo "test-container: podman build of Dockerfile.example failed" >&2
  exit 1
fi
echo "test-container: built $image from Dockerfile.example in $(ms_since "$t0") ms"
# Each source change leaves the previous build's image untagged; remove ours (only ours), so
# repeated runs do not pile images up. The build stage's layers stay as podman's build cache.
if [[ -n $previous && $previous != $("${podman[@]}" image inspect -f '{{.Id}}' "$image") ]]; then
  "${podman[@]}" rmi "$previous" >/dev/null 2>&1 || true
fi

# Each container gets a private network namespace (--network none: only lo), and the test talks
# to it from inside that namespace with nsenter. Port 80 is then the container's own port 80, as
# with a published port, and never collides with the machine's port 80 or with a parallel run.
run_opts=(--network none "${limits[@]}")
# A run killed with SIGKILL (a ctest timeout) cannot clean up: remove containers left by runs
# whose process is gone. Names are unroot-test-<pid>-<what>; live runs' containers are kept.
for c in $("${podman[@]}" ps -a --format '{{.Names}}' --filter name='^unroot-test-[0-9]+-'); do
  owner=${c#unroot-test-}
  owner=${owner%%-*}
  if [[ ! -d /proc/$owner ]]; then
    echo "test-container: removing $c, left by an earlier run that was killed"
    "${podman[@]}" rm -f -t 0 "$c" >/dev/null 2>&1 || true
  fi
done
pid_of() { "${podman[@]}" inspect -f '{{.State.Pid}}' "$1"; }
http_get() {  # http_get CONTAINER PATH: GET http://127.0.0.1:80PATH inside its network namespace
  nsenter --target "$(pid_of "$1")" --net curl -sS --max-time 2 "http://127.0.0.1:80$2"
}
wait_http() {  # wait_http CONTAINER: until the app answers, at most 15 s
  local i
  for ((i = 0; i < 75; i++)); do
    if [[ $("${podman[@]}" inspect -f '{{.State.Running}}' "$1") != true ]]; then
      echo "     container $1 is not running; its log:"
      "${podman[@]}" logs "$1" 2>&1 | sed 's/^/     | /'
      return 1
    fi
    http_get "$1" /ready >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "     no HTTP answer within 15 s; the container's log:"
  "${podman[@]}" logs "$1" 2>&1 | sed 's/^/     | /'
  return 1
}
status_field() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
# PIDs (in the machine's namespace) of every process in the PID namespace of process $1.
pids_in_ns_of() {
  local ns p
  ns=$(readlink "/proc/$1/ns/pid")
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ns" ]] && echo "${p#/proc/}"
  done
  return 0
}

# --- the volume: a host directory full of root-owned things ------------------------------------
vol=$work/data
mkdir -p "$vol/sub/deeper"
echo old >"$vol/file"
echo old >"$vol/sub/deeper/file"
chmod 0644 "$vol/file" "$vol/sub/deeper/file"
chmod 0755 "$vol" "$vol/sub" "$vol/sub/deeper"
# A link out of the volume: the link must change owner, its target (the container's passwd) not.
ln -s /etc/passwd "$vol/escape"
chown -hR 0:0 "$vol"

# --- run 1: Dockerfile.example as it is, podman's default capabilities --------------------------
main=$name_prefix-main
t0=$(date +%s%N)
"${podman[@]}" run -d --name "$main" "${run_opts[@]}" -v "$vol:/data" "$image" >/dev/null
check "the app answers HTTP on port 80" wait_http "$main"
if ((failures)); then
  echo "test-container: the example container does not serve; nothing else can be checked" >&2
  exit 1
fi
echo "     first answer $(ms_since "$t0") ms after podman run"
pid=$(pid_of "$main")
body=$(http_get "$main" /probe || true)
echo "     $body"
check "the app sees itself as PID 1" contains "$body" '"pid":1,'
check "the app runs as uid 1001, gid 1001, groups [1001]" \
  contains "$body" '"uid":1001,"gid":1001,"groups":[1001],'
check "the app got the socket from --listen (LISTEN_FDNAMES=http)" \
  contains "$body" '"listenFdNames":"http"'

# What the kernel says, read from the machine's side, so nothing is added to the container.
check "exactly one process in the container" equals "$(pids_in_ns_of "$pid" | tr '\n' ' ')" "$pid "
check "that process is PID 1 in the container" equals "$(status_field "$pid" NSpid | awk '{print $NF}')" 1
check "PID 1 is the app: node /app/server.js" \
  equals "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "node /app/server.js "
check "PID 1's real, effective, saved and fs uid are 1001" \
  equals "$(status_field "$pid" Uid)" '1001 1001 1001 1001'
check "PID 1's gids are 1001" equals "$(status_field "$pid" Gid)" '1001 1001 1001 1001'
check "PID 1's supplementary groups are exactly 1001" equals "$(status_field "$pid" Groups)" "1001"
for set in CapEff CapPrm CapInh CapAmb; do
  check "PID 1's $set is 0" equals "$(status_field "$pid" "$set")" 0000000000000000
done
# unroot sets no_new_privs itself (podman does not, without --security-opt no-new-privileges).
check "PID 1 has NoNewPrivs 1" equals "$(status_field "$pid" NoNewPrivs)" 1
echo "     podman top:"
"${podman[@]}" top "$main" pid user group args capeff 2>&1 | sed 's/^/     | /' || true

# The volume: every entry now belongs to app (1001:1001), the link itself included, and what the
# link points to (the container's /etc/passwd) is still root's.
check "every entry of the root-owned volume now belongs to 1001:1001" \
  equals "$(find "$vol" \( \! -user 1001 -o \! -group 1001 \) -printf '%p ')" ""
check "the symlink's target outside the volume is still root's" \
  equals "$(stat -c %u:%g "/proc/$pid/root/etc/passwd")" 0:0
# `podman exec` adds a process, so this comes after the one-process check.
check "the app user can write to the volume" \
  "${podman[@]}" exec --user app "$main" sh -c \
  'echo new >/data/sub/deeper/new && echo changed >/data/file && rm /data/sub/deeper/file'
check "files the app creates are its own" equals "$(stat -c %u:%g "$vol/sub/deeper/new")" 1001:1001

# podman stop sends STOPSIGNAL (SIGTERM) to PID 1, waits up to -t seconds, then SIGKILLs. The app
# has its own handler, so it must exit well before the timeout, with its own exit code (0).
stop_timeout=10
t0=$(date +%s%N)
"${podman[@]}" stop -t "$stop_timeout" "$main" >/dev/null
stop_ms=$(ms_since "$t0")
echo "     podman stop took $stop_ms ms (timeout ${stop_timeout} s)"
check "podman stop finished in under 3 s (the app's handler, not the timeout's SIGKILL)" \
  test "$stop_ms" -lt 3000
check "the app's SIGTERM handler ran" contains "$("${podman[@]}" logs "$main" 2>&1)" \
  "SIGTERM received"
check "the runtime reports the app's exit code (0 from its handler)" \
  equals "$("${podman[@]}" inspect -f '{{.State.ExitCode}}' "$main")" 0

# --- exit codes: the command's own, or unroot's 125/126/127 -------------------------------------
# Every case here ends at once; 60 s bounds one that does not (say, an option that was silently
# ignored and left the server running): then the code is 124 and the check fails.
exit_code_of() {  # exit_code_of [RUN_OPTION...] -- [CMD...]: runs the image, prints its code
  local opts=() rc=0 name
  while [[ $1 != -- ]]; do
    opts+=("$1")
    shift
  done
  shift
  name=$name_prefix-run-$RANDOM$RANDOM
  timeout 60 "${podman[@]}" run --rm --name "$name" "${run_opts[@]}" "${opts[@]}" "$image" "$@" \
    >/dev/null 2>&1 || rc=$?
  "${podman[@]}" rm -f -t 0 "$name" >/dev/null 2>&1 || true
  echo "$rc"
}
check "the command's exit code comes through (42)" \
  equals "$(exit_code_of -- node -e 'process.exit(42)')" 42
check "a command that is not found: 127" equals "$(exit_code_of -- no-such-command)" 127
check "a command that cannot be executed: 126" equals "$(exit_code_of -- /etc/passwd)" 126

# --- PID 1 and signals: what happens without a handler ------------------------------------------
# The kernel does not apply a default action to PID 1 of a namespace for a signal it has no
# handler for, so node without a handler ignores SIGTERM: podman waits the timeout and SIGKILLs.
nohandler=$name_prefix-nohandler
"${podman[@]}" run -d --name "$nohandler" "${run_opts[@]}" "$image" \
  node -e 'setInterval(() => {}, 1000)' >/dev/null
sleep 0.5
t0=$(date +%s%N)
"${podman[@]}" stop -t 10 "$nohandler" >/dev/null 2>&1
nohandler_ms=$(ms_since "$t0")
echo "     without a handler: podman stop -t 10 took $nohandler_ms ms"
check "without a handler, PID 1 ignores SIGTERM: stop waits the 10 s timeout" \
  test "$nohandler_ms" -ge 10000
check "... and the runtime reports SIGKILL (137)" \
  equals "$("${podman[@]}" inspect -f '{{.State.ExitCode}}' "$nohandler")" 137
# With --init, podman's catatonit is PID 1 and forwards SIGTERM to the app (then PID 2), whose
# default action now applies: a fast stop, reported as 128+15.
init=$name_prefix-init
"${podman[@]}" run -d --init --name "$init" "${run_opts[@]}" "$image" \
  node -e 'setInterval(() => {}, 1000)' >/dev/null
sleep 0.5
t0=$(date +%s%N)
"${podman[@]}" stop -t 10 "$init" >/dev/null 2>&1
init_ms=$(ms_since "$t0")
echo "     with --init, no handler: podman stop took $init_ms ms"
check "with --init, the same app stops at once" test "$init_ms" -lt 3000
check "... killed by SIGTERM (143)" \
  equals "$("${podman[@]}" inspect -f '{{.State.ExitCode}}' "$init")" 143

# --- unroot --init: PID 1 done by unroot itself, no second binary ------------------------------
# The same kind of app, a Node server with NO SIGTERM handler, behind an entrypoint that uses
# --init: unroot stays PID 1 and forwards SIGTERM to node (PID 2), whose default action applies.
init_entry='["/usr/local/bin/unroot", "--init", "--listen", "http=80", "app:app"]'
bare_server="require('http').createServer((q, s) => s.end('ok\\n')).listen({fd: 3})"
uinit=$name_prefix-unroot-init
"${podman[@]}" run -d --name "$uinit" "${run_opts[@]}" --entrypoint "$init_entry" "$image" \
  node -e "$bare_server" >/dev/null
check "unroot --init: the handler-less node server answers on port 80 (fd 3)" wait_http "$uinit"
upid=$(pid_of "$uinit")
check "unroot --init: PID 1 is unroot, as uid 1001 with CapEff 0" \
  equals "$(tr '\0' ' ' <"/proc/$upid/cmdline" | cut -d' ' -f1) $(status_field "$upid" Uid) $(status_field "$upid" CapEff)" \
  "/usr/local/bin/unroot 1001 1001 1001 1001 0000000000000000"
echo "     unroot --init supervisor: $(status_field "$upid" VmRSS) VmRSS"
t0=$(date +%s%N)
"${podman[@]}" stop -t 10 "$uinit" >/dev/null 2>&1
uinit_ms=$(ms_since "$t0")
echo "     unroot --init, no handler: podman stop took $uinit_ms ms (without --init: $nohandler_ms ms)"
check "unroot --init: the handler-less server stops in under 2 s" test "$uinit_ms" -lt 2000
check "... reported as killed by SIGTERM (143)" \
  equals "$("${podman[@]}" inspect -f '{{.State.ExitCode}}' "$uinit")" 143

# An app that leaves orphans: 100 subshells each leave a `sleep 0.5` behind. Under unroot
# --init they are reaped; with the app itself as PID 1 (here sleep, which reaps nothing) each
# stays a zombie until the container ends.
orphans='i=0; while [ $i -lt 100 ]; do (sleep 0.5 &); i=$((i+1)); done; echo ready; exec sleep 30'
zombies_of() {  # zombies_of CONTAINER: zombies in its PID namespace, once the orphans ended
  local i p n=0
  for ((i = 0; i < 75; i++)); do
    "${podman[@]}" logs "$1" 2>&1 | grep -q ready && break
    sleep 0.2
  done
  sleep 1.5
  for p in $(pids_in_ns_of "$(pid_of "$1")"); do
    [[ $(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$p/stat" 2>/dev/null) == Z ]] && n=$((n + 1))
  done
  echo "$n"
}
zinit=$name_prefix-zombies-init
"${podman[@]}" run -d --name "$zinit" "${run_opts[@]}" --entrypoint '["/usr/local/bin/unroot", "--init", "app:app"]' \
  "$image" sh -c "$orphans" >/dev/null
zplain=$name_prefix-zombies-plain
"${podman[@]}" run -d --name "$zplain" "${run_opts[@]}" --entrypoint '["/usr/local/bin/unroot", "app:app"]' \
  "$image" sh -c "$orphans" >/dev/null
check "unroot --init: an app that leaves 100 orphans has no zombie after them" \
  equals "$(zombies_of "$zinit")" 0
check "... without --init the same app leaves 100 zombies" equals "$(zombies_of "$zplain")" 100
"${podman[@]}" rm -f -t 0 "$zinit" "$zplain" >/dev/null 2>&1 || true

# --- run 2: the Kubernetes example's securityContext, reproduced with podman ----------------------
# drop ALL + SETUID SETGID CHOWN NET_BIND_SERVICE, no_new_privs from the runtime, read-only root:
# what examples/kubernetes/deployment.yaml asks for must be enough.
vol2=$work/data2
mkdir -p "$vol2/sub" && echo old >"$vol2/sub/file" && chown -R 0:0 "$vol2"
minimal=$name_prefix-minimal
k8s_opts=(--cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add CHOWN --cap-add NET_BIND_SERVICE
  --security-opt no-new-privileges --read-only)
"${podman[@]}" run -d --name "$minimal" "${run_opts[@]}" "${k8s_opts[@]}" -v "$vol2:/data" \
  "$image" >/dev/null
check "with only the four capabilities, the app answers on port 80" wait_http "$minimal"
check "... as uid 1001 with CapEff 0" \
  contains "$(http_get "$minimal" /probe || true)" '"uid":1001,"gid":1001,"groups":[1001],"capEff":"0000000000000000"'
check "... and the volume was handed over" equals "$(stat -c %u:%g "$vol2/sub/file")" 1001:1001
"${podman[@]}" stop -t 10 "$minimal" >/dev/null
# One capability short: unroot must refuse before the app starts (125), not half-run it.
chown -R 0:0 "$vol2"
check "without CHOWN, --chown fails with unroot's own exit code 125" \
  equals "$(exit_code_of --cap-drop ALL --cap-add SETUID,SETGID,NET_BIND_SERVICE \
    -v "$vol2:/data" --)" 125
check "... and changed nothing" equals "$(stat -c %u:%g "$vol2/sub/file")" 0:0
# A directory of another uid with mode 0700 (say, a volume a different image used before): root
# without CAP_DAC_READ_SEARCH cannot open it, so the walk fails closed; with it, it is handed over.
# This is why the Kubernetes README names DAC_READ_SEARCH as the one optional addition.
mkdir -p "$vol2/private/inner" && echo x >"$vol2/private/inner/file"
chown -R 999:999 "$vol2/private" && chmod 0700 "$vol2/private"
check "a foreign 0700 directory with only the four capabilities: 125, not entered" \
  equals "$(exit_code_of "${k8s_opts[@]}" -v "$vol2:/data" -- true)" 125
check "... its contents untouched" equals "$(stat -c %u "$vol2/private/inner/file")" 999
check "... with DAC_READ_SEARCH added it is handed over" \
  equals "$(exit_code_of "${k8s_opts[@]}" --cap-add DAC_READ_SEARCH -v "$vol2:/data" -- true)" 0
check "... all of it" equals "$(stat -c %u:%g "$vol2/private/inner/file")" 1001:1001

total=$(($(date +%s) - started))
if ((failures)); then
  echo "test-container: $failures check(s) FAILED (${total} s in all)" >&2
  exit 1
fi
echo "test-container: all checks passed in ${total} s"
