# SPDX-License-Identifier: MIT
# Cross build for riscv64, used by scripts/release.sh:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/riscv64.cmake
# Tools: g++-riscv64-linux-gnu.
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(UNROOT_CROSS_TRIPLET riscv64-linux-gnu)
set(UNROOT_CROSS_MUSL_TRIPLET "")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
