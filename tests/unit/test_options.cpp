// SPDX-License-Identifier: MIT
// Unit tests for options: the command-line grammar.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "options.hpp"

using unroot::parse_args;

namespace {
struct Argv {
  std::vector<std::string> s;
  std::vector<char*> p;
  explicit Argv(std::vector<std::string> args) : s(std::move(args)) {
    s.insert(s.begin(), "unroot");
    for (auto& a : s) {
      p.push_back(a.data());
    }
    p.push_back(nullptr);
  }
  auto parse() { return parse_args(static_cast<int>(s.size()), p.data()); }
};
}  // namespace

TEST_CASE("an unknown option is an error, never a user name", "[options]") {
  auto r = Argv({"--dryrun", "nobody", "id"}).parse();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().what, Catch::Contains("unknown option '--dryrun'"));
  CHECK_FALSE(Argv({"-x", "nobody", "id"}).parse());
  CHECK_FALSE(Argv({"-hv", "nobody", "id"}).parse());
  CHECK_FALSE(Argv({"--help=yes"}).parse());
}

TEST_CASE("missing arguments are usage errors", "[options]") {
  auto none = Argv({}).parse();
  REQUIRE_FALSE(none);
  CHECK_THAT(none.error().what, Catch::Contains("(usage: unroot [OPTIONS] USER[:GROUP] COMMAND"));
  auto no_cmd = Argv({"nobody"}).parse();
  REQUIRE_FALSE(no_cmd);
  CHECK_THAT(no_cmd.error().what, Catch::StartsWith("missing COMMAND after"));
  CHECK_FALSE(Argv({"--listen"}).parse());
}

TEST_CASE("options stop at the user-spec and after --", "[options]") {
  Argv a({"--dry-run", "nobody", "ls", "--help", "-v"});  // views point into it: keep it alive
  auto r = a.parse();
  REQUIRE(r);
  CHECK(r->dry_run);
  CHECK_FALSE(r->help);
  REQUIRE(r->command.size() == 3);
  CHECK(std::string(r->command[1]) == "--help");
  Argv b({"--", "-odd", "cmd"});
  auto d = b.parse();
  REQUIRE(d);
  CHECK(d->user_spec == "-odd");
}

TEST_CASE("help and version need nothing else, as in gosu", "[options]") {
  CHECK(Argv({"--help"}).parse()->help);
  CHECK(Argv({"-h"}).parse()->help);
  CHECK(Argv({"--version"}).parse()->version);
  CHECK(Argv({"-v"}).parse()->version);
}

TEST_CASE("value options take --opt value, --opt=value and -lVALUE, and repeat", "[options]") {
  Argv a({"-l", "80", "--listen=http=127.0.0.1:8080", "-l443", "--chown", "/data", "-c", "/cache",
          "--keep-cap", "NET_BIND_SERVICE", "--backlog", "128", "--setsid", "--allow-new-privs",
          "--verbose", "app", "node"});
  auto r = a.parse();
  REQUIRE(r);
  CHECK(r->listen == std::vector<std::string_view>{"80", "http=127.0.0.1:8080", "443"});
  CHECK(r->chown == std::vector<std::string_view>{"/data", "/cache"});
  CHECK(r->keep_caps == std::vector<std::string_view>{"NET_BIND_SERVICE"});
  CHECK(r->backlog == 128);
  CHECK(r->setsid);
  CHECK(r->allow_new_privs);
  CHECK(r->verbose);
  CHECK(r->user_spec == "app");
}

TEST_CASE("--backlog is strict", "[options]") {
  for (const char* bad : {"", "0", "-1", "+5", "12x", "65536", "99999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(Argv({"--backlog", bad, "app", "x"}).parse());
  }
}

TEST_CASE("the empty user-spec is a user-spec", "[options]") {
  Argv a({"", "id"});
  auto r = a.parse();
  REQUIRE(r);
  CHECK(r->user_spec.empty());
}

TEST_CASE("--init-wait is strict whole seconds from 0 to 3600", "[options][init]") {
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.5", "3601", "99999999999", "0x10", "1s"}) {
    CAPTURE(bad);
    auto r = Argv({"--init", "--init-wait", bad, "nobody", "id"}).parse();
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().what, Catch::Contains("--init-wait wants whole seconds from 0 to 3600"));
  }
  auto zero = Argv({"--init", "--init-wait=0", "nobody", "id"}).parse();
  REQUIRE(zero);
  CHECK(zero->init_wait == 0);
  auto max = Argv({"--init", "--init-group", "--init-wait", "3600", "nobody", "id"}).parse();
  REQUIRE(max);
  CHECK(max->init);
  CHECK(max->init_group);
  CHECK(max->init_wait == 3600);
  auto unset = Argv({"--init", "nobody", "id"}).parse();
  REQUIRE(unset);
  CHECK(unset->init_wait == -1);
  CHECK_FALSE(unset->init_group);
}
