// SPDX-License-Identifier: MIT
// main: argv/envp → Options → Plan → act → drop → exec. The only place that prints errors and
// chooses exit codes; every other module returns values.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "chown_walk.hpp"
#include "errno_text.hpp"
#include "exec.hpp"
#include "options.hpp"
#include "plan.hpp"
#include "privdrop.hpp"
#include "session.hpp"
#include "sockets.hpp"
#include "sys.hpp"
#include "userdb.hpp"

namespace {

using unroot::Error;

constexpr char kUsage[] =
    "Usage: unroot [OPTIONS] USER[:GROUP] COMMAND [ARG...]\n"
    "Run COMMAND as USER in place of unroot (same PID), after proving root cannot be regained.\n"
    "\n"
    "USER and GROUP are names from /etc/passwd and /etc/group, or decimal ids.\n"
    "  user         that user's uid, primary gid and every group listing the user\n"
    "  user:group   that uid, and exactly that one group\n"
    "  uid          needs a passwd entry, or name the group: uid:gid\n"
    "  :group       the caller's own uid with that group\n"
    "\n"
    "Options (before USER; -- ends them):\n"
    "  -h, --help              show this help and exit\n"
    "  -v, --version           show version and build information and exit\n"
    "      --dry-run           resolve everything, print what would happen, change nothing\n"
    "      --verbose           report more of what is done on stderr\n"
    "  -l, --listen [NAME=]ADDRESS\n"
    "                          bind ADDRESS while root and pass it as fd 3, 4, ... (socket\n"
    "                          activation: LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES)\n"
    "      --backlog N         listen(2) backlog for --listen stream sockets\n"
    "  -c, --chown PATH        give PATH and everything below it to USER:GROUP first\n"
    "      --keep-cap CAP      keep one capability (e.g. NET_BIND_SERVICE) across the switch\n"
    "      --setsid            run COMMAND in a new session, without the controlling terminal\n"
    "                          (unroot forks and waits: COMMAND gets a PID of its own)\n"
    "      --allow-new-privs   do not set no_new_privs (lets setuid programs such as su work)\n"
    "\n"
    "Exit status: 125 unroot failed, 126 COMMAND not executable, 127 COMMAND not found,\n"
    "otherwise the status of COMMAND.\n";

constexpr char kProg[] = "unroot";

/// An Error as one line, without the "unroot: " prefix.
std::string error_text(const Error& e) {
  // Control bytes (a newline in a user-spec or a passwd field) must not forge a second line.
  std::string text = unroot::escape_bytes(e.what, false);
  if (e.sys_errno != 0) {
    text += std::string(": ") + unroot::errno_text(e.sys_errno);  // same words with musl
  }
  return text;
}

int report(const Error& e, int code) {
  std::string line = std::string(kProg) + ": " + error_text(e) + '\n';
  if (e.usage) {
    line += kUsage;
  }
  (void)unroot::write_all(STDERR_FILENO, line.data(), line.size());  // one write, no stdio
  return e.exit_code != 0 ? e.exit_code : code;
}

int print(int fd, const std::string& text) {
  auto s = unroot::write_all(fd, text.data(), text.size());
  return s ? 0 : report(s.error(), unroot::kExitOwnError);
}

// The target architecture by its Debian name (the release files' names), from the compiler's
// own macros, so a binary says what it is built for wherever it was copied to.
constexpr const char* kArch =
#if defined(__x86_64__)
    "amd64";
#elif defined(__aarch64__)
    "arm64";
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
    "armhf";
#elif defined(__arm__)
    "armel";
#elif defined(__i386__)
    "i386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    "ppc64el";
#elif defined(__riscv) && __riscv_xlen == 64
    "riscv64";
#elif defined(__s390x__)
    "s390x";
#else
    "unknown";
#endif

std::string version_text() {
  std::string v = std::string(kProg) + " " + UNROOT_VERSION + "\n";
  v += std::string("arch: ") + kArch + "\n";
#if defined(__clang__)
  v += "compiler: clang " __clang_version__ "\n";
#elif defined(__GNUC__)
  v += "compiler: g++ " __VERSION__ "\n";
#endif
#if defined(__GLIBC__)
  v += "libc: glibc " + std::to_string(__GLIBC__) + "." + std::to_string(__GLIBC_MINOR__) +
       " (static)\n";
#else
  v += "libc: musl (static)\n";
#endif
  v += "user database: /etc/passwd and /etc/group parsed directly (no NSS)\n";
  return v;
}

unroot::Result<unroot::UserFile> load(const char* path, std::string& storage) {
  auto f = unroot::read_small_file(path, unroot::kMaxUserFileSize);
  if (!f) {
    return f.error();
  }
  storage = std::move(f->text);
  return unroot::UserFile{path, storage, f->exists};
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  using unroot::kExitOwnError;
  // A setuid/setgid unroot would let any local user run anything as anyone: refuse always.
  // AT_SECURE is the kernel's own answer (getauxval(3)); it needs no /proc.
  if (unroot::started_secure()) {
    return report(Error{"refusing to run setuid or setgid (or with file capabilities); "
                        "install unroot as a plain root-owned 0755 file"},
                  kExitOwnError);
  }
  auto opts = unroot::parse_args(argc, argv);
  if (!opts) {
    return report(opts.error(), kExitOwnError);
  }
  if (opts->help) {
    return print(STDOUT_FILENO, kUsage);
  }
  if (opts->version) {
    return print(STDOUT_FILENO, version_text());
  }

  std::string passwd_text, group_text;
  auto passwd = load("/etc/passwd", passwd_text);
  if (!passwd) {
    return report(passwd.error(), kExitOwnError);
  }
  auto group = load("/etc/group", group_text);
  if (!group) {
    return report(group.error(), kExitOwnError);
  }
  auto caller = unroot::read_caller();
  if (!caller) {
    return report(caller.error(), kExitOwnError);
  }
  auto plan = unroot::make_plan(*opts, *passwd, *group, envp, *caller);
  if (!plan) {
    return report(plan.error(), kExitOwnError);
  }

  // Preflight: every --chown PATH is opened once and checked before anything changes.
  std::vector<unroot::ChownRoot> chown_roots;
  std::string dry_chown;
  for (std::string_view path : plan->chown) {
    auto root = unroot::chown_preflight(path);
    if (!root) {
      if (!plan->dry_run) {
        return report(root.error(), kExitOwnError);
      }
      dry_chown += "a real run would fail: " + error_text(root.error()) + "\n";
      continue;
    }
    chown_roots.push_back(std::move(*root));
  }

  if (plan->dry_run) {
    // --dry-run walks the --chown trees read-only, so it can say how much a real run changes.
    for (const unroot::ChownRoot& root : chown_roots) {
      unroot::ChownRequest req{plan->identity.uid, plan->identity.gid, true, 0};
      auto stats = unroot::chown_tree(root, req);
      dry_chown += stats ? "chown: " + unroot::chown_summary(root.path, *stats, true) + "\n"
                         : "a real run would fail: " + error_text(stats.error()) + "\n";
    }
    return print(STDOUT_FILENO, unroot::describe_plan(*plan) + dry_chown);
  }

  // --listen: bind while still root (a taken port fails fast, before a long --chown walk).
  auto sockets = unroot::bind_listen_sockets(plan->listen, plan->backlog,
                                             {plan->identity.uid, plan->identity.gid});
  if (!sockets) {
    return report(sockets.error(), kExitOwnError);
  }

  // --chown walks, still as root. Fail closed: the first error stops the walk and the command
  // is not started (a volume handed over halfway is reported, not run with).
  for (const unroot::ChownRoot& root : chown_roots) {
    unroot::ChownRequest req{plan->identity.uid, plan->identity.gid, false, 0};
    auto stats = unroot::chown_tree(root, req);
    if (!stats) {
      Error e = stats.error();
      // A directory only its owner may enter (0700, another uid) needs CAP_DAC_READ_SEARCH (or
      // DAC_OVERRIDE), which Kubernetes' minimal set and --cap-drop ALL leave out: name it, as
      // every other missing-capability error does.
      constexpr unroot::CapMask kDac =
          unroot::cap_bit(unroot::kCapDacOverride) | unroot::cap_bit(unroot::kCapDacReadSearch);
      if (e.sys_errno == EACCES && (caller->caps.effective & kDac) == 0) {
        e.what +=
            ": permission denied, and unroot lacks capability CAP_DAC_READ_SEARCH; add it "
            "or make the directory readable by root";
        e.sys_errno = 0;
      }
      return report(e, kExitOwnError);
    }
    if (stats->changed != 0 || opts->verbose) {
      std::string line =
          std::string(kProg) + ": " + unroot::chown_summary(root.path, *stats, false) + "\n";
      (void)unroot::write_all(STDERR_FILENO, line.data(), line.size());
    }
  }
  chown_roots.clear();  // closes the PATH descriptors: place_listen_fds wants none of ours open

  // Put the sockets at 3, 4, ... last, when no other descriptor of ours is open
  // (place_listen_fds's contract).
  auto placed = unroot::place_listen_fds(std::move(*sockets));
  if (!placed) {
    return report(placed.error(), kExitOwnError);
  }
  if (opts->verbose) {
    std::string text;
    for (std::size_t i = 0; i < plan->listen.size(); ++i) {
      text += std::string(kProg) + ": fd " + std::to_string(3 + i) + ": " +
              unroot::describe(plan->listen[i]) + "\n";
    }
    for (const unroot::FdMove& m : *placed) {
      text += std::string(kProg) + ": inherited fd " + std::to_string(m.from) + " moved to " +
              std::to_string(m.to) + " to make room for the --listen sockets\n";
    }
    (void)unroot::write_all(STDERR_FILENO, text.data(), text.size());
  }

  if (auto s = unroot::switch_identity(*plan); !s) {
    return report(s.error(), kExitOwnError);
  }
  if (plan->setsid) {
    // After the switch, so the parent that stays behind is as unprivileged as the command.
    auto forked = unroot::start_new_session();
    if (!forked) {
      return report(forked.error(), kExitOwnError);
    }
    if (*forked) {
      return unroot::exit_code_for(**forked);  // the parent: leave as the command left
    }
    // The child has a new PID: socket activation's LISTEN_PID must name it (sd_listen_fds(3)
    // ignores the fds otherwise). Only a value naming unroot itself is rewritten: set by unroot
    // for --listen, or by a supervisor that started unroot. LISTEN_PIDFDID identifies unroot's
    // process too and cannot be made true for the child, so it goes (sd_listen_fds then
    // checks the PID alone).
    const std::string own_pid = std::to_string(caller->pid);
    if (auto v = unroot::find_env(plan->env, "LISTEN_PID"); v && *v == own_pid) {
      unroot::set_env(plan->env, "LISTEN_PID", std::to_string(::getpid()));
      unroot::unset_env(plan->env, "LISTEN_PIDFDID");
    }
  }
  std::vector<char*> env;
  env.reserve(plan->env.size() + 1);
  for (std::string& e : plan->env) {
    env.push_back(e.data());
  }
  env.push_back(nullptr);
  return report(unroot::exec_command(plan->command, plan->argv.data(), env.data()), kExitOwnError);
}
