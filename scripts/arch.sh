# shellcheck shell=sh
# SPDX-License-Identifier: MIT
# Sourced by scripts/release.sh, install-cross.sh, emulated-tests.sh and Dockerfile.example (sh
# and bash): the architectures a release covers, by their Debian names, and how each is reached
# from an amd64 Debian 12 machine. How each one LINKS is decided in cmake/arch.cmake, not here.

# Release order: the order of SHA256SUMS.
# shellcheck disable=SC2034  # used by the scripts that source this file
UNROOT_ARCHS="amd64 arm64 armhf i386 ppc64el riscv64 s390x"

# arch_triplet ARCH: the GNU triplet of Debian's g++-<triplet> cross compiler (amd64: native).
arch_triplet() {
  case $1 in
    amd64) echo x86_64-linux-gnu ;;
    arm64) echo aarch64-linux-gnu ;;
    armhf) echo arm-linux-gnueabihf ;;
    i386) echo i686-linux-gnu ;;
    ppc64el) echo powerpc64le-linux-gnu ;;
    riscv64) echo riscv64-linux-gnu ;;
    s390x) echo s390x-linux-gnu ;;
    *) return 1 ;;
  esac
}

# arch_has_musl ARCH: whether Debian 12 has musl-dev:ARCH (riscv64 has none).
arch_has_musl() {
  [ "$1" != riscv64 ]
}

# arch_qemu ARCH: qemu-user-static's emulator for ARCH (amd64: none).
arch_qemu() {
  case $1 in
    amd64) echo "" ;;
    arm64) echo qemu-aarch64-static ;;
    armhf) echo qemu-arm-static ;;
    i386) echo qemu-i386-static ;;
    ppc64el) echo qemu-ppc64le-static ;;
    riscv64) echo qemu-riscv64-static ;;
    s390x) echo qemu-s390x-static ;;
    *) return 1 ;;
  esac
}

# arch_runner ARCH BINARY: what to put before BINARY to run it here. Empty when the kernel runs
# it itself: amd64, and i386 where the kernel has 32-bit support (then the real compat syscall
# layer is tested, not an emulator's translation of it).
arch_runner() {
  if [ "$1" = amd64 ]; then
    echo ""
  elif [ "$1" = i386 ] && "$2" --version >/dev/null 2>&1; then
    echo ""
  else
    arch_qemu "$1"
  fi
}

# arch_from_docker TARGETARCH [TARGETVARIANT]: the Debian name for a Docker platform's
# architecture (what `docker buildx build --platform linux/arm/v7` passes to a Dockerfile).
arch_from_docker() {
  case $1 in
    amd64 | arm64 | riscv64 | s390x) echo "$1" ;;
    arm)
      # Debian's armhf is ARMv7 with hardware floating point; armel (v5, v6) is not released.
      if [ "${2:-v7}" = v7 ]; then echo armhf; else return 1; fi
      ;;
    386) echo i386 ;;
    ppc64le) echo ppc64el ;;
    *) return 1 ;;
  esac
}

# arch_build_packages ARCH: the Debian packages that build unroot for ARCH on this machine
# (natively, or with cmake/toolchains/ARCH.cmake). A foreign musl-dev:ARCH needs
# `dpkg --add-architecture ARCH` first (arch_needs_foreign ARCH).
arch_build_packages() {
  if [ "$1" = "$(dpkg --print-architecture)" ]; then
    echo "g++ libc6-dev$(arch_has_musl "$1" && echo " musl-tools")"
  else
    echo "g++-$(arch_triplet "$1")$(arch_has_musl "$1" && echo " musl-dev:$1")"
  fi
}

# arch_needs_foreign ARCH: whether building for ARCH here needs ARCH as a dpkg architecture.
arch_needs_foreign() {
  [ "$1" != "$(dpkg --print-architecture)" ] && arch_has_musl "$1"
}
