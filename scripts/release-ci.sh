#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# release-ci.sh: scripts/release.sh as ctest runs it (cmake/release-tests.cmake). Never installs
# anything: when a tool is missing it skips (exit 77, scripts/skip.sh), and names the script that
# installs it (scripts/install-cross.sh, which scripts/test.sh runs first).
#
#   release-ci.sh build OUTDIR
#       all architectures into OUTDIR (scripts/release.sh --no-install)
#   release-ci.sh reproducible OUTDIR ARCH...
#       copies the tracked files of this tree (as they are in the work tree) to a new path,
#       builds ARCH... there with its own build and output directories, and compares every file
#       byte for byte with OUTDIR's (built from this tree by `build`)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/arch.sh"
. "$here/scripts/skip.sh"

mode=${1:-}
out=${2:-}
if [[ -z $mode || -z $out ]] || { [[ $mode == reproducible ]] && (($# < 3)); }; then
  echo "usage: release-ci.sh build OUTDIR | release-ci.sh reproducible OUTDIR ARCH..." >&2
  exit 2
fi
shift 2

missing=()
for arch in $UNROOT_ARCHS; do
  [[ $arch == amd64 ]] && continue
  t=$(arch_triplet "$arch")
  command -v "$t-g++" > /dev/null || missing+=("g++-$t")
  if arch_has_musl "$arch"; then
    dpkg-query -W -f='${Status}' "musl-dev:$arch" 2> /dev/null | grep -q "install ok installed" ||
      missing+=("musl-dev:$arch")
  fi
  command -v "$(arch_qemu "$arch")" > /dev/null || missing+=(qemu-user-static)
done
if ((${#missing[@]})); then
  skip "release-ci" "missing ${missing[*]} (run scripts/install-cross.sh as root)"
fi

case $mode in
  build)
    rm -rf "$out"
    exec "$here/scripts/release.sh" --no-install "$out"
    ;;
  reproducible)
    t0=$(date +%s)
    for arch in "$@"; do
      [[ -f $out/unroot-linux-$arch ]] || {
        echo "release-ci: $out/unroot-linux-$arch missing (release-ci.sh build first)" >&2
        exit 1
      }
    done
    SOURCE_DATE_EPOCH=$(git -C "$here" log -1 --format=%ct)
    export SOURCE_DATE_EPOCH
    # Another source path, of another length, and other build and output directories.
    tmp=$(mktemp -d /var/tmp/unroot-repro.XXXXXX)
    trap 'rm -rf --one-file-system "$tmp"' EXIT
    copy=$tmp/another/source/path/unroot-copy
    mkdir -p "$copy" "$tmp/tmp"
    (cd "$here" && git ls-files -z | while IFS= read -r -d '' f; do
      [[ -e $f || -L $f ]] && cp -a --parents "$f" "$copy/"
    done)
    TMPDIR=$tmp/tmp UNROOT_RELEASE_ARCHS="$*" \
      "$copy/scripts/release.sh" --no-install "$tmp/out" > "$tmp/log" 2>&1 ||
      { cat "$tmp/log" >&2; exit 1; }
    failed=0
    for arch in "$@"; do
      a=$out/unroot-linux-$arch b=$tmp/out/unroot-linux-$arch
      if cmp "$a" "$b"; then
        echo "release-ci: $arch identical from $here and from $copy: $(sha256sum < "$a" | cut -c1-64)"
      else
        echo "release-ci: $arch DIFFERS between $a and $b" >&2
        failed=1
      fi
    done
    echo "release-ci: reproducible check of $* in $(($(date +%s) - t0)) s"
    exit "$failed"
    ;;
  *)
    echo "release-ci: unknown mode '$mode'" >&2
    exit 2
    ;;
esac
