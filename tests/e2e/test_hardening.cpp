// SPDX-License-Identifier: MIT
// e2e, root only ([.][root]): tries to break what unroot promises. No way back to root after the
// drop, no capability or descriptor of unroot's left, --setsid stops terminal injection, reduced
// capability sets and user namespaces give named errors, hostile /etc files and huge argv/env
// are handled in bounded time. Everything runs in private mount (and user) namespaces.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "harness.hpp"

using namespace e2e;

namespace {

std::string attackprobe_bin() { return ATTACKPROBE_BIN; }
std::string basic_etc() { return fixtures_dir() + "/basic"; }

void require_root() {
  if (!is_root()) {
    FAIL("this case needs root; run it through scripts/run-root-tests.sh");
  }
}

RunResult unroot(const std::vector<std::string>& args, RunOptions opts = {}) {
  if (opts.etc_dir.empty()) {
    opts.etc_dir = basic_etc();
  }
  std::vector<std::string> argv{unroot_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, opts);
}

// In the harness child (root, private mount namespace): a tmpfs at `dir` without nosuid, holding
// setuid-root copies of `programs`, whatever the mount options of the build tree are.
void setuid_copies(const std::string& dir, const std::vector<std::string>& programs) {
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "mode=0755") != 0) {
    _exit(251);
  }
  for (const std::string& src : programs) {
    std::string dst = dir + "/" + std::filesystem::path(src).filename().string();
    int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    int out = ::open(dst.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
    if (in < 0 || out < 0) {
      _exit(252);
    }
    char buf[65536];
    ssize_t n;
    while ((n = ::read(in, buf, sizeof buf)) > 0) {
      if (::write(out, buf, static_cast<size_t>(n)) != n) {
        _exit(253);
      }
    }
    ::close(in);
    if (::fchown(out, 0, 0) != 0 || ::fchmod(out, 04755) != 0) {
      _exit(254);
    }
    ::close(out);
  }
}

// Drops capabilities from the bounding set before unroot's execve: for a root caller the
// permitted set after exec is the bounding set, so this is docker's --cap-drop.
void drop_bounding(std::vector<int> caps) {
  for (int cap : caps) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      _exit(249);
    }
  }
}

constexpr int kCapSetgid = 6, kCapSetuid = 7, kCapSetpcap = 8, kCapNetBindService = 10;

// The bounding set of this test process, which the harness child passes on to unroot.
std::string caller_bounding() {
  std::string status = read_file("/proc/self/status");
  auto at = status.find("CapBnd:\t");
  REQUIRE(at != std::string::npos);
  return status.substr(at + 8, 16);
}

// Enters a new user namespace whose maps a helper in the parent namespace writes, as rootless
// runtimes do (newuidmap). setgroups stays "allow", unlike unshare --map-root-user.
void enter_userns(const std::string& uid_map, const std::string& gid_map) {
  int go[2];
  if (::pipe2(go, O_CLOEXEC) != 0) {
    _exit(245);
  }
  pid_t self = ::getpid();
  pid_t mapper = ::fork();
  if (mapper < 0) {
    _exit(246);
  }
  if (mapper == 0) {
    char c;
    if (::read(go[0], &c, 1) != 1) {
      _exit(1);
    }
    std::string base = "/proc/" + std::to_string(self) + "/";
    for (auto [file, text] : {std::pair{"uid_map", uid_map}, std::pair{"gid_map", gid_map}}) {
      int fd = ::open((base + file).c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        _exit(2);
      }
      ::close(fd);
    }
    _exit(0);
  }
  if (::unshare(CLONE_NEWUSER) != 0) {
    _exit(247);
  }
  (void)!::write(go[1], "x", 1);
  int status = 0;
  if (::waitpid(mapper, &status, 0) != mapper || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    _exit(248);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// After the drop

TEST_CASE("after the drop: no_new_privs, empty bounding set, no capability in any set",
          "[.][root]") {
  require_root();
  auto r = unroot({"nobody", idprobe_bin()});
  REQUIRE(r.exit_code == 0);
  auto p = parse_probe(r.out);
  CHECK(p["status.NoNewPrivs"] == "1");
  CHECK(p["status.CapBnd"] == "0000000000000000");  // unroot had CAP_SETPCAP: all dropped
  CHECK(p["status.CapInh"] == "0000000000000000");
  CHECK(p["status.CapPrm"] == "0000000000000000");
  CHECK(p["status.CapEff"] == "0000000000000000");
  CHECK(p["status.CapAmb"] == "0000000000000000");
}

TEST_CASE("--keep-cap keeps exactly that capability, in every set including the bounding set",
          "[.][root]") {
  require_root();
  auto r = unroot({"--keep-cap", "NET_BIND_SERVICE", "nobody", idprobe_bin()});
  REQUIRE(r.exit_code == 0);
  auto p = parse_probe(r.out);
  CHECK(p["uid"] == "65534,65534,65534");
  CHECK(p["status.CapBnd"] == "0000000000000400");
  CHECK(p["status.CapInh"] == "0000000000000400");
  CHECK(p["status.CapPrm"] == "0000000000000400");
  CHECK(p["status.CapEff"] == "0000000000000400");
  CHECK(p["status.CapAmb"] == "0000000000000400");
  CHECK(p["status.NoNewPrivs"] == "1");
}

TEST_CASE("--allow-new-privs leaves no_new_privs off and the bounding set whole, no caps held",
          "[.][root]") {
  require_root();
  auto p = parse_probe(unroot({"--allow-new-privs", "nobody", idprobe_bin()}).out);
  CHECK(p["status.NoNewPrivs"] == "0");
  CHECK(p["status.CapBnd"] == caller_bounding());  // su/sudo need it (README "Decisions")
  CHECK(p["status.CapEff"] == "0000000000000000");
  CHECK(p["status.CapPrm"] == "0000000000000000");
  CHECK(p["status.CapInh"] == "0000000000000000");
  CHECK(p["status.CapAmb"] == "0000000000000000");
}

TEST_CASE("every direct way back to root fails in the command", "[.][root]") {
  require_root();
  auto r = unroot({"nobody", attackprobe_bin(), "regain"});
  REQUIRE(r.exit_code == 0);
  auto p = parse_probe(r.out);
  CHECK(p["uid"] == "65534,65534,65534");
  for (const char* k : {"setresuid", "setuid", "seteuid", "setresgid", "setgroups", "capset_all",
                        "ambient_raise_setuid"}) {
    CAPTURE(k);
    CHECK(p[k] == "EPERM");
  }
  CHECK(p["clear_no_new_privs"] == "EINVAL");  // prctl(2): the flag cannot be unset
  CHECK(p["nnp_after"] == "1");
  CHECK(p["uid_after"] == "65534,65534,65534");
}

TEST_CASE("setuid-root programs in the image do not give root back", "[.][root]") {
  require_root();
  TempDir mnt("unroot-suid-mnt");
  const std::string dir = mnt.path();
  RunOptions o;
  o.child_setup = [dir] { setuid_copies(dir, {"/usr/bin/id", idprobe_bin(), attackprobe_bin()}); };

  SECTION("id, idprobe and a regain helper stay at the user's uid under no_new_privs") {
    auto id = unroot({"nobody", dir + "/id"}, o);
    CHECK(id.exit_code == 0);
    CHECK(id.out == "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n");  // no euid=0
    auto probe = parse_probe(unroot({"nobody", dir + "/idprobe"}, o).out);
    CHECK(probe["uid"] == "65534,65534,65534");
    CHECK(probe["status.CapEff"] == "0000000000000000");
    auto helper = parse_probe(unroot({"nobody", dir + "/attackprobe", "regain"}, o).out);
    CHECK(helper["uid"] == "65534,65534,65534");
    CHECK(helper["setresuid"] == "EPERM");
    CHECK(helper["uid_after"] == "65534,65534,65534");
  }
  SECTION("control: without no_new_privs the same copies are root again (so the test can fail)") {
    auto id = unroot({"--allow-new-privs", "nobody", dir + "/id"}, o);
    CHECK_THAT(id.out, Catch::Contains("euid=0(root)"));
    // The documented price of --allow-new-privs: euid 0 with the whole bounding set.
    auto probe = parse_probe(unroot({"--allow-new-privs", "nobody", dir + "/idprobe"}, o).out);
    CHECK(probe["uid"] == "65534,0,0");
    CHECK(probe["status.CapEff"] != "0000000000000000");
  }
}

TEST_CASE("setpriv --reuid 0, the su/sudo way of asking for root, is refused", "[.][root]") {
  require_root();
  RunOptions o;
  o.env = {"PATH=/usr/bin:/bin"};
  auto r = unroot({"nobody", "/usr/bin/setpriv", "--reuid", "0", "--regid", "0", "--clear-groups",
                   idprobe_bin()},
                  o);
  CHECK(r.exit_code != 0);
  CHECK(r.out.empty());  // idprobe never ran
  CHECK_THAT(r.err, Catch::Contains("Operation not permitted"));
}

// ---------------------------------------------------------------------------------------------
// Descriptors

TEST_CASE("the command gets 0, 1, 2 and what the caller passed on purpose, nothing of unroot's",
          "[.][root]") {
  require_root();
  TempDir dir("unroot-fds");
  std::string file = dir.file("passed", "x");
  RunOptions o;
  o.child_setup = [file] {
    int fd = ::open(file.c_str(), O_RDONLY);  // no O_CLOEXEC: passed on purpose
    int cloexec = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || cloexec < 0 || ::dup2(fd, 5) != 5 || ::dup3(cloexec, 9, O_CLOEXEC) != 9) {
      _exit(244);
    }
    ::close(fd);
    ::close(cloexec);
  };
  for (const char* setsid : {"", "--setsid"}) {
    CAPTURE(setsid);
    std::vector<std::string> args{"nobody", idprobe_bin()};
    if (*setsid != '\0') {
      args.insert(args.begin(), setsid);
    }
    auto r = unroot(args, o);
    REQUIRE(r.exit_code == 0);
    CHECK(parse_probe(r.out)["fds"] == "0,1,2,5");
  }
  // Without anything passed, and reading /proc/self/fd itself (ls's own directory fd aside).
  RunOptions plain;
  plain.env = {"PATH=/usr/bin:/bin"};
  auto ls = unroot({"nobody", "/bin/sh", "-c", "exec ls /proc/self/fd"}, plain);
  CHECK(ls.exit_code == 0);
  CHECK(ls.out == "0\n1\n2\n3\n");  // 3 is ls's opendir of /proc/self/fd
}

// ---------------------------------------------------------------------------------------------
// --setsid

TEST_CASE("--setsid: a new session, its own PID, the exit status and signals pass through",
          "[.][root]") {
  require_root();
  RunOptions o;
  o.env = {"PATH=/usr/bin:/bin"};
  auto r = unroot({"--setsid", "nobody", "/bin/sh", "-c",
                   "echo pid=$$; echo sid=$(cut -d' ' -f6 /proc/$$/stat); "
                   "echo ppid=$PPID; exit 7"},
                  o);
  CHECK(r.exit_code == 7);
  CHECK(r.err.empty());
  auto p = parse_probe(r.out);
  CHECK(p["sid"] == p["pid"]);                // session leader
  CHECK(p["ppid"] == std::to_string(r.pid));  // unroot stayed as the parent
  CHECK(p["pid"] != std::to_string(r.pid));   // documented: the command's PID differs
  auto killed = unroot({"--setsid", "nobody", "/bin/sh", "-c", "kill -TERM $$"}, o);
  CHECK(killed.signal == SIGTERM);  // unroot dies of the same signal
  auto missing = unroot({"--setsid", "nobody", "no-such-command-xyz"}, o);
  CHECK(missing.exit_code == 127);
  CHECK(missing.err == "unroot: command 'no-such-command-xyz' not found in PATH\n");
}

TEST_CASE("--setsid: SIGTERM to unroot reaches the command", "[.][root]") {
  require_root();
  RunOptions o;
  o.env = {"PATH=/usr/bin:/bin"};
  o.timeout_ms = 10000;
  // The command reports the signal it got; the harness signals unroot (the parent) once the
  // command has announced itself.
  TempDir dir("unroot-sig");
  std::string ready = dir.path() + "/ready";
  ::chmod(dir.path().c_str(), 0777);
  pid_t runner = ::fork();
  REQUIRE(runner >= 0);
  if (runner == 0) {
    // Sends SIGTERM to whichever unroot parent is waiting, once the command is ready.
    for (int i = 0; i < 500; ++i) {
      std::string pidtext = read_file(ready);
      if (!pidtext.empty()) {
        ::kill(static_cast<pid_t>(std::stol(pidtext)), SIGTERM);
        _exit(0);
      }
      ::usleep(10000);
    }
    _exit(1);
  }
  auto r =
      unroot({"--setsid", "nobody", "/bin/sh", "-c",
              "trap 'echo got=TERM; exit 3' TERM; echo $PPID > " + ready +
                  "; i=0; while [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; echo got=none"},
             o);
  int st = 0;
  ::waitpid(runner, &st, 0);
  CHECK(WIFEXITED(st));
  CHECK(r.out == "got=TERM\n");
  CHECK(r.exit_code == 3);
}

TEST_CASE("--setsid: a LISTEN_PID naming unroot is moved to the command's PID, others stay",
          "[.][root]") {
  require_root();
  RunOptions o;
  o.etc_dir = basic_etc();
  o.env = {"PATH=/usr/bin:/bin"};
  const std::string show =
      "echo pid=$$; echo listen_pid=$LISTEN_PID; echo pidfdid=${LISTEN_PIDFDID-unset}";
  // A supervisor that passes sockets to unroot names unroot's PID (sh execs into env, then
  // env into unroot: one PID throughout). "$@" is unroot's command line, as run() gives it.
  auto own = parse_probe(
      run({"/bin/sh", "-c", "exec env LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_PIDFDID=77 \"$@\"", "sh",
           unroot_bin(), "--setsid", "nobody", "/bin/sh", "-c", show},
          o)
          .out);
  CHECK(own["listen_pid"] == own["pid"]);
  CHECK(own["pidfdid"] == "unset");
  auto foreign = parse_probe(
      run({"/bin/sh", "-c", "exec env LISTEN_PID=1 LISTEN_FDS=1 LISTEN_PIDFDID=77 \"$@\"", "sh",
           unroot_bin(), "--setsid", "nobody", "/bin/sh", "-c", show},
          o)
          .out);
  CHECK(foreign["listen_pid"] == "1");
  CHECK(foreign["pidfdid"] == "77");
}

TEST_CASE("--setsid: the command cannot look into the waiting parent (non-dumpable)", "[.][root]") {
  require_root();
  const std::string look =
      "cat /proc/$PPID/environ >/dev/null 2>&1 && echo environ=readable || echo environ=denied; "
      "ls /proc/$PPID/fd >/dev/null 2>&1 && echo fd=readable || echo fd=denied";
  RunOptions root;
  root.env = {"PATH=/usr/bin:/bin"};
  auto from_root = parse_probe(unroot({"--setsid", "nobody", "/bin/sh", "-c", look}, root).out);
  CHECK(from_root["environ"] == "denied");
  CHECK(from_root["fd"] == "denied");
  // Started as the target already: no uid change clears "dumpable", so unroot must.
  RunOptions same = root;
  same.as_user = true;
  same.uid = 1001;
  same.gid = 1001;
  same.groups = {1001};
  auto from_app = parse_probe(unroot({"--setsid", "app", "/bin/sh", "-c", look}, same).out);
  CHECK(from_app["environ"] == "denied");
  CHECK(from_app["fd"] == "denied");
  // Control: a dumpable parent of the same uid (a shell) is readable, so "denied" above means
  // something.
  RunOptions control_opts = same;
  control_opts.etc_dir = basic_etc();
  auto control = run({"/bin/sh", "-c", "/bin/sh -c \"$0\"; :", look}, control_opts);
  CHECK(parse_probe(control.out)["environ"] == "readable");
}

TEST_CASE("--setsid with --listen: the sockets and LISTEN_PID follow the command", "[.][root]") {
  require_root();
  RunOptions o;
  o.new_netns = true;
  auto r = unroot({"--setsid", "--listen", "http=127.0.0.1:80", "nobody", LISTEN_PROBE_BIN}, o);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);  // listen_probe checks LISTEN_PID == its own pid, fds, names
  CHECK_THAT(r.out, Catch::Contains("listen_fds=1 names=http"));
  CHECK_THAT(r.out, Catch::Contains("fd=3 name=http family=inet type=stream listening=1"));
  CHECK_THAT(r.out, Catch::Contains("other_fds=none"));
  CHECK_THAT(r.out, !Catch::Contains("pid=" + std::to_string(r.pid) + " "));
}

bool tiocsti_allowed(std::string& why) {
  // Linux 6.2 added dev.tty.legacy_tiocsti; 0 means TIOCSTI needs CAP_SYS_ADMIN everywhere.
  std::string v = read_file("/proc/sys/dev/tty/legacy_tiocsti");
  if (!v.empty() && v[0] == '0') {
    why = "dev.tty.legacy_tiocsti=0: this kernel refuses TIOCSTI to everyone";
    return false;
  }
  return true;
}

TEST_CASE("TIOCSTI: with --setsid the command cannot type into the root shell's terminal",
          "[.][root]") {
  require_root();
  const std::string text = "echo INJECTED\n";
  RunOptions o;
  o.etc_dir = basic_etc();
  auto r = run({attackprobe_bin(), "pty", unroot_bin(), "--setsid", "nobody", attackprobe_bin(),
                "inject", text},
               o);
  CHECK(r.err.empty());
  auto p = parse_probe(r.out);
  CHECK(p["tiocsctty"] == "EPERM");  // the terminal belongs to the shell's session
  CHECK(p["tiocsti"] == "EPERM");    // no controlling terminal: ioctl_tty(2)
  CHECK(p["pending"].empty());       // nothing waiting for the shell to read
  CHECK(p["job_exit"] == "0");
}

TEST_CASE(
    "TIOCSTI: without --setsid the command can type into the root shell's terminal "
    "(why --setsid exists)",
    "[.][root]") {
  require_root();
  std::string why;
  if (!tiocsti_allowed(why)) {
    WARN("SKIPPED: " << why);
    return;
  }
  RunOptions o;
  o.etc_dir = basic_etc();
  auto r = run({attackprobe_bin(), "pty", unroot_bin(), "nobody", attackprobe_bin(), "inject",
                "echo INJECTED\n"},
               o);
  auto p = parse_probe(r.out);
  if (p["tiocsti"] == "EIO" || p["tiocsti"] == "EPERM") {
    WARN("SKIPPED: TIOCSTI is unavailable here (" << p["tiocsti"] << ")");
    return;
  }
  CHECK(p["tiocsti"] == "ok");
  CHECK(p["pending"] == "echo INJECTED");  // the shell would run this as root next
}

// ---------------------------------------------------------------------------------------------
// Reduced capability sets (docker --cap-drop, Kubernetes drop: [ALL] + add)

TEST_CASE("a missing CAP_SETUID or CAP_SETGID is named, and nothing runs", "[.][root]") {
  require_root();
  struct Case {
    int cap;
    std::string err;
  };
  for (const Case& c : std::vector<Case>{
           {kCapSetuid,
            "unroot: cannot switch to user 'nobody': missing capability CAP_SETUID; "
            "add it to the container (e.g. --cap-add SETUID)\n"},
           {kCapSetgid,
            "unroot: cannot switch to user 'nobody': missing capability CAP_SETGID; "
            "add it to the container (e.g. --cap-add SETGID)\n"},
       }) {
    CAPTURE(c.cap);
    RunOptions o;
    int cap = c.cap;
    o.child_setup = [cap] { drop_bounding({cap}); };
    auto r = unroot({"nobody", idprobe_bin()}, o);
    CHECK(r.exit_code == 125);
    CHECK(r.out.empty());
    CHECK(r.err == c.err);
  }
}

TEST_CASE("setpriv --bounding-set -setuid gives the same named error", "[.][root]") {
  require_root();
  RunOptions o;
  o.etc_dir = basic_etc();
  auto r = run(
      {"/usr/bin/setpriv", "--bounding-set", "-setuid", unroot_bin(), "nobody", idprobe_bin()}, o);
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "unroot: cannot switch to user 'nobody': missing capability CAP_SETUID; add it to the "
        "container (e.g. --cap-add SETUID)\n");
}

TEST_CASE("with only SETUID and SETGID (no SETPCAP) the drop works and the bounding set stays",
          "[.][root]") {
  require_root();
  RunOptions o;
  o.child_setup = [] {
    std::vector<int> all_but;
    for (int cap = 0; cap <= 40; ++cap) {
      if (cap != kCapSetuid && cap != kCapSetgid) {
        all_but.push_back(cap);
      }
    }
    for (int cap : all_but) {
      (void)::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);  // caps this kernel lacks: EINVAL, fine
    }
  };
  auto dry = unroot({"--dry-run", "nobody", idprobe_bin()}, o);
  CHECK_THAT(dry.out, Catch::Contains("bounding set: left as is (no CAP_SETPCAP)"));
  auto r = unroot({"nobody", idprobe_bin()}, o);
  REQUIRE(r.exit_code == 0);
  auto p = parse_probe(r.out);
  CHECK(p["uid"] == "65534,65534,65534");
  CHECK(p["status.CapBnd"] == "00000000000000c0");  // what the caller had: SETUID, SETGID
  CHECK(p["status.CapEff"] == "0000000000000000");
  CHECK(p["status.CapPrm"] == "0000000000000000");
  CHECK(p["status.NoNewPrivs"] == "1");
}

TEST_CASE("without CAP_SETPCAP only, the rest of the bounding set is left and shown so",
          "[.][root]") {
  require_root();
  RunOptions o;
  o.child_setup = [] { drop_bounding({kCapSetpcap}); };
  auto r = unroot({"nobody", idprobe_bin()}, o);
  REQUIRE(r.exit_code == 0);
  auto p = parse_probe(r.out);
  std::uint64_t expected = std::stoull(caller_bounding(), nullptr, 16) & ~(1ull << kCapSetpcap);
  CHECK(std::stoull(p["status.CapBnd"], nullptr, 16) == expected);
  CHECK(p["status.CapEff"] == "0000000000000000");
  CHECK(p["status.NoNewPrivs"] == "1");
}

// (CAP_CHOWN for --chown has its case in test_chown.cpp.)
TEST_CASE("without CAP_NET_BIND_SERVICE, --listen on port 80 names the capability", "[.][root]") {
  require_root();
  RunOptions o;
  o.new_netns = true;  // a fresh network namespace: ip_unprivileged_port_start is 1024
  o.child_setup = [] { drop_bounding({kCapNetBindService}); };
  auto r = unroot({"--listen", "127.0.0.1:80", "nobody", idprobe_bin()}, o);
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "unroot: --listen '127.0.0.1:80': bind tcp 127.0.0.1:80: missing capability "
        "CAP_NET_BIND_SERVICE; add it to the container (e.g. --cap-add NET_BIND_SERVICE) or use "
        "a port from 1024 up: Permission denied\n");
}

// ---------------------------------------------------------------------------------------------
// User namespaces (rootless runtimes)

TEST_CASE("unshare --user --map-root-user: setgroups denied is said so", "[.][root]") {
  require_root();
  RunOptions o;
  o.etc_dir = basic_etc();
  auto r = run(
      {"/usr/bin/unshare", "--user", "--map-root-user", unroot_bin(), "nobody", idprobe_bin()}, o);
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "unroot: setgroups: denied in this user namespace (/proc/self/setgroups is 'deny', as "
        "rootless runtimes set it); run unroot as real root, or start the container as the "
        "target user instead: Operation not permitted\n");
}

TEST_CASE("user namespace with the target uid unmapped: the message names the map", "[.][root]") {
  require_root();
  RunOptions o;
  o.child_setup = [] { enter_userns("0 0 1\n", "0 0 70000\n"); };  // only uid 0, all gids
  auto r = unroot({"nobody", idprobe_bin()}, o);
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "unroot: setresuid 65534: the id is not mapped in this user namespace (see "
        "/proc/self/uid_map); map it or choose a mapped user: Invalid argument\n");
}

TEST_CASE("user namespace with a target group unmapped: the message names the map", "[.][root]") {
  require_root();
  RunOptions o;
  o.child_setup = [] { enter_userns("0 0 70000\n", "0 0 1\n"); };  // all uids, only gid 0
  auto r = unroot({"nobody", idprobe_bin()}, o);
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "unroot: setgroups: a group id in the list is not mapped in this user namespace (see "
        "/proc/self/gid_map); map it or choose a mapped user: Invalid argument\n");
}

TEST_CASE("user namespace with everything mapped: the drop works as on the host", "[.][root]") {
  require_root();
  RunOptions o;
  o.child_setup = [] { enter_userns("0 0 70000\n", "0 0 70000\n"); };
  auto r = unroot({"nobody", idprobe_bin()}, o);
  CHECK(r.err.empty());
  REQUIRE(r.exit_code == 0);
  auto p = parse_probe(r.out);
  CHECK(p["uid"] == "65534,65534,65534");
  CHECK(p["status.CapEff"] == "0000000000000000");
}

// ---------------------------------------------------------------------------------------------
// Hostile /etc/passwd and /etc/group

namespace {

// An /etc whose passwd (or group) is made by `make(path)`; the other file is the basic fixture.
struct HostileEtc {
  TempDir dir{"unroot-bad-etc"};
  HostileEtc(const std::string& which, void (*make)(const std::string&)) {
    for (const char* f : {"passwd", "group"}) {
      if (which != f) {
        dir.file(f, read_file(basic_etc() + "/" + f));
      }
    }
    make(dir.path() + "/" + which);
  }
};

RunResult run_with(const HostileEtc& etc, std::vector<std::string> args = {"nobody"}) {
  RunOptions o;
  o.etc_dir = etc.dir.path();
  o.timeout_ms = 15000;
  args.push_back(idprobe_bin());
  return unroot(args, o);
}

}  // namespace

TEST_CASE("hostile /etc/passwd or /etc/group: one clear line, exit 125, no hang", "[.][root]") {
  require_root();
  struct Case {
    const char* name;
    void (*make)(const std::string&);
    const char* why;
  };
  const Case cases[] = {
      {"FIFO", [](const std::string& p) { REQUIRE(::mkfifo(p.c_str(), 0644) == 0); },
       "is not a regular file"},
      {"symlink to /dev/zero",
       [](const std::string& p) { REQUIRE(::symlink("/dev/zero", p.c_str()) == 0); },
       "is not a regular file"},
      {"symlink to /dev/null",
       [](const std::string& p) { REQUIRE(::symlink("/dev/null", p.c_str()) == 0); },
       "is not a regular file"},
      {"directory", [](const std::string& p) { REQUIRE(::mkdir(p.c_str(), 0755) == 0); },
       "is not a regular file"},
      {"sparse 65 MiB file",
       [](const std::string& p) {
         int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
         REQUIRE(fd >= 0);
         REQUIRE(::ftruncate(fd, 65l << 20) == 0);
         ::close(fd);
       },
       "is larger than the 64 MiB that unroot reads"},
  };
  for (const char* which : {"passwd", "group"}) {
    for (const Case& c : cases) {
      CAPTURE(which, c.name);
      HostileEtc etc(which, c.make);
      auto r = run_with(etc, {"nobody:nogroup"});
      CHECK_FALSE(r.timed_out);
      CHECK(r.exit_code == 125);
      CHECK(r.out.empty());
      CHECK(r.err == "unroot: /etc/" + std::string(which) + " " + c.why + "\n");
    }
  }
}

TEST_CASE("a character device node as /etc/passwd is refused without reading it", "[.][root]") {
  require_root();
  TempDir probe("unroot-mknod");
  std::string node = probe.path() + "/zero";
  if (::mknod(node.c_str(), S_IFCHR | 0644, makedev(1, 5)) != 0) {
    WARN("SKIPPED: cannot create a device node here (" << std::strerror(errno) << ")");
    return;
  }
  HostileEtc etc("passwd", [](const std::string& p) {
    REQUIRE(::mknod(p.c_str(), S_IFCHR | 0644, makedev(1, 5)) == 0);  // /dev/zero
  });
  auto r = run_with(etc);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 125);
  CHECK(r.err == "unroot: /etc/passwd is not a regular file\n");
}

TEST_CASE("a 64 MiB passwd of NUL bytes is read in bounded time and memory, finds no user",
          "[.][root]") {
  require_root();
  HostileEtc etc("passwd", [](const std::string& p) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    REQUIRE(::ftruncate(fd, 64l << 20) == 0);  // exactly the limit: read, then parsed
    ::close(fd);
  });
  RunOptions o;
  o.etc_dir = etc.dir.path();
  o.timeout_ms = 15000;
  // 160 MiB of address space: room for one copy of the file, not for two or a runaway. Not
  // under an emulator, whose JIT buffer alone takes 128 MiB of the process's address space.
  if (test_runner().empty()) {
    o.child_setup = [] {
      struct rlimit as {
        160ul << 20, 160ul << 20
      };
      if (::setrlimit(RLIMIT_AS, &as) != 0) {
        _exit(243);
      }
    };
  } else {
    WARN("memory bound not checked under UNROOT_TEST_RUNNER (the emulator's own allocations)");
  }
  auto r = unroot({"nobody", idprobe_bin()}, o);
  CHECK_FALSE(r.timed_out);
  CHECK(r.exit_code == 125);
  CHECK(r.err == "unroot: unknown user 'nobody': no entry in /etc/passwd\n");
}

TEST_CASE("binary garbage around a good line: the good line is used, the garbage never is",
          "[.][root]") {
  require_root();
  HostileEtc etc("passwd", [](const std::string& p) {
    std::string text;
    std::uint32_t x = 2463534242u;  // xorshift32: the same garbage on every run
    for (int i = 0; i < (1 << 20); ++i) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      text.push_back(static_cast<char>(x & 0xff));
    }
    text += "\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n";
    for (int i = 0; i < 4096; ++i) {
      text.push_back(static_cast<char>(i % 256));
    }
    std::FILE* f = std::fopen(p.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  });
  auto r = run_with(etc);
  CHECK_FALSE(r.timed_out);
  REQUIRE(r.exit_code == 0);
  CHECK(parse_probe(r.out)["uid"] == "65534,65534,65534");
  auto root = run_with(etc, {"root"});
  CHECK(root.exit_code == 125);
  CHECK(root.err == "unroot: unknown user 'root': no entry in /etc/passwd\n");
}

TEST_CASE("both files missing: names fail clearly, uid:gid still works", "[.][root]") {
  require_root();
  EtcFixture etc(nullptr, nullptr);
  RunOptions o;
  o.etc_dir = etc.dir.path();
  auto named = unroot({"nobody", idprobe_bin()}, o);
  CHECK(named.exit_code == 125);
  CHECK(named.err ==
        "unroot: unknown user 'nobody': no entry in /etc/passwd (/etc/passwd does not exist)\n");
  auto numeric = unroot({"4242:4242", idprobe_bin()}, o);
  CHECK(numeric.exit_code == 0);
  CHECK(parse_probe(numeric.out)["uid"] == "4242,4242,4242");
}

// ---------------------------------------------------------------------------------------------
// Big and odd command lines

TEST_CASE("arguments with embedded newlines arrive unchanged", "[.][root]") {
  require_root();
  auto r = unroot({"nobody", idprobe_bin(), "line1\nline2", "\n", "tab\there"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("argc=4\narg1=line1\nline2\narg2=\n\narg3=tab\there\n"));
}

TEST_CASE("100,000 arguments arrive unchanged", "[.][root]") {
  require_root();
  std::vector<std::string> args{"nobody", idprobe_bin()};
  for (int i = 0; i < 100000; ++i) {
    args.push_back(std::to_string(i));
  }
  auto r = unroot(args);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("argc=100001\n"));
  CHECK_THAT(r.out, Catch::Contains("\narg1=0\n"));
  CHECK_THAT(r.out, Catch::EndsWith("\narg100000=99999\n"));
}

TEST_CASE("a 1 MB environment arrives unchanged, HOME aside", "[.][root]") {
  require_root();
  RunOptions o;
  o.env.clear();
  // 128 KiB is the kernel's limit for one string (MAX_ARG_STRLEN), so 1 MB is 16 variables.
  for (int i = 0; i < 16; ++i) {
    o.env.push_back("BIG" + std::to_string(i) + "=" + std::string(65536 - 8, 'a' + i));
  }
  o.env.push_back("HOME=/root");
  auto r = unroot({"nobody", "/usr/bin/env"}, o);
  REQUIRE(r.exit_code == 0);
  std::string expected;
  for (int i = 0; i < 16; ++i) {
    expected += o.env[static_cast<std::size_t>(i)] + "\n";
  }
  expected += "HOME=/nonexistent\n";
  if (!test_runner().empty()) {
    // qemu-user hands the guest its environment in reverse order; the contents must still match.
    auto sorted_lines = [](const std::string& text) {
      std::vector<std::string> lines;
      std::istringstream in(text);
      for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
      }
      std::sort(lines.begin(), lines.end());
      return lines;
    };
    CHECK(sorted_lines(r.out) == sorted_lines(expected));
    return;
  }
  CHECK(r.out == expected);
}
