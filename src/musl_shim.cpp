// SPDX-License-Identifier: MIT
// musl_shim: the few libstdc++ run-time symbols the musl build needs (it links no libstdc++.so/.a,
// only the header-only parts). Built only into unroot-musl; must not be linked with glibc.
//
// libstdc++ is compiled for glibc only, so the musl build uses its headers and supplies the
// out-of-line pieces those headers call: operator new/delete and the std::__throw_* helpers that
// std::string, std::vector and std::variant call on overflow or misuse. With -fno-exceptions there
// is nothing to throw to; the glibc build ends in std::terminate → abort() in the same places,
// so both builds fail the same way: a one-line message on stderr, then SIGABRT.
#include <unistd.h>

#include <bits/functexcept.h>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

[[noreturn]] void die(const char* what) {
  // write(2), not stdio: the product has no stdio, and this may run with the heap exhausted.
  static constexpr char kPrefix[] = "unroot: fatal: ";
  (void)!::write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1);
  (void)!::write(STDERR_FILENO, what, std::strlen(what));
  (void)!::write(STDERR_FILENO, "\n", 1);
  std::abort();
}

}  // namespace

// Allocation failure ends the process, as it does in the glibc build (bad_alloc, no handler).
void* operator new(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) {
    die("out of memory");
  }
  return p;
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace std {

void __throw_bad_exception() { die("bad_exception"); }
void __throw_bad_alloc() { die("out of memory"); }
void __throw_bad_array_new_length() { die("bad array new length"); }
void __throw_bad_cast() { die("bad cast"); }
void __throw_bad_typeid() { die("bad typeid"); }
void __throw_logic_error(const char* what) { die(what); }
void __throw_domain_error(const char* what) { die(what); }
void __throw_invalid_argument(const char* what) { die(what); }
void __throw_length_error(const char* what) { die(what); }
void __throw_out_of_range(const char* what) { die(what); }
// The format's arguments are dropped: formatting them would pull printf into the binary.
void __throw_out_of_range_fmt(const char* what, ...) { die(what); }
void __throw_runtime_error(const char* what) { die(what); }
void __throw_range_error(const char* what) { die(what); }
void __throw_overflow_error(const char* what) { die(what); }
void __throw_underflow_error(const char* what) { die(what); }
void __throw_system_error(int) { die("system_error"); }
void __throw_bad_function_call() { die("bad function call"); }

// -D_GLIBCXX_ASSERTIONS bounds checks (operator[], front(), back(), ...) report here.
void __glibcxx_assert_fail(const char* file, int line, const char* function,
                           const char* condition) noexcept {
  (void)line;  // printing it would need number formatting; file, function and condition suffice
  const char* parts[] = {file, ": ", function, ": assertion '", condition, "' failed"};
  for (const char* part : parts) {
    (void)!::write(STDERR_FILENO, part, std::strlen(part));
  }
  (void)!::write(STDERR_FILENO, "\n", 1);
  std::abort();
}

}  // namespace std
