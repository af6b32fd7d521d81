# SPDX-License-Identifier: MIT
# Packaging: install rules (the binary in bin, the man page in man1) and CPack's .deb. Included
# last from CMakeLists.txt, after every binary target exists. Must not add build flags or targets the
# product needs: `cmake --build --target unroot` (Dockerfile.example) never runs anything here.
include(GNUInstallDirs)

if(TARGET unroot-dist)
  # The binary that ships when a cmake/ file defines one (build/dist/unroot: the musl build when
  # there is one); the plain static-pie build otherwise.
  install(PROGRAMS ${UNROOT_DIST_BINARY} DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME unroot)
elseif(TARGET unroot)
  install(TARGETS unroot RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
else()
  return()  # UNROOT_SANITIZE builds have no product binary: nothing to install or package
endif()

# Man pages are installed gzipped (Debian policy 12.1; man-db reads .gz everywhere). -n leaves the
# file name and time stamp out of the header, so the same page always gives the same bytes.
find_program(UNROOT_GZIP gzip REQUIRED)
set(UNROOT_MAN_SRC ${CMAKE_CURRENT_SOURCE_DIR}/docs/unroot.1)
set(UNROOT_MAN_GZ ${CMAKE_CURRENT_BINARY_DIR}/unroot.1.gz)
add_custom_command(
  OUTPUT ${UNROOT_MAN_GZ}
  COMMAND ${UNROOT_GZIP} -9 -n -c ${UNROOT_MAN_SRC} > ${UNROOT_MAN_GZ}
  DEPENDS ${UNROOT_MAN_SRC}
  COMMENT "Compressing the man page"
  VERBATIM)
add_custom_target(unroot_man ALL DEPENDS ${UNROOT_MAN_GZ})
install(FILES ${UNROOT_MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# `cpack -G DEB` in the build directory gives unroot_<version>_<arch>.deb.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME unroot)
set(CPACK_PACKAGE_VENDOR "unroot developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "drop root and exec a command, for container entrypoints")
# The Debian long description: one paragraph, wrapped by dpkg.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}\n unroot is a small static binary that a container starts as root. It can bind privileged\n ports and hand volumes to a user while still root, then switches to that user, verifies\n that root cannot be regained, and execs the command in place, so the command keeps PID 1.\n Its command line is compatible with gosu.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "unroot developers <unroot@example.org>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The binary is static: it depends on no shared library, so there is nothing for shlibdeps to
# find, and the package needs no Depends at all (it installs into any image, even distroless).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "")
# Debian packages ship stripped binaries; the unstripped one stays in the build tree for
# scripts/check-binary.sh and debuggers.
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build.*/;/\\\\.git/")
include(CPack)
