#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-binary.sh: structural facts about a built unroot that must stay true. Run it on the
# UNSTRIPPED binary (the symbol check needs the symbol table).
#
#   scripts/check-binary.sh [--link static-pie|static] [--single-threaded] [--max-stripped-size BYTES] BINARY
#
# Works on a binary of any architecture (readelf and nm read foreign ELF files). Checks, each
# because:
#   - static: no PT_INTERP program header and no DT_NEEDED entry (readelf; `file` alone is not
#     trusted), so it runs in any image (scratch, distroless, busybox) and in a chroot with no
#     libc;
#   - PIE (ELF type DYN), unless --link static says this architecture's libc cannot link
#     static-pie (cmake/arch.cmake): ASLR still applies to the process that runs as root.
#   - GNU_RELRO and BIND_NOW: relocations are resolved at start and the GOT made read-only
#     (ld(1) -z relro -z now); a write primitive cannot redirect a function pointer there.
#   - GNU_STACK is not executable (ld(1) -z noexecstack).
#   - none of getpwnam getpwuid getgrnam getgrgid initgroups getgrouplist getaddrinfo is linked:
#     these go through NSS, which in a static glibc binary dlopen()s modules from the image as root
#     (glibc's static-linking warning), and would make the result depend on nsswitch.conf. unroot
#     reads /etc/passwd and /etc/group itself.
#   - whether pthread_create is linked. It is reported, not judged: src/privdrop.cpp makes the
#     set*id calls as raw syscalls only when it is not (a weak reference, null then), because the
#     libc wrappers exist to apply each change to every thread (nptl(7)) and a process that cannot
#     create a thread has one. --single-threaded makes a linked pthread_create a failure.
#   - with --max-stripped-size, a stripped copy is at most BYTES (what ships; size is a feature).
# Exit status: 0 all checks passed; 1 a check failed; 2 usage or missing tools.
set -euo pipefail

max_size=""
link=static-pie
single_threaded=0
while (($#)); do
  case "$1" in
    --single-threaded)
      single_threaded=1
      shift
      ;;
    --link)
      [[ $# -ge 2 && $2 =~ ^(static-pie|static)$ ]] || {
        echo "check-binary.sh: --link needs static-pie or static" >&2
        exit 2
      }
      link=$2
      shift 2
      ;;
    --max-stripped-size)
      [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || {
        echo "check-binary.sh: --max-stripped-size needs a number of bytes" >&2
        exit 2
      }
      max_size=$2
      shift 2
      ;;
    -*)
      echo "check-binary.sh: unknown option '$1'" >&2
      exit 2
      ;;
    *) break ;;
  esac
done
if [[ $# -ne 1 ]]; then
  echo "usage: check-binary.sh [--link static-pie|static] [--single-threaded] [--max-stripped-size BYTES] BINARY" >&2
  exit 2
fi
bin=$1
strip=${STRIP:-strip}  # a cross build's strip (the host's may not know the machine)
for tool in readelf nm "$strip"; do
  command -v "$tool" > /dev/null || {
    echo "check-binary.sh: '$tool' not found (Debian: apt-get install binutils)" >&2
    exit 2
  }
done
[[ -f $bin ]] || {
  echo "check-binary.sh: no such file: $bin" >&2
  exit 2
}

failed=0
pass() { echo "ok:   $bin: $*"; }
fail() {
  echo "FAIL: $bin: $*"
  failed=1
}

headers=$(readelf -lW "$bin")
dynamic=$(readelf -dW "$bin")
if grep -q '^ *INTERP ' <<< "$headers"; then
  fail "not static: PT_INTERP $(grep -o 'interpreter: [^]]*' <<< "$headers")"
elif grep -q '(NEEDED)' <<< "$dynamic"; then
  fail "not static: needs $(grep '(NEEDED)' <<< "$dynamic" | grep -o '\[.*\]' | tr '\n' ' ')"
else
  pass "static (no PT_INTERP, no DT_NEEDED)"
fi
type=$(readelf -hW "$bin" | awk '$1 == "Type:" { print $2 }')
case "$link:$type" in
  static-pie:DYN) pass "PIE (ELF type DYN)" ;;
  static:EXEC) pass "not PIE (ELF type EXEC), as --link static says" ;;
  *) fail "ELF type $type, expected $([[ $link == static-pie ]] && echo DYN || echo EXEC) for $link" ;;
esac

if grep -q '^ *GNU_RELRO ' <<< "$headers"; then
  pass "GNU_RELRO"
else
  fail "no GNU_RELRO segment (link with -z relro)"
fi
stack=$(awk '$1 == "GNU_STACK" { print $(NF - 1) }' <<< "$headers")
if [[ -z $stack ]]; then
  fail "no GNU_STACK header (the kernel would assume an executable stack)"
elif [[ $stack == *E* ]]; then
  fail "GNU_STACK is executable ($stack)"
else
  pass "GNU_STACK $stack"
fi
if grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' <<< "$dynamic"; then
  pass "BIND_NOW"
elif [[ $link == static ]] && ! grep -q '^ *DYNAMIC ' <<< "$headers"; then
  # No dynamic section at all: no loader and no lazy binding; libc applies its few IRELATIVE
  # relocations itself before main.
  pass "no dynamic section (nothing is bound lazily)"
else
  fail "no BIND_NOW (link with -z now)"
fi

symbols=$(nm "$bin" 2> /dev/null | awk '{ print $NF }') || true
if [[ -z $symbols ]]; then
  fail "no symbol table: run this on the unstripped binary"
else
  found=()
  for s in getpwnam getpwuid getgrnam getgrgid initgroups getgrouplist getaddrinfo; do
    # glibc defines the public names as aliases of versioned internals (getpwnam_r, __getpwnam_r):
    # any of them means the NSS path is linked in.
    if grep -Eq "^_*${s}(_r)?(@.*)?$" <<< "$symbols"; then
      found+=("$s")
    fi
  done
  if ((${#found[@]})); then
    fail "links NSS lookups: ${found[*]}"
  else
    pass "no NSS lookups (getpw*, getgr*, initgroups, getgrouplist, getaddrinfo)"
  fi
fi

# Defined (T, W), not a weak undefined reference (w): privdrop's own reference is one of those.
if nm "$bin" 2> /dev/null |
  awk '$2 ~ /^[TW]$/ && $3 == "pthread_create" { found = 1 } END { exit !found }'; then
  if ((single_threaded)); then
    fail "pthread_create is linked: the process could have threads (libc's set*id are used)"
  else
    echo "note: $bin: pthread_create is linked: privdrop uses libc's all-thread set*id wrappers"
  fi
else
  pass "single-threaded: no pthread_create linked (privdrop makes raw set*id syscalls)"
fi

if [[ -n $max_size ]]; then
  tmp=$(mktemp)
  trap 'rm -f "$tmp"' EXIT
  "$strip" --strip-all -o "$tmp" "$bin"
  size=$(stat -c %s "$tmp")
  if ((size <= max_size)); then
    pass "stripped size $size bytes <= $max_size"
  else
    fail "stripped size $size bytes > $max_size"
  fi
fi
exit "$failed"
