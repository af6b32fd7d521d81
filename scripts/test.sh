#!/bin/sh
# The whole test suite, as the README's second command: installs what it needs, builds, and runs
# every CTest test (unit, end-to-end, root-only end-to-end, ...). Run as root so nothing skips;
# REQUIRE_ROOT_TESTS=1 turns a skip into a failure (CI sets it).
set -eu
cd "$(dirname "$0")/.."
t0=$(date +%s)
sh scripts/install-deps.sh cmake g++ make file binutils catch2 util-linux libcap2-bin iproute2 \
  strace fuse3 fuse-overlayfs acl
# The musl build and scripts/bench.sh --quick: musl-tools, and the tools compared.
sh scripts/install-deps.sh musl-tools gosu hyperfine time gcc
# lint, sanitize and fuzz (clang, its sanitizer runtimes, clang-tidy, cppcheck), the manifest
# check (python3-yaml), and the container test (podman with runc, catatonit to compare --init).
sh scripts/install-deps.sh clang-14 clang-tidy-14 cppcheck libclang-rt-14-dev python3 python3-yaml \
  podman runc catatonit netavark debootstrap curl
# The --listen/--keep-cap end-to-end cases run the real Node.js example server. Debian's nodejs
# only when no node is on PATH (a machine may already have a newer one from elsewhere).
command -v node >/dev/null 2>&1 || sh scripts/install-deps.sh nodejs
# The release architectures (cmake/release-tests.cmake): cross compilers, musl-dev:<arch> (adds
# foreign dpkg architectures; why: scripts/install-cross.sh) and qemu-user-static.
sh scripts/install-cross.sh
t1=$(date +%s)
echo "test.sh: installing took $((t1 - t0)) s"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2
t2=$(date +%s)
echo "test.sh: building took $((t2 - t1)) s"
cd build
# Each test's time is in ctest's own lines; the total follows.
status=0
ctest --output-on-failure --timeout 1500 "$@" || status=$?
echo "test.sh: ctest took $(($(date +%s) - t2)) s"
exit $status
