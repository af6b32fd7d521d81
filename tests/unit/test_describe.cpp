// SPDX-License-Identifier: MIT
// Unit tests for describe: the texts unroot shows. Plans are built by hand here; test_plan.cpp
// checks which plan make_plan builds.
#include <catch2/catch.hpp>

#include <cerrno>

#include "describe.hpp"
#include "plan.hpp"

using namespace unroot;

TEST_CASE("an error is one line: control bytes escaped, then the errno text", "[describe]") {
  CHECK(error_line(Error{"unknown user 'a\nb'"}) == "unknown user 'a\\x0ab'");
  CHECK(error_line(Error{"open /data", EACCES}) == "open /data: Permission denied");
  CHECK(error_line(Error::from_errno(ENOENT).context("stat /x")) ==
        "stat /x: No such file or directory");
}

TEST_CASE("shell words are quoted only when needed", "[describe]") {
  CHECK(shell_quote("node") == "node");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's") == "'it'\\''s'");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("a\nb") == "$'a\\nb'");
}

TEST_CASE("a refused switch is not reported as 'already running as the target'", "[describe]") {
  Plan p;
  p.drop.how = Switch::kNone;
  p.notes = {"a real run would fail: cannot switch to user 'daemon': started as uid 1000, not root"};
  std::string text = describe_plan(p, {});
  CHECK_THAT(text, Catch::Contains("switch: refused (see below)"));
  CHECK_THAT(text, !Catch::Contains("already running as the target"));
  p.notes.clear();
  CHECK_THAT(describe_plan(p, {}), Catch::Contains("switch: none (already running as the target)"));
}

TEST_CASE("a --chown summary is printed when something changed, or with --verbose", "[describe]") {
  Plan p;
  ActReport quiet;
  quiet.chown.emplace_back("/data", ChownStats{3, 0, 0, 0, 0, 0});
  CHECK(describe_act(p, quiet).empty());
  ActReport changed;
  changed.chown.emplace_back("/data", ChownStats{3, 2, 0, 0, 0, 0});
  CHECK(describe_act(p, changed) == "unroot: /data: 3 entries, 2 changed\n");
  p.verbose = true;
  CHECK(describe_act(p, quiet) == "unroot: /data: 3 entries, 0 changed\n");
}

TEST_CASE("--verbose reports the verified drop and the exec", "[describe]") {
  Plan p;
  p.verbose = true;
  p.identity.uid = p.identity.gid = 1000;
  p.identity.groups = {1000};
  p.identity.home = "/home/app";
  p.drop.how = Switch::kDrop;
  p.command.name = "node";
  std::string text = describe_drop(p);
  CHECK_THAT(text, Catch::StartsWith("unroot: now uid=1000 gid=1000 groups=1000 home=/home/app; "
                                     "verified: setresuid(0), setresgid(0) and setgroups refused"));
  CHECK_THAT(text, Catch::EndsWith("unroot: exec node\n"));
  p.verbose = false;
  CHECK(describe_drop(p).empty());
}

TEST_CASE("--verbose names the passed fds only once they are placed", "[describe]") {
  Plan p;
  p.verbose = true;
  auto spec = parse_listen("80");
  REQUIRE(spec);
  p.listen.push_back(*spec);
  ActReport failed;  // the root phase stopped before the sockets reached fd 3
  CHECK_THAT(describe_act(p, failed), !Catch::Contains("fd 3"));
  ActReport done;
  done.placed = true;
  CHECK_THAT(describe_act(p, done), Catch::Contains("unroot: fd 3: tcp [::]:80"));
}
