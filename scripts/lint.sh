#!/bin/sh
# Static analysis of src/ with the checked-in configs: clang-tidy (.clang-tidy) and cppcheck
# (.cppcheck-suppressions). Any finding fails. Installs what it uses.
#   scripts/lint.sh [BUILD_DIR]     BUILD_DIR gets a clang compile_commands.json (nothing built)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build-lint}
sh "$src/scripts/install-deps.sh" cmake make clang-14 clang-tidy-14 cppcheck catch2
cxx=$(command -v clang++-14 || command -v clang++)
cc=$(command -v clang-14 || command -v clang)
tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
cmake -S "$src" -B "$build" -DUNROOT_BUILD_TESTS=OFF -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
status=0
echo "lint: cppcheck $(cppcheck --version | cut -d' ' -f2)"
# Relative paths, so the suppressions file can name src/result.hpp.
(cd "$src" && cppcheck --enable=warning,style,performance,portability --std=c++20 --language=c++ \
  --inline-suppr --suppressions-list=.cppcheck-suppressions --error-exitcode=1 --quiet \
  -I src --template='{file}:{line}: {severity} [{id}] {message}' src) || status=1
echo "lint: $($tidy --version | grep -m1 -o 'LLVM version [0-9.]*' || echo clang-tidy)"
# One file per call, two at a time (the machine has 2 cores); output only for findings.
ls "$src"/src/*.cpp | xargs -P 2 -n 1 "$tidy" -p "$build" --quiet >"$build/clang-tidy.log" 2>&1 ||
  status=1
if grep -q -E "(warning|error):" "$build/clang-tidy.log"; then
  grep -E -A3 "(warning|error):" "$build/clang-tidy.log" >&2
  status=1
fi
[ $status = 0 ] && echo "lint: clean"
exit $status
