// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <string>

#include "errno_text.hpp"

// The unit tests are built with glibc, so strerror() here is the reference wording. The musl
// build's e2e runs (ctest e2e_musl, e2e_root_musl) check that the table is what it prints.
TEST_CASE("every errno reads as glibc words it, whatever libc the binary has", "[errno_text]") {
  for (int err = 1; err < 134; ++err) {
    INFO("errno " << err);
    // Copied one at a time: glibc's strerror reuses its buffer for unknown errnos, so a second
    // call may free the text the first one returned.
    std::string ours = unroot::errno_text(err);
    std::string glibc = std::strerror(err);
    CHECK(ours == glibc);
  }
}

TEST_CASE("the errnos of a busy port, a missing file and a refused drop keep their words",
          "[errno_text]") {
  CHECK(std::string(unroot::errno_text(EADDRINUSE)) == "Address already in use");
  CHECK(std::string(unroot::errno_text(EADDRNOTAVAIL)) == "Cannot assign requested address");
  CHECK(std::string(unroot::errno_text(ELOOP)) == "Too many levels of symbolic links");
  CHECK(std::string(unroot::errno_text(ENOENT)) == "No such file or directory");
  CHECK(std::string(unroot::errno_text(EPERM)) == "Operation not permitted");
}
