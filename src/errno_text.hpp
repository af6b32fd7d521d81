// SPDX-License-Identifier: MIT
// errno_text: the words printed for a failed syscall, the same in the glibc and musl builds. Pure:
// no syscalls, no printing.
#pragma once

namespace unroot {

/// The message for errno value err, as glibc words it ("Address already in use"), whichever libc
/// unroot is linked with. musl words 71 errnos differently ("Address in use"); one binary must
/// not print another message than the other for the same failure, because operators grep logs
/// and scripts match them, and the end-to-end tests hold both builds to the same text.
const char* errno_text(int err);

}  // namespace unroot
