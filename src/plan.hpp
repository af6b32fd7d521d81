// SPDX-License-Identifier: MIT
// plan: Options + Facts + environment → Plan, every decision made up front. Pure: no syscalls,
// no files, no printing. Any failure caused by user input is found here, before the first side
// effect.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "env.hpp"
#include "exec.hpp"
#include "facts.hpp"
#include "listen_addr.hpp"
#include "options.hpp"
#include "privdrop.hpp"
#include "result.hpp"
#include "session.hpp"
#include "sockets.hpp"

namespace unroot {

/// Who the command will run as, with the names --dry-run shows.
struct Identity {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> groups;     // the kernel's supplementary list; includes gid
  std::string user_name;                 // empty: the uid has no passwd entry
  std::vector<std::string> group_names;  // parallel to groups, filled for --dry-run only
  std::string home;
};

/// What to say when a root-phase step fails for lack of a capability; empty when the caller
/// has it (then the bare errno is the truth). Decided here, so there is one wording.
struct CapabilityHints {
  std::string bind_denied;   // bind(2) EACCES on a port below ip_unprivileged_port_start
  std::string chown_denied;  // --chown: open EACCES on another uid's directory
};

struct Plan {
  Identity identity;
  DropSpec drop;
  SessionPlan session;
  bool dry_run = false;
  bool verbose = false;
  std::vector<std::string_view> chown;  // --chown PATHs, walked in order before the switch
  std::vector<ListenSpec> listen;       // bound as root, passed as fds 3, 4, ...
  int backlog = kDefaultBacklog;        // listen(2) backlog for stream sockets
  SocketOwner socket_owner;
  CapabilityHints hints;
  std::vector<std::string> notes;  // facts --dry-run shows that a real run acts on
  CommandPlan command;
  std::vector<char*> argv;  // the command's argv, NULL-terminated (points into our argv)
  Env env;                  // the command's environment, "KEY=value"
};

/// Decides everything. Errors name what is wrong and what to do.
Result<Plan> make_plan(const Options& opts, const Facts& facts, char* const* envp);

}  // namespace unroot
