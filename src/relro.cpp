// SPDX-License-Identifier: MIT
// relro: applies PT_GNU_RELRO in a static-pie whose libc leaves it writable. One mprotect; no
// printing, no policy.
#include "relro.hpp"

#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include <cstdint>

// The linker's own symbol for this binary's ELF header (GNU ld defines it when the header is
// in a loaded segment, as in every PIE). Hidden, so it is resolved PC-relative: its address is
// where the first segment was really loaded.
extern "C" const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));  // NOLINT

namespace unroot {

Status protect_relro() {
  // -z relro -z now ask for .got, .data.rel.ro, .init_array and .fini_array to be read-only
  // once relocated, so that a memory-corruption bug cannot redirect a function pointer there
  // (ld(1) "-z relro"). The linker only describes the range in PT_GNU_RELRO; applying it is
  // the dynamic linker's job, and in a static-pie there is none: glibc's start code does it
  // (_dl_relocate_static_pie), musl's rcrt1 relocates and leaves the range writable.
  // getauxval returns the address as an integer (getauxval(3)).
  // NOLINTNEXTLINE(performance-no-int-to-ptr)
  const auto* phdr = reinterpret_cast<const ElfW(Phdr)*>(::getauxval(AT_PHDR));
  const unsigned long phnum = ::getauxval(AT_PHNUM);
  const unsigned long page = ::getauxval(AT_PAGESZ);
  if (phdr == nullptr || phnum == 0 || page == 0 || (page & (page - 1)) != 0) {
    return Error{"relro: the kernel passed no program headers (AT_PHDR, AT_PHNUM, AT_PAGESZ)"};
  }
  // The load bias: from PT_PHDR if the linker emitted one (the headers' own address), else from
  // the PT_LOAD that maps the ELF header and the linker's __ehdr_start (a static-pie has no
  // PT_INTERP, so GNU ld leaves PT_PHDR out).
  const ElfW(Phdr)* relro = nullptr;
  bool have_bias = false;
  std::uintptr_t bias = 0;
  for (unsigned long i = 0; i < phnum; ++i) {
    switch (phdr[i].p_type) {
      case PT_PHDR:
        bias = reinterpret_cast<std::uintptr_t>(phdr) - phdr[i].p_vaddr;
        have_bias = true;
        break;
      case PT_LOAD:
        if (!have_bias && phdr[i].p_offset == 0) {
          bias = reinterpret_cast<std::uintptr_t>(&__ehdr_start) - phdr[i].p_vaddr;
          have_bias = true;
        }
        break;
      case PT_GNU_RELRO:
        relro = &phdr[i];
        break;
      default:
        break;
    }
  }
  if (!have_bias || relro == nullptr) {
    return Error{"relro: no PT_GNU_RELRO segment or load address in the program headers"};
  }
  // Rounded down at both ends, as ld.so does: the last partial page is shared with .data,
  // which must stay writable (the linker pads RELRO to end on a page boundary where it can).
  const std::uintptr_t mask = ~static_cast<std::uintptr_t>(page - 1);
  const std::uintptr_t start = (bias + relro->p_vaddr) & mask;
  const std::uintptr_t end = (bias + relro->p_vaddr + relro->p_memsz) & mask;
  if (start == end) {
    return Ok{};  // less than a page: nothing the kernel can protect alone
  }
  // NOLINTNEXTLINE(performance-no-int-to-ptr): a page address computed from the headers
  if (::mprotect(reinterpret_cast<void*>(start), end - start, PROT_READ) != 0) {
    return Error::from_errno().context("relro: mprotect PROT_READ");
  }
  return Ok{};
}

}  // namespace unroot
