#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# release.sh: the release artefacts. Builds the static unroot for every architecture gosu ships
# and writes into OUTDIR exactly
#   unroot-linux-amd64 -arm64 -armhf -i386 -ppc64el -riscv64 -s390x   (stripped, static)
#   SHA256SUMS                                                        (sha256sum format)
# and nothing else (stale files of those names are replaced; the builds happen elsewhere).
#
#   scripts/release.sh [--no-install] OUTDIR
#     --no-install            install nothing; a missing tool is an error (ctest uses this)
#   UNROOT_RELEASE_ARCHS      build only these architectures (default: all seven)
#   SOURCE_DATE_EPOCH         default: the time of the last commit of the source tree
#
# Runs on amd64 Debian 12, as root unless everything is installed. It installs, and says so,
# what it needs (scripts/install-cross.sh): g++-<triplet> cross compilers, musl-dev:<arch> after
# `dpkg --add-architecture <arch>`, and qemu-user-static. Adding foreign architectures to the
# machine, rather than building in a debootstrap chroot, is a choice: musl-dev:<arch> only adds
# files under its own triplet directories and replaces nothing of the host's, while a chroot costs
# about a minute and 200 MB on every fresh machine (the reasons in full: install-cross.sh).
#
# Per architecture: configure with cmake/toolchains/<arch>.cmake (how each one links, musl or
# glibc, PIE or not, is decided in cmake/arch.cmake), build only the product
# (UNROOT_BUILD_TESTS=OFF, target unroot-dist), then check the artefact and stop on the first
# failure:
#   - static: no PT_INTERP and no DT_NEEDED (readelf -l / -d, not `file`), the ELF machine is the
#     architecture's, PIE exactly when cmake/arch.cmake says so, hardening and no NSS
#     (scripts/check-binary.sh on the unstripped link output);
#   - it runs: `--version` under the architecture's emulator names the architecture and the libc.
#
# Reproducible: the same commit gives byte-identical files from any source and build directory
# (-ffile-prefix-map and a content-hash build id in CMakeLists.txt; the environment is fixed
# here: SOURCE_DATE_EPOCH, TZ, LC_ALL, umask). ctest's release_reproducible proves it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/arch.sh"

install=1
if [[ ${1:-} == --no-install ]]; then
  install=0
  shift
fi
if [[ $# -ne 1 || -z $1 ]]; then
  echo "usage: release.sh [--no-install] OUTDIR" >&2
  exit 2
fi
out=$1
archs=${UNROOT_RELEASE_ARCHS:-$UNROOT_ARCHS}
for arch in $archs; do
  arch_triplet "$arch" > /dev/null || {
    echo "release.sh: unknown architecture '$arch' (known: $UNROOT_ARCHS)" >&2
    exit 2
  }
done

started=$(date +%s)
if ((install)); then
  sh "$here/scripts/install-cross.sh"
  sh "$here/scripts/install-deps.sh" cmake g++ make binutils musl-tools
fi

# The fixed environment of a reproducible build.
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
  SOURCE_DATE_EPOCH=$(git -C "$here" log -1 --format=%ct 2> /dev/null) || {
    echo "release.sh: not a git checkout: set SOURCE_DATE_EPOCH (the release commit's time)" >&2
    exit 2
  }
fi
export SOURCE_DATE_EPOCH TZ=UTC LC_ALL=C
umask 022

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "${TMPDIR:-/var/tmp}/unroot-release.XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT

# The ELF e_machine readelf names for each architecture.
elf_machine() {
  case $1 in
    amd64) echo "Advanced Micro Devices X86-64" ;;
    arm64) echo AArch64 ;;
    armhf) echo ARM ;;
    i386) echo "Intel 80386" ;;
    ppc64el) echo "PowerPC64" ;;
    riscv64) echo "RISC-V" ;;
    s390x) echo "IBM S/390" ;;
  esac
}

fail() {
  echo "release.sh: $arch: $*" >&2
  exit 1
}

summary=()
for arch in $archs; do
  t0=$(date +%s)
  build=$work/$arch
  toolchain=()
  if [[ $arch != amd64 ]]; then
    toolchain=("-DCMAKE_TOOLCHAIN_FILE=$here/cmake/toolchains/$arch.cmake")
  fi
  echo "release.sh: $arch: building" >&2
  cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release -DUNROOT_BUILD_TESTS=OFF \
    "${toolchain[@]}" > "$build.log" 2>&1 || { cat "$build.log" >&2; fail "cmake failed"; }
  cmake --build "$build" --target unroot-dist -j"$(nproc)" >> "$build.log" 2>&1 ||
    { tail -40 "$build.log" >&2; fail "build failed"; }

  # What cmake/dist.cmake says it shipped.
  facts=$build/dist/unroot.build
  fact() { sed -n "s/^$1=//p" "$facts"; }
  [[ $(fact arch) == "$arch" ]] || fail "built for '$(fact arch)'"
  libc=$(fact libc)
  link=$(fact link)
  artefact=$out/unroot-linux-$arch
  cp "$build/dist/unroot" "$artefact.tmp"
  mv "$artefact.tmp" "$artefact"

  # Static, read from the program headers themselves.
  headers=$(readelf -lW "$artefact")
  if grep -q '^ *INTERP ' <<< "$headers"; then
    rm -f "$artefact"
    fail "not static: $(grep -o 'interpreter: [^]]*' <<< "$headers")"
  fi
  machine=$(readelf -hW "$artefact" | sed -n 's/^ *Machine: *//p')
  [[ $machine == "$(elf_machine "$arch")" ]] || fail "ELF machine is '$machine'"
  STRIP=/usr/bin/$(arch_triplet "$arch")-strip "$here/scripts/check-binary.sh" --link "$link" \
    "$(fact unstripped)" > "$build.check" 2>&1 || { cat "$build.check" >&2; fail "check-binary.sh"; }
  if readelf -SW "$artefact" | grep -qE ' \.symtab | \.debug_'; then fail "not stripped"; fi

  # It runs, and says what it is.
  runner=$(arch_runner "$arch" "$artefact")
  if [[ -n $runner ]] && ! command -v "$runner" > /dev/null; then
    fail "$runner not found (Debian: apt-get install qemu-user-static)"
  fi
  version=$($runner "$artefact" --version) || fail "--version failed under '${runner:-the kernel}'"
  grep -qx "arch: $arch" <<< "$version" || fail "--version does not say 'arch: $arch': $version"
  grep -q "^libc: $libc " <<< "$version" || fail "--version does not say 'libc: $libc'"

  size=$(stat -c %s "$artefact")
  took=$(($(date +%s) - t0))
  line=$(printf '%-8s %7d bytes  %-5s %-10s  run by %-20s %3d s' "$arch" "$size" "$libc" \
    "$link" "${runner:-the kernel}" "$took")
  summary+=("$line")
  echo "release.sh: $line" >&2
done

# One line per file, in release order; relative names, so `sha256sum -c SHA256SUMS` works in any
# directory that holds the files.
(
  cd "$out"
  for arch in $archs; do
    sha256sum "unroot-linux-$arch"
  done
) > "$out/SHA256SUMS.tmp"
mv "$out/SHA256SUMS.tmp" "$out/SHA256SUMS"

echo "release.sh: SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, $out:"
printf '  %s\n' "${summary[@]}"
sed 's/^/  /' "$out/SHA256SUMS"
echo "release.sh: $(wc -w <<< "$archs") architectures in $(($(date +%s) - started)) s"
