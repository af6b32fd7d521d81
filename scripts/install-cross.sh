#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what scripts/release.sh needs to build and test every release architecture on an
# amd64 Debian 12 machine (as root), saying what it installs; does nothing when all is there:
#   - g++-<triplet> for each foreign architecture (Debian's cross compilers, no foreign packages);
#   - musl-dev:<arch> for each architecture that has musl (all but riscv64), which needs
#     `dpkg --add-architecture <arch>`;
#   - qemu-user-static, to run the foreign binaries (no binfmt registration is needed or made:
#     the tests name the emulator).
#
# Why foreign architectures on the machine itself, not in a debootstrap chroot: musl-dev:<arch>
# is Multi-Arch: same and puts its files only under /usr/lib/<triplet>-musl,
# /usr/include/<triplet>-musl and one /usr/bin/<triplet>-musl-gcc wrapper, so it replaces nothing
# of the host's; the cost is that `apt-get update` fetches five more package indexes. A chroot
# would cost about a minute and 200 MB per fresh machine, and would need the same foreign
# architectures inside it. To undo: apt-get purge 'musl-dev:<arch>' 'musl:<arch>', then
# dpkg --remove-architecture <arch>.
set -eu
here=$(dirname "$0")
. "$here/arch.sh"

host=$(dpkg --print-architecture)
if [ "$host" != amd64 ]; then
  echo "install-cross: the release build runs on amd64 (this machine is $host)" >&2
  exit 1
fi
pkgs="qemu-user-static binutils"
added=""
for arch in $UNROOT_ARCHS; do
  [ "$arch" = amd64 ] && continue
  pkgs="$pkgs $(arch_build_packages "$arch")"
  if arch_needs_foreign "$arch" && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    added="$added $arch"
  fi
done
if [ -n "$added" ]; then
  echo "install-cross: dpkg --add-architecture$added (for musl-dev of each)" >&2
  for arch in $added; do
    dpkg --add-architecture "$arch"
  done
fi
# shellcheck disable=SC2086
sh "$here/install-deps.sh" $pkgs
