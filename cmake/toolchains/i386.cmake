# SPDX-License-Identifier: MIT
# Cross build for i386, used by scripts/release.sh:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/i386.cmake
# Tools: g++-i686-linux-gnu, musl-dev:i386.
set(CMAKE_SYSTEM_PROCESSOR i686)
set(UNROOT_CROSS_TRIPLET i686-linux-gnu)
set(UNROOT_CROSS_MUSL_TRIPLET "i386-linux-musl")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
