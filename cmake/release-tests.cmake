# SPDX-License-Identifier: MIT
# cmake/release-tests.cmake: ctest entries for the release artefacts of every architecture
# (scripts/release.sh). Included from CMakeLists.txt after the e2e tests exist. The tools
# (cross compilers, musl-dev:<arch>, qemu-user-static) are installed by scripts/test.sh through
# scripts/install-cross.sh, never by a test: without them release_build skips (77), which
# REQUIRE_ROOT_TESTS=1 turns into a failure.
#
#   release_build         all seven artefacts and SHA256SUMS into build/release, each checked
#                         static (readelf), hardened, and run once under its emulator
#   release_reproducible  the tracked files copied to another path and built again there, into
#                         another directory: byte-identical to release_build's, for a musl and a
#                         glibc architecture
#   e2e_root_arm64        the whole root end-to-end suite against the arm64 binary under qemu
#   e2e_smoke_<arch>      drop, verification, exit codes, --listen and --chown for the others

if(NOT TARGET e2e_tests)
  return()
endif()

set(_scripts "${CMAKE_CURRENT_SOURCE_DIR}/scripts")
set(UNROOT_RELEASE_DIR "${CMAKE_BINARY_DIR}/release")

add_test(NAME release_build
  COMMAND "${_scripts}/release-ci.sh" build "${UNROOT_RELEASE_DIR}")
set_tests_properties(release_build PROPERTIES
  FIXTURES_SETUP release SKIP_RETURN_CODE 77 LABELS release TIMEOUT 900)

# arm64: musl, static-pie, LTO; riscv64: glibc, static. Two more builds cost about 40 s.
add_test(NAME release_reproducible
  COMMAND "${_scripts}/release-ci.sh" reproducible "${UNROOT_RELEASE_DIR}" arm64 riscv64)
set_tests_properties(release_reproducible PROPERTIES
  FIXTURES_REQUIRED release SKIP_RETURN_CODE 77 LABELS release TIMEOUT 600)

add_test(NAME e2e_root_arm64
  COMMAND "${_scripts}/emulated-tests.sh" arm64 "${UNROOT_RELEASE_DIR}" $<TARGET_FILE:e2e_tests>)
set_tests_properties(e2e_root_arm64 PROPERTIES
  FIXTURES_REQUIRED release SKIP_RETURN_CODE 77 LABELS "release;root" TIMEOUT 900)

# One case or two per behaviour the issue names; wildcards keep commas out of Catch2's specs.
set(UNROOT_SMOKE_CASES
  "named user gets uid*"                                        # the drop
  "user:group forms give exactly that one group"
  "after the drop: no_new_privs*"                               # the verification
  "every direct way back to root fails in the command"
  "command not found is 127*"                                   # exit codes
  "the command's exit status passes straight through"
  "bad user-specs fail with one line and exit 125*"
  "a C consumer sees exactly the socket-activation protocol"    # --listen
  "*chown gives files*"                                         # --chown
  "a symlink to a root-owned file or directory outside is changed*")
foreach(arch armhf i386 ppc64el riscv64 s390x)
  add_test(NAME e2e_smoke_${arch}
    COMMAND "${_scripts}/emulated-tests.sh" ${arch} "${UNROOT_RELEASE_DIR}"
            $<TARGET_FILE:e2e_tests> ${UNROOT_SMOKE_CASES})
  set_tests_properties(e2e_smoke_${arch} PROPERTIES
    FIXTURES_REQUIRED release SKIP_RETURN_CODE 77 LABELS "release;root" TIMEOUT 600)
endforeach()
