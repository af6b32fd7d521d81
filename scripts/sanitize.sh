#!/bin/sh
# Builds unroot_core and the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer
# (CMake option UNROOT_SANITIZE, in a build directory of its own) and runs the unit tests.
# Any sanitizer report aborts the test binary (-fno-sanitize-recover=all), failing this script.
#   scripts/sanitize.sh [BUILD_DIR]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-sanitize}
sh "$src/scripts/install-deps.sh" cmake g++ make catch2
cmake -S "$src" -B "$build" -DUNROOT_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$build" -j2 --target unit_tests >/dev/null
# detect_leaks: unroot frees what it allocates on every path the unit tests take.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
"$build/unit_tests"
