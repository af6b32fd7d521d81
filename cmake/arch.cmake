# SPDX-License-Identifier: MIT
# cmake/arch.cmake: the ONE place where the target architecture decides how unroot is linked.
# Included from CMakeLists.txt before any target. A cross build names its compilers in
# cmake/toolchains/<arch>.cmake; what to link, and why, is decided here and nowhere else.
#
# The rule is the same everywhere: ship musl static-pie (smallest, fastest start, ASLR), build
# glibc static-pie beside it. Each exception below says what Debian 12 lacks:
#
#   arch     ships   glibc link    musl link extra            reason
#   amd64    musl    -static-pie   -                          the rule
#   arm64    musl    -static-pie   -                          the rule
#   i386     musl    -static-pie   -                          the rule
#   armhf    musl    -static       -Wl,--no-dynamic-linker    libc6-dev-armhf-cross has no rcrt1.o;
#                                                             GCC 12's ARM link spec does not turn
#                                                             -static-pie into --no-dynamic-linker,
#                                                             so ld adds /lib/ld-linux-armhf.so.3
#   ppc64el  musl    -static       -                          libc6-dev-ppc64el-cross has no rcrt1.o
#   s390x    musl    -static       -                          libc6-dev-s390x-cross has no rcrt1.o
#   riscv64  glibc   -static       (no musl build)            no rcrt1.o; bookworm has no musl for
#                                                             riscv64, so the glibc build ships,
#                                                             static but not PIE
#
# Results, for the rest of the build:
#   UNROOT_ARCH                    Debian name of the target (release file names, --version)
#   UNROOT_GLIBC_LINK              -static-pie or -static, for build/unroot
#   UNROOT_MUSL_LINK_EXTRA         extra link options for build/unroot-musl
#   UNROOT_ARCH_NO_MUSL            non-empty: why there is no musl build on this architecture

string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _cpu)
if(_cpu MATCHES "^(x86_64|amd64)$")
  set(UNROOT_ARCH amd64)
elseif(_cpu MATCHES "^(aarch64|arm64)$")
  set(UNROOT_ARCH arm64)
elseif(_cpu MATCHES "^(armv7.*|armhf|arm)$")
  set(UNROOT_ARCH armhf)
elseif(_cpu MATCHES "^(i[3-6]86|x86)$")
  set(UNROOT_ARCH i386)
elseif(_cpu MATCHES "^(ppc64le|powerpc64le|ppc64el)$")
  set(UNROOT_ARCH ppc64el)
elseif(_cpu MATCHES "^riscv64$")
  set(UNROOT_ARCH riscv64)
elseif(_cpu MATCHES "^s390x$")
  set(UNROOT_ARCH s390x)
else()
  set(UNROOT_ARCH "${_cpu}")
  message(STATUS "unroot: architecture '${_cpu}' is not one the releases cover; using the defaults")
endif()

set(UNROOT_GLIBC_LINK -static-pie)
set(UNROOT_MUSL_LINK_EXTRA "")
set(UNROOT_ARCH_NO_MUSL "")
if(UNROOT_ARCH STREQUAL "armhf")
  set(UNROOT_GLIBC_LINK -static)
  set(UNROOT_MUSL_LINK_EXTRA -Wl,--no-dynamic-linker)
elseif(UNROOT_ARCH MATCHES "^(ppc64el|s390x)$")
  set(UNROOT_GLIBC_LINK -static)
elseif(UNROOT_ARCH STREQUAL "riscv64")
  set(UNROOT_GLIBC_LINK -static)
  set(UNROOT_ARCH_NO_MUSL "Debian 12 has no musl for riscv64")
endif()
message(STATUS "unroot: target ${UNROOT_ARCH}: glibc ${UNROOT_GLIBC_LINK}"
               "${UNROOT_MUSL_LINK_EXTRA}")
