#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench-chown: times `unroot --chown` against `chown -R` and the entrypoint idiom
# `find DIR \! -user U -exec chown U:G {} +` on a tree of N entries, on the local disk and on a
# tmpfs, for "everything changes", "nothing changes" and "10% changes", and counts syscalls per
# entry with strace -c -f. Prints a Markdown table; never fails on timing.
#
# Usage: sudo scripts/bench-chown.sh [-n ENTRIES] [-r REPEATS] [-b path/to/unroot]
#   N defaults to 200000, REPEATS to 3 (the table shows the median); UNROOT defaults to
#   build/unroot, built with cmake if missing. Needs root (it chowns), strace and util-linux.
set -euo pipefail

n=200000
repeats=3
unroot=""
while getopts "n:r:b:h" opt; do
  case "$opt" in
    n) n=$OPTARG ;;
    r) repeats=$OPTARG ;;
    b) unroot=$OPTARG ;;
    *) sed -n '3,10p' "$0"; exit 2 ;;
  esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
unroot=${unroot:-$here/build/unroot}
uid=4242
gid=4242

if [[ $(id -u) != 0 ]]; then
  echo "bench-chown: needs root (it changes owners)" >&2
  exit 2
fi
if [[ -z ${BENCH_CHOWN_INNER:-} ]]; then
  missing=()
  for tool in strace unshare find; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    apt-get update -qq && apt-get install -y -qq strace util-linux findutils >/dev/null
  fi
  if [[ ! -x $unroot ]]; then
    cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$here/build" -j2 --target unroot >/dev/null
  fi
  # The tmpfs lives in a private mount namespace so that nothing outlives the script.
  exec env BENCH_CHOWN_INNER=1 unshare --mount --propagation private -- "$0" "$@"
fi

disk_base=$(mktemp -d /var/tmp/bench-chown.XXXXXX)
tmpfs_base=$(mktemp -d /tmp/bench-chown-tmpfs.XXXXXX)
mount -t tmpfs -o size=2g tmpfs "$tmpfs_base"
work=$(mktemp -d)
cleanup() {
  rm -rf "$disk_base" "$work"
  umount "$tmpfs_base" 2>/dev/null || true
  rmdir "$tmpfs_base" 2>/dev/null || true
}
trap cleanup EXIT

# N entries: the top directory, then directories of 100 entries (a subdirectory-free
# directory of 99 files), grouped 50 to a parent, which is how data directories tend to look.
build_tree() {
  local top=$1 remaining=$((n - 1)) p=0 d=0
  mkdir -p "$top"
  while ((remaining > 0)); do
    if ((d % 50 == 0)); then
      p=$((p + 1))
      mkdir "$top/p$p"
      remaining=$((remaining - 1))
    fi
    local dir="$top/p$p/d$d" files=$((remaining - 1 < 99 ? remaining - 1 : 99))
    mkdir "$dir"
    if ((files > 0)); then
      (cd "$dir" && seq -f 'f%g' 0 $((files - 1)) | xargs touch)
    fi
    remaining=$((remaining - 1 - files))
    d=$((d + 1))
  done
}

# The state before a run: all:  everything root-owned; none: everything uid:gid;
# mixed: everything uid:gid except every tenth leaf directory and its files.
set_state() {
  local top=$1 state=$2
  case $state in
    all) chown -R 0:0 "$top" ;;
    none) chown -R "$uid:$gid" "$top" ;;
    mixed)
      chown -R "$uid:$gid" "$top"
      find "$top" -mindepth 2 -maxdepth 2 -type d -name 'd*0' -exec chown -R 0:0 {} +
      ;;
  esac
  sync
}

run_tool() {
  local tool=$1 top=$2
  case $tool in
    unroot) "$unroot" --chown "$top" "$uid:$gid" true ;;
    chown-R) chown -R "$uid:$gid" "$top" ;;
    find-exec) find "$top" \! -user "$uid" -exec chown "$uid:$gid" {} + ;;
  esac
}

time_once() {  # prints elapsed seconds of one run
  local start end
  start=$(date +%s%N)
  run_tool "$@" 2>/dev/null
  end=$(date +%s%N)
  echo "scale=3; ($end - $start) / 1000000000" | bc
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Syscalls per entry for one run, from strace -c -f: total, and the stat family alone.
count_syscalls() {
  local tool=$1 top=$2 out="$work/strace.$tool"
  strace -c -f -o "$out" -- bash -c "$(declare -f run_tool); unroot='$unroot' uid=$uid \
    gid=$gid run_tool $tool '$top'" >/dev/null 2>&1 || true
  # strace -c columns: % time, seconds, usecs/call, calls, [errors,] syscall.
  awk -v n="$n" '
    $NF ~ /^(stat|lstat|fstat|newfstatat|fstatat64|statx)$/ { stat += $4 }
    $NF == "total" { total = $4 }
    END { printf "%.2f %.2f\n", total / n, stat / n }' "$out"
}

command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }

tools=(chown-R unroot find-exec)
declare -A result
for fs in disk tmpfs; do
  base=$disk_base
  [[ $fs == tmpfs ]] && base=$tmpfs_base
  top="$base/tree"
  echo "bench-chown: building $n entries on $fs ($base)" >&2
  build_tree "$top"
  got=$(find "$top" | wc -l)
  if ((got != n)); then
    echo "bench-chown: built $got entries, wanted $n" >&2
    exit 1
  fi
  for state in all none mixed; do
    for ((r = 0; r < repeats; r++)); do
      # Tools take turns within a repeat so that machine noise hits them alike.
      for tool in "${tools[@]}"; do
        set_state "$top" "$state"
        result[$fs,$state,$tool]+="$(time_once "$tool" "$top") "
      done
    done
    if [[ $fs == disk ]]; then
      for tool in "${tools[@]}"; do
        set_state "$top" "$state"
        result[$fs,$state,$tool,sys]=$(count_syscalls "$tool" "$top")
      done
    fi
  done
  rm -rf "$top"
done

cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs ($cpu), kernel $(uname -r),"
echo "N=$n entries, median of $repeats runs; disk = $(df -T /var/tmp | awk 'NR==2 {print $2}')."
echo
echo "| fs | case | tool | seconds | ratio to chown -R | syscalls/entry | stat-family/entry |"
echo "|----|------|------|--------:|------------------:|---------------:|------------------:|"
for fs in disk tmpfs; do
  for state in all none mixed; do
    base_t=$(echo "${result[$fs,$state,chown-R]}" | tr ' ' '\n' | grep . | median)
    for tool in "${tools[@]}"; do
      t=$(echo "${result[$fs,$state,$tool]}" | tr ' ' '\n' | grep . | median)
      ratio=$(echo "scale=2; $t / $base_t" | bc)
      sys="${result[$fs,$state,$tool,sys]:-- -}"
      name=$tool
      [[ $tool == unroot ]] && name="unroot --chown"
      [[ $tool == chown-R ]] && name="chown -R"
      [[ $tool == find-exec ]] && name="find ! -user -exec chown +"
      printf "| %s | %s | %s | %.3f | %.2f | %s | %s |\n" "$fs" "$state" "$name" "$t" "$ratio" \
        "${sys% *}" "${sys#* }"
    done
  done
done
