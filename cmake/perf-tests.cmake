# cmake/perf-tests.cmake: ctest entries for the structural facts of the built binaries:
# static-pie + hardening + no NSS + stripped size (scripts/check-binary.sh), the syscall count of
# a plain drop (scripts/check-syscalls.sh, root), and scripts/bench.sh --quick so the benchmark
# keeps working. No timing is asserted anywhere: the machine is shared and noisy.
# Included from CMakeLists.txt after enable_testing() and cmake/musl.cmake.

if(NOT TARGET unroot)
  return()  # UNROOT_SANITIZE builds no static binary
endif()

set(_scripts "${CMAKE_CURRENT_SOURCE_DIR}/scripts")

# Size bounds on the stripped binary (what ships): what the code reaches plus a little room (the
# musl file grows in 4 KiB pages), so that a real regression fails (musl's printf is ~13 KB;
# iostreams, locale or NSS are hundreds of KB) while ordinary growth does not. docs/benchmarks.md
# has the measured sizes and what they are made of. static-pie, or static where cmake/arch.cmake
# says this architecture's glibc cannot do PIE. Both are single-threaded: privdrop uses the raw
# set*id syscalls only then (see privdrop.cpp), and no thread may exist in the root phase.
string(REGEX REPLACE "^-" "" _glibc_link "${UNROOT_GLIBC_LINK}")
add_test(NAME binary_glibc
  COMMAND "${_scripts}/check-binary.sh" --link ${_glibc_link} --single-threaded
          --max-stripped-size 1179648 "$<TARGET_FILE:unroot>.unstripped")
if(UNROOT_HAVE_MUSL)
  add_test(NAME binary_musl
    COMMAND "${_scripts}/check-binary.sh" --single-threaded --max-stripped-size 180224
            "$<TARGET_FILE:unroot-musl>")
  # What ships is the musl build whenever it exists (cmake/dist.cmake); say so by asking it.
  add_test(NAME dist_is_musl COMMAND "${UNROOT_DIST_BINARY}" --version)
  set_tests_properties(dist_is_musl PROPERTIES PASS_REGULAR_EXPRESSION "libc: musl")
endif()

# Every object of the product compiled with the hardening flags (nm cannot tell in a static build).
add_test(NAME compile_flags
  COMMAND "${_scripts}/check-flags.sh" "${CMAKE_BINARY_DIR}/compile_commands.json")

# The same end-to-end cases, run against the musl build (the harness takes UNROOT_BIN).
if(UNROOT_HAVE_MUSL AND TARGET e2e_tests)
  add_dependencies(e2e_tests unroot-musl)
  add_test(NAME e2e_musl COMMAND e2e_tests)
  add_test(NAME e2e_root_musl
    COMMAND "${_scripts}/run-root-tests.sh" "$<TARGET_FILE:e2e_tests>" [root])
  set_tests_properties(e2e_musl e2e_root_musl PROPERTIES
    ENVIRONMENT "UNROOT_BIN=${UNROOT_MUSL_BINARY}")
  set_tests_properties(e2e_root_musl PROPERTIES SKIP_RETURN_CODE 77 LABELS root)
endif()

# Syscalls of `unroot app /bin/true`, from unroot's execve to the command's; see the script.
# About 90 of them are prctl: the bounding set dropped and read back, one call per capability
# each. A new kernel capability adds two; the bound leaves room for a few and catches any
# per-line, per-group or per-capability probe loop (41 calls) added to every start.
set(UNROOT_SYSCALL_BOUND_GLIBC 160)
set(UNROOT_SYSCALL_BOUND_MUSL 160)
add_test(NAME syscalls_glibc
  COMMAND "${_scripts}/check-syscalls.sh" --max ${UNROOT_SYSCALL_BOUND_GLIBC} "$<TARGET_FILE:unroot>")
set(_syscall_tests syscalls_glibc)
if(UNROOT_HAVE_MUSL)
  add_test(NAME syscalls_musl
    COMMAND "${_scripts}/check-syscalls.sh" --max ${UNROOT_SYSCALL_BOUND_MUSL} "$<TARGET_FILE:unroot-musl>")
  list(APPEND _syscall_tests syscalls_musl)
endif()
set_tests_properties(${_syscall_tests} PROPERTIES SKIP_RETURN_CODE 77 LABELS root)

# The benchmark itself, in its quick mode, on the binaries just built. Skips (77) when not root.
set(_bench_env "UNROOT=$<TARGET_FILE:unroot>" "BUILD_DIR=${CMAKE_BINARY_DIR}")
if(UNROOT_HAVE_MUSL)
  list(APPEND _bench_env "UNROOT_MUSL=${CMAKE_BINARY_DIR}/unroot-musl")
endif()
add_test(NAME bench_quick COMMAND "${_scripts}/bench.sh" --quick)
set_tests_properties(bench_quick PROPERTIES
  ENVIRONMENT "${_bench_env}" SKIP_RETURN_CODE 77 LABELS root TIMEOUT 300)
