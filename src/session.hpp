// SPDX-License-Identifier: MIT
// session: --setsid and --init, i.e. the one fork unroot ever makes and the small supervisor
// that stays behind. The plan (SessionPlan) is decided in plan; this module carries it out. It
// must not change ids or capabilities (privdrop did that before) and must not print (main does).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "result.hpp"

namespace unroot {

/// How the supervisor leaves when a signal killed the command.
enum class ExitRule {
  kReraise,      // die of the same signal, as a shell running the command directly reports it
  kSignalAs128,  // exit 128 + N: Docker's convention for a container, and tini's
};

/// How the children still running after the command ended are ended (--init).
enum class KillRest {
  kNone,          // --setsid alone: leave as soon as the command has ended
  kEveryoneSeen,  // PID 1 of a PID namespace: kill(-1) reaches exactly the namespace
  kChildList,     // a subreaper elsewhere: its children, from /proc/self/task/PID/children
};

/// What the fork and the supervisor do; every field decided by make_plan.
struct SessionPlan {
  bool fork = false;          // --setsid or --init
  bool new_session = false;   // the child calls setsid(2) (--setsid)
  bool signal_group = false;  // signals go to the child's process group (--init-group)
  bool subreaper = false;     // PR_SET_CHILD_SUBREAPER (--init when unroot is not PID 1)
  KillRest kill_rest = KillRest::kNone;
  int grace_seconds = 0;  // --init-wait: how long the rest may run on
  ExitRule exit = ExitRule::kReraise;
  bool listen_pid_to_child = false;  // LISTEN_PID names unroot: the child puts its own PID there
  long pid = 0;                      // unroot's PID, which the supervisor keeps
};

/// Forks once. Called after the identity switch, so both processes are already unprivileged.
///  - In the child: setsid(2) or setpgid(2) as planned, the caller's signal mask and SIGCHLD
///    disposition restored, PR_SET_PDEATHSIG so the command dies with its supervisor, LISTEN_PID
///    in `env` set to the child's PID if planned. Returns nullopt: main goes on to exec.
///  - In the parent: forwards every catchable asynchronous signal, reaps every child that ends,
///    ends the rest as planned, and returns the command's wait status (see exit_code_for). The
///    parent never execs anything.
Result<std::optional<int>> start_supervised(const SessionPlan& plan, std::vector<std::string>& env);

/// The exit code to leave with for the command's wait status: its own code; when a signal N
/// killed it, 128 + N, after first raising N on this process under ExitRule::kReraise.
int exit_code_for(const SessionPlan& plan, int wait_status);

}  // namespace unroot
