#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench.sh: what unroot costs, measured side by side with the tools it replaces, in one run.
#
#   scripts/bench.sh [--quick]        (as root; prints Markdown tables on stdout, progress on stderr)
#
# Measures, for unroot (glibc and musl builds), gosu, su-exec (if installed), setpriv, two execv
# references (a static program that only execv()s its argument, with glibc and with musl), the
# same-guarantee floor (scripts/bench/floor.c: only unroot's drop-and-verify calls for nobody,
# static-pie musl) and a direct run of a static no-op:
#   - start-up: median time per `TOOL nobody noop` over rounds of posix_spawn+waitpid, the tools
#     interleaved (scripts/bench/spawnloop.c); overhead over the direct run; ratios; and the
#     ratios of overheads against the floor, computed round by round, with their range;
#   - syscalls added over the direct run (strace -f -c), and unroot's own syscall list;
#   - peak RSS (/usr/bin/time -v) and binary size (bytes, `file`);
#   - lookup scale: generated passwd/group with 10 ... 100,000 entries, a user in 1,000 groups and
#     a group with 50,000 members, bind-mounted over /etc/passwd and /etc/group inside a private
#     mount namespace (unshare --mount): the host's files are never touched.
# Numbers are printed, never judged: a shared machine is noisy, so compare tools within one run.
# --quick runs every step with few repetitions (CI runs it to keep the script working).
#
# Environment: UNROOT, UNROOT_MUSL  binaries to measure (default: build them in BUILD_DIR)
#              BUILD_DIR            default: <repo>/build-bench (configured without tests, so
#                                   Catch2 is not needed and build/ is left alone)
# Exit status: 0 done; 77 not root (skip); 1 a step failed; 2 usage.
set -euo pipefail

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    -h | --help)
      awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
      exit 0
      ;;
    *)
      echo "bench.sh: unknown argument '$arg' (try --help)" >&2
      exit 2
      ;;
  esac
done

log() { echo "bench.sh: $*" >&2; }
die() {
  log "$*"
  exit 1
}

if [[ $(id -u) -ne 0 ]]; then
  # gosu, setpriv and unroot only drop privileges they have; the scale runs need a mount namespace.
  log "skipped: needs root (the tools under test switch users; the scale runs bind-mount /etc files)"
  exit 77
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BUILD_DIR:-$repo/build-bench}

# --- tools: install what is missing (a fresh Debian 12 has none of these) --------------------
sh "$repo/scripts/install-deps.sh" gosu hyperfine strace time musl-tools file binutils gcc g++ \
  cmake make util-linux >&2 || die "cannot install the tools the benchmark needs"
have_musl=0
command -v musl-gcc > /dev/null && have_musl=1

# --- the binaries under test -------------------------------------------------------------------
if [[ -z ${UNROOT:-} ]]; then
  log "building unroot in $build_dir"
  cmake -S "$repo" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DUNROOT_BUILD_TESTS=OFF > /dev/null
  cmake --build "$build_dir" --target unroot -j2 > /dev/null
  # cmake/musl.cmake records whether the musl build is possible on this machine.
  if grep -q '^UNROOT_HAVE_MUSL:INTERNAL=ON' "$build_dir/CMakeCache.txt"; then
    cmake --build "$build_dir" --target unroot-musl -j2 > /dev/null
  fi
  UNROOT=$build_dir/unroot
  [[ -x $build_dir/unroot-musl ]] && UNROOT_MUSL=$build_dir/unroot-musl
fi
[[ -x $UNROOT ]] || die "no unroot binary at $UNROOT"
UNROOT_MUSL=${UNROOT_MUSL:-}
[[ -z $UNROOT_MUSL || -x $UNROOT_MUSL ]] || die "no unroot-musl binary at $UNROOT_MUSL"

work=$(mktemp -d /tmp/unroot-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work" # nobody must be able to run the no-op from here

cflags=(-O2 -Wall -Wextra)
gcc "${cflags[@]}" -o "$work/spawnloop" "$repo/scripts/bench/spawnloop.c"
gcc "${cflags[@]}" -static -s -o "$work/execv-ref-glibc" "$repo/scripts/bench/execv_ref.c"
if ((have_musl)); then
  # The no-op is built the cheapest way to start (musl, static): the baseline should be the exec
  # itself, so that everything above it is the tool's cost.
  musl-gcc "${cflags[@]}" -static -s -o "$work/noop" "$repo/scripts/bench/noop.c"
  musl-gcc "${cflags[@]}" -static -s -o "$work/execv-ref-musl" "$repo/scripts/bench/execv_ref.c"
  # The floor is linked static-pie like build/unroot-musl (cmake/musl.cmake), by hand: musl-gcc's
  # specs file has no -static-pie. Its libdir is the -L in that specs file.
  musl_specs=$(grep -o '[^"'\'' ]*musl-gcc\.specs' "$(command -v musl-gcc)" | head -1)
  musl_lib=$(grep -o -- '-L[^ ]\+' "$musl_specs" | head -1)
  musl_lib=${musl_lib#-L}
  musl-gcc "${cflags[@]}" -fPIE -c -o "$work/floor.o" "$repo/scripts/bench/floor.c"
  gcc -static-pie -nostdlib -nostartfiles -s -o "$work/floor" \
    "$musl_lib/rcrt1.o" "$musl_lib/crti.o" "$(gcc -print-file-name=crtbeginS.o)" \
    "$work/floor.o" "$musl_lib/libc.a" "$(gcc -print-libgcc-file-name)" \
    "$(gcc -print-file-name=crtendS.o)" "$musl_lib/crtn.o"
  noop_kind="static, musl"
else
  gcc "${cflags[@]}" -static -s -o "$work/noop" "$repo/scripts/bench/noop.c"
  noop_kind="static, glibc (musl-tools missing)"
fi
noop=$work/noop

nobody_group=$(id -gn nobody)
# name <TAB> argv..., in table order. setpriv is given what gosu and unroot work out themselves.
tools=()
add_tool() {
  local IFS=$'\t'
  tools+=("$*")
}
add_tool direct "$noop"
add_tool unroot "$UNROOT" nobody "$noop"
[[ -n $UNROOT_MUSL ]] && add_tool unroot-musl "$UNROOT_MUSL" nobody "$noop"
add_tool gosu "$(command -v gosu)" nobody "$noop"
notes=()
if command -v su-exec > /dev/null; then
  add_tool su-exec "$(command -v su-exec)" nobody "$noop"
else
  notes+=("su-exec: not installed (not packaged in Debian 12); not measured.")
fi
add_tool setpriv "$(command -v setpriv)" --reuid=nobody "--regid=$nobody_group" --init-groups "$noop"
add_tool execv-ref-glibc "$work/execv-ref-glibc" "$noop"
((have_musl)) && add_tool execv-ref-musl "$work/execv-ref-musl" "$noop"
((have_musl)) && add_tool floor "$work/floor" "$noop"
[[ -z $UNROOT_MUSL ]] && notes+=("unroot-musl: not built (musl-tools missing or not GCC); not measured.")
((have_musl)) || notes+=("execv-ref-musl, floor: musl-tools missing; not measured.")

printf '%s\n' "${tools[@]}" > "$work/tools.tsv"
tool_names=()
for t in "${tools[@]}"; do tool_names+=("${t%%$'\t'*}"); done

# argv of a tool, as an array, by name
tool_argv() {
  local t
  for t in "${tools[@]}"; do
    if [[ ${t%%$'\t'*} == "$1" ]]; then
      IFS=$'\t' read -r -a argv_out <<< "${t#*$'\t'}"
      return 0
    fi
  done
  return 1
}

if ((quick)); then
  rounds=3 count=20 scale_sizes=(10 10000) scale_rounds=2 hf_runs=5
else
  rounds=15 count=100 scale_sizes=(10 100 1000 10000 100000) scale_rounds=7 hf_runs=300
fi

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# --- start-up: all tools interleaved, in one spawnloop run ------------------------------------
log "start-up: $rounds rounds x $count runs of each of ${tool_names[*]}"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$work/spawnloop" "$rounds" "$count" "$work/tools.tsv" \
  "$work/rounds.txt" > "$work/startup.txt" || die "start-up run failed (a tool did not exit 0)"

# --- syscalls, peak RSS, size ------------------------------------------------------------------
declare -A calls rss size file_out
for name in "${tool_names[@]}"; do
  tool_argv "$name"
  strace -f -c -o "$work/strace.$name" -- "${argv_out[@]}" > /dev/null || die "strace $name failed"
  calls[$name]=$(awk '$NF == "total" { print $4 }' "$work/strace.$name")
  samples=()
  for _ in 1 2 3; do
    /usr/bin/time -v -o "$work/time.$name" -- "${argv_out[@]}" > /dev/null || die "time $name failed"
    samples+=("$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.$name")")
  done
  rss[$name]=$(printf '%s\n' "${samples[@]}" | sort -n | sed -n 2p)
  bin=${argv_out[0]}
  [[ $name == direct ]] && bin=$noop
  size[$name]=$(stat -c %s "$bin")
  file_out[$name]=$(file -b "$bin")
done

# unroot's own syscalls (from its execve to the no-op's), counted per call, in order of first use;
# prctl and fcntl are split by operation, which is what tells their uses apart.
syscall_list() {
  strace -f -qq -o "$work/trace" -- "$@" > /dev/null || return 1
  awk '/execve\(/ { n++ } n >= 1 {
      sub(/^[0-9]+ +/, "")
      name = $0; sub(/\(.*/, "", name)
      if (name == "prctl" || name == "fcntl" || name == "rt_sigprocmask") {
        op = $0; sub(/^[a-z_]+\(/, "", op); sub(/[,)].*/, "", op)
        if (name == "fcntl") { op = $0; sub(/^fcntl\([0-9]+, /, "", op); sub(/[,)].*/, "", op) }
        name = name " " op
      }
      if (!(name in count)) order[k++] = name
      count[name]++
      if (n == 2) exit
    }
    END { for (i = 0; i < k; i++) printf "%5d  %s\n", count[order[i]], order[i] }' "$work/trace"
}

# --- hyperfine: a second opinion on the start-up times -----------------------------------------
log "hyperfine -N: $hf_runs runs each"
hf_cmds=()
for name in direct unroot unroot-musl gosu; do
  tool_argv "$name" 2> /dev/null || continue
  hf_cmds+=(-n "$name" "${argv_out[*]}")
done
hyperfine -N --style none --warmup 10 --runs "$hf_runs" --export-csv "$work/hf.csv" "${hf_cmds[@]}" \
  > /dev/null 2>&1 || die "hyperfine failed"

# --- lookup scale: generated files, bind-mounted in a private mount namespace -----------------
# passwd and group with N entries each; the looked-up user and its group are the last lines, so
# every tool reads the whole file. Plus: that user listed in 1,000 groups (setgroups of 1,001 ids)
# and a group with 50,000 members, the user last among them.
gen_files() { # DIR N MEMBER_GROUPS BIG_GROUP_MEMBERS
  local dir=$1 n=$2 member_groups=$3 big=$4
  mkdir -p "$dir"
  awk -v n="$n" -v mg="$member_groups" -v big="$big" -v pw="$dir/passwd" -v gr="$dir/group" 'BEGIN {
    print "root:x:0:0:root:/root:/bin/sh" > pw
    print "root:x:0:" > gr
    for (i = 1; i <= n; i++) {
      printf "u%d:x:%d:%d:user %d:/home/u%d:/bin/sh\n", i, 10000 + i, 10000 + i, i, i > pw
      m = (n - i < mg) ? "u" n : ""
      printf "g%d:x:%d:%s\n", i, 10000 + i, m > gr
    }
    if (big > 0) {
      line = "big:x:5000:"
      for (i = n - big + 1; i <= n; i++) line = line "u" i (i < n ? "," : "")
      print line > gr
    }
  }'
}
scale_cases=()
for n in "${scale_sizes[@]}"; do scale_cases+=("$n:0:0"); done
scale_cases+=("10000:1000:0" "50000:0:50000")
scale_tools=(unroot unroot-musl gosu setpriv)
declare -A scale
for c in "${scale_cases[@]}"; do
  IFS=: read -r n mg big <<< "$c"
  dir=$work/scale/$c
  gen_files "$dir" "$n" "$mg" "$big"
  : > "$dir/tools.tsv"
  for name in "${scale_tools[@]}"; do
    tool_argv "$name" 2> /dev/null || continue
    case $name in
      setpriv) args=("${argv_out[0]}" "--reuid=u$n" "--regid=g$n" --init-groups "$noop") ;;
      *) args=("${argv_out[0]}" "u$n" "$noop") ;;
    esac
    (IFS=$'\t' && echo "$name"$'\t'"${args[*]}") >> "$dir/tools.tsv"
  done
  # Fewer runs for the big files, where one run takes milliseconds.
  ((n >= 50000)) && per=5 || { ((n >= 10000)) && per=10 || per=50; }
  ((quick)) && per=3
  log "scale: $n entries, user in $mg groups, big group of $big: $scale_rounds x $per runs"
  chmod -R a+rX "$dir"
  unshare --mount --propagation private -- sh -c '
    mount --bind "$1/passwd" /etc/passwd && mount --bind "$1/group" /etc/group &&
    exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$2" "$3" "$4" "$1/tools.tsv"' \
    sh "$dir" "$work/spawnloop" "$scale_rounds" "$per" > "$dir/out.txt" ||
    die "scale run $c failed"
  while read -r name med _; do scale["$c/$name"]=$med; done < "$dir/out.txt"
done

# --- the tables --------------------------------------------------------------------------------
declare -A med lo hi hf
while read -r name m l h; do
  med[$name]=$m lo[$name]=$l hi[$name]=$h
done < "$work/startup.txt"
# hyperfine's CSV: command,mean,stddev,median,...; the median resists outliers as ours does.
while IFS=, read -r name _ _ median _; do
  [[ $name == command ]] && continue
  hf[$name]=$(awk -v s="$median" 'BEGIN { printf "%.1f", s * 1e6 }')
done < "$work/hf.csv"

over() { awk -v a="${med[$1]}" -v b="${med[direct]}" 'BEGIN { printf "%.1f", a - b }'; }
ratio() { # overhead of $1 / overhead of $2
  [[ -n ${med[$2]:-} ]] || { echo "-"; return; }
  awk -v a="${med[$1]}" -v b="${med[$2]}" -v d="${med[direct]}" \
    'BEGIN { if (b - d <= 0) print "-"; else printf "%.2f", (a - d) / (b - d) }'
}

echo "## unroot start-up benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }'), $(nproc) CPUs, kernel $(uname -r)"
echo "- load average (1, 5, 15 min) before / after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share the machine: compare within this run)"
echo "- mode: $( ((quick)) && echo "--quick (few runs: shape only, numbers are rough)" || echo full)"
echo "- start-up: $rounds rounds of $count posix_spawn+waitpid runs per tool, interleaved run by run; µs/run is the median of the rounds' medians, min–max their range; no-op: $noop_kind"
echo "- hyperfine -N: $hf_runs runs per tool, one tool after the other (not interleaved): a cross-check only"
echo "- tools: gosu $(gosu --version | awk '{print $1}'), $(setpriv --version), unroot $("$UNROOT" --version 2> /dev/null | head -1 || echo '?')"
echo
echo "| tool | µs/run (median) | min–max | overhead µs | ×glibc ref | ×musl ref | ×gosu | hyperfine median µs | syscalls added | peak RSS KiB | bytes |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for name in "${tool_names[@]}"; do
  added=$((calls[$name] - calls[direct]))
  [[ $name == direct ]] && added="${calls[direct]} (own)"
  if [[ $name == direct ]]; then
    o="0" rg="-" rm="-" rgo="-"
  else
    o=$(over "$name") rg=$(ratio "$name" execv-ref-glibc) rm=$(ratio "$name" execv-ref-musl)
    rgo=$(ratio "$name" gosu)
  fi
  echo "| $name | ${med[$name]} | ${lo[$name]}–${hi[$name]} | $o | $rg | $rm | $rgo | ${hf[$name]:--} | $added | ${rss[$name]} | ${size[$name]} |"
done
echo
for n in "${notes[@]}"; do echo "- $n"; done
echo
# Overhead ratios round by round: in round r, (A_r - direct_r) / (B_r - direct_r); the median of
# the rounds and their range. Rounds are interleaved, so a burst of load hits A, B and direct alike.
round_ratio() { # A B
  awk -v a="$1" -v b="$2" '{ for (i = 2; i <= NF; i++) v[$1, i - 1] = $i; n = NF - 1 }
    END {
      k = 0
      for (r = 1; r <= n; r++) {
        if (!((a, r) in v) || !((b, r) in v)) { print "- | -"; exit }
        d = v["direct", r]; den = v[b, r] - d
        if (den <= 0) continue
        x[++k] = (v[a, r] - d) / den
      }
      if (k == 0) { print "- | -"; exit }
      for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
      m = k % 2 ? x[(k + 1) / 2] : (x[k / 2] + x[k / 2 + 1]) / 2
      printf "%.2f | %.2f–%.2f\n", m, x[1], x[k]
    }' "$work/rounds.txt"
}
if ((have_musl)); then
  echo "### against the same-guarantee floor (overhead ratios, round by round over $rounds rounds)"
  echo
  echo "| ratio of overheads | median | min–max |"
  echo "|---|---:|---:|"
  [[ -n $UNROOT_MUSL ]] && echo "| unroot-musl / floor | $(round_ratio unroot-musl floor) |"
  echo "| unroot (glibc) / floor | $(round_ratio unroot floor) |"
  echo "| floor / execv-ref-musl | $(round_ratio floor execv-ref-musl) |"
  [[ -n $UNROOT_MUSL ]] && echo "| unroot-musl / execv-ref-musl | $(round_ratio unroot-musl execv-ref-musl) |"
  echo
fi
echo "### lookup scale (µs per run, median of $scale_rounds rounds; user and group are the last entries)"
echo
header="| tool |"
rule="|---|"
for c in "${scale_cases[@]}"; do
  IFS=: read -r n mg big <<< "$c"
  if ((mg > 0)); then
    header+=" $n entries, user in $mg groups |"
  elif ((big > 0)); then
    header+=" $n entries, group of $big members |"
  else
    header+=" $n entries |"
  fi
  rule+="---:|"
done
echo "$header"
echo "$rule"
for name in "${scale_tools[@]}"; do
  [[ -n ${med[$name]:-} ]] || continue
  row="| $name |"
  for c in "${scale_cases[@]}"; do row+=" ${scale["$c/$name"]:--} |"; done
  echo "$row"
done
echo
echo "### binaries (\`file\`)"
echo
for name in "${tool_names[@]}"; do
  tool_argv "$name"
  bin=${argv_out[0]}
  [[ $name == direct ]] && bin=$noop
  shown=${bin/#$work/<tmp>}
  echo "- $name (${shown/#$repo\//}): ${file_out[$name]}"
done
for name in unroot unroot-musl; do
  tool_argv "$name" 2> /dev/null || continue
  echo
  echo "### syscalls of \`$name nobody noop\`: count, call (its own, through the exec of the no-op)"
  echo
  echo '```'
  syscall_list "${argv_out[@]}"
  echo '```'
done
