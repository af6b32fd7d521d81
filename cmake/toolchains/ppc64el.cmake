# SPDX-License-Identifier: MIT
# Cross build for ppc64el, used by scripts/release.sh:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/ppc64el.cmake
# Tools: g++-powerpc64le-linux-gnu, musl-dev:ppc64el.
set(CMAKE_SYSTEM_PROCESSOR ppc64le)
set(UNROOT_CROSS_TRIPLET powerpc64le-linux-gnu)
set(UNROOT_CROSS_MUSL_TRIPLET "powerpc64le-linux-musl")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
