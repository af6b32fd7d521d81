#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-container: build Dockerfile.example with podman, run it, and check what a container user
# would: HTTP on port 80 as uid 1001, one process (the app) as PID 1, no capabilities, no way
# back to root, a root-owned volume handed to the app, a fast clean stop on SIGTERM, and the
# app's exit code reported by the runtime. Root only (podman needs it here).
#
# Usage: scripts/test-container.sh [prepare]
#   prepare   only make (or reuse) the cached local base images, then exit
#
# No registry is reachable, so the base images are made locally: debootstrap (minbase bookworm)
# imported with `podman import`, and the same tree plus Debian's nodejs. They are cached in
# podman's storage under localhost/unroot-test/*; delete them with `podman rmi` to rebuild.
# Facts about podman on these machines (runc, cgroupfs, ulimits): docs/containers.md.
set -euo pipefail

started=$(date +%s)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if [[ $(id -u) != 0 ]]; then
  echo "test-container: SKIP: needs root (podman, debootstrap)" >&2
  if [[ ${REQUIRE_ROOT_TESTS:-0} == 1 ]]; then
    echo "test-container: REQUIRE_ROOT_TESTS=1, so a skip is a failure" >&2
    exit 1
  fi
  exit 77
fi

# --- tools -------------------------------------------------------------------------------------
need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v curl >/dev/null || need+=(curl)
command -v nsenter >/dev/null || need+=(util-linux)
command -v flock >/dev/null || need+=(util-linux)
if ((${#need[@]})); then
  echo "test-container: installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# crun (podman's default) fails on these hybrid-cgroup machines; runc with cgroupfs works. The
# default rlimits cannot be raised in this sandbox, so every build and run pins them.
podman=(podman --runtime runc --cgroup-manager cgroupfs)
limits=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

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
  # shellcheck disable=SC2064  # expand $root now: the trap must remove this directory
  trap "rm -rf --one-file-system '$root'" RETURN
  t0=$(date +%s)
  echo "test-container: debootstrap --variant=minbase bookworm (about a minute)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 ||
    { tail -20 "$root.log" >&2; exit 1; }
  rm -f "$root.log"
  # An image, not a system: no apt caches, no package lists (the Dockerfile's apt-get update
  # fetches fresh ones), as the official debian images do.
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/*
  tar --numeric-owner -C "$root" -c . | "${podman[@]}" import - "$base_debian" >/dev/null
  echo "test-container: debian base imported ($(($(date +%s) - t0)) s)"
  # nodejs from Debian (18.x): the app only needs `http`, and no other repository is reachable.
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  chroot "$root" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$root" \
    apt-get install -y -qq --no-install-recommends nodejs >/dev/null
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/*
  : >"$root/etc/resolv.conf"
  tar --numeric-owner -C "$root" -c . | "${podman[@]}" import - "$base_node" >/dev/null
  echo "test-container: node base imported ($(($(date +%s) - t0)) s in all)"
  exec 9>&-
}

prepare_base_images
if [[ ${1:-} == prepare ]]; then
  echo "test-container: base images ready in $(($(date +%s) - started)) s"
  exit 0
fi
