# SPDX-License-Identifier: MIT
# Cross build for s390x, used by scripts/release.sh:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/s390x.cmake
# Tools: g++-s390x-linux-gnu, musl-dev:s390x.
set(CMAKE_SYSTEM_PROCESSOR s390x)
set(UNROOT_CROSS_TRIPLET s390x-linux-gnu)
set(UNROOT_CROSS_MUSL_TRIPLET "s390x-linux-musl")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
