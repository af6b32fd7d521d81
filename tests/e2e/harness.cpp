// SPDX-License-Identifier: MIT
// e2e harness implementation: fork, namespaces, exec, poll-bounded capture.
#include "harness.hpp"

#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace e2e {
namespace {

[[noreturn]] void child_fail(const char* what) {
  std::string msg = std::string("harness child: ") + what + ": " + std::strerror(errno) + "\n";
  (void)!::write(2, msg.data(), msg.size());
  _exit(250);
}

void bring_lo_up() {
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) {
    child_fail("socket for lo");
  }
  struct ifreq ifr {};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
    child_fail("SIOCGIFFLAGS lo");
  }
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  if (::ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
    child_fail("SIOCSIFFLAGS lo");
  }
  ::close(s);
}

long now_ms() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

bool is_root() { return ::geteuid() == 0; }

std::string unroot_bin() {
  const char* env = std::getenv("UNROOT_BIN");  // lets the same cases run the musl build
  return reachable(env != nullptr && *env != '\0' ? env : UNROOT_BIN);
}
std::string reachable(const std::string& path) {
  // The build tree may sit where the test users cannot look (a clone under /root, mode 0700):
  // the probes run as those users, so each is copied once into a world-readable directory.
  static std::map<std::string, std::string> copies;
  static std::string dir;
  if (auto it = copies.find(path); it != copies.end()) {
    return it->second;
  }
  if (dir.empty()) {
    char tmpl[] = "/tmp/unroot-e2e-tools-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    REQUIRE(::chmod(dir.c_str(), 0755) == 0);
    std::atexit([] { std::filesystem::remove_all(dir); });
  }
  std::string copy = dir + "/" + std::filesystem::path(path).filename().string();
  std::filesystem::copy_file(path, copy, std::filesystem::copy_options::overwrite_existing);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  REQUIRE(::chmod(copy.c_str(), (st.st_mode & 0111) != 0 ? 0755 : 0644) == 0);
  copies[path] = copy;
  return copy;
}

std::string idprobe_bin() { return reachable(IDPROBE_BIN); }

const std::vector<std::string>& test_runner() {
  static const std::vector<std::string> words = [] {
    std::vector<std::string> w;
    const char* env = std::getenv("UNROOT_TEST_RUNNER");
    std::istringstream in(env != nullptr ? env : "");
    for (std::string word; in >> word;) {
      w.push_back(word);
    }
    if (!w.empty() && w[0].find('/') == std::string::npos) {
      // execve does no PATH search; the emulator must be named by its path.
      const char* path = std::getenv("PATH");
      std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
      for (std::string dir; std::getline(dirs, dir, ':');) {
        std::string candidate = dir + "/" + w[0];
        if (::access(candidate.c_str(), X_OK) == 0) {
          w[0] = candidate;
          break;
        }
      }
    }
    return w;
  }();
  return words;
}

std::vector<std::string> with_runner(const std::vector<std::string>& argv) {
  // Under a runner (an emulator), every argument naming unroot is a program to start: as argv[0]
  // or as the command of a wrapper (setpriv, unshare, strace, attackprobe, env).
  std::vector<std::string> args;
  const std::string bin = unroot_bin();
  for (const auto& a : argv) {
    if (a == bin) {
      args.insert(args.end(), test_runner().begin(), test_runner().end());
    }
    args.push_back(a);
  }
  return args;
}

std::string fixtures_dir() { return FIXTURES_DIR; }

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& opts) {
  REQUIRE(!argv.empty());
  int out_pipe[2], err_pipe[2], in_pipe[2];
  REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(in_pipe, O_CLOEXEC) == 0);
  std::vector<std::string> args = with_runner(argv);
  std::vector<char*> cargv;
  for (auto& a : args) {
    cargv.push_back(a.data());
  }
  cargv.push_back(nullptr);
  std::vector<std::string> env = opts.env;
  std::vector<char*> cenv;
  for (auto& e : env) {
    cenv.push_back(e.data());
  }
  cenv.push_back(nullptr);

  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // dup2 clears FD_CLOEXEC on the targets only.
    if (::dup2(in_pipe[0], 0) < 0 || ::dup2(out_pipe[1], 1) < 0 || ::dup2(err_pipe[1], 2) < 0) {
      child_fail("dup2");
    }
    ::signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!opts.etc_dir.empty()) {
      if (::unshare(CLONE_NEWNS) != 0) {
        child_fail("unshare(CLONE_NEWNS)");
      }
      // Private propagation first, so nothing we mount leaks to the host's namespace.
      if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        child_fail("make / private");
      }
      if (::mount(opts.etc_dir.c_str(), "/etc", nullptr, MS_BIND, nullptr) != 0) {
        child_fail("bind fixture over /etc");
      }
    }
    if (opts.new_netns) {
      if (::unshare(CLONE_NEWNET) != 0) {
        child_fail("unshare(CLONE_NEWNET)");
      }
      bring_lo_up();
    }
    if (!opts.cwd.empty() && ::chdir(opts.cwd.c_str()) != 0) {
      child_fail("chdir");
    }
    if (opts.as_user) {
      if (::setgroups(opts.groups.size(), opts.groups.data()) != 0 ||
          ::setresgid(opts.gid, opts.gid, opts.gid) != 0 ||
          ::setresuid(opts.uid, opts.uid, opts.uid) != 0) {
        child_fail("become the test user");
      }
    }
    // Only 0, 1, 2 go to the command unless child_setup opens more: the test runner's own
    // inherited descriptors must not look like leaks.
    if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0) {
      child_fail("close_range");
    }
    if (opts.child_setup) {
      opts.child_setup();
    }
    ::execve(cargv[0], cargv.data(), cenv.data());
    child_fail("execve");
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(in_pipe[0]);
  if (!opts.stdin_data.empty()) {
    (void)!::write(in_pipe[1], opts.stdin_data.data(), opts.stdin_data.size());
  }
  ::close(in_pipe[1]);

  RunResult r;
  r.pid = pid;
  struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_count = 2;
  long deadline = now_ms() + opts.timeout_ms;
  while (open_count > 0) {
    long left = deadline - now_ms();
    if (left <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(left));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    REQUIRE(n >= 0);
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) {
        continue;
      }
      char buf[65536];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      } else {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) {
      ::close(f.fd);
    }
  }
  int status = 0;
  // Output closed (or timed out): the child is exiting; a bounded wait still guards a child
  // that closed its output and kept running.
  for (;;) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      break;
    }
    if (now_ms() > deadline + 2000) {
      ::kill(pid, SIGKILL);
    }
    ::usleep(1000);
  }
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  return r;
}

// Where temporary trees go by default: under the build tree, not /tmp, because /tmp may be
// mounted nosuid, which the setuid cases need, and is often a tmpfs, while the "disk" cases want
// the disk. But the test users must reach the trees: a build tree below a directory others may
// not search (a clone under /root, mode 0700) gives way to /var/tmp, on disk as well.
FreshNetns::FreshNetns() {
  orig_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  REQUIRE(orig_ >= 0);
  REQUIRE(::unshare(CLONE_NEWNET) == 0);
  bring_lo_up();
  // Per network namespace (since Linux 4.11): the host's setting does not matter here.
  int f = ::open("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY | O_CLOEXEC);
  REQUIRE(f >= 0);
  REQUIRE(::write(f, "1024", 4) == 4);
  ::close(f);
}

FreshNetns::~FreshNetns() {
  (void)!::setns(orig_, CLONE_NEWNET);
  ::close(orig_);
}

std::string disk_temp_base() {
  std::filesystem::path cwd = std::filesystem::current_path();
  for (std::filesystem::path p = cwd; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) {
      return "/var/tmp";
    }
    if (p == p.root_path()) {
      break;
    }
  }
  return cwd.string();
}

TempDir::TempDir(const std::string& prefix) : TempDir(prefix, disk_temp_base()) {}

TempDir::TempDir(const std::string& prefix, const std::string& base) {
  std::string tmpl = base + "/" + prefix + "-XXXXXX";
  char* p = ::mkdtemp(tmpl.data());
  REQUIRE(p != nullptr);
  path_ = p;
  ::chmod(path_.c_str(), 0755);  // the dropped user must be able to reach fixtures
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& name, const std::string& content, mode_t mode) const {
  std::string p = path_ + "/" + name;
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << content;
  }
  ::chmod(p.c_str(), mode);
  return p;
}

EtcFixture::EtcFixture(const std::string* passwd, const std::string* group) {
  if (passwd != nullptr) {
    dir.file("passwd", *passwd);
  }
  if (group != nullptr) {
    dir.file("group", *group);
  }
}

std::map<std::string, std::string> parse_probe(const std::string& out) {
  std::map<std::string, std::string> m;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) {
      m[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return m;
}

}  // namespace e2e
