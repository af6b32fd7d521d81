// SPDX-License-Identifier: MIT
// execv_ref: the physical limit of an exec-ing entrypoint. It does nothing but execv(argv[1]);
// built static once with glibc and once with musl, its overhead over running argv[1] directly is
// the cost of one extra execve of a static program with that libc's start-up.
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    return 2;
  }
  execv(argv[1], argv + 1);
  return 127;
}
