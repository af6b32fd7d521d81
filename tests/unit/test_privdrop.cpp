// SPDX-License-Identifier: MIT
// Unit tests for privdrop's pure part: what "verified" means, compared field by field.
#include <catch2/catch.hpp>

#include "privdrop.hpp"

using namespace unroot;

namespace {

DropSpec app_spec() {
  DropSpec d;
  d.uid = 1000;
  d.gid = 1000;
  d.groups = {1000, 27};
  d.how = Switch::kDrop;
  return d;
}

Caller as_planned() {
  Caller c;
  c.ruid = c.euid = c.suid = 1000;
  c.rgid = c.egid = c.sgid = 1000;
  c.groups = {27, 1000};
  return c;
}

}  // namespace

TEST_CASE("a process that is exactly the plan passes", "[privdrop]") {
  CHECK(compare_with_spec(as_planned(), app_spec()));
}

TEST_CASE("any id left at another value fails, naming all three", "[privdrop]") {
  Caller c = as_planned();
  c.suid = 0;  // a saved uid of 0 is a way back to root
  auto s = compare_with_spec(c, app_spec());
  REQUIRE_FALSE(s);
  CHECK(s.error().what == "verify: uids are 1000/1000/0, expected 1000");
  c = as_planned();
  c.sgid = 0;
  CHECK_FALSE(compare_with_spec(c, app_spec()));
}

TEST_CASE("a leftover supplementary group fails", "[privdrop]") {
  Caller c = as_planned();
  c.groups = {0, 27, 1000};
  CHECK_FALSE(compare_with_spec(c, app_spec()));
}

TEST_CASE("any capability left in any set fails; kept ones must be exactly kept", "[privdrop]") {
  for (CapMask CapState::*set : {&CapState::effective, &CapState::permitted,
                                 &CapState::inheritable, &CapState::ambient}) {
    Caller c = as_planned();
    c.caps.*set = cap_bit(kCapSetuid);
    CHECK_FALSE(compare_with_spec(c, app_spec()));
  }
  DropSpec keep = app_spec();
  keep.keep_caps = cap_bit(kCapNetBindService);
  Caller c = as_planned();
  CHECK_FALSE(compare_with_spec(c, keep));  // asked to keep it, and it is gone
  c.caps.effective = c.caps.permitted = c.caps.inheritable = c.caps.ambient = keep.keep_caps;
  CHECK(compare_with_spec(c, keep));
}

TEST_CASE("a bounding set that was to be dropped must be empty but for kept caps", "[privdrop]") {
  DropSpec d = app_spec();
  d.drop_bounding = true;
  Caller c = as_planned();
  c.caps.bounding = cap_bit(kCapSetuid);
  auto s = compare_with_spec(c, d);
  REQUIRE_FALSE(s);
  CHECK(s.error().what == "verify: the bounding set still holds CAP_SETUID");
}

TEST_CASE("sorted_unique compares group lists as sets", "[privdrop]") {
  CHECK(sorted_unique({27, 1000, 27, 5}) == std::vector<std::uint32_t>{5, 27, 1000});
  CHECK(sorted_unique({}).empty());
}
