// SPDX-License-Identifier: MIT
// sys's bounded file reader on real files (any user): exact sizes, the cap, and regular files
// whose st_size is 0 although they have content (procfs).
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "sys.hpp"

TEST_CASE("read_small_file reads a file of exactly the cap and refuses one byte more", "[sys]") {
  e2e::TempDir dir("unroot-sys");
  std::string exact(4096, 'a');
  auto ok = unroot::read_small_file(dir.file("exact", exact).c_str(), 4096);
  REQUIRE(ok);
  CHECK(ok->exists);
  CHECK(ok->text == exact);
  auto over = unroot::read_small_file(dir.file("over", exact + "b").c_str(), 4096);
  REQUIRE_FALSE(over);
  CHECK_THAT(over.error().what, Catch::Contains("is larger than"));
  auto empty = unroot::read_small_file(dir.file("empty", "").c_str(), 4096);
  REQUIRE(empty);
  CHECK(empty->text.empty());
  auto missing = unroot::read_small_file((dir.path() + "/missing").c_str(), 4096);
  REQUIRE(missing);
  CHECK_FALSE(missing->exists);
}

TEST_CASE("read_small_file reads procfs files whose st_size is 0", "[sys]") {
  auto f = unroot::read_small_file("/proc/self/status", 1 << 20);
  REQUIRE(f);
  CHECK(f->text.find("\nUid:") != std::string::npos);
  CHECK(f->text.back() == '\n');
}

TEST_CASE("read_small_file reads a whole sysctl, newline included, even with a small cap",
          "[sys]") {
  // /proc/sys files have st_size 0 and answer only the first read(2): a short first read
  // used to return "1" and then EOF.
  auto f = unroot::read_small_file("/proc/sys/fs/protected_hardlinks", 64);
  REQUIRE(f);
  REQUIRE(f->exists);
  CHECK((f->text == "0\n" || f->text == "1\n"));
  auto tiny = unroot::read_small_file("/proc/sys/kernel/ostype", 2);
  REQUIRE_FALSE(tiny);  // "Linux\n" is 6 bytes: refused, not cut to 2
}
