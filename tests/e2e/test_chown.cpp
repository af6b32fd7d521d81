// SPDX-License-Identifier: MIT
// e2e, root only ([.][root]): --chown on trees built in temporary directories. Runs the real
// binary (fixture /etc, private mount namespace) and checks owners with lstat before and after.
// Two cases call chown_tree() directly, to compare a dry run with the real one.
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chown_walk.hpp"
#include "harness.hpp"

using namespace e2e;

namespace {

constexpr uid_t kNode = 1000;  // node:node in tests/fixtures/basic
constexpr uid_t kApp = 1001;   // app:app

void require_root() {
  if (!is_root()) {
    FAIL("this case needs root; run it through scripts/run-root-tests.sh");
  }
}

struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
  bool operator==(const Owner& o) const { return uid == o.uid && gid == o.gid; }
};

Owner owner(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return {st.st_uid, st.st_gid};
}

struct timespec ctime_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_ctim;
}

bool same_time(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

// Every entry under dir (not following symlinks) with its owner; `skip` is left out.
std::map<std::string, Owner> owners_under(const std::string& dir, const std::string& skip = "") {
  std::map<std::string, Owner> out;
  out[dir] = owner(dir);
  namespace fs = std::filesystem;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    std::string p = it->path().string();
    if (!skip.empty() && p == skip) {
      it.disable_recursion_pending();
      continue;
    }
    out[p] = owner(p);
  }
  return out;
}

void make_dir(const std::string& p) { REQUIRE(::mkdir(p.c_str(), 0755) == 0); }

void make_file(const std::string& p, mode_t mode = 0644) {
  int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  REQUIRE(fd >= 0);
  ::close(fd);
  REQUIRE(::chmod(p.c_str(), mode) == 0);  // past the umask (setuid bits)
}

void make_socket(const std::string& p) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(p.size() < sizeof addr.sun_path);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::close(fd);
}

RunOptions fixture_opts() {
  RunOptions o;
  o.etc_dir = fixtures_dir() + "/basic";
  o.env = {"PATH=/usr/bin:/bin"};
  return o;
}

// unroot [extra...] --chown vol USER /bin/sh -c 'echo started'
RunResult run_chown(const std::string& vol, const std::string& user,
                    const std::vector<std::string>& extra = {}, RunOptions o = fixture_opts()) {
  std::vector<std::string> argv{unroot_bin()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(), {"--chown", vol, user, "/bin/sh", "-c", "echo started"});
  return run(argv, o);
}

bool contains(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// A volume with one entry of each kind, all root-owned, beside an "outside" directory.
struct Volume {
  TempDir tmp{"unroot-chown"};
  std::string vol = tmp.path() + "/vol";
  std::string outside = tmp.path() + "/outside";
  Volume() {
    make_dir(vol);
    make_dir(outside);
    make_file(outside + "/secret", 0600);
  }
};

}  // namespace

TEST_CASE("--chown gives files, directories, symlinks themselves, FIFOs and sockets to the user",
          "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.vol + "/dir");
  make_dir(v.vol + "/dir/sub");
  make_file(v.vol + "/dir/sub/file");
  make_file(v.vol + "/file");
  REQUIRE(::symlink("file", (v.vol + "/link").c_str()) == 0);
  REQUIRE(::symlink("/nonexistent/target", (v.vol + "/dangling").c_str()) == 0);
  REQUIRE(::mkfifo((v.vol + "/fifo").c_str(), 0644) == 0);
  make_socket(v.vol + "/sock");

  auto r = run_chown(v.vol, "node");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "started\n");  // the command ran, after the walk
  CHECK(r.err == "unroot: " + v.vol + ": 9 entries, 9 changed\n");
  for (const char* name :
       {"", "/dir", "/dir/sub", "/dir/sub/file", "/file", "/link", "/dangling", "/fifo", "/sock"}) {
    INFO(name);
    CHECK(owner(v.vol + name) == Owner{kNode, kNode});
  }
  CHECK(owner(v.outside + "/secret") == Owner{0, 0});
}

TEST_CASE("--chown without any change says nothing unless --verbose", "[.][root]") {
  require_root();
  Volume v;
  make_file(v.vol + "/file");
  REQUIRE(run_chown(v.vol, "node").exit_code == 0);
  auto quiet = run_chown(v.vol, "node");
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
  auto verbose = run_chown(v.vol, "node", {"--verbose"});
  CHECK(verbose.exit_code == 0);
  CHECK(contains(verbose.err, "unroot: " + v.vol + ": 2 entries, 0 changed\n"));
}

TEST_CASE("entries already owned right are not written: ctime and setuid bits stay", "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.vol + "/right");
  make_file(v.vol + "/right/setuid-tool", 04755);
  make_file(v.vol + "/right/plain");
  make_file(v.vol + "/wrong");
  for (const char* name : {"", "/right", "/right/setuid-tool", "/right/plain"}) {
    REQUIRE(::lchown((v.vol + name).c_str(), kNode, kNode) == 0);
  }
  REQUIRE(::chmod((v.vol + "/right/setuid-tool").c_str(), 04755) == 0);  // chown cleared it
  std::map<std::string, struct timespec> before;
  for (const char* name : {"", "/right", "/right/setuid-tool", "/right/plain", "/wrong"}) {
    before[name] = ctime_of(v.vol + name);
  }
  // ctime has jiffy granularity: wait long enough that a write would show.
  ::usleep(50 * 1000);
  auto r = run_chown(v.vol, "node");
  CHECK(r.exit_code == 0);
  CHECK(r.err == "unroot: " + v.vol + ": 5 entries, 1 changed\n");
  for (const char* name : {"", "/right", "/right/setuid-tool", "/right/plain"}) {
    INFO(name);
    CHECK(same_time(ctime_of(v.vol + name), before[name]));
  }
  CHECK_FALSE(same_time(ctime_of(v.vol + "/wrong"), before["/wrong"]));  // the test can fail
  CHECK(owner(v.vol + "/wrong") == Owner{kNode, kNode});
  struct stat st {};
  REQUIRE(::stat((v.vol + "/right/setuid-tool").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 04755);
}

TEST_CASE("a symlink to a root-owned file or directory outside is changed, its target is not",
          "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.outside + "/etc");
  make_file(v.outside + "/etc/shadow", 0600);
  REQUIRE(::symlink((v.outside + "/secret").c_str(), (v.vol + "/to-file").c_str()) == 0);
  REQUIRE(::symlink((v.outside + "/etc").c_str(), (v.vol + "/to-dir").c_str()) == 0);
  REQUIRE(::symlink("/etc/shadow", (v.vol + "/to-host-shadow").c_str()) == 0);
  struct stat host_shadow {};
  bool have_shadow = ::lstat("/etc/shadow", &host_shadow) == 0;
  auto outside_before = owners_under(v.tmp.path(), v.vol);

  auto r = run_chown(v.vol, "node");
  CHECK(r.exit_code == 0);
  CHECK(owner(v.vol + "/to-file") == Owner{kNode, kNode});
  CHECK(owner(v.vol + "/to-dir") == Owner{kNode, kNode});
  CHECK(owners_under(v.tmp.path(), v.vol) == outside_before);
  if (have_shadow) {
    CHECK(owner("/etc/shadow") == Owner{host_shadow.st_uid, host_shadow.st_gid});
  }
}

TEST_CASE("hard links to a file and a FIFO outside are skipped and reported, owners stay",
          "[.][root]") {
  require_root();
  Volume v;
  make_file(v.vol + "/own");
  REQUIRE(::link((v.outside + "/secret").c_str(), (v.vol + "/shadow-link").c_str()) == 0);
  // A daemon's FIFO (or socket) outside: owning the link would be the right to talk to it.
  REQUIRE(::mkfifo((v.outside + "/control").c_str(), 0600) == 0);
  REQUIRE(::link((v.outside + "/control").c_str(), (v.vol + "/control-link").c_str()) == 0);
  auto outside_before = owners_under(v.tmp.path(), v.vol);

  auto r = run_chown(v.vol, "node");
  CHECK(r.exit_code == 0);
  CHECK(r.err == "unroot: " + v.vol + ": 4 entries, 2 changed, 2 hard-linked files skipped\n");
  CHECK(owner(v.vol + "/shadow-link") == Owner{0, 0});
  CHECK(owner(v.vol + "/control-link") == Owner{0, 0});
  CHECK(owner(v.vol + "/own") == Owner{kNode, kNode});
  CHECK(owners_under(v.tmp.path(), v.vol) == outside_before);
}

namespace {

// A volume holding a file of its own and two bind mounts of the same filesystem from outside
// it: a directory (vol/mnt) and a file (vol/file-mnt). The files are made here; the mounts by
// bind_outside() in the child, whose private mount namespace (fixture /etc) they die with.
void plant_bind_mount_targets(const Volume& v) {
  make_dir(v.outside + "/tree");
  make_file(v.outside + "/tree/data");
  make_dir(v.vol + "/mnt");
  make_file(v.vol + "/file-mnt");
  make_file(v.vol + "/own");
}

void bind_outside(const Volume& v) {
  if (::mount((v.outside + "/tree").c_str(), (v.vol + "/mnt").c_str(), nullptr, MS_BIND, nullptr) !=
          0 ||
      ::mount((v.outside + "/secret").c_str(), (v.vol + "/file-mnt").c_str(), nullptr, MS_BIND,
              nullptr) != 0) {
    ::_exit(99);
  }
}

}  // namespace

TEST_CASE("a bind mount inside the volume is not entered and is reported", "[.][root]") {
  require_root();
  Volume v;
  plant_bind_mount_targets(v);
  auto outside_before = owners_under(v.tmp.path(), v.vol);
  RunOptions o = fixture_opts();
  // The harness has unshared the mount namespace (fixture /etc): these mounts die with it.
  o.child_setup = [&v] { bind_outside(v); };
  auto r = run_chown(v.vol, "node", {}, o);
  CHECK(owners_under(v.tmp.path(), v.vol) == outside_before);
  if (!test_runner().empty()) {
    // Measured with qemu-user 7.2: no openat2, and its statx sets STATX_MNT_ID in stx_mask but
    // leaves stx_mnt_id 0, so a same-filesystem bind mount cannot be seen while walking: unroot
    // must see it in /proc/self/mountinfo and refuse before changing anything.
    WARN("under UNROOT_TEST_RUNNER: no openat2 and no mount ids, so the walk must be refused");
    CHECK(r.exit_code == 125);
    CHECK_THAT(r.err, Catch::Contains(": a mount lies below it ("));
    CHECK(owner(v.vol + "/own") == Owner{0, 0});
    return;
  }
  REQUIRE(r.exit_code == 0);
  CHECK(r.err == "unroot: " + v.vol + ": 4 entries, 2 changed, 2 mounts skipped\n");
  CHECK(owner(v.vol + "/own") == Owner{kNode, kNode});
  // The mount points themselves (seen without the mounts) were not changed either.
  CHECK(owner(v.vol + "/mnt") == Owner{0, 0});
}

namespace {

// A volume of kPairs directories dN (50 files each), each with a twin symlink lN to a
// directory outside, and a racer process that swaps every dN with its lN (RENAME_EXCHANGE,
// atomic) as fast as it can, for at most 3 s or a million swaps.
struct SwapRace {
  static constexpr int kPairs = 40;
  Volume v;
  std::map<std::string, Owner> outside_before;
  pid_t racer = -1;

  SwapRace() {
    make_dir(v.outside + "/target");
    for (int i = 0; i < 200; ++i) {
      make_file(v.outside + "/target/f" + std::to_string(i));
    }
    for (int i = 0; i < kPairs; ++i) {
      std::string d = v.vol + "/d" + std::to_string(i);
      make_dir(d);
      for (int j = 0; j < 50; ++j) {
        make_file(d + "/f" + std::to_string(j));
      }
      REQUIRE(::symlink((v.outside + "/target").c_str(),
                        (v.vol + "/l" + std::to_string(i)).c_str()) == 0);
    }
    outside_before = owners_under(v.tmp.path(), v.vol);
    racer = ::fork();
    REQUIRE(racer >= 0);
    if (racer == 0) {
      auto end = std::chrono::steady_clock::now() + std::chrono::seconds(3);
      for (long n = 0; n < 1000000 && std::chrono::steady_clock::now() < end; ++n) {
        int i = static_cast<int>(n % kPairs);
        std::string d = v.vol + "/d" + std::to_string(i);
        std::string l = v.vol + "/l" + std::to_string(i);
        (void)::renameat2(AT_FDCWD, d.c_str(), AT_FDCWD, l.c_str(), RENAME_EXCHANGE);
      }
      ::_exit(0);
    }
  }
  ~SwapRace() { stop(); }
  void stop() {
    if (racer > 0) {
      ::kill(racer, SIGKILL);
      ::waitpid(racer, nullptr, 0);
      racer = -1;
    }
  }
  bool time_left(std::chrono::steady_clock::time_point end) const {
    return std::chrono::steady_clock::now() < end;
  }
};

}  // namespace

TEST_CASE("a directory swapped for a symlink mid-walk never leads the walk outside", "[.][root]") {
  require_root();
  SwapRace race;
  int runs = 0, stopped = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(2500);
  while (runs < 30 && race.time_left(end)) {
    // Alternate the user so that every run has everything to change.
    auto r = run_chown(race.v.vol, runs % 2 == 0 ? "node" : "app");
    INFO(r.err);
    CHECK((r.exit_code == 0 || r.exit_code == 125));
    if (r.exit_code == 125) {
      // Fail closed only with the race named, never with anything else.
      CHECK((contains(r.err, "keeps changing type") || contains(r.err, "was moved")));
      CHECK(r.out.empty());
      ++stopped;
    }
    ++runs;
  }
  race.stop();
  INFO(runs << " walks, " << stopped << " stopped by the race");
  CHECK(runs > 0);
  CHECK(owners_under(race.v.tmp.path(), race.v.vol) == race.outside_before);
}

TEST_CASE("nothing outside PATH changes owner, the parent of PATH included", "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.tmp.path() + "/sibling");
  make_file(v.tmp.path() + "/sibling/data");
  make_dir(v.vol + "/a");
  make_file(v.vol + "/a/b");
  REQUIRE(::symlink("..", (v.vol + "/a/up").c_str()) == 0);
  REQUIRE(::symlink("../../sibling", (v.vol + "/a/sib").c_str()) == 0);
  auto outside_before = owners_under(v.tmp.path(), v.vol);
  auto r = run_chown(v.vol, "node");
  CHECK(r.exit_code == 0);
  CHECK(owners_under(v.tmp.path(), v.vol) == outside_before);
  auto inside = owners_under(v.vol);
  for (const auto& [path, o] : inside) {
    INFO(path);
    CHECK(o == Owner{kNode, kNode});
  }
}

TEST_CASE("a tree deeper than the open-file limit is walked completely", "[.][root]") {
  require_root();
  Volume v;
  constexpr int kDepth = 300;  // with RLIMIT_NOFILE 32 below
  int fd = ::open(v.vol.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  for (int i = 0; i < kDepth; ++i) {
    REQUIRE(::mkdirat(fd, "d", 0755) == 0);
    int f = ::openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(f >= 0);
    ::close(f);
    int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(next >= 0);
    ::close(fd);
    fd = next;
  }
  ::close(fd);
  RunOptions o = fixture_opts();
  o.child_setup = [] {
    struct rlimit lim {};
    lim.rlim_cur = lim.rlim_max = 32;
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      ::_exit(99);
    }
  };
  auto r = run_chown(v.vol, "node", {}, o);
  CHECK(r.exit_code == 0);
  CHECK(r.err == "unroot: " + v.vol + ": " + std::to_string(2 * kDepth + 1) + " entries, " +
                     std::to_string(2 * kDepth + 1) + " changed\n");
  // Check every level, fd-relative like the walk.
  fd = ::open(v.vol.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int wrong = 0;
  for (int i = 0; i < kDepth; ++i) {
    struct stat d {
    }, f{};
    REQUIRE(::fstatat(fd, "d", &d, AT_SYMLINK_NOFOLLOW) == 0);
    REQUIRE(::fstatat(fd, "f", &f, AT_SYMLINK_NOFOLLOW) == 0);
    wrong += (d.st_uid != kNode) + (f.st_uid != kNode);
    int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(next >= 0);
    ::close(fd);
    fd = next;
  }
  ::close(fd);
  CHECK(wrong == 0);
}

TEST_CASE("a directory of 100,000 entries is handed over completely", "[.][root]") {
  require_root();
  Volume v;
  constexpr int kWide = 100000;
  int dir = ::open(v.vol.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(dir >= 0);
  for (int i = 0; i < kWide; ++i) {
    std::string name = "entry-" + std::to_string(i);
    int f = ::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(f >= 0);
    ::close(f);
  }
  auto r = run_chown(v.vol, "node");
  CHECK(r.exit_code == 0);
  CHECK(r.err == "unroot: " + v.vol + ": 100001 entries, 100001 changed\n");
  int wrong = 0;
  for (int i = 0; i < kWide; ++i) {
    struct stat st {};
    std::string name = "entry-" + std::to_string(i);
    REQUIRE(::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0);
    wrong += st.st_uid != kNode || st.st_gid != kNode;
  }
  ::close(dir);
  CHECK(wrong == 0);
}

TEST_CASE("names with newlines and invalid UTF-8 are handed over", "[.][root]") {
  require_root();
  Volume v;
  const std::string names[] = {"new\nline", "\xff\xfe", "tab\there", "-rf", " ", "\x1b[31mred"};
  for (const std::string& n : names) {
    make_file(v.vol + "/" + n);
  }
  make_dir(v.vol + "/dir\nwith\nnewlines");
  make_file(v.vol + "/dir\nwith\nnewlines/\xc3\x28");
  auto r = run_chown(v.vol, "node");
  CHECK(r.exit_code == 0);
  CHECK(r.err == "unroot: " + v.vol + ": 9 entries, 9 changed\n");
  for (const std::string& n : names) {
    CHECK(owner(v.vol + "/" + n) == Owner{kNode, kNode});
  }
  CHECK(owner(v.vol + "/dir\nwith\nnewlines/\xc3\x28") == Owner{kNode, kNode});
}

TEST_CASE("a change that fails stops the walk with the path, quoted, and the command never runs",
          "[.][root]") {
  require_root();
  Volume v;
  make_file(v.vol + "/ok");
  make_file(v.vol + "/bad\nname");
  REQUIRE(::lchown(v.vol.c_str(), kNode, kNode) == 0);
  REQUIRE(::lchown((v.vol + "/ok").c_str(), kNode, kNode) == 0);
  RunOptions o = fixture_opts();
  // A read-only bind of the volume over itself: the one wrong entry cannot be changed (EROFS).
  o.child_setup = [&v] {
    if (::mount(v.vol.c_str(), v.vol.c_str(), nullptr, MS_BIND, nullptr) != 0 ||
        ::mount(nullptr, v.vol.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0) {
      ::_exit(99);
    }
  };
  auto r = run_chown(v.vol, "node", {}, o);
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err == "unroot: chown " + v.vol + "/bad\\x0aname: Read-only file system\n");
  CHECK(owner(v.vol + "/bad\nname") == Owner{0, 0});
}

TEST_CASE("--dry-run counts what would change and changes nothing", "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.vol + "/d");
  make_file(v.vol + "/d/f");
  make_file(v.vol + "/right");
  REQUIRE(::lchown((v.vol + "/right").c_str(), kNode, kNode) == 0);
  auto before = owners_under(v.tmp.path());
  auto r = run_chown(v.vol, "node", {"--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(contains(r.out, "chown: " + v.vol + ": 4 entries, 3 would change\n"));
  CHECK_FALSE(contains(r.out, "\nstarted\n"));  // the command did not run
  CHECK(owners_under(v.tmp.path()) == before);
}

TEST_CASE("--chown errors: missing path, symlink path, / and kernel trees are refused",
          "[.][root]") {
  require_root();
  Volume v;
  REQUIRE(::symlink(v.vol.c_str(), (v.tmp.path() + "/link").c_str()) == 0);
  struct Case {
    std::string path;
    std::string err;
  };
  const Case cases[] = {
      {v.tmp.path() + "/missing",
       "unroot: --chown " + v.tmp.path() + "/missing: No such file or directory\n"},
      {v.tmp.path() + "/link", "unroot: --chown " + v.tmp.path() +
                                   "/link is a symbolic link (refused: a link can point anywhere; "
                                   "name its target)\n"},
      {"/", "unroot: --chown /: refusing to change the owner of /\n"},
      {"/./", "unroot: --chown /./: refusing to change the owner of /\n"},
      {"/proc/..", "unroot: --chown /proc/..: refusing to change the owner of /\n"},
      {"/proc", "unroot: --chown /proc: refusing to change the owner of /proc\n"},
      {"/sys", "unroot: --chown /sys: refusing to change the owner of /sys\n"},
      {"/dev", "unroot: --chown /dev: refusing to change the owner of /dev\n"},
      {"/proc/1",
       "unroot: --chown /proc/1: refusing to change owners on proc, a kernel interface "
       "filesystem\n"},
      {"/sys/kernel",
       "unroot: --chown /sys/kernel: refusing to change owners on sysfs, a kernel interface "
       "filesystem\n"},
  };
  auto before = owners_under(v.tmp.path());
  for (const Case& c : cases) {
    INFO(c.path);
    auto r = run_chown(c.path, "node");
    CHECK(r.exit_code == 125);
    CHECK(r.out.empty());
    CHECK(r.err == c.err);
  }
  CHECK(owners_under(v.tmp.path()) == before);
}

TEST_CASE("--chown without CAP_CHOWN fails before anything changes, naming the capability",
          "[.][root]") {
  require_root();
  Volume v;
  make_file(v.vol + "/f");
  // setpriv drops CHOWN from the bounding and inheritable sets: a root exec then has no
  // CAP_CHOWN in its effective set (capabilities(7), "Transformation of capabilities").
  auto r = run({"/usr/bin/setpriv", "--bounding-set", "-chown", "--inh-caps", "-chown",
                unroot_bin(), "--chown", v.vol, "node", "/bin/sh", "-c", "echo started"},
               fixture_opts());
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err == "unroot: --chown " + v.vol +
                     ": missing capability CAP_CHOWN; run unroot as root or add it to the "
                     "container (e.g. --cap-add CHOWN)\n");
  CHECK(owner(v.vol + "/f") == Owner{0, 0});
}

TEST_CASE("the command can write into the volume it was handed", "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.vol + "/data");
  REQUIRE(::chmod((v.vol + "/data").c_str(), 0700) == 0);
  auto r = run({unroot_bin(), "--chown", v.vol, "node", "/bin/sh", "-c",
                "echo hi > '" + v.vol + "/data/new' && echo wrote"},
               fixture_opts());
  CHECK(r.exit_code == 0);
  CHECK(r.out == "wrote\n");
  CHECK(owner(v.vol + "/data/new") == Owner{kNode, kNode});
}

// Through the library, to see the counts: the one-stat-per-entry predictor (see handle_leaf)
// must still change every wrong entry among right ones.
TEST_CASE("a wrong entry among right ones is changed and the same things are skipped",
          "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.vol + "/right");
  for (int i = 0; i < 20; ++i) {
    make_file(v.vol + "/right/f" + std::to_string(i));
    make_file(v.vol + "/w" + std::to_string(i));
  }
  REQUIRE(::lchown((v.vol + "/right").c_str(), kApp, kApp) == 0);
  for (int i = 0; i < 20; ++i) {
    // One wrong file among right ones, to exercise the predictor both ways.
    if (i != 7) {
      REQUIRE(::lchown((v.vol + "/right/f" + std::to_string(i)).c_str(), kApp, kApp) == 0);
    }
  }
  REQUIRE(::symlink((v.outside + "/secret").c_str(), (v.vol + "/link").c_str()) == 0);
  REQUIRE(::mkfifo((v.vol + "/fifo").c_str(), 0644) == 0);
  REQUIRE(::link((v.outside + "/secret").c_str(), (v.vol + "/hard").c_str()) == 0);
  auto outside_before = owners_under(v.tmp.path(), v.vol);
  auto ctime_right = ctime_of(v.vol + "/right/f3");
  ::usleep(50 * 1000);

  auto root = unroot::chown_preflight(v.vol);
  REQUIRE(root);
  unroot::ChownRequest req{kApp, kApp, false};
  auto stats = unroot::chown_tree(*root, req);
  REQUIRE(stats);
  CHECK(stats->entries == 45);
  CHECK(stats->changed == 1 + 20 + 1 + 1 + 1);  // vol, w*, right/f7, link, fifo
  CHECK(stats->hardlinks_skipped == 1);
  for (const auto& [path, o] : owners_under(v.vol)) {
    INFO(path);
    CHECK(o == (path == v.vol + "/hard" ? Owner{0, 0} : Owner{kApp, kApp}));
  }
  CHECK(same_time(ctime_of(v.vol + "/right/f3"), ctime_right));
  CHECK(owners_under(v.tmp.path(), v.vol) == outside_before);
}

TEST_CASE("library dry run counts the same as the real run", "[.][root]") {
  require_root();
  Volume v;
  for (int d = 0; d < 10; ++d) {
    make_dir(v.vol + "/d" + std::to_string(d));
    for (int f = 0; f < 10; ++f) {
      make_file(v.vol + "/d" + std::to_string(d) + "/f" + std::to_string(f));
    }
  }
  auto root = unroot::chown_preflight(v.vol);
  REQUIRE(root);
  auto dry = unroot::chown_tree(*root, unroot::ChownRequest{kNode, kNode, true});
  REQUIRE(dry);
  CHECK(dry->entries == 111);
  CHECK(dry->changed == 111);
  CHECK(owner(v.vol + "/d3/f3") == Owner{0, 0});
  auto real = unroot::chown_tree(*root, unroot::ChownRequest{kNode, kNode, false});
  REQUIRE(real);
  CHECK(real->entries == 111);
  CHECK(real->changed == 111);
  CHECK(owner(v.vol + "/d3/f3") == Owner{kNode, kNode});
}

namespace {

// Calls per syscall name from an `strace -c` summary file.
std::map<std::string, long> strace_counts(const std::string& path) {
  std::map<std::string, long> calls;
  std::string text = read_file(path);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    // "% time  seconds  usecs/call  calls  [errors]  syscall": calls is the 4th column.
    std::vector<std::string> cols;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') {
        ++i;
      }
      std::size_t j = line.find(' ', i);
      if (i < line.size()) {
        cols.push_back(line.substr(i, j == std::string::npos ? std::string::npos : j - i));
      }
      i = j == std::string::npos ? line.size() : j;
    }
    if (cols.size() >= 5 && std::isdigit(static_cast<unsigned char>(cols[3][0])) != 0) {
      calls[cols.back()] += std::stol(cols[3]);
    }
  }
  return calls;
}

long stat_family(const std::map<std::string, long>& calls) {
  long n = 0;
  for (const char* name : {"stat", "lstat", "fstat", "newfstatat", "statx"}) {
    auto it = calls.find(name);
    n += it == calls.end() ? 0 : it->second;
  }
  return n;
}

}  // namespace

TEST_CASE("--chown makes at most one stat-family call per entry and no chown when all is right",
          "[.][root]") {
  require_root();
  if (!test_runner().empty()) {
    WARN("skipped under UNROOT_TEST_RUNNER: strace would count the emulator's own calls");
    return;
  }
  Volume v;
  for (int d = 0; d < 20; ++d) {
    std::string dir = v.vol + "/d" + std::to_string(d);
    make_dir(dir);
    for (int f = 0; f < 99; ++f) {
      make_file(dir + "/f" + std::to_string(f));
    }
  }
  constexpr long kEntries = 1 + 20 * 100;
  std::string log = v.tmp.path() + "/strace.txt";
  auto traced = [&] {
    return run({"/usr/bin/strace", "-f", "-c", "-o", log, unroot_bin(), "--chown", v.vol, "node",
                "/bin/true"},
               fixture_opts());
  };
  auto all = traced();
  REQUIRE(all.exit_code == 0);
  auto c = strace_counts(log);
  INFO(read_file(log));
  // One per entry, plus a fixed few: unroot reads /etc/passwd and /etc/group, and the dynamic
  // loader of /bin/true stats its libraries (about 21 in all here); preflight stats each
  // component of PATH once (open_path_carefully) and each directory above it once more (the
  // check that PATH is not below /proc, /sys or /dev).
  const long fixed = 30 + 2 * static_cast<long>(std::count(v.vol.begin(), v.vol.end(), '/'));
  CHECK(stat_family(c) <= kEntries + fixed);
  CHECK(c["fchownat"] + c["fchown"] == kEntries);

  auto none = traced();
  REQUIRE(none.exit_code == 0);
  c = strace_counts(log);
  CHECK(stat_family(c) <= kEntries + fixed);
  CHECK(c["fchownat"] + c["fchown"] + c["chown"] + c["lchown"] == 0);
}

TEST_CASE("a symlink above PATH that a non-root user could plant is not followed", "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.outside + "/uploads");
  make_file(v.outside + "/uploads/data");
  // The app owns the volume; it replaced "app" with a link to a directory outside.
  REQUIRE(::symlink(v.outside.c_str(), (v.vol + "/app").c_str()) == 0);
  REQUIRE(::lchown((v.vol + "/app").c_str(), kNode, kNode) == 0);
  REQUIRE(::symlink(v.outside.c_str(), (v.vol + "/rootlink").c_str()) == 0);
  auto before = owners_under(v.tmp.path());
  for (const std::string& path : {v.vol + "/app/uploads", v.vol + "/app/uploads/"}) {
    INFO(path);
    auto r = run_chown(path, "node");
    CHECK(r.exit_code == 125);
    CHECK(r.out.empty());
    CHECK(r.err == "unroot: --chown " + path +
                       ": refusing to follow the symlink 'app' on the way, which a non-root user "
                       "could have planted; name the real path\n");
  }
  // Even root's own link is refused when the directory holding it is writable by others.
  REQUIRE(::chmod(v.vol.c_str(), 01777) == 0);
  auto r = run_chown(v.vol + "/rootlink/uploads", "node");
  CHECK(r.exit_code == 125);
  CHECK(contains(r.err, "refusing to follow the symlink 'rootlink'"));
  REQUIRE(::chmod(v.vol.c_str(), 0755) == 0);
  CHECK(owners_under(v.tmp.path()) == before);
}

TEST_CASE("a trailing slash or /. does not make a symlink PATH followed", "[.][root]") {
  require_root();
  Volume v;
  REQUIRE(::symlink(v.outside.c_str(), (v.vol + "/link").c_str()) == 0);
  auto before = owners_under(v.tmp.path());
  for (const std::string& path : {v.vol + "/link/", v.vol + "/link/.", v.vol + "/link//./"}) {
    INFO(path);
    auto r = run_chown(path, "node");
    CHECK(r.exit_code == 125);
    CHECK(contains(r.err, "is a symbolic link (refused"));
  }
  CHECK(owners_under(v.tmp.path()) == before);
}

TEST_CASE("root's own symlink in a root-only directory above PATH is followed", "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.outside + "/uploads");
  make_file(v.outside + "/uploads/data");
  // Like /var/run -> /run: made by root, in a directory only root can write.
  REQUIRE(::symlink(v.outside.c_str(), (v.tmp.path() + "/current").c_str()) == 0);
  auto r = run_chown(v.tmp.path() + "/current/uploads", "node");
  CHECK(r.exit_code == 0);
  CHECK(owner(v.outside + "/uploads/data") == Owner{kNode, kNode});
  CHECK(owner(v.outside + "/uploads") == Owner{kNode, kNode});
  CHECK(owner(v.outside) == Owner{0, 0});
  CHECK(owner(v.tmp.path() + "/current") == Owner{0, 0});
}

TEST_CASE("--chown with --listen: the volume is handed over and only the socket is passed on",
          "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.vol + "/d");
  make_file(v.vol + "/d/f");
  RunOptions o = fixture_opts();
  o.new_netns = true;
  auto r =
      run({unroot_bin(), "--listen", "127.0.0.1:8080", "--chown", v.vol, "node", idprobe_bin()}, o);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err == "unroot: " + v.vol + ": 3 entries, 3 changed\n");
  auto p = parse_probe(r.out);
  CHECK(p["uid"] == "1000,1000,1000");
  CHECK(p["fds"] == "0,1,2,3");  // the socket; no descriptor of the walk leaked
  CHECK(owner(v.vol + "/d/f") == Owner{kNode, kNode});
}

TEST_CASE("an unreadable directory below PATH stops the walk with its path, exit 125",
          "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.vol + "/locked");
  make_file(v.vol + "/locked/inside");
  REQUIRE(::lchown((v.vol + "/locked").c_str(), 4321, 4321) == 0);
  REQUIRE(::chmod((v.vol + "/locked").c_str(), 0700) == 0);
  // Root without DAC_OVERRIDE and DAC_READ_SEARCH (but with CHOWN) cannot read another user's
  // 0700 directory: the walk must say so rather than skip it.
  auto r = run({"/usr/bin/setpriv", "--bounding-set", "-dac_override,-dac_read_search",
                "--inh-caps", "-dac_override,-dac_read_search", unroot_bin(), "--chown", v.vol,
                "node", "/bin/sh", "-c", "echo started"},
               fixture_opts());
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err == "unroot: open " + v.vol +
                     "/locked: permission denied, and unroot lacks capability "
                     "CAP_DAC_READ_SEARCH; add it or make the directory readable by root\n");
  CHECK(owner(v.vol + "/locked/inside") == Owner{0, 0});
}

namespace {

std::string attackprobe_bin() { return e2e::reachable(ATTACKPROBE_BIN); }

// Starts `argv` as uid:gid (no supplementary groups), stdin/stdout/stderr on /dev/null: an
// attacker running beside unroot, in the mount namespace `mnt_ns` if one is given. Returns its
// pid.
pid_t spawn_as(uid_t uid, gid_t gid, const std::vector<std::string>& argv, int mnt_ns = -1) {
  std::vector<char*> cargv;
  for (const std::string& a : argv) {
    cargv.push_back(const_cast<char*>(a.c_str()));
  }
  cargv.push_back(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(null, 1) < 0 || ::dup2(null, 2) < 0 ||
        (mnt_ns >= 0 && ::setns(mnt_ns, CLONE_NEWNS) != 0) || ::setgroups(0, nullptr) != 0 ||
        ::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0) {
      ::_exit(99);
    }
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  return pid;
}

void stop(pid_t pid) {
  if (pid > 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
}

// The owner of the inode fd refers to (an O_PATH descriptor: follows the inode, not a name).
Owner owner_of_fd(int fd) {
  struct stat st {};
  REQUIRE(::fstat(fd, &st) == 0);
  return {st.st_uid, st.st_gid};
}

// A tmpfs that exists only in the mount namespace of a helper process, mounted there over a
// directory of the disk, with the fixture /etc: a tmpfs for the race tests that is not below
// /dev (which --chown refuses), with no mount added to the machine. unroot and the attacker
// join that namespace (setns(2)); the test reaches the files through /proc/PID/root (proc(5)).
struct PrivateTmpfs {
  TempDir mountpoint{"unroot-tmpfs"};
  pid_t holder = -1;
  int ns = -1;
  int hold = -1;  // the holder lives until this is closed

  PrivateTmpfs() {
    int ready[2];
    int keep[2];
    REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(keep, O_CLOEXEC) == 0);
    const std::string etc = fixtures_dir() + "/basic";
    holder = ::fork();
    REQUIRE(holder >= 0);
    if (holder == 0) {
      char c = 1;
      ::close(keep[1]);
      if (::unshare(CLONE_NEWNS) != 0 ||
          ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
          ::mount(etc.c_str(), "/etc", nullptr, MS_BIND, nullptr) != 0 ||
          ::mount("tmpfs", mountpoint.path().c_str(), "tmpfs", MS_NOSUID, "mode=0755") != 0 ||
          ::write(ready[1], &c, 1) != 1) {
        ::_exit(1);
      }
      (void)::read(keep[0], &c, 1);  // returns when the test closes its end
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(keep[0]);
    hold = keep[1];
    char c = 0;
    bool up = ::read(ready[0], &c, 1) == 1;
    ::close(ready[0]);
    REQUIRE(up);
    ns = ::open(("/proc/" + std::to_string(holder) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(ns >= 0);
  }
  ~PrivateTmpfs() {
    ::close(hold);
    ::waitpid(holder, nullptr, 0);
    ::close(ns);
  }
  PrivateTmpfs(const PrivateTmpfs&) = delete;
  PrivateTmpfs& operator=(const PrivateTmpfs&) = delete;
  // The path as unroot and the attacker see it.
  const std::string& inside() const { return mountpoint.path(); }
  // The same file, from the test's own namespace.
  std::string host(const std::string& inside_path) const {
    return "/proc/" + std::to_string(holder) + "/root" + inside_path;
  }
  RunOptions run_options() const {
    RunOptions o;
    o.env = {"PATH=/usr/bin:/bin"};
    // Opened in the child: the harness closes every descriptor above 2 before child_setup.
    std::string ns_path = "/proc/" + std::to_string(holder) + "/ns/mnt";
    o.child_setup = [ns_path] {
      int fd = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || ::setns(fd, CLONE_NEWNS) != 0) {
        ::_exit(92);
      }
      ::close(fd);
    };
    return o;
  }
};

// Where a race test's files live: a directory under `base` on the disk, or the top of a
// PrivateTmpfs. `host(p)` is how the test itself reaches the path p that unroot sees.
struct RaceDir {
  std::optional<TempDir> tmp;
  const PrivateTmpfs* fs = nullptr;
  std::string top;
  RaceDir(const std::string& prefix, const std::string& base, const PrivateTmpfs* tmpfs)
      : fs(tmpfs) {
    if (fs != nullptr) {
      top = fs->inside();
    } else {
      tmp.emplace(prefix, base);
      top = tmp->path();
    }
  }
  std::string host(const std::string& p) const { return fs != nullptr ? fs->host(p) : p; }
  RunOptions run_options() const { return fs != nullptr ? fs->run_options() : fixture_opts(); }
  int ns() const { return fs != nullptr ? fs->ns : -1; }
};

// Gives every single-linked regular file in dir back to root, through a descriptor of the
// inode it checked (the attacker keeps renaming): the decoys need a change in every run.
void reset_decoys(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    int fd = ::open(e.path().c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) {
      REQUIRE(::fchownat(fd, "", 0, 0, AT_EMPTY_PATH) == 0);
    }
    ::close(fd);
  }
}

// The attack: inside the volume, in a directory the user may write, sit a hard link to a
// root 0600 file outside the volume and a device node, both planted before (the hard link
// while protected_hardlinks was off, or by the image). unroot skips both. The user swaps each
// with an ordinary root-owned file, over and over, with renameat2(RENAME_EXCHANGE), hoping
// unroot checks the ordinary file and then changes what is under its name by then.
void exchange_race(const std::string& base, const PrivateTmpfs* tmpfs = nullptr) {
  require_root();
  RaceDir where("unroot-xchg", base, tmpfs);
  const std::string vol = where.top + "/vol";
  const std::string dir = vol + "/incoming";
  const std::string secret_in = where.top + "/secret";
  const std::string secret = where.host(secret_in);
  make_dir(where.host(vol));
  make_dir(where.host(dir));
  REQUIRE(::chown(where.host(dir).c_str(), kNode, kNode) == 0);
  make_file(secret, 0600);
  REQUIRE(::link(secret.c_str(), where.host(dir + "/h").c_str()) == 0);
  REQUIRE(::mknod(where.host(dir + "/n").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0);
  make_file(where.host(dir + "/a"), 0600);
  make_file(where.host(dir + "/b"), 0600);
  // The device node moves between names: watch its inode.
  int device = ::open(where.host(dir + "/n").c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  REQUIRE(device >= 0);

  constexpr int kMaxRuns = 1000;
  constexpr auto kSeconds = std::chrono::seconds(10);
  pid_t attacker = spawn_as(
      kNode, kNode, {attackprobe_bin(), "exchange", dir, "15", "100000000", "a", "h", "b", "n"},
      where.ns());
  int runs = 0;
  int lost_at = 0;
  auto end = std::chrono::steady_clock::now() + kSeconds;
  while (runs < kMaxRuns && std::chrono::steady_clock::now() < end) {
    reset_decoys(where.host(dir));
    auto r = run_chown(vol, "node", {}, where.run_options());
    ++runs;
    INFO(r.err);
    CHECK(r.exit_code == 0);
    if (owner(secret) != Owner{0, 0} || owner_of_fd(device) != Owner{0, 0}) {
      lost_at = runs;
      break;
    }
  }
  stop(attacker);
  INFO((tmpfs != nullptr ? "tmpfs" : base)
       << ": " << runs << " runs of unroot --chown against the exchange loop");
  CHECK(runs > 0);
  CHECK(lost_at == 0);
  CHECK(owner(secret) == Owner{0, 0});
  CHECK(owner_of_fd(device) == Owner{0, 0});
  WARN((tmpfs != nullptr ? "tmpfs" : base)
       << ": " << runs << " runs, "
       << (lost_at == 0 ? "no change outside" : "LOST at run " + std::to_string(lost_at))
       << "; secret " << owner(secret).uid << ", device " << owner_of_fd(device).uid);
  ::close(device);
}

}  // namespace

TEST_CASE("a hard link or device node swapped in by RENAME_EXCHANGE is never handed over (disk)",
          "[.][root]") {
  exchange_race(e2e::disk_temp_base());
}

TEST_CASE("a hard link or device node swapped in by RENAME_EXCHANGE is never handed over (tmpfs)",
          "[.][root]") {
  require_root();
  PrivateTmpfs tmpfs;
  exchange_race("", &tmpfs);
}

namespace {

// Kubernetes' recommended set (examples/kubernetes): everything dropped, then these four.
// setpriv limits the bounding set and clears the inheritable one, so the root exec of unroot
// has exactly these in its effective set (capabilities(7), "Transformation of capabilities").
std::vector<std::string> with_k8s_caps(const std::vector<std::string>& argv) {
  std::vector<std::string> out{"/usr/bin/setpriv", "--bounding-set",
                               "-all,+setuid,+setgid,+chown,+net_bind_service", "--inh-caps",
                               "-all"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace

TEST_CASE("with Kubernetes' capability set, the user's own 0700 directory is not entered",
          "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.vol + "/conf");
  make_file(v.vol + "/conf/app.ini");
  // What the app did on its first start: mkdir -m 700 (PGDATA, ~/.ssh), files inside.
  const std::string own = v.vol + "/pgdata";
  make_dir(own);
  make_file(own + "/PG_VERSION");
  REQUIRE(::lchown((own + "/PG_VERSION").c_str(), kNode, kNode) == 0);
  REQUIRE(::lchown(own.c_str(), kNode, 0) == 0);  // its group still root's: fixed, not entered
  REQUIRE(::chmod(own.c_str(), 0700) == 0);
  auto outside_before = owners_under(v.tmp.path(), v.vol);
  const std::vector<std::string> cmd{unroot_bin(), "--chown", v.vol,         "node",
                                     "/bin/sh",    "-c",      "echo started"};

  auto first = run(with_k8s_caps(cmd), fixture_opts());
  CHECK(first.exit_code == 0);
  CHECK(first.out == "started\n");
  CHECK(first.err ==
        "unroot: " + v.vol + ": 4 entries, 4 changed, 1 directory of the user not entered\n");
  for (const char* name : {"", "/conf", "/conf/app.ini", "/pgdata", "/pgdata/PG_VERSION"}) {
    INFO(name);
    CHECK(owner(v.vol + name) == Owner{kNode, kNode});
  }
  auto second = run(with_k8s_caps(cmd), fixture_opts());
  CHECK(second.exit_code == 0);
  CHECK(second.out == "started\n");
  CHECK(second.err.empty());
  // PATH itself may be such a directory too.
  auto top = run(with_k8s_caps({unroot_bin(), "--verbose", "--chown", own, "node", "/bin/true"}),
                 fixture_opts());
  CHECK(top.exit_code == 0);
  CHECK(contains(top.err,
                 "unroot: " + own + ": 1 entry, 0 changed, 1 directory of the user not entered\n"));
  CHECK(owners_under(v.tmp.path(), v.vol) == outside_before);
}

TEST_CASE("with Kubernetes' capability set, another user's 0700 directory still fails",
          "[.][root]") {
  require_root();
  Volume v;
  make_file(v.vol + "/f");
  make_dir(v.vol + "/locked");
  make_file(v.vol + "/locked/inside");
  REQUIRE(::lchown((v.vol + "/locked").c_str(), kApp, kApp) == 0);
  REQUIRE(::chmod((v.vol + "/locked").c_str(), 0700) == 0);
  auto r =
      run(with_k8s_caps({unroot_bin(), "--chown", v.vol, "node", "/bin/sh", "-c", "echo started"}),
          fixture_opts());
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  CHECK(r.err == "unroot: open " + v.vol +
                     "/locked: permission denied, and unroot lacks capability "
                     "CAP_DAC_READ_SEARCH; add it or make the directory readable by root\n");
  CHECK(owner(v.vol + "/locked") == Owner{kApp, kApp});
  CHECK(owner(v.vol + "/locked/inside") == Owner{0, 0});
}

TEST_CASE("a failing second --chown says what the first handed over, and leaves no socket file",
          "[.][root]") {
  require_root();
  Volume v;
  std::string first = v.tmp.path() + "/first";
  make_dir(first);
  make_file(first + "/f");
  make_file(v.vol + "/f");
  make_dir(v.vol + "/locked");
  REQUIRE(::lchown((v.vol + "/locked").c_str(), kApp, kApp) == 0);
  REQUIRE(::chmod((v.vol + "/locked").c_str(), 0700) == 0);
  std::string sock_dir = v.tmp.path() + "/run";  // /run/app owned by the app, as usual
  make_dir(sock_dir);
  REQUIRE(::lchown(sock_dir.c_str(), kNode, kNode) == 0);
  std::string sock = sock_dir + "/app.sock";
  auto r = run(with_k8s_caps({unroot_bin(), "--listen", "unix:" + sock, "--chown", first, "--chown",
                              v.vol, "node", "/bin/sh", "-c", "echo started"}),
               fixture_opts());
  CHECK(r.exit_code == 125);
  CHECK(r.out.empty());
  // An operator must learn that the first volume changed owner although unroot failed.
  CHECK(r.err == "unroot: " + first + ": 2 entries, 2 changed\nunroot: open " + v.vol +
                     "/locked: permission denied, and unroot lacks capability "
                     "CAP_DAC_READ_SEARCH; add it or make the directory readable by root\n");
  CHECK(owner(first + "/f") == Owner{kNode, kNode});
  struct stat st {};
  CHECK(::lstat(sock.c_str(), &st) != 0);  // the command never runs: its socket file is gone
}

namespace {

bool mounted_at(const std::string& dir) {
  std::string mounts = read_file("/proc/self/mounts");
  return mounts.find(" " + dir + " fuse") != std::string::npos;
}

}  // namespace

TEST_CASE("a FUSE mount of the user that refuses root is skipped as a mount, not an error",
          "[.][root]") {
  require_root();
  if (!test_runner().empty()) {
    // qemu-user 7.2 has no openat2 (ENOSYS) and its statx gives no mount id: the walk is left
    // with a mount point whose every stat fails EACCES, as any unreadable directory does.
    WARN(
        "skipped under UNROOT_TEST_RUNNER: the emulator has no openat2 and its statx returns "
        "no mount id, so a FUSE mount refusing root cannot be told from an unreadable directory");
    return;
  }
  if (::access("/usr/bin/fuse-overlayfs", X_OK) != 0 || ::access("/dev/fuse", R_OK) != 0) {
    FAIL("needs fuse-overlayfs and fusermount3 (scripts/test.sh installs them) and /dev/fuse");
  }
  Volume v;
  const std::string layers = v.tmp.path() + "/layers";  // the user's, outside the volume
  for (const char* d : {"", "/lower", "/upper", "/work"}) {
    make_dir(layers + d);
    REQUIRE(::lchown((layers + d).c_str(), kNode, kNode) == 0);
  }
  make_file(layers + "/lower/inside");
  const std::string mnt = v.vol + "/sub";
  make_dir(mnt);
  REQUIRE(::lchown(mnt.c_str(), kNode, kNode) == 0);
  make_file(v.vol + "/own");
  const std::string pidfile = v.tmp.path() + "/fuse.pid";
  RunOptions o = fixture_opts();
  // In the harness's private mount namespace: the user mounts a FUSE filesystem (through the
  // setuid fusermount3, without allow_other, so the kernel refuses every other uid, root
  // included: fuse.rst, "How do non-privileged mounts work?"), then unroot runs.
  const std::string fuse_dev = v.tmp.path() + "/fuse";
  REQUIRE(::mknod(fuse_dev.c_str(), S_IFCHR | 0666, makedev(10, 229)) == 0);
  REQUIRE(::chmod(fuse_dev.c_str(), 0666) == 0);  // past the umask
  o.child_setup = [&] {
    // Distributions make /dev/fuse 0666; this machine has it 0600. A 0666 node over it, in
    // this namespace only, lets the user's fuse-overlayfs reach fusermount3 as it would there.
    if (::mount(fuse_dev.c_str(), "/dev/fuse", nullptr, MS_BIND, nullptr) != 0) {
      ::_exit(94);
    }
    pid_t daemon = ::fork();
    if (daemon < 0) {
      ::_exit(98);
    }
    if (daemon == 0) {
      int null = ::open("/dev/null", O_RDWR);
      if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(null, 1) < 0 || ::dup2(null, 2) < 0 ||
          ::setgroups(0, nullptr) != 0 || ::setresgid(kNode, kNode, kNode) != 0 ||
          ::setresuid(kNode, kNode, kNode) != 0) {
        ::_exit(99);
      }
      std::string opts =
          "lowerdir=" + layers + "/lower,upperdir=" + layers + "/upper,workdir=" + layers + "/work";
      ::execl("/usr/bin/fuse-overlayfs", "fuse-overlayfs", "-f", "-o", opts.c_str(), mnt.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    std::string pid = std::to_string(daemon);
    int fd = ::open(pidfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ::write(fd, pid.data(), pid.size()) != static_cast<ssize_t>(pid.size())) {
      ::_exit(97);
    }
    ::close(fd);
    for (int i = 0; i < 500 && !mounted_at(mnt); ++i) {  // at most 5 s
      ::usleep(10 * 1000);
    }
    if (!mounted_at(mnt)) {
      ::_exit(96);
    }
    // The mount is there and refuses root: what the walk meets.
    struct stat st {};
    if (::stat(mnt.c_str(), &st) == 0 || errno != EACCES) {
      ::_exit(95);
    }
  };
  // The daemon outlives the run: as subreaper, this process gets it back to reap it.
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  auto r = run_chown(v.vol, "node", {}, o);
  // The daemon keeps the namespace alive; killing it ends the mount and the namespace.
  std::string pid = read_file(pidfile);
  if (!pid.empty()) {
    ::kill(std::stoi(pid), SIGKILL);
    ::waitpid(std::stoi(pid), nullptr, 0);
  }
  (void)::prctl(PR_SET_CHILD_SUBREAPER, 0);
  INFO(r.err);
  REQUIRE(r.exit_code != 94);
  REQUIRE(r.exit_code != 95);
  REQUIRE(r.exit_code != 96);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "started\n");
  CHECK(r.err == "unroot: " + v.vol + ": 3 entries, 2 changed, 1 mount skipped\n");
  CHECK(owner(v.vol + "/own") == Owner{kNode, kNode});
  CHECK(owner(layers + "/lower/inside") == Owner{0, 0});
}

TEST_CASE("--chown refuses kernel interface filesystems, each with one line", "[.][root]") {
  require_root();
  struct Fs {
    const char* type;
    const char* data;
    const char* name;  // as the message names it
    bool new_ipc;      // mqueue shows the IPC namespace's queues: a fresh one is empty
  };
  const Fs filesystems[] = {
      {"cgroup2", nullptr, "cgroup2", false},
      {"cgroup", "pids", "cgroup", false},
      {"devpts", "newinstance,ptmxmode=0666", "devpts", false},
      {"mqueue", nullptr, "mqueue", true},
      {"tracefs", nullptr, "tracefs", false},
      {"debugfs", nullptr, "debugfs", false},
      {"securityfs", nullptr, "securityfs", false},
      {"bpf", nullptr, "bpf", false},
      {"hugetlbfs", nullptr, "hugetlbfs", false},
      {"pstore", nullptr, "pstore", false},
      {"configfs", nullptr, "configfs", false},
      {"binfmt_misc", nullptr, "binfmt_misc", false},
      {"fusectl", nullptr, "fusectl", false},
  };
  int refused = 0;
  std::string unavailable;
  for (const Fs& fs : filesystems) {
    INFO(fs.type);
    TempDir tmp("unroot-kfs");
    const std::string dir = tmp.path() + "/mnt";
    make_dir(dir);
    RunOptions o = fixture_opts();
    o.child_setup = [&] {
      if (fs.new_ipc && ::unshare(CLONE_NEWIPC) != 0) {
        ::_exit(77);
      }
      if (::mount(fs.type, dir.c_str(), fs.type, MS_NOSUID | MS_NODEV | MS_NOEXEC, fs.data) != 0) {
        ::_exit(77);  // not in this kernel
      }
    };
    // The dry run first: a build that would walk this filesystem stops here, before it changes
    // owners in a kernel filesystem shared with the host (tracefs, cgroup2, ...).
    auto dry = run_chown(dir, "node", {"--dry-run"}, o);
    if (dry.exit_code == 77) {
      unavailable += std::string(" ") + fs.type;
      continue;
    }
    const std::string line = "--chown " + dir + ": refusing to change owners on " + fs.name +
                             ", a kernel interface filesystem";
    REQUIRE(dry.exit_code == 0);
    REQUIRE(contains(dry.out, "a real run would fail: " + line + "\n"));
    auto r = run_chown(dir, "node", {}, o);
    CHECK(r.exit_code == 125);
    CHECK(r.out.empty());
    CHECK(r.err == "unroot: " + line + "\n");
    ++refused;
  }
  WARN(refused << " kernel filesystems refused; not mountable here:" << unavailable);
  CHECK(refused >= 6);
}

namespace {

// A seccomp filter that fails openat2 with ENOSYS, as on a kernel older than 5.6. Installed in
// the child just before exec (no_new_privs first, as seccomp(2) requires without
// CAP_SYS_ADMIN in the filter's user namespace; unroot sets it anyway).
void deny_openat2() {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog {};
  prog.len = sizeof filter / sizeof filter[0];
  prog.filter = filter;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
    ::_exit(93);
  }
}

}  // namespace

TEST_CASE("without openat2 (ENOSYS) mounts are still found by mount id and skipped", "[.][root]") {
  require_root();
  if (!test_runner().empty()) {
    // As in the bind mount case: qemu-user 7.2 fills STATX_MNT_ID in stx_mask but leaves
    // stx_mnt_id 0, and this case is about exactly that fallback.
    WARN("skipped under UNROOT_TEST_RUNNER: the emulator's statx returns no mount id");
    return;
  }
  Volume v;
  plant_bind_mount_targets(v);
  auto outside_before = owners_under(v.tmp.path(), v.vol);
  RunOptions o = fixture_opts();
  o.child_setup = [&v] {
    bind_outside(v);
    deny_openat2();
  };
  auto r = run_chown(v.vol, "node", {}, o);
  REQUIRE(r.exit_code != 93);
  CHECK(r.exit_code == 0);
  CHECK(r.err == "unroot: " + v.vol + ": 4 entries, 2 changed, 2 mounts skipped\n");
  CHECK(owner(v.vol + "/own") == Owner{kNode, kNode});
  CHECK(owners_under(v.tmp.path(), v.vol) == outside_before);
}

TEST_CASE("without the DAC capabilities a root 0700 directory is handed over whole on every run",
          "[.][root]") {
  require_root();
  Volume v;
  // What an image ships: a root 0700 directory with a 0600 file and a subdirectory inside.
  const std::string pg = v.vol + "/pg";
  make_dir(pg);
  REQUIRE(::chmod(pg.c_str(), 0700) == 0);
  make_file(pg + "/conf", 0600);
  make_dir(pg + "/sub");
  make_file(pg + "/sub/f", 0600);
  auto outside_before = owners_under(v.tmp.path(), v.vol);
  // CHOWN without DAC_OVERRIDE and DAC_READ_SEARCH, as with Kubernetes' set: root may search
  // pg only while it still owns it.
  const std::vector<std::string> cmd{"/usr/bin/setpriv",
                                     "--bounding-set",
                                     "-dac_override,-dac_read_search",
                                     "--inh-caps",
                                     "-dac_override,-dac_read_search",
                                     unroot_bin(),
                                     "--chown",
                                     v.vol,
                                     "app",
                                     "/bin/sh",
                                     "-c",
                                     "echo started"};
  for (int i = 0; i < 3; ++i) {
    INFO("run " << i + 1);
    auto r = run(cmd, fixture_opts());
    CHECK(r.exit_code == 0);
    CHECK(r.out == "started\n");
    if (i == 0) {
      CHECK(r.err == "unroot: " + v.vol + ": 5 entries, 5 changed\n");
    } else {
      // Now the user's own 0700 directory, not entered, with nothing of root's left inside.
      CHECK(r.err.empty());
    }
    for (const char* name : {"", "/pg", "/pg/conf", "/pg/sub", "/pg/sub/f"}) {
      INFO(name);
      CHECK(owner(v.vol + name) == Owner{kApp, kApp});
    }
  }
  CHECK(owners_under(v.tmp.path(), v.vol) == outside_before);
}

namespace {

// The attack on "..": srv/data and srv/data/sub are the user's; pub is a 1777 directory that
// holds root's 0700 cache with a 0600 key, and a directory of the user's, pub/sub. The user
// swaps srv/data/sub and pub/sub (two directories, two parents: RENAME_EXCHANGE) over and
// over, so that the ".." of "srv/data/sub/../cache" may be pub, and cache pub/cache.
void dotdot_race(const std::string& base, const PrivateTmpfs* tmpfs = nullptr) {
  require_root();
  RaceDir where("unroot-dotdot", base, tmpfs);
  const std::string srv = where.top + "/srv";
  const std::string pub = where.top + "/pub";
  for (const std::string& d : {srv, srv + "/data", srv + "/data/sub", srv + "/data/cache", pub,
                               pub + "/sub", pub + "/cache"}) {
    make_dir(where.host(d));
  }
  for (const std::string& d : {srv + "/data", srv + "/data/sub", pub + "/sub"}) {
    REQUIRE(::chown(where.host(d).c_str(), kApp, kApp) == 0);
  }
  REQUIRE(::chmod(where.host(pub).c_str(), 01777) == 0);
  REQUIRE(::chmod(where.host(pub + "/cache").c_str(), 0700) == 0);
  make_file(where.host(pub + "/cache/key"), 0600);
  make_file(where.host(srv + "/data/cache/own"));
  const std::string key = where.host(pub + "/cache/key");
  const std::string path = srv + "/data/sub/../cache";

  constexpr int kMaxRuns = 300;
  constexpr auto kSeconds = std::chrono::seconds(8);
  pid_t attacker =
      spawn_as(kApp, kApp,
               {attackprobe_bin(), "exchange2", "12", "100000000", srv + "/data/sub", pub + "/sub"},
               where.ns());
  int runs = 0;
  int lost_at = 0;
  int refused = 0;
  auto start = std::chrono::steady_clock::now();
  while (runs < kMaxRuns && std::chrono::steady_clock::now() < start + kSeconds) {
    auto r = run_chown(path, "app", {}, where.run_options());
    ++runs;
    INFO(r.err);
    if (r.err == "unroot: --chown " + path +
                     ": refusing '..' after a directory a non-root user can move; name the real "
                     "path\n") {
      CHECK(r.exit_code == 125);
      ++refused;
    }
    if (owner(key) != Owner{0, 0} || owner(where.host(pub + "/cache")) != Owner{0, 0}) {
      lost_at = runs;
      break;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop(attacker);
  const char* where_name = tmpfs != nullptr ? "tmpfs" : "disk";
  INFO(where_name << ": " << runs << " runs against the '..' exchange loop");
  CHECK(runs > 0);
  CHECK(lost_at == 0);
  CHECK(refused == runs);  // refused every time, race or not
  CHECK(owner(key) == Owner{0, 0});
  WARN(where_name << ": " << runs << " runs in " << secs << " s, "
                  << (lost_at == 0 ? "key stayed root's"
                                   : "LOST at run " + std::to_string(lost_at)));
}

}  // namespace

TEST_CASE("'..' after a directory the user can move is refused and not raced (disk)", "[.][root]") {
  dotdot_race(std::filesystem::current_path().string());
}

TEST_CASE("'..' after a directory the user can move is refused and not raced (tmpfs)",
          "[.][root]") {
  require_root();
  PrivateTmpfs tmpfs;
  dotdot_race("", &tmpfs);
}

TEST_CASE("'..' after root's own directories still resolves as in /var/run -> ../run",
          "[.][root]") {
  require_root();
  Volume v;
  make_dir(v.tmp.path() + "/var");
  make_dir(v.vol + "/d");
  // A root link in a root-only directory whose target starts with "..".
  REQUIRE(::symlink("../vol", (v.tmp.path() + "/var/vol").c_str()) == 0);
  auto r = run_chown(v.tmp.path() + "/var/vol/d", "node");
  CHECK(r.exit_code == 0);
  CHECK(owner(v.vol + "/d") == Owner{kNode, kNode});
  auto spelled = run_chown(v.tmp.path() + "/var/../vol", "app");
  CHECK(spelled.exit_code == 0);
  CHECK(owner(v.vol + "/d") == Owner{kApp, kApp});
}

TEST_CASE("--chown refuses paths below /proc /sys and /dev on data filesystems", "[.][root]") {
  require_root();
  RunOptions o = fixture_opts();
  // In the harness's private mount namespace: a tmpfs at /sys/fs/cgroup (what some runtimes
  // mount) and one at /dev/shm, each with a directory and a file.
  o.child_setup = [] {
    for (const char* m : {"/sys/fs/cgroup", "/dev/shm"}) {
      if (::mount("tmpfs", m, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0 ||
          ::mkdir((std::string(m) + "/sub").c_str(), 0755) != 0 ||
          ::close(::open((std::string(m) + "/file").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC,
                         0644)) != 0) {
        ::_exit(99);
      }
    }
  };
  struct Case {
    const char* path;
    const char* below;
  };
  const Case cases[] = {
      {"/sys/fs/cgroup", "/sys"}, {"/sys/fs/cgroup/sub", "/sys"}, {"/sys/fs/cgroup/file", "/sys"},
      {"/dev/shm/sub", "/dev"},   {"/dev/shm/file", "/dev"},      {"/dev/shm/sub/../file", "/dev"},
  };
  for (const Case& c : cases) {
    INFO(c.path);
    const std::string line =
        std::string("--chown ") + c.path + ": refusing to change owners below " + c.below;
    auto dry = run_chown(c.path, "node", {"--dry-run"}, o);
    REQUIRE(dry.exit_code != 99);
    CHECK(contains(dry.out, "a real run would fail: " + line + "\n"));
    auto r = run_chown(c.path, "node", {}, o);
    CHECK(r.exit_code == 125);
    CHECK(r.out.empty());
    CHECK(r.err == "unroot: " + line + "\n");
  }
}
