# SPDX-License-Identifier: MIT
# Cross build for armhf, used by scripts/release.sh:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armhf.cmake
# Tools: g++-arm-linux-gnueabihf, musl-dev:armhf.
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(UNROOT_CROSS_TRIPLET arm-linux-gnueabihf)
set(UNROOT_CROSS_MUSL_TRIPLET "arm-linux-musleabihf")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
