# SPDX-License-Identifier: MIT
# Shared part of cmake/toolchains/<arch>.cmake: Debian 12's cross tools for one GNU triplet
# (g++-<triplet>, binutils-<triplet>) and, when the architecture has it, musl-dev:<arch>'s
# <musl-triplet>-gcc wrapper. Names tools only; how to link is decided in cmake/arch.cmake.
# Each <arch>.cmake sets CMAKE_SYSTEM_PROCESSOR, UNROOT_CROSS_TRIPLET and UNROOT_CROSS_MUSL_TRIPLET
# (empty: no musl) before including this.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER /usr/bin/${UNROOT_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER /usr/bin/${UNROOT_CROSS_TRIPLET}-g++)
# The host's strip does not know every foreign ELF machine.
set(CMAKE_STRIP /usr/bin/${UNROOT_CROSS_TRIPLET}-strip CACHE FILEPATH "" FORCE)
set(CMAKE_FIND_ROOT_PATH /usr/${UNROOT_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# cmake/musl.cmake would otherwise find the host's musl-gcc, whose specs name the host's libc.a.
if(UNROOT_CROSS_MUSL_TRIPLET)
  set(UNROOT_MUSL_GCC /usr/bin/${UNROOT_CROSS_MUSL_TRIPLET}-gcc CACHE FILEPATH "" FORCE)
endif()
