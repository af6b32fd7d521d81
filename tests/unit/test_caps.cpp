// SPDX-License-Identifier: MIT
// Unit tests for caps' pure part: capability names.
#include <catch2/catch.hpp>

#include "caps.hpp"

using namespace unroot;

TEST_CASE("--keep-cap refuses ALL, unknown names and root-equivalent capabilities", "[caps]") {
  CHECK_FALSE(parse_keep_cap("ALL"));
  CHECK_FALSE(parse_keep_cap("cap_all"));
  CHECK_FALSE(parse_keep_cap(""));
  CHECK_FALSE(parse_keep_cap("CAP_"));
  CHECK_FALSE(parse_keep_cap("NET_BIND"));
  CHECK_FALSE(parse_keep_cap("10"));
  for (const char* root_equivalent :
       {"SETUID", "setgid", "CAP_SYS_ADMIN", "sys_ptrace", "DAC_OVERRIDE", "chown", "setfcap",
        "setpcap", "sys_module"}) {
    CAPTURE(root_equivalent);
    auto r = parse_keep_cap(root_equivalent);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().what, Catch::Contains("back to root"));
  }
}

TEST_CASE("--keep-cap accepts the CAP_ prefix and any case", "[caps]") {
  CHECK(*parse_keep_cap("NET_BIND_SERVICE") == 10);
  CHECK(*parse_keep_cap("cap_net_bind_service") == 10);
  CHECK(*parse_keep_cap("Cap_Net_Bind_Service") == 10);
  CHECK(*parse_keep_cap("net_raw") == 13);
}

TEST_CASE("capability names print as capabilities(7) spells them", "[caps]") {
  CHECK(cap_name(10) == "CAP_NET_BIND_SERVICE");
  CHECK(cap_name(40) == "CAP_CHECKPOINT_RESTORE");
  CHECK(cap_name(50) == "CAP_50");
  CHECK(cap_list(0) == "none");
  CHECK(cap_list(cap_bit(6) | cap_bit(7)) == "CAP_SETGID,CAP_SETUID");
}
