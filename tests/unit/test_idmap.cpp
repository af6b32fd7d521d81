// SPDX-License-Identifier: MIT
// Unit tests for idmap: the kernel's uid_map/gid_map text, adversarial input first.
#include <catch2/catch.hpp>

#include <string>

#include "idmap.hpp"

using namespace unroot;

namespace {

std::string error_of(std::string_view text) {
  auto m = parse_id_map(text);
  REQUIRE_FALSE(m);
  return m.error().what;
}

}  // namespace

TEST_CASE("an empty map is a namespace with nothing mapped yet, not the identity", "[idmap]") {
  auto m = parse_id_map("");
  REQUIRE(m);
  CHECK(m->empty());
  CHECK_FALSE(is_identity(*m));
  CHECK(find_range(*m, 0) == nullptr);
}

TEST_CASE("malformed map lines are refused with their line number", "[idmap]") {
  CHECK(error_of("\n") == "line 1: expected three decimal numbers 'inside outside count'");
  CHECK(error_of("0 0 1\n\n") == "line 2: expected three decimal numbers 'inside outside count'");
  for (const char* bad : {"0 0", "0", "0 0 1 1", "a 0 1", "0 -1 1", "+0 0 1", "0 0 0x1", "0 0 1x",
                          "0,0,1", "0 0 4294967296", "99999999999999999999 0 1"}) {
    CAPTURE(bad);
    CHECK(error_of(bad) == "line 1: expected three decimal numbers 'inside outside count'");
  }
  CHECK(error_of(std::string_view("0 0 1\0", 6)) ==
        "line 1: expected three decimal numbers 'inside outside count'");
  CHECK(error_of("0 0 1\r\n") == "line 1: expected three decimal numbers 'inside outside count'");
  CHECK(error_of("5 5 0\n") == "line 1: a range of 0 ids");
}

TEST_CASE("ranges past 2^32-1 and overlapping ranges are refused", "[idmap]") {
  CHECK(error_of("1 0 4294967295") ==
        "line 1: the range reaches id 4294967295, which is never an id");
  CHECK(error_of("0 1 4294967295") ==
        "line 1: the range reaches id 4294967295, which is never an id");
  CHECK(error_of("4294967295 0 1") ==
        "line 1: the range reaches id 4294967295, which is never an id");
  // Inside overlap: one id with two meanings. Outside overlap: two ids with one.
  CHECK(error_of("0 100000 10\n9 0 1\n") == "line 2: overlaps the range '0 100000 10'");
  CHECK(error_of("0 100000 10\n20 100009 5\n") == "line 2: overlaps the range '0 100000 10'");
  CHECK(error_of("1001 0 1\n0 0 4294967295\n") == "line 2: overlaps the range '1001 0 1'");
  auto touching = parse_id_map("0 100000 10\n10 100010 5\n");
  CHECK(touching);
}

TEST_CASE("more lines than the kernel allows are refused", "[idmap]") {
  std::string text;
  for (int i = 0; i < 341; ++i) {
    text += std::to_string(i) + " " + std::to_string(100000 + i) + " 1\n";
  }
  CHECK(error_of(text) == "line 341: more lines than the kernel's 340");
  text.resize(text.rfind("\n340 ") + 1);
  CHECK(parse_id_map(text));
}

TEST_CASE("the kernel's padded format parses; the initial namespace is the identity", "[idmap]") {
  auto m = parse_id_map("         0          0 4294967295\n");
  REQUIRE(m);
  REQUIRE(m->size() == 1);
  CHECK(is_identity(*m));
  CHECK(outside_id(*find_range(*m, 4294967294u), 4294967294u) == 4294967294u);
  CHECK(find_range(*m, 4294967295u) == nullptr);  // (uid_t)-1 is never an id
  CHECK(is_identity(*parse_id_map("0\t0\t4294967295")));
  CHECK_FALSE(is_identity(*parse_id_map("0 0 4294967294\n")));
  CHECK_FALSE(is_identity(*parse_id_map("0 0 1000\n1000 1000 4294966295\n")));
}

TEST_CASE("a disguised root: the id that is 0 in the parent is found, at range edges", "[idmap]") {
  auto m = parse_id_map("         0     100000          1\n      1001          0          1\n");
  REQUIRE(m);
  REQUIRE(m->size() == 2);
  const IdRange* r = find_range(*m, 1001);
  REQUIRE(r != nullptr);
  CHECK(outside_id(*r, 1001) == 0);
  CHECK(describe_range(*r) == "1001 0 1");
  CHECK(outside_id(*find_range(*m, 0), 0) == 100000);
  CHECK(find_range(*m, 1000) == nullptr);
  CHECK(find_range(*m, 1002) == nullptr);
  auto wide = parse_id_map("0 100000 65536\n");
  REQUIRE(wide);
  CHECK(outside_id(*find_range(*wide, 65535), 65535) == 165535);
  CHECK(find_range(*wide, 65536) == nullptr);
  auto top = parse_id_map("4294967294 0 1\n");
  REQUIRE(top);
  CHECK(outside_id(*find_range(*top, 4294967294u), 4294967294u) == 0);
}
