// SPDX-License-Identifier: MIT
// cxx_runtime: the few out-of-line libstdc++ pieces src/ needs: operator new/delete, the
// std::__throw_* helpers and the _GLIBCXX_ASSERTIONS failure handler. Linked into both builds;
// must not be linked into the tests (Catch2 needs the real, throwing ones).
//
// Why: src/ is built with -fno-exceptions and uses only header-only parts of libstdc++, whose
// headers call these when a std::string or std::vector would overflow or an index is out of
// range. libstdc++ is built for glibc only, so the musl build has no other source for them. The
// glibc build takes them from here too, because libstdc++.a's versions throw, which drags in
// the exception runtime, the demangler and std::terminate's verbose handler: 156 KB of the
// static binary for paths that can only end in abort() (measured; docs/benchmarks.md).
// Running out of memory is not a bug but a limit (a large /etc/passwd under `ulimit -v`, a
// container memory cap): it is one line on stderr and exit 125, unroot's own-error code, like
// every other failure. A broken invariant (bounds, length) is a bug: one line, then SIGABRT.
// Neither leaves a core file with root's memory in it: main makes the process non-dumpable first.
#include <unistd.h>

#include <bits/functexcept.h>
#include <atomic>
#include <cstddef>
#include <cstdint>
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

/// "unroot: out of memory[ allocating N bytes]", one write(2), then _exit(125). Formats the
/// number itself: no heap, no stdio, nothing that could need the memory that is missing.
/// _exit, not exit: static destructors and atexit handlers could allocate again.
[[noreturn]] void out_of_memory(std::size_t size) {
  char line[96] = "unroot: out of memory";
  std::size_t n = std::strlen(line);
  if (size != 0) {
    static constexpr char kAllocating[] = " allocating ";
    std::memcpy(line + n, kAllocating, sizeof kAllocating - 1);
    n += sizeof kAllocating - 1;
    char digits[24];
    std::size_t d = 0;
    do {
      digits[d++] = static_cast<char>('0' + size % 10);
      size /= 10;
    } while (size != 0);
    while (d != 0) {
      line[n++] = digits[--d];
    }
    static constexpr char kBytes[] = " bytes";
    std::memcpy(line + n, kBytes, sizeof kBytes - 1);
    n += sizeof kBytes - 1;
  }
  line[n++] = '\n';
  (void)!::write(STDERR_FILENO, line, n);
  ::_exit(125);  // main.cpp exit_code(Failure::kOwn): unroot failed, the command never ran
}

}  // namespace

// The first allocations come from a static arena, bump-allocated. unroot's whole run as root
// (two small files, the plan, a few dozen strings) fits in it, so it touches a few contiguous
// pages of .bss instead of malloc's pages per size class and the mmap and brk calls that get
// them: measured, fewer page faults and syscalls per start (docs/benchmarks.md, "lean"). A free
// gives memory back only when it is the arena's newest block (a growing string or vector);
// otherwise it stays used, so the waste is bounded by the arena's size. What does not fit goes
// to malloc. The bump is atomic, so this stays correct if a thread ever allocates.
namespace {

constexpr std::size_t kArenaSize = std::size_t{64} * 1024;
constexpr std::size_t kAlign = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
alignas(kAlign) unsigned char g_arena[kArenaSize];
std::atomic<std::size_t> g_arena_used{0};

std::size_t rounded(std::size_t size) { return (size + kAlign - 1) & ~(kAlign - 1); }

bool in_arena(const void* p) {
  auto a = reinterpret_cast<std::uintptr_t>(p);
  auto base = reinterpret_cast<std::uintptr_t>(g_arena);
  return a >= base && a < base + kArenaSize;
}

void* arena_alloc(std::size_t size) {
  if (size > kArenaSize) {
    return nullptr;
  }
  std::size_t n = rounded(size == 0 ? 1 : size);
  std::size_t used = g_arena_used.load(std::memory_order_relaxed);
  do {
    if (n > kArenaSize - used) {
      return nullptr;
    }
  } while (!g_arena_used.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
  return g_arena + used;
}

// The newest block goes back to the arena; any other stays used until exit.
void arena_free(void* p, std::size_t size) {
  auto offset = static_cast<std::size_t>(static_cast<unsigned char*>(p) - g_arena);
  std::size_t end = offset + rounded(size == 0 ? 1 : size);
  g_arena_used.compare_exchange_strong(end, offset, std::memory_order_relaxed);
}

}  // namespace

// Allocation failure ends the process, as it does in the glibc build (bad_alloc, no handler).
void* operator new(std::size_t size) {
  if (void* p = arena_alloc(size)) {
    return p;
  }
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) {
    out_of_memory(size);
  }
  return p;
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p, std::size_t size) noexcept {
  if (in_arena(p)) {
    arena_free(p, size);
    return;
  }
  std::free(p);
}
void operator delete[](void* p, std::size_t size) noexcept { ::operator delete(p, size); }
// Unsized: an arena block stays used (its size is unknown).
void operator delete(void* p) noexcept {
  if (!in_arena(p)) {
    std::free(p);
  }
}
void operator delete[](void* p) noexcept { ::operator delete(p); }

// Defining these in std is the point of this file: they are libstdc++'s own out-of-line helpers,
// declared in <bits/functexcept.h>, which nothing else provides in the musl build.
namespace std {  // NOLINT(cert-dcl58-cpp)

void __throw_bad_exception() { die("bad_exception"); }
void __throw_bad_alloc() { out_of_memory(0); }
// new T[n] with n * sizeof(T) past what can be allocated: a size no memory can satisfy.
void __throw_bad_array_new_length() { out_of_memory(0); }
void __throw_bad_cast() { die("bad cast"); }
void __throw_bad_typeid() { die("bad typeid"); }
void __throw_logic_error(const char* what) { die(what); }
void __throw_domain_error(const char* what) { die(what); }
void __throw_invalid_argument(const char* what) { die(what); }
void __throw_length_error(const char* what) { die(what); }
void __throw_out_of_range(const char* what) { die(what); }
// Variadic because libstdc++ declares it so. The format's arguments are dropped: formatting them
// would pull printf into the binary.
void __throw_out_of_range_fmt(const char* what, ...) { die(what); }  // NOLINT(cert-dcl50-cpp)
void __throw_runtime_error(const char* what) { die(what); }
void __throw_range_error(const char* what) { die(what); }
void __throw_overflow_error(const char* what) { die(what); }
void __throw_underflow_error(const char* what) { die(what); }
void __throw_system_error(int) { die("system_error"); }
void __throw_bad_function_call() { die("bad function call"); }

// -D_GLIBCXX_ASSERTIONS bounds checks (operator[], front(), back(), ...) report here. The checks
// stay; their text does not: every call site passes __FILE__, __PRETTY_FUNCTION__ and the
// condition, ~8 KB of strings in all. Left unused, link-time optimisation drops them with the
// arguments. The unstripped binary and a core dump (SIGABRT) show where it happened.
void __glibcxx_assert_fail(const char*, int, const char*, const char*) noexcept {
  die("a bounds check failed (_GLIBCXX_ASSERTIONS)");
}

}  // namespace std
