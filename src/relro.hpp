// SPDX-License-Identifier: MIT
// relro: makes this static-pie's RELRO range read-only, as a dynamic linker would. Only for libcs
// whose static start code does not (musl); built into the musl binary alone. No policy here.
#pragma once

#include "result.hpp"

namespace unroot {

/// mprotect(PROT_READ) of the pages of this binary's PT_GNU_RELRO segment (page-rounded down at
/// both ends, as ld.so does), found through getauxval(AT_PHDR, AT_PHNUM). Error if the program
/// headers, the load address or the segment cannot be found, or if mprotect fails.
Status protect_relro();

}  // namespace unroot
