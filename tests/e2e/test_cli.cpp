// SPDX-License-Identifier: MIT
// e2e, any user: the command-line surface of the real binary (help, version, usage errors).
#include <catch2/catch.hpp>

#include "harness.hpp"

using e2e::run;
using e2e::unroot_bin;

TEST_CASE("--help prints usage on stdout and exits 0", "[cli]") {
  for (const char* flag : {"--help", "-h"}) {
    auto r = run({unroot_bin(), flag});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("Usage: unroot [OPTIONS] USER[:GROUP] COMMAND [ARG...]"));
    CHECK(r.err.empty());
  }
}

TEST_CASE("--version prints the version and build information and exits 0", "[cli]") {
  auto r = run({unroot_bin(), "--version"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Matches(
                        "unroot [0-9]+\\.[0-9]+\\.[0-9]+\narch: [a-z0-9]+\n(.|\n)*libc: (.|\n)*"));
  CHECK(r.err.empty());
}

TEST_CASE("missing arguments print usage on stderr and exit 125", "[cli]") {
  auto none = run({unroot_bin()});
  CHECK(none.exit_code == 125);
  CHECK(none.out.empty());
  CHECK(none.err ==
        "unroot: missing USER[:GROUP] and COMMAND (usage: unroot [OPTIONS] USER[:GROUP] COMMAND "
        "[ARG...]; see unroot --help)\n");
  auto no_cmd = run({unroot_bin(), "nobody"});
  CHECK(no_cmd.exit_code == 125);
  CHECK_THAT(no_cmd.err, Catch::StartsWith("unroot: missing COMMAND after 'nobody' (usage: "));
  CHECK(std::count(no_cmd.err.begin(), no_cmd.err.end(), '\n') == 1);  // one line
}

TEST_CASE("an unknown option is one clear line and exit 125", "[cli]") {
  auto r = run({unroot_bin(), "--dryrun", "nobody", "true"});
  CHECK(r.exit_code == 125);
  CHECK(r.err == "unroot: unknown option '--dryrun' (see unroot --help)\n");
}

TEST_CASE("a user-spec with two colons is refused before anything else", "[cli]") {
  auto r = run({unroot_bin(), "--dry-run", "a:b:c", "true"});
  CHECK(r.exit_code == 125);
  CHECK(r.err == "unroot: invalid user spec 'a:b:c': expected USER[:GROUP] with at most one ':'\n");
}
