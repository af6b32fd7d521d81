// SPDX-License-Identifier: MIT
// e2e, root only ([.][root]): the real binary drops privileges, with fixture passwd/group
// mounted over /etc in a private mount namespace. Checks what the command really got.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "harness.hpp"

using namespace e2e;

namespace {

std::string basic_etc() { return fixtures_dir() + "/basic"; }

RunResult run_probe(const std::vector<std::string>& unroot_args, RunOptions opts = {}) {
  if (opts.etc_dir.empty()) {
    opts.etc_dir = basic_etc();
  }
  std::vector<std::string> argv{unroot_bin()};
  argv.insert(argv.end(), unroot_args.begin(), unroot_args.end());
  return run(argv, opts);
}

// unroot's argv for "USER idprobe ARGS..."
std::vector<std::string> probe_as(const std::string& spec, std::vector<std::string> extra = {}) {
  std::vector<std::string> a{spec, idprobe_bin()};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

void require_root() {
  if (!is_root()) {
    FAIL("this case needs root; run it through scripts/run-root-tests.sh");
  }
}

}  // namespace

TEST_CASE("named user gets uid, gid, groups and HOME from the fixture, and nothing else",
          "[.][root]") {
  require_root();
  RunOptions o;
  o.env = {"PATH=/usr/bin:/bin", "HOME=/root", "KEEP=me"};
  auto r = run_probe(probe_as("node"), o);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  auto p = parse_probe(r.out);
  CHECK(p["uid"] == "1000,1000,1000");
  CHECK(p["gid"] == "1000,1000,1000");
  CHECK(p["groups"] == "27,999,1000");
  CHECK(p["home"] == "/home/node");
  CHECK(p["status.CapInh"] == "0000000000000000");
  CHECK(p["status.CapPrm"] == "0000000000000000");
  CHECK(p["status.CapEff"] == "0000000000000000");
  CHECK(p["status.CapAmb"] == "0000000000000000");
  CHECK(p["status.NoNewPrivs"] == "1");
  CHECK(p["fds"] == "0,1,2");                // nothing of unroot's leaked
  CHECK(p["pid"] == std::to_string(r.pid));  // exec in place: the command kept unroot's PID
}

TEST_CASE("id sees the user the command runs as", "[.][root]") {
  require_root();
  auto r = run_probe({"node", "/usr/bin/id"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "uid=1000(node) gid=1000(node) groups=1000(node),27(sudo),999(docker)\n");
  auto n = run_probe({"nobody", "/usr/bin/id"});
  CHECK(n.out == "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n");
}

TEST_CASE("numeric uid with an entry resolves like the name", "[.][root]") {
  require_root();
  auto p = parse_probe(run_probe(probe_as("1000")).out);
  CHECK(p["uid"] == "1000,1000,1000");
  CHECK(p["groups"] == "27,999,1000");
}

TEST_CASE("numeric uid without an entry needs a group, then gets exactly it", "[.][root]") {
  require_root();
  auto refused = run_probe(probe_as("4242"));
  CHECK(refused.exit_code == 125);
  CHECK(refused.out.empty());  // the command never ran
  CHECK(refused.err ==
        "unroot: uid 4242 has no entry in /etc/passwd, so it has no group; name one, e.g. "
        "4242:4242 (or 4242:0 if group root is really meant)\n");
  auto ok = run_probe(probe_as("4242:4343"));
  REQUIRE(ok.exit_code == 0);
  auto p = parse_probe(ok.out);
  CHECK(p["uid"] == "4242,4242,4242");
  CHECK(p["gid"] == "4343,4343,4343");
  CHECK(p["groups"] == "4343");
  CHECK(p["home"] == "/");
}

TEST_CASE("user:group forms give exactly that one group", "[.][root]") {
  require_root();
  auto by_name = parse_probe(run_probe(probe_as("node:app")).out);
  CHECK(by_name["uid"] == "1000,1000,1000");
  CHECK(by_name["gid"] == "1001,1001,1001");
  CHECK(by_name["groups"] == "1001");
  auto by_id = parse_probe(run_probe(probe_as("node:27")).out);
  CHECK(by_id["groups"] == "27");
  auto trailing = parse_probe(run_probe(probe_as("node:")).out);
  CHECK(trailing["groups"] == "27,999,1000");
}

TEST_CASE(":group keeps the caller's uid (root) with that group only", "[.][root]") {
  require_root();
  auto r = run_probe(probe_as(":app"));
  REQUIRE(r.exit_code == 0);
  auto p = parse_probe(r.out);
  CHECK(p["uid"] == "0,0,0");
  CHECK(p["gid"] == "1001,1001,1001");
  CHECK(p["groups"] == "1001");
}

TEST_CASE("an empty USER (an unset variable) is refused, the command never runs as root",
          "[.][root]") {
  require_root();
  // unroot "$APP_USER" cmd with APP_USER unset: gosu runs cmd as the caller, here root.
  const std::string empty_err =
      "unroot: the USER argument is empty, probably an unset variable (unroot \"$APP_USER\" "
      "...); name a user or a uid (root or 0 to run as root)\n";
  const std::string colon_err =
      "unroot: the USER argument ':' names neither a user nor a group, probably unset variables "
      "(unroot \"$APP_USER:$APP_GROUP\" ...); name a user or a uid\n";
  for (const auto& [spec, err] :
       {std::pair{std::string(), empty_err}, std::pair{std::string(":"), colon_err}}) {
    CAPTURE(spec);
    for (bool dry : {false, true}) {
      CAPTURE(dry);
      std::vector<std::string> args = probe_as(spec);
      if (dry) {
        args.insert(args.begin(), "--dry-run");
      }
      auto r = run_probe(args);
      CHECK(r.exit_code == 125);
      CHECK(r.out.empty());  // idprobe never printed uid=0,0,0
      CHECK(r.err == err);
    }
  }
}

TEST_CASE("target root simply execs", "[.][root]") {
  require_root();
  auto r = run_probe(probe_as("root"));
  REQUIRE(r.exit_code == 0);
  auto p = parse_probe(r.out);
  CHECK(p["uid"] == "0,0,0");
  CHECK(p["status.CapEff"] != "0000000000000000");
  CHECK(p["home"] == "/root");
}

TEST_CASE("a member of 300 groups gets all of them", "[.][root]") {
  require_root();
  auto p = parse_probe(run_probe(probe_as("many")).out);
  std::string groups = p["groups"];
  CHECK(std::count(groups.begin(), groups.end(), ',') == 300);  // 301 groups
  CHECK(groups.rfind("3000,", 0) == 0);
}

TEST_CASE("0day is a user name, not uid 0", "[.][root]") {
  require_root();
  auto p = parse_probe(run_probe(probe_as("0day")).out);
  CHECK(p["uid"] == "1500,1500,1500");
}

TEST_CASE("a CRLF passwd line and a group file without final newline are read", "[.][root]") {
  require_root();
  auto p = parse_probe(run_probe(probe_as("crlf")).out);
  CHECK(p["uid"] == "3100,3100,3100");
  CHECK(p["home"] == "/home/crlf");  // no stray \r
}

TEST_CASE("bad user-specs fail with one line and exit 125, before the command runs", "[.][root]") {
  require_root();
  struct Case {
    std::string spec;
    std::string err;
  };
  for (const Case& c : std::vector<Case>{
           {"nosuch", "unroot: unknown user 'nosuch': no entry in /etc/passwd\n"},
           {"node:nosuch", "unroot: unknown group 'nosuch': no entry in /etc/group\n"},
           {"4294967295",
            "unroot: uid 4294967295 is out of range (valid ids are 0 to 4294967294)\n"},
           {"node:99999999999",
            "unroot: gid 99999999999 is out of range (valid ids are 0 to 4294967294)\n"},
           {"evil",
            "unroot: /etc/passwd line 6: malformed entry for user 'evil'; fix or remove "
            "that line\n"},
           {"node:broken",
            "unroot: /etc/group line 6: malformed entry for group 'broken'; fix "
            "or remove that line\n"},
           {"node:app:x",
            "unroot: invalid user spec 'node:app:x': expected USER[:GROUP] with at "
            "most one ':'\n"},
       }) {
    CAPTURE(c.spec);
    auto r = run_probe(probe_as(c.spec));
    CHECK(r.exit_code == 125);
    CHECK(r.out.empty());
    CHECK(r.err == c.err);
  }
}

TEST_CASE("a missing passwd file reads as empty: names fail, numeric ids work", "[.][root]") {
  require_root();
  std::string group = "app:x:1001:\n";
  EtcFixture etc(nullptr, &group);
  RunOptions o;
  o.etc_dir = etc.dir.path();
  auto named = run_probe(probe_as("node"), o);
  CHECK(named.exit_code == 125);
  CHECK(named.err ==
        "unroot: unknown user 'node': no entry in /etc/passwd (/etc/passwd does not exist)\n");
  auto numeric = run_probe(probe_as("1000:app"), o);
  CHECK(numeric.exit_code == 0);
  CHECK(parse_probe(numeric.out)["gid"] == "1001,1001,1001");
}

TEST_CASE("a missing group file still resolves a user to its primary gid", "[.][root]") {
  require_root();
  std::string passwd = "app:x:1001:1001::/srv/app:/bin/sh\n";
  EtcFixture etc(&passwd, nullptr);
  RunOptions o;
  o.etc_dir = etc.dir.path();
  auto r = run_probe(probe_as("app"), o);
  CHECK(r.exit_code == 0);
  CHECK(parse_probe(r.out)["groups"] == "1001");
}

TEST_CASE("a non-root caller that is not the target is refused with what to do", "[.][root]") {
  require_root();
  RunOptions o;
  o.as_user = true;
  o.uid = 1000;
  o.gid = 1000;
  auto r = run_probe(probe_as("nobody"), o);
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "unroot: cannot switch to user 'nobody': started as uid 1000, not root; run the "
        "container as root or drop the unroot call\n");
}

TEST_CASE("a non-root caller that already is the target just runs the command", "[.][root]") {
  require_root();
  RunOptions o;
  o.as_user = true;
  o.uid = 1001;
  o.gid = 1001;
  o.groups = {1001};
  auto r = run_probe(probe_as("app"), o);
  CHECK(r.err.empty());
  REQUIRE(r.exit_code == 0);
  CHECK(parse_probe(r.out)["uid"] == "1001,1001,1001");
}

TEST_CASE("--dry-run works as a non-root caller and changes nothing", "[.][root]") {
  require_root();
  RunOptions o;
  o.as_user = true;
  o.uid = 1000;
  o.gid = 1000;
  auto r = run_probe({"--dry-run", "node", "/bin/echo", "hello world"}, o);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("uid=1000(node) gid=1000(node) "
                                      "groups=1000(node),27(sudo),999(docker) home=/home/node\n"
                                      "command: /bin/echo 'hello world'\n"));
  CHECK(r.out.find("hello world\n") == std::string::npos);  // echo never ran
}

TEST_CASE("a setuid-installed copy refuses to run", "[.][root]") {
  require_root();
  if (!test_runner().empty()) {
    // The emulator is what the kernel executes; it ignores the copy's setuid bit, so there is
    // no AT_SECURE to refuse on.
    WARN("skipped under UNROOT_TEST_RUNNER: an emulated binary is never started setuid");
    return;
  }
  TempDir dir("unroot-suid");
  std::string copy = dir.path() + "/unroot";
  std::filesystem::copy_file(unroot_bin(), copy);
  REQUIRE(::chmod(copy.c_str(), 04755) == 0);
  RunOptions o;
  o.etc_dir = basic_etc();
  o.as_user = true;
  o.uid = 1000;
  o.gid = 1000;
  auto r = run({copy, "root", idprobe_bin()}, o);
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::StartsWith("unroot: refusing to run setuid"));
}

TEST_CASE("command not found is 127, not executable is 126", "[.][root]") {
  require_root();
  TempDir dir("unroot-cmd");
  std::string plain = dir.file("plain", "#!/bin/sh\necho hi\n", 0644);
  auto missing = run_probe({"nobody", "no-such-command-xyz"});
  CHECK(missing.exit_code == 127);
  CHECK(missing.err == "unroot: command 'no-such-command-xyz' not found in PATH\n");
  auto missing_path = run_probe({"nobody", dir.path() + "/nope"});
  CHECK(missing_path.exit_code == 127);
  auto not_exec = run_probe({"nobody", plain});
  CHECK(not_exec.exit_code == 126);
  CHECK(not_exec.err == "unroot: cannot run '" + plain + "': Permission denied\n");
}

TEST_CASE("a program found only through '.' in PATH is not run", "[.][root]") {
  require_root();
  TempDir dir("unroot-dot");
  dir.file("probe-here", read_file(idprobe_bin()), 0755);
  RunOptions o;
  o.cwd = dir.path();
  o.env = {"PATH=.:/nonexistent"};
  auto r = run_probe({"nobody", "probe-here"}, o);
  CHECK(r.exit_code == 127);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("not found in PATH (empty and relative PATH entries such "
                                    "as '.' are not searched; give a path, e.g. ./probe-here)"));
  auto explicit_path = run_probe({"nobody", "./probe-here"}, o);
  CHECK(explicit_path.exit_code == 0);
}

TEST_CASE("the command's exit status passes straight through", "[.][root]") {
  require_root();
  CHECK(run_probe(probe_as("nobody", {"exit42"})).exit_code == 42);
}

TEST_CASE("an ignored SIGPIPE and a blocked signal stay so in the command", "[.][root]") {
  require_root();
  RunOptions o;
  o.child_setup = [] {
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    ::sigprocmask(SIG_BLOCK, &s, nullptr);
  };
  auto p = parse_probe(run_probe(probe_as("nobody"), o).out);
  // Bit n-1 stands for signal n: SIGPIPE (13) is 0x1000, SIGUSR1 (10) is 0x200.
  if (test_runner().empty()) {
    CHECK(std::stoull(p["status.SigIgn"], nullptr, 16) == 0x1000);
  } else {
    WARN(
        "SigIgn not checked under UNROOT_TEST_RUNNER: qemu-user does not pass an inherited "
        "SIG_IGN on to the host program it execs");
  }
  CHECK(std::stoull(p["status.SigBlk"], nullptr, 16) == 0x200);
}

TEST_CASE("arguments reach the command unchanged", "[.][root]") {
  require_root();
  auto p = parse_probe(run_probe(probe_as("nobody", {"--help", "", "a b"})).out);
  CHECK(p["argc"] == "4");
  CHECK(p["arg1"] == "--help");
  CHECK(p["arg2"].empty());
  CHECK(p["arg3"] == "a b");
}

TEST_CASE("on the host's own Debian /etc (read only), nobody is nobody:nogroup", "[.][root]") {
  require_root();
  if (read_file("/etc/passwd").find("\nnobody:x:65534:65534:") == std::string::npos) {
    FAIL("this host's /etc/passwd has no Debian nobody entry; the case expects Debian 12");
  }
  auto r = run({unroot_bin(), "nobody", "/usr/bin/id"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n");
}

TEST_CASE("a script whose interpreter is missing says so, exit 127", "[.][root]") {
  require_root();
  TempDir dir("unroot-interp");
  std::string script = dir.file("script", "#!/nonexistent/interpreter\n", 0755);
  auto r = run_probe({"nobody", script});
  CHECK(r.exit_code == 127);
  CHECK(r.err == "unroot: cannot run '" + script +
                     "': its interpreter (the #! line) or dynamic loader was not found\n");
}

TEST_CASE("a control byte in the input cannot forge a second error line", "[.][root]") {
  require_root();
  auto r = run_probe({"no\nunroot all good", "/bin/true"});
  CHECK(r.exit_code == 125);
  CHECK(r.err == "unroot: unknown user 'no\\x0aunroot all good': no entry in /etc/passwd\n");
}
