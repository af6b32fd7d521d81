# cmake/perf-tests.cmake: ctest entries for the structural facts of the built binaries (issue 8):
# static-pie + hardening + no NSS + stripped size (scripts/check-binary.sh), the syscall count of
# a plain drop (scripts/check-syscalls.sh, root), and scripts/bench.sh --quick so the benchmark
# keeps working. No timing is asserted anywhere: the machine is shared and noisy.
# Included from CMakeLists.txt after enable_testing() and cmake/musl.cmake.

if(NOT TARGET unroot)
  return()  # UNROOT_SANITIZE builds no static binary
endif()

set(_scripts "${CMAKE_CURRENT_SOURCE_DIR}/scripts")

# Size bounds, stripped (what ships). glibc: issue 8's 1 MiB. musl: issue 8's 64 KiB.
add_test(NAME binary_glibc
  COMMAND "${_scripts}/check-binary.sh" --max-stripped-size 1048576 "$<TARGET_FILE:unroot>")
if(UNROOT_HAVE_MUSL)
  add_test(NAME binary_musl
    COMMAND "${_scripts}/check-binary.sh" --max-stripped-size 65536 "$<TARGET_FILE:unroot-musl>")
endif()

# Syscalls of `unroot app /bin/true`, from unroot's execve to the command's; see the script.
set(UNROOT_SYSCALL_BOUND_GLIBC 100 CACHE STRING "most syscalls the glibc build may make for a plain drop")
set(UNROOT_SYSCALL_BOUND_MUSL 100 CACHE STRING "most syscalls the musl build may make for a plain drop")
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
