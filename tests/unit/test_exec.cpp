// SPDX-License-Identifier: MIT
// Unit tests for exec's pure part: which files execve will try.
#include <catch2/catch.hpp>

#include "exec.hpp"

using unroot::plan_command;

TEST_CASE("empty and relative PATH entries are never searched", "[exec]") {
  auto p = plan_command("ls", std::string_view(".:bin::/usr/bin:"));
  CHECK(p.candidates == std::vector<std::string>{"/usr/bin/ls"});
  CHECK(p.skipped_relative);
  CHECK(p.searched);
}

TEST_CASE("an unset PATH uses the fixed secure default", "[exec]") {
  auto p = plan_command("ls", std::nullopt);
  CHECK(p.candidates.front() == "/usr/local/sbin/ls");
  CHECK(p.candidates.back() == "/bin/ls");
  CHECK_FALSE(p.skipped_relative);
  for (const auto& c : p.candidates) {
    CHECK(c.front() == '/');
  }
}

TEST_CASE("a name with a slash is used as given, without a search", "[exec]") {
  auto p = plan_command("./app", std::string_view("/bin"));
  CHECK(p.candidates == std::vector<std::string>{"./app"});
  CHECK_FALSE(p.searched);
}

TEST_CASE("an empty PATH finds nothing and an empty name is never found", "[exec]") {
  CHECK(plan_command("ls", std::string_view("")).candidates.empty());
  CHECK(plan_command("", std::string_view("/bin")).candidates.empty());
}

TEST_CASE("a trailing slash in a PATH entry is not doubled", "[exec]") {
  CHECK(plan_command("ls", std::string_view("/bin/")).candidates ==
        std::vector<std::string>{"/bin/ls"});
}

TEST_CASE("a missing command reports 127 and hints at skipped relative entries", "[exec]") {
  auto p = plan_command("definitely-not-a-command-xyz", std::string_view(".:/nonexistent-dir"));
  char* argv[] = {nullptr};
  char* envp[] = {nullptr};
  auto e = unroot::exec_command(p, argv, envp);
  CHECK(e.kind == unroot::ExecFailure::kNotFound);
  CHECK_THAT(e.error.what, Catch::Contains("not found in PATH"));
  CHECK_THAT(e.error.what, Catch::Contains("./definitely-not-a-command-xyz"));
}
