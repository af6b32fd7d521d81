// SPDX-License-Identifier: MIT
// Unit tests for user_spec: the USER[:GROUP] grammar and strict id scanning.
#include <catch2/catch.hpp>

#include "user_spec.hpp"

using unroot::parse_id;
using unroot::parse_user_spec;

TEST_CASE("ids reject signs, spaces, junk and overflow", "[user_spec]") {
  CHECK_FALSE(parse_id(""));
  CHECK_FALSE(parse_id("-1"));
  CHECK_FALSE(parse_id("+1"));
  CHECK_FALSE(parse_id(" 1"));
  CHECK_FALSE(parse_id("1 "));
  CHECK_FALSE(parse_id("1a"));
  CHECK_FALSE(parse_id("0x10"));
  CHECK_FALSE(parse_id(std::string_view("1\0", 2)));
  CHECK_FALSE(parse_id("4294967295"));  // (uid_t)-1: "unchanged" to setresuid
  CHECK_FALSE(parse_id("4294967296"));
  CHECK_FALSE(parse_id("99999999999999999999999"));
  CHECK_FALSE(parse_id("１"));  // full-width digit, not ASCII
}

TEST_CASE("ids accept 0 through 4294967294", "[user_spec]") {
  CHECK(parse_id("0") == 0u);
  CHECK(parse_id("1000") == 1000u);
  CHECK(parse_id("2147483648") == 2147483648u);  // 2^31 does not wrap negative
  CHECK(parse_id("4294967294") == 4294967294u);
  CHECK(parse_id("007") == 7u);
}

TEST_CASE("a third colon field is an error, not part of a name", "[user_spec]") {
  auto s = parse_user_spec("app:app:extra");
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().what, Catch::Contains("at most one ':'"));
  CHECK_FALSE(parse_user_spec("::"));
  CHECK_FALSE(parse_user_spec("a::"));
}

TEST_CASE("0day is a name, 0 is an id", "[user_spec]") {
  auto s = parse_user_spec("0day");
  REQUIRE(s);
  CHECK_FALSE(s->user.id);
  CHECK(s->user.text == "0day");
  auto z = parse_user_spec("0");
  REQUIRE(z);
  CHECK(z->user.id == 0u);
}

TEST_CASE("out-of-range numeric user or group is a clear error", "[user_spec]") {
  auto u = parse_user_spec("4294967295");
  REQUIRE_FALSE(u);
  CHECK_THAT(u.error().what, Catch::Contains("out of range"));
  auto g = parse_user_spec("app:99999999999");
  REQUIRE_FALSE(g);
  CHECK_THAT(g.error().what, Catch::Contains("gid 99999999999"));
}

TEST_CASE("user, user:, user:group and :group split as documented", "[user_spec]") {
  auto a = parse_user_spec("app");
  REQUIRE(a);
  CHECK(a->user.text == "app");
  CHECK_FALSE(a->group_given);
  auto b = parse_user_spec("app:");
  REQUIRE(b);
  CHECK_FALSE(b->group_given);
  auto c = parse_user_spec("app:www");
  REQUIRE(c);
  CHECK(c->group_given);
  CHECK(c->group.text == "www");
  CHECK_FALSE(c->group.id);
  auto d = parse_user_spec(":100");
  REQUIRE(d);
  CHECK(d->user.text.empty());
  CHECK(d->group.id == 100u);
}

TEST_CASE("an empty USER (an unset variable) is refused, never read as the caller", "[user_spec]") {
  auto e = parse_user_spec("");
  REQUIRE_FALSE(e);
  CHECK_THAT(e.error().what, Catch::StartsWith("the USER argument is empty"));
  CHECK_THAT(e.error().what, Catch::Contains("unset variable"));
  CHECK(e.error().what.find('\n') == std::string::npos);
  auto colon = parse_user_spec(":");
  REQUIRE_FALSE(colon);
  CHECK_THAT(colon.error().what, Catch::Contains("names neither a user nor a group"));
  // A group alone is still a choice: the caller's uid with that group.
  auto group_only = parse_user_spec(":www");
  REQUIRE(group_only);
  CHECK(group_only->user.text.empty());
  CHECK(group_only->group_given);
}
