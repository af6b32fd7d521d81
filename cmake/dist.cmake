# cmake/dist.cmake: build/dist/unroot, the one binary that ships (cmake --install, the .deb,
# Dockerfile.example). It is the musl build when cmake/musl.cmake could make it, else the glibc
# build; stripped either way. Included from CMakeLists.txt after cmake/musl.cmake.
#
# Why musl when possible: the same sources and the same end-to-end tests, at a tenth of the
# start-up cost and a twentieth of the size (docs/benchmarks.md). Why one fixed path: packaging
# and the Dockerfile copy build/dist/unroot without having to know which libc was available.

if(NOT TARGET unroot)
  return()  # nothing to ship yet
endif()
if(UNROOT_HAVE_MUSL)
  set(_dist_from unroot-musl)
else()
  set(_dist_from unroot)
endif()
set(UNROOT_DIST_BINARY "${CMAKE_BINARY_DIR}/dist/unroot")
add_custom_command(
  OUTPUT "${UNROOT_DIST_BINARY}"
  COMMAND "${CMAKE_COMMAND}" -E make_directory "${CMAKE_BINARY_DIR}/dist"
  COMMAND "${CMAKE_STRIP}" --strip-all -o "${UNROOT_DIST_BINARY}" "$<TARGET_FILE:${_dist_from}>"
  DEPENDS ${_dist_from}
  COMMENT "build/dist/unroot is ${_dist_from}, stripped"
  VERBATIM)
add_custom_target(unroot-dist ALL DEPENDS "${UNROOT_DIST_BINARY}")
# What was shipped and how it was linked, for scripts/release.sh to check the file against:
# key=value lines, the unstripped link output last (scripts/check-binary.sh reads its symbols).
if(UNROOT_HAVE_MUSL)
  set(_dist_libc musl)
  set(_dist_link static-pie)
  set(_dist_unstripped "$<TARGET_FILE:unroot-musl>")
else()
  set(_dist_libc glibc)
  string(REGEX REPLACE "^-" "" _dist_link "${UNROOT_GLIBC_LINK}")
  set(_dist_unstripped "$<TARGET_FILE:unroot>.unstripped")
endif()
file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/dist/unroot.build" CONTENT
"arch=${UNROOT_ARCH}
libc=${_dist_libc}
link=${_dist_link}
unstripped=${_dist_unstripped}
")
message(STATUS "unroot: build/dist/unroot (what ships) is ${_dist_from}")
