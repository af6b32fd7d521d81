# cmake/musl.cmake: the "tiny" build, build/unroot-musl. The same sources as build/unroot, compiled
# by the same g++ against musl's C headers and only the header-only parts of libstdc++, linked
# static-pie against musl's libc.a. Included from CMakeLists.txt after the unroot target exists.
#
# Why: unroot runs on every container start and `docker exec`. A static program that only
# execv()s costs ~0.44 ms per start with glibc and ~0.08 ms with musl (docs/benchmarks.md); the
# musl build of unroot is also a tenth of the size.
# Why it is possible: unroot's src/ uses no iostreams, locale, exceptions or RTTI, so the
# out-of-line parts of libstdc++ it needs are operator new/delete and the std::__throw_* helpers,
# which src/cxx_runtime.cpp supplies, and libstdc++'s headers need only src/musl_prelude.hpp.
# Debian ships musl for C only (musl-tools: musl-gcc and a specs file).
#
# UNROOT_MUSL=ON builds it when the pieces are there; when they are not (no musl-gcc, or a
# compiler other than GCC, whose libstdc++ headers and crtbegin we use), the build says why and
# goes on with the glibc binary only.

option(UNROOT_MUSL "Also build build/unroot-musl: static-pie against musl (needs musl-tools and GCC)" ON)

# Cached so that scripts (bench.sh) can read the outcome from CMakeCache.txt.
set(UNROOT_HAVE_MUSL OFF CACHE INTERNAL "whether build/unroot-musl is built")

function(unroot_musl_disable reason)
  message(STATUS "unroot-musl: not built: ${reason}")
endfunction()

if(NOT UNROOT_MUSL)
  unroot_musl_disable("UNROOT_MUSL=OFF")
  return()
endif()
if(UNROOT_SANITIZE)
  unroot_musl_disable("UNROOT_SANITIZE=ON (the sanitizer run-times need glibc)")
  return()
endif()
if(NOT TARGET unroot OR NOT TARGET unroot_core)
  unroot_musl_disable("include cmake/musl.cmake after the unroot and unroot_core targets")
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  unroot_musl_disable("the C++ compiler is ${CMAKE_CXX_COMPILER_ID}; the musl build uses GCC's libstdc++ headers and crt files")
  return()
endif()
if(UNROOT_ARCH_NO_MUSL)
  unroot_musl_disable("${UNROOT_ARCH_NO_MUSL} (cmake/arch.cmake)")
  return()
endif()
# A cross build names its architecture's wrapper (cmake/toolchains/*.cmake): the host's musl-gcc
# would link the host's libc.a.
if(CMAKE_CROSSCOMPILING AND NOT UNROOT_MUSL_GCC)
  unroot_musl_disable("cross build without UNROOT_MUSL_GCC (the target's <triplet>-musl-gcc)")
  return()
endif()
find_program(UNROOT_MUSL_GCC musl-gcc)
if(NOT UNROOT_MUSL_GCC)
  unroot_musl_disable("musl-gcc not found (Debian: apt-get install musl-tools)")
  return()
endif()

# musl-gcc is a shell wrapper around gcc with a specs file; the specs file knows where musl's
# headers and libc.a are (Debian: /usr/include/x86_64-linux-musl, /usr/lib/x86_64-linux-musl).
file(STRINGS "${UNROOT_MUSL_GCC}" _musl_wrapper REGEX "musl-gcc\\.specs")
string(REGEX MATCH "[^\"' ]*musl-gcc\\.specs" _musl_specs "${_musl_wrapper}")
if(NOT _musl_specs OR NOT EXISTS "${_musl_specs}")
  unroot_musl_disable("cannot find the specs file named in ${UNROOT_MUSL_GCC}")
  return()
endif()
file(READ "${_musl_specs}" _specs_text)
string(REGEX MATCH "-isystem ([^ \n]+)" _m "${_specs_text}")
set(UNROOT_MUSL_INCLUDE "${CMAKE_MATCH_1}")
string(REGEX MATCH "-L([^ \n]+)" _m "${_specs_text}")
set(UNROOT_MUSL_LIBDIR "${CMAKE_MATCH_1}")
foreach(f rcrt1.o crti.o crtn.o libc.a)
  if(NOT EXISTS "${UNROOT_MUSL_LIBDIR}/${f}")
    unroot_musl_disable("${UNROOT_MUSL_LIBDIR}/${f} missing (from ${_musl_specs})")
    return()
  endif()
endforeach()
if(NOT EXISTS "${UNROOT_MUSL_INCLUDE}/stdlib.h")
  unroot_musl_disable("no stdlib.h in ${UNROOT_MUSL_INCLUDE} (from ${_musl_specs})")
  return()
endif()

# GCC's own pieces: its freestanding headers (stddef.h, stdarg.h, ...), crtbeginS/crtendS (static
# constructors, __dso_handle) and libgcc.a (compiler helper routines).
function(unroot_gcc_file out name)
  execute_process(COMMAND "${CMAKE_CXX_COMPILER}" "-print-file-name=${name}"
                  OUTPUT_VARIABLE p OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(${out} "${p}" PARENT_SCOPE)
endfunction()
unroot_gcc_file(_gcc_include include)
unroot_gcc_file(_crtbegin crtbeginS.o)
unroot_gcc_file(_crtend crtendS.o)
execute_process(COMMAND "${CMAKE_CXX_COMPILER}" -print-libgcc-file-name
                OUTPUT_VARIABLE _libgcc OUTPUT_STRIP_TRAILING_WHITESPACE)

# libstdc++'s header directories are the compiler's implicit include directories with "c++" in
# them (Debian: /usr/include/c++/12, /usr/include/x86_64-linux-gnu/c++/12, .../backward).
set(_libstdcxx_include "")
foreach(d ${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES})
  if(d MATCHES "/c\\+\\+/")
    list(APPEND _libstdcxx_include "${d}")
  endif()
endforeach()
if(NOT _libstdcxx_include)
  unroot_musl_disable("cannot find libstdc++'s headers among ${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES}")
  return()
endif()

# The kernel's UAPI headers (linux/capability.h, asm/...) belong to no libc; musl's include
# directory has none. A directory holding links to just linux/, asm/ and asm-generic/ lets the musl
# build see them without putting glibc's /usr/include on its path (Debian: linux-libc-dev).
set(_uapi "${CMAKE_BINARY_DIR}/musl-uapi")
file(MAKE_DIRECTORY "${_uapi}")
foreach(probe linux/capability.h asm/types.h asm-generic/types.h)
  string(REGEX REPLACE "/.*" "" _dir "${probe}")
  string(MAKE_C_IDENTIFIER "UNROOT_UAPI_${_dir}" _var)
  find_path(${_var} ${probe} PATHS ${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES} NO_DEFAULT_PATH)
  if(NOT ${_var})
    unroot_musl_disable("kernel header ${probe} not found (Debian: apt-get install linux-libc-dev)")
    return()
  endif()
  file(CREATE_LINK "${${_var}}/${_dir}" "${_uapi}/${_dir}" SYMBOLIC)
endforeach()

set(UNROOT_HAVE_MUSL ON CACHE INTERNAL "whether build/unroot-musl is built")
message(STATUS "unroot-musl: musl ${UNROOT_MUSL_INCLUDE}, ${UNROOT_MUSL_LIBDIR}")

get_target_property(_core_sources unroot_core SOURCES)
get_target_property(_main_sources unroot SOURCES)
# src/relro.cpp: musl's static-pie start code leaves PT_GNU_RELRO writable; glibc's applies it.
set(_musl_sources ${_main_sources} ${_core_sources} src/cxx_runtime.cpp src/relro.cpp)
list(REMOVE_DUPLICATES _musl_sources)
add_executable(unroot-musl ${_musl_sources})
target_link_libraries(unroot-musl PRIVATE hardening)
target_include_directories(unroot-musl PRIVATE
  $<TARGET_PROPERTY:unroot_core,INCLUDE_DIRECTORIES>)
target_compile_definitions(unroot-musl PRIVATE
  $<TARGET_PROPERTY:unroot_core,COMPILE_DEFINITIONS>)

set(_sys "")
foreach(d ${_libstdcxx_include} ${UNROOT_MUSL_INCLUDE} ${_uapi} ${_gcc_include})
  list(APPEND _sys "-isystem${d}")  # one word: CMake de-duplicates repeated "-isystem"
endforeach()
target_compile_options(unroot-musl PRIVATE
  # Only the listed include directories: libstdc++'s, musl's, the kernel's UAPI and GCC's own;
  # never glibc's /usr/include.
  -nostdinc ${_sys}
  -include "${CMAKE_CURRENT_SOURCE_DIR}/src/musl_prelude.hpp"
  # Size over speed: start-up cost is exec + page faults, and unroot runs once per container.
  # -flto inlines and drops across files. Unwind tables (.eh_frame, ~10 KB) serve only
  # exceptions, which src/ does not have, and debuggers, which use the unstripped binary.
  -Os -flto -fno-asynchronous-unwind-tables -fno-unwind-tables
  -ffunction-sections -fdata-sections)

# The link is spelled out instead of going through musl-gcc: its specs file knows no -static-pie
# (it would link Scrt1.o with no self-relocation), and the C driver would not compile C++.
# -nostdlib keeps libstdc++.a (glibc-built) and glibc's libc.a out of the link.
target_link_options(unroot-musl PRIVATE
  -static-pie ${UNROOT_MUSL_LINK_EXTRA} -nostdlib -nostartfiles -Wl,--gc-sections -Os -flto
  "${UNROOT_MUSL_LIBDIR}/rcrt1.o" "${UNROOT_MUSL_LIBDIR}/crti.o" "${_crtbegin}")
target_link_libraries(unroot-musl PRIVATE
  "${UNROOT_MUSL_LIBDIR}/libc.a" "${_libgcc}" "${_crtend}" "${UNROOT_MUSL_LIBDIR}/crtn.o")

# The link output keeps its symbols for scripts/check-binary.sh (nm); build/unroot-musl is the
# stripped binary that ships.
set_target_properties(unroot-musl PROPERTIES OUTPUT_NAME unroot-musl.unstripped)
add_custom_command(TARGET unroot-musl POST_BUILD
  COMMAND "${CMAKE_STRIP}" --strip-all -o "${CMAKE_BINARY_DIR}/unroot-musl" "$<TARGET_FILE:unroot-musl>"
  COMMENT "Stripping unroot-musl"
  VERBATIM)
set(UNROOT_MUSL_BINARY "${CMAKE_BINARY_DIR}/unroot-musl")
