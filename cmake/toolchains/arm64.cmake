# SPDX-License-Identifier: MIT
# Cross build for arm64, used by scripts/release.sh:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm64.cmake
# Tools: g++-aarch64-linux-gnu, musl-dev:arm64.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(UNROOT_CROSS_TRIPLET aarch64-linux-gnu)
set(UNROOT_CROSS_MUSL_TRIPLET "aarch64-linux-musl")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
