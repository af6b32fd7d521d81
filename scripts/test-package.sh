#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test-package: the packaging users expect, checked for real. `cmake --install` puts the binary in
# bin and the man page in man1; `cpack -G DEB` makes a .deb that dpkg installs into a throwaway
# root (never the machine's /usr); the installed unroot runs (--version names the package's
# version) and `man -l` renders the installed page. Root only: dpkg --root and chroot need it.
#
# Usage: scripts/test-package.sh BUILD_DIR    (a configured and built tree)
set -euo pipefail

build=$(cd "${1:?usage: test-package.sh BUILD_DIR}" && pwd)

. "$(dirname "${BASH_SOURCE[0]}")/skip.sh"
if [[ $(id -u) != 0 ]]; then
  skip test-package "needs root (dpkg --root, chroot)"
fi

sh "$(dirname "$0")/install-deps.sh" man-db dpkg file

tmp=$(mktemp -d /tmp/unroot-package.XXXXXX)
trap 'rm -rf --one-file-system "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
[[ -n $version ]] || { echo "test-package: no CPACK_PACKAGE_VERSION in $build" >&2; exit 1; }

# --- cmake --install into a staging prefix ------------------------------------------------------
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
check "cmake --install puts unroot in bin" test -x "$tmp/prefix/bin/unroot"
check "cmake --install puts the man page in share/man/man1" \
  test -f "$tmp/prefix/share/man/man1/unroot.1.gz"

# --- the .deb ----------------------------------------------------------------------------------
(cd "$tmp" && cpack -G DEB -B "$tmp/pkg" --config "$build/CPackConfig.cmake" >"$tmp/cpack.log") ||
  { cat "$tmp/cpack.log" >&2; exit 1; }
debs=("$tmp"/pkg/*.deb)
check "cpack made exactly one .deb" test "${#debs[@]}" -eq 1 -a -f "${debs[0]}"
deb=${debs[0]}
echo "     $(basename "$deb"), $(stat -c %s "$deb") bytes"
dpkg-deb --contents "$deb" >"$tmp/contents"
check "the .deb holds ./usr/bin/unroot" grep -q ' \./usr/bin/unroot$' "$tmp/contents"
check "the .deb holds the gzipped man page" \
  grep -q ' \./usr/share/man/man1/unroot\.1\.gz$' "$tmp/contents"
check "the .deb has no Depends (static binary)" \
  test -z "$(dpkg-deb --field "$deb" Depends)"
check "the .deb's version is the project's ($version)" \
  test "$(dpkg-deb --field "$deb" Version)" = "$version"

# A throwaway root: an empty dpkg database is all dpkg needs, and the package has no maintainer
# scripts, so nothing runs inside it. The machine's own dpkg database and /usr are never touched.
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
: >"$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
dpkg_in_root() {  # dpkg_in_root ARGS...: dpkg on the throwaway root, its output kept for failures
  dpkg --root="$root" --log=/dev/null "$@" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; false; }
}
check "dpkg --root -i installs the .deb" dpkg_in_root -i "$deb"
check "dpkg records the package as installed" \
  bash -c "dpkg --root='$root' -s unroot 2>/dev/null | grep -q '^Status: install ok installed'"
check "installed binary is root-owned, 0755" \
  test "$(stat -c '%u:%g %a' "$root/usr/bin/unroot")" = "0:0 755"
check "installed binary is static (it runs in an otherwise empty root)" \
  bash -c "file -b '$root/usr/bin/unroot' | grep -Eq 'static-pie linked|statically linked'"
check "installed binary is stripped" \
  bash -c "file -b '$root/usr/bin/unroot' | grep -q ', stripped'"

# The root holds nothing but the package: the static binary must run there on its own.
out=$(chroot "$root" /usr/bin/unroot --version 2>&1) && rc=0 || rc=$?
echo "     unroot --version: $(head -1 <<<"$out")"
check "unroot --version exits 0 in the throwaway root" test "$rc" -eq 0
check "unroot --version names version $version" grep -q -- "$version" <<<"$out"

# -P cat: no pager; the sed removes the overstrike bold/underline that man emits for a terminal.
page=$(MANWIDTH=80 man -l -P cat "$root/usr/share/man/man1/unroot.1.gz" 2>"$tmp/man.err" |
  sed 's/.\x08//g')
check "man -l renders the installed page without warnings" test ! -s "$tmp/man.err"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS 'USER AND GROUP' 'EXIT STATUS' ENVIRONMENT \
  SECURITY EXAMPLES; do
  check "man page has section $section" grep -q "^$section" <<<"$page"
done
for option in --help --version --dry-run --verbose --listen --backlog --chown --keep-cap \
  --setsid --allow-new-privs; do
  check "man page documents $option" grep -q -- "$option" <<<"$page"
done
# Whatever --help lists must be in the page too, so a new option cannot ship undocumented.
help_options=$(chroot "$root" /usr/bin/unroot --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
check "--help lists options (the check below has something to compare)" test -n "$help_options"
for option in $help_options; do
  check "man page documents $option from --help" grep -q -- "$option" <<<"$page"
done

check "dpkg --root -r removes it again" dpkg_in_root -r unroot
check "nothing of the package is left" test ! -e "$root/usr/bin/unroot"

if ((failures)); then
  echo "test-package: FAILED" >&2
  exit 1
fi
echo "test-package: all checks passed"
