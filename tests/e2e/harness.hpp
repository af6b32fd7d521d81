// SPDX-License-Identifier: MIT
// e2e harness: runs the real built unroot (or any program) in a child with an exact argv and
// environment, optionally inside a private mount namespace with a fixture directory mounted
// over /etc, and captures exit status, stdout and stderr. Test code only.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace e2e {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  pid_t pid = 0;  // the child's pid: the command must keep it across unroot's exec
  std::string out;
  std::string err;
  bool timed_out = false;
};

struct RunOptions {
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin"};
  std::string etc_dir;     // non-empty: bind-mounted over /etc in a private mount namespace
  bool new_netns = false;  // a fresh network namespace with lo up
  std::string cwd;         // chdir before exec
  bool as_user = false;    // become uid:gid with `groups` before exec, to act as non-root
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups for as_user
  std::string stdin_data;
  int timeout_ms = 20000;
  std::function<void()> child_setup;  // runs in the child just before exec (after the above)
};

/// Runs argv[0] (a path) with argv. Fails the current test on harness errors.
RunResult run(const std::vector<std::string>& argv, const RunOptions& opts = {});

bool is_root();

/// This process in a fresh network namespace (lo up, unprivileged ports from 1024 as on a stock
/// kernel) for the lifetime of the object; the previous namespace is restored afterwards.
class FreshNetns {
 public:
  FreshNetns();
  ~FreshNetns();
  FreshNetns(const FreshNetns&) = delete;
  FreshNetns& operator=(const FreshNetns&) = delete;

 private:
  int orig_ = -1;
};

/// A directory on disk that every test user can reach: the current (build) directory, or
/// /var/tmp when a directory above it is closed to others (a clone under /root).
std::string disk_temp_base();

/// A temporary directory removed (recursively) at scope exit.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "unroot-e2e");
  /// Under `base` (e.g. "/dev/shm" for a tmpfs) instead of the current directory.
  TempDir(const std::string& prefix, const std::string& base);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name, const std::string& content, mode_t mode = 0644) const;

 private:
  std::string path_;
};

/// A fixture /etc: a TempDir holding passwd and group (either may be left out).
struct EtcFixture {
  TempDir dir{"unroot-etc"};
  EtcFixture(const std::string* passwd, const std::string* group);
  EtcFixture(const std::string& passwd, const std::string& group) : EtcFixture(&passwd, &group) {}
};

/// key=value lines of idprobe's output.
std::map<std::string, std::string> parse_probe(const std::string& out);

std::string unroot_bin();
/// A copy of the file at `path` in a directory every user can read (made once per run, removed
/// at exit), for programs the tests run as an unprivileged user.
std::string reachable(const std::string& path);
/// UNROOT_TEST_RUNNER split into words, its program resolved on PATH (empty: run natively). run()
/// puts these words before every argument equal to unroot_bin(), so the same cases run a foreign
/// build under an emulator (UNROOT_TEST_RUNNER=qemu-aarch64-static UNROOT_BIN=unroot-linux-arm64).
const std::vector<std::string>& test_runner();
/// argv with test_runner()'s words before every argument equal to unroot_bin(): for a test that
/// execs by itself instead of through run().
std::vector<std::string> with_runner(const std::vector<std::string>& argv);
std::string idprobe_bin();
std::string fixtures_dir();
std::string read_file(const std::string& path);

}  // namespace e2e
