// SPDX-License-Identifier: MIT
// Unit tests for userdb: passwd/group text parsing and lookups. Adversarial input first.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "userdb.hpp"

using namespace unroot;

namespace {
UserFile pw(std::string_view text) { return UserFile{"/etc/passwd", text, true}; }
UserFile gr(std::string_view text) { return UserFile{"/etc/group", text, true}; }
}  // namespace

TEST_CASE("a malformed passwd line never resolves to root", "[userdb]") {
  // gosu (runc's parser) reads a non-numeric uid as 0.
  auto f = pw("evil:x:notanumber:0::/:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
  auto evil = find_user_by_name(f, "evil");
  REQUIRE_FALSE(evil);
  CHECK_THAT(evil.error().what, Catch::Contains("/etc/passwd line 1"));
  CHECK_THAT(evil.error().what, Catch::Contains("'evil'"));
  auto app = find_user_by_name(f, "app");
  REQUIRE(app);
  REQUIRE(*app);
  CHECK((*app)->uid == 1000u);
}

TEST_CASE("malformed passwd lines of every kind are not interpreted", "[userdb]") {
  CHECK_FALSE(parse_passwd_line("a:x:1:1::/home"));               // 6 fields
  CHECK_FALSE(parse_passwd_line("a:x:1:1::/home:/bin/sh:more"));  // 8 fields
  CHECK_FALSE(parse_passwd_line(":x:1:1::/:/bin/sh"));            // empty name
  CHECK_FALSE(parse_passwd_line("a:x::1::/:/bin/sh"));            // empty uid
  CHECK_FALSE(parse_passwd_line("a:x:-1:1::/:/bin/sh"));
  CHECK_FALSE(parse_passwd_line("a:x: 1:1::/:/bin/sh"));
  CHECK_FALSE(parse_passwd_line("a:x:1:4294967295::/:/bin/sh"));
  CHECK_FALSE(parse_passwd_line("a:x:4294967296:1::/:/bin/sh"));
  CHECK_FALSE(parse_passwd_line(std::string_view("a:x:1:1::/\0:/bin/sh", 19)));
  CHECK_FALSE(parse_passwd_line("+::::::"));  // NIS compat line
  auto ok = parse_passwd_line("a:x:4294967294:0:gecos:/h:/bin/sh\r");
  REQUIRE(ok);
  CHECK(ok->uid == 4294967294u);
  CHECK(ok->home == "/h");
}

TEST_CASE("a malformed line for another name is skipped", "[userdb]") {
  auto f = pw("broken:x:1\nnode:x:1000:1000::/home/node:/bin/sh\n");
  auto r = find_user_by_name(f, "node");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK((*r)->line == 2);
}

TEST_CASE("a malformed earlier line cannot be skipped to reach a later entry", "[userdb]") {
  auto f = pw("app:x:1000:abc::/:/bin/sh\napp:x:0:0::/root:/bin/sh\n");
  CHECK_FALSE(find_user_by_name(f, "app"));
}

TEST_CASE("a malformed line claiming the requested uid is an error", "[userdb]") {
  auto f = pw("app:x:1000:zz::/:/bin/sh\nother:x:1000:1000::/o:/bin/sh\n");
  auto r = find_user_by_uid(f, 1000);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().what, Catch::Contains("line 1"));
}

TEST_CASE("first matching entry wins", "[userdb]") {
  auto f = pw("app:x:1000:1000::/first:/bin/sh\napp:x:0:0::/root:/bin/sh\n");
  auto r = find_user_by_name(f, "app");
  REQUIRE(r);
  REQUIRE(*r);
  CHECK((*r)->home == "/first");
  auto u = find_user_by_uid(pw("a:x:5:5::/a:/s\nb:x:5:6::/b:/s\n"), 5);
  REQUIRE(u);
  REQUIRE(*u);
  CHECK((*u)->name == "a");
}

TEST_CASE("comments, blank lines, CRLF and a missing final newline are handled", "[userdb]") {
  auto f =
      pw("# comment\r\n\r\n\n  \napp:x:1000:1000::/home/app:/bin/sh\r\nlast:x:7:7::/l:/bin/sh");
  auto app = find_user_by_name(f, "app");
  REQUIRE(app);
  REQUIRE(*app);
  CHECK((*app)->home == "/home/app");
  CHECK((*app)->line == 5);
  auto last = find_user_by_name(f, "last");
  REQUIRE(last);
  REQUIRE(*last);
  CHECK((*last)->uid == 7u);
  CHECK_FALSE(*find_user_by_name(f, "# comment"));
}

TEST_CASE("names are compared exactly", "[userdb]") {
  auto f = pw("App:x:1:1::/:/s\napp2:x:2:2::/:/s\n");
  CHECK_FALSE(*find_user_by_name(f, "app"));
  CHECK_FALSE(*find_user_by_name(f, "ap"));
  CHECK_FALSE(*find_user_by_name(pw(""), "app"));
  CHECK_FALSE(*find_user_by_name(pw("\n\n\n"), ""));
}

TEST_CASE("a very long line does not confuse the parser", "[userdb]") {
  std::string text(1 << 20, 'a');
  text += ":x:1:1::/:/bin/sh\nb:x:2:2::/b:/bin/sh\n";
  auto f = pw(text);
  auto b = find_user_by_name(f, "b");
  REQUIRE(b);
  REQUIRE(*b);
  CHECK((*b)->uid == 2u);
}

TEST_CASE("group membership lists every group naming the user, once", "[userdb]") {
  auto g =
      gr("root:x:0:\nsudo:x:27:node\nbad:x:zz:node\nusers:x:100:bob,node,alice\n"
         "dup:x:27:node\nnodes:x:200:node2,xnode\n");
  CHECK(groups_with_member(g, "node") == std::vector<std::uint32_t>{27, 100});
  CHECK(groups_with_member(g, "alice") == std::vector<std::uint32_t>{100});
  CHECK(groups_with_member(g, "nobody").empty());
  CHECK(groups_with_member(g, "").empty());
}

TEST_CASE("a group line with 50,000 members is searched fully", "[userdb]") {
  std::string line = "big:x:5000:";
  for (int i = 0; i < 50000; ++i) {
    line += "u" + std::to_string(i) + ",";
  }
  line += "target\n";
  CHECK(groups_with_member(gr(line), "target") == std::vector<std::uint32_t>{5000});
  CHECK(groups_with_member(gr(line), "u49999") == std::vector<std::uint32_t>{5000});
  CHECK(groups_with_member(gr(line), "u5000x").empty());
}

TEST_CASE("group lookups by name and gid follow the same rules", "[userdb]") {
  auto g = gr("www:x:33:\nbroken:x:\nwww:x:99:\n");
  auto www = find_group_by_name(g, "www");
  REQUIRE(www);
  REQUIRE(*www);
  CHECK((*www)->gid == 33u);
  auto broken = find_group_by_name(g, "broken");
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().what, Catch::Contains("/etc/group line 2"));
  auto by_gid = find_group_by_gid(g, 99);
  REQUIRE(by_gid);
  REQUIRE(*by_gid);
  CHECK((*by_gid)->name == "www");
  CHECK_FALSE(*find_group_by_gid(g, 12345));
}

TEST_CASE("group names are found for display, empty when unknown", "[userdb]") {
  auto g = gr("a:x:1:\nb:x:2:\nb2:x:2:\n");
  std::vector<std::uint32_t> gids{2, 3, 1};
  auto names = group_names(g, gids);
  REQUIRE(names.size() == 3);
  CHECK(names[0] == "b");
  CHECK(names[1].empty());
  CHECK(names[2] == "a");
}

TEST_CASE("only one CR is stripped, so a double CR stays in the last field", "[userdb]") {
  auto e = parse_passwd_line("a:x:1:1::/h:/bin/sh\r\r");
  REQUIRE(e);
  CHECK(e->home == "/h");
  auto g = parse_group_line("g:x:5:bob\r\r");
  REQUIRE(g);
  CHECK(g->members == "bob\r");  // "bob\r" is not "bob": no accidental membership
  CHECK(groups_with_member(UserFile{"/etc/group", "g:x:5:bob\r\r\n", true}, "bob").empty());
}

TEST_CASE("100,000 groups listing one user resolve in file order without repeats", "[userdb]") {
  std::string text;
  for (int i = 0; i < 100000; ++i) {
    text += "g" + std::to_string(i) + ":x:" + std::to_string(100000 - i % 50000) + ":u\n";
  }
  auto gids = groups_with_member(UserFile{"/etc/group", text, true}, "u");
  REQUIRE(gids.size() == 50000);
  CHECK(gids.front() == 100000u);
  CHECK(gids.back() == 50001u);
}

TEST_CASE("a long name matches only a whole member, never a near-match around it", "[userdb]") {
  const std::string name(4000, 'a');
  const std::string near = std::string(3999, 'a') + "b";
  std::string text = "near:x:10:" + near + "," + near + "\n";
  text += "longer:x:11:" + name + "a\n";              // contains the name
  text += "shorter:x:12:" + name.substr(1) + "\n";    // is contained in it
  text += "glued:x:13:" + name + near + "\n";         // the name, then more
  text += "crlf:x:14:" + near + "," + name + "\r\n";  // the real one, CRLF line
  text += "again:x:14:" + name + "\n";                // same gid: listed once
  text += "bad:x:1x:" + name + "\n";                  // malformed: never adds a group
  CHECK(groups_with_member(gr(text), name) == std::vector<std::uint32_t>{14});
}

TEST_CASE("group names answer every position when a gid is asked many times", "[userdb]") {
  std::string text;
  for (int i = 0; i < 1000; ++i) {
    text += "g" + std::to_string(i) + ":x:7:\n";  // 1,000 lines of the same gid
  }
  std::vector<std::uint32_t> gids(5000, 7);
  gids.push_back(8);
  auto names = group_names(gr(text), gids);
  REQUIRE(names.size() == gids.size());
  CHECK(std::count(names.begin(), names.end(), "g0") == 5000);
  CHECK(names.back().empty());
}
