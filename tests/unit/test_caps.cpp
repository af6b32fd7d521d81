// SPDX-License-Identifier: MIT
// Unit tests for caps' pure part: capability names and the --keep-cap allow-list.
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
  CHECK_FALSE(parse_keep_cap(std::string_view("NET_RAW\0", 8)));
  CHECK_FALSE(parse_keep_cap("NET_RAW "));
  for (const char* root_equivalent :
       {"SETUID", "setgid", "CAP_SYS_ADMIN", "sys_ptrace", "DAC_OVERRIDE", "chown", "setfcap",
        "setpcap", "sys_module"}) {
    CAPTURE(root_equivalent);
    auto r = parse_keep_cap(root_equivalent);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().what, Catch::Contains("back to root"));
  }
}

TEST_CASE("--keep-cap refuses capabilities that reach other users' processes or the host",
          "[caps]") {
  struct Case {
    const char* name;
    const char* reach;
  };
  for (const Case& c : {
           Case{"KILL", "CAP_KILL signals any process, root's included (kill(2))"},
           Case{"SYS_NICE", "CAP_SYS_NICE renices, sets real-time scheduling"},
           Case{"LEASE", "CAP_LEASE takes leases on any file, root's included"},
           Case{"SYS_TIME", "CAP_SYS_TIME sets the host's clock"},
           Case{"SYS_RESOURCE", "CAP_SYS_RESOURCE overrides disk quotas"},
           Case{"IPC_LOCK", "any System V shared memory segment, root's included"},
           Case{"AUDIT_WRITE", "CAP_AUDIT_WRITE writes records into the host's audit log"},
           Case{"WAKE_ALARM", "wake the whole host from suspend"},
           Case{"BLOCK_SUSPEND", "keeps the whole host from suspending"},
       }) {
    CAPTURE(c.name);
    auto r = parse_keep_cap(c.name);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().what, Catch::StartsWith(std::string("--keep-cap ") + c.name + ": "));
    CHECK_THAT(r.error().what, Catch::Contains(c.reach));
    CHECK_THAT(r.error().what,
               Catch::EndsWith("; unroot keeps only NET_BIND_SERVICE, NET_RAW, NET_BROADCAST"));
    CHECK(r.error().what.find('\n') == std::string::npos);
  }
}

TEST_CASE("every capability but the three network ones is refused, each with its reach", "[caps]") {
  int kept = 0;
  for (int cap = 0; cap <= 40; ++cap) {
    std::string name = cap_name(cap).substr(4);
    CAPTURE(name);
    auto r = parse_keep_cap(name);
    if (r) {
      CHECK(*r == cap);
      ++kept;
      CHECK((cap == 10 || cap == 11 || cap == 13));
      continue;
    }
    // "CAP_X <what it reaches>; ...": never an empty reach.
    std::string head = "--keep-cap " + name + ": " + cap_name(cap) + " ";
    REQUIRE_THAT(r.error().what, Catch::StartsWith(head));
    CHECK(r.error().what.substr(head.size(), 1) != ";");
  }
  CHECK(kept == 3);
}

TEST_CASE("--keep-cap accepts the CAP_ prefix and any case", "[caps]") {
  CHECK(*parse_keep_cap("NET_BIND_SERVICE") == 10);
  CHECK(*parse_keep_cap("cap_net_bind_service") == 10);
  CHECK(*parse_keep_cap("Cap_Net_Bind_Service") == 10);
  CHECK(*parse_keep_cap("net_raw") == 13);
  CHECK(*parse_keep_cap("NET_BROADCAST") == 11);
}

TEST_CASE("capability names print as capabilities(7) spells them", "[caps]") {
  CHECK(cap_name(10) == "CAP_NET_BIND_SERVICE");
  CHECK(cap_name(40) == "CAP_CHECKPOINT_RESTORE");
  CHECK(cap_name(50) == "CAP_50");
  CHECK(cap_list(0) == "none");
  CHECK(cap_list(cap_bit(6) | cap_bit(7)) == "CAP_SETGID,CAP_SETUID");
}
