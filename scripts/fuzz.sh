#!/bin/sh
# Builds the libFuzzer targets (clang, ASan+UBSan, tests/fuzz/) and runs each for SECONDS
# (default 60). Any crash, sanitizer report, property violation, timeout or leak fails the run,
# and the input that caused it is kept in BUILD_DIR/findings/. The checked-in seed corpus
# (tests/fuzz/corpus/TARGET/) is read, never written: new inputs go to BUILD_DIR/corpus/.
#   scripts/fuzz.sh [SECONDS] [BUILD_DIR]      e.g. scripts/fuzz.sh 600   for a longer session
set -eu
seconds=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${2:-$src/build-fuzz}
sh "$src/scripts/install-deps.sh" cmake make clang-14 libclang-rt-14-dev
cxx=$(command -v clang++-14 || command -v clang++)
cc=$(command -v clang-14 || command -v clang)
cmake -S "$src" -B "$build" -DUNROOT_FUZZ=ON -DUNROOT_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$build" -j2 >/dev/null
mkdir -p "$build/findings"
status=0
for bin in "$build"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=${bin##*/fuzz_}
  seeds="$src/tests/fuzz/corpus/$name"
  work="$build/corpus/$name"
  mkdir -p "$work"
  echo "fuzz: $name for ${seconds}s (seeds: $(ls "$seeds" 2>/dev/null | wc -l))"
  # -max_len: passwd/group lines are short; 4 KiB holds many lines and keeps runs fast. Inputs
  # of megabytes come from fuzz_long, whose 4 KiB recipe expands to a name of up to 1 MiB and a
  # file of up to 2 MiB: libFuzzer then mutates a few bytes, not megabytes, per run.
  # -timeout/-rss_limit_mb: a slow or memory-hungry input is a finding too (bounded parsing):
  # work that grows faster than the input (name length x file size) ends in a timeout.
  # fuzz_long holds megabytes per run, and ASan keeps freed blocks in quarantine (256 MB) before
  # reuse: its peak RSS reaches ~900 MB without any leak, so it gets twice the room.
  rss=1024
  [ "$name" = long ] && rss=2048
  if ! "$bin" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=$rss \
       -print_final_stats=1 -artifact_prefix="$build/findings/$name-" \
       "$work" "$seeds" >"$build/fuzz-$name.log" 2>&1; then
    echo "fuzz: $name FAILED; last lines of $build/fuzz-$name.log:" >&2
    tail -n 40 "$build/fuzz-$name.log" >&2
    status=1
  else
    grep -E "^stat::(number_of_executed_units|peak_rss_mb|new_units_added)" "$build/fuzz-$name.log" |
      tr '\n' ' '
    echo
  fi
done
exit $status
