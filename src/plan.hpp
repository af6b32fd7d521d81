// SPDX-License-Identifier: MIT
// plan: Options + passwd/group text + environment + facts about the caller → Plan, every
// decision made up front. Pure: no syscalls, no files, no printing. Any failure caused by user
// input is found here, before the first side effect.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "caps.hpp"
#include "exec.hpp"
#include "listen_addr.hpp"
#include "options.hpp"
#include "result.hpp"
#include "session.hpp"
#include "userdb.hpp"

namespace unroot {

/// What unroot was started as, read once by main (privdrop's read_caller).
struct Caller {
  std::uint32_t ruid = 0, euid = 0, suid = 0;
  std::uint32_t rgid = 0, egid = 0, sgid = 0;
  std::vector<std::uint32_t> groups;  // getgroups(2)
  CapState caps;
  pid_t pid = 0;
};

/// Who the command will run as.
struct Identity {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> groups;     // the kernel's supplementary list; includes gid
  std::string user_name;                 // empty: the uid has no passwd entry
  std::vector<std::string> group_names;  // parallel to groups, filled for --dry-run only
  std::string home;
};

/// How the identity switch happens.
enum class Switch {
  kDrop,        // started as root: setgroups → setresgid → setresuid → caps → verify
  kRootGroups,  // target is root with other groups: setgroups → setresgid, caps untouched
  kNone,        // already exactly the target (non-root with no capabilities, or root itself)
};

struct Plan {
  Identity identity;
  Switch how = Switch::kDrop;
  CapMask keep_caps = 0;       // --keep-cap: kept in permitted/effective/inheritable/ambient
  bool no_new_privs = true;    // PR_SET_NO_NEW_PRIVS before exec (off: --allow-new-privs)
  bool drop_bounding = false;  // drop all but keep_caps from the bounding set
  int last_cap = 0;            // highest capability number this kernel knows (read_caller)
  SessionPlan session;         // --setsid, --init: the fork and what the parent does
  bool dry_run = false;
  std::vector<ListenSpec> listen;       // --listen sockets, bound as root, passed as fds 3, 4, ...
  int backlog = kDefaultBacklog;        // listen(2) backlog for stream sockets (--backlog)
  std::vector<std::string_view> chown;  // --chown PATHs, walked in order before the switch
  std::vector<std::string> notes;       // facts --dry-run shows that a real run acts on
  CommandPlan command;
  std::vector<char*> argv;       // the command's argv, NULL-terminated (points into our argv)
  std::vector<std::string> env;  // the command's environment, "KEY=value"
};

/// Decides everything. Errors name what is wrong and what to do.
Result<Plan> make_plan(const Options& opts, const UserFile& passwd, const UserFile& group,
                       char* const* envp, const Caller& caller);

/// "uid=1000(node) gid=1000(node) groups=1000(node),27(sudo) home=/home/node"
std::string describe_identity(const Identity& id);

/// The --dry-run report: identity, command line, and every note; one fact per line.
std::string describe_plan(const Plan& plan);

/// The supervisor's part of the --dry-run report (also --verbose), one fact per line; empty when
/// unroot does not fork.
std::string describe_session(const SessionPlan& s);

/// A word quoted for a POSIX shell only when it needs to be; control bytes as $'\n' escapes.
std::string shell_quote(std::string_view word);

/// Replaces (or appends) KEY=value in env, removing any duplicate KEY entries.
void set_env(std::vector<std::string>& env, std::string_view key, std::string_view value);
/// Removes every KEY= entry.
void unset_env(std::vector<std::string>& env, std::string_view key);
/// The value of KEY in env, if present.
std::optional<std::string_view> find_env(const std::vector<std::string>& env, std::string_view key);

}  // namespace unroot
