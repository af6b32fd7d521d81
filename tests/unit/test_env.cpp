// SPDX-License-Identifier: MIT
// Unit tests for env: the command's environment as data.
#include <catch2/catch.hpp>

#include <string>

#include "env.hpp"

using namespace unroot;

TEST_CASE("set_env replaces the first entry and removes duplicates, keeping order", "[env]") {
  Env env{"A=1", "HOME=/root", "B=2", "HOME=/again", "HOMEX=keep", "HOME"};
  set_env(env, "HOME", "/home/app");
  CHECK(env == Env{"A=1", "HOME=/home/app", "B=2", "HOMEX=keep", "HOME"});
  set_env(env, "NEW", "x=y");
  CHECK(env.back() == "NEW=x=y");
}

TEST_CASE("find_env matches whole keys only", "[env]") {
  Env env{"PATHX=/no", "PATH=/bin", "PATH=/second"};
  CHECK(find_env(env, "PATH") == "/bin");
  CHECK_FALSE(find_env(env, "PAT"));
  CHECK(find_env(Env{"EMPTY="}, "EMPTY") == "");
}

TEST_CASE("unset_env removes every entry of the key and nothing else", "[env]") {
  Env env{"LISTEN_PID=1", "LISTEN_PIDFDID=9", "LISTEN_PID=2"};
  unset_env(env, "LISTEN_PID");
  CHECK(env == Env{"LISTEN_PIDFDID=9"});
}

TEST_CASE("envp round trip: from a NULL-terminated array and back", "[env]") {
  std::string a = "A=1", b = "B=";
  char* envp[] = {a.data(), b.data(), nullptr};
  Env env = env_from(envp);
  CHECK(env == Env{"A=1", "B="});
  CHECK(env_from(nullptr).empty());
  auto out = to_envp(env);
  REQUIRE(out.size() == 3);
  CHECK(std::string(out[0]) == "A=1");
  CHECK(out[2] == nullptr);
}
