// SPDX-License-Identifier: MIT
// session: --setsid, i.e. running the command in a new session without a controlling terminal.
// Owns the one fork unroot ever makes and the small parent that waits; must not change ids or
// capabilities (privdrop did that before) and must not print (main does).
#pragma once

#include <optional>

#include "result.hpp"

namespace unroot {

/// Forks once. Called after the identity switch, so both processes are already unprivileged.
///  - In the child: setsid(2) (a fresh child is never a process-group leader, so it cannot fail
///    with EPERM the way it does for a command an interactive shell or `docker exec -t` starts),
///    the caller's signal mask and SIGCHLD disposition restored, PR_SET_PDEATHSIG so the command
///    dies with its supervisor. Returns nullopt: main goes on to exec the command.
///  - In the parent: forwards every catchable asynchronous signal to the child until it ends,
///    and returns the child's wait status (see exit_code_for). The parent never execs anything.
Result<std::optional<int>> start_new_session();

/// The exit code to leave with for a child's wait status: the child's own code, or, when a
/// signal killed it, the same signal raised on this process (so the caller sees the same
/// death); 128 + signal only if raising it somehow did not end this process.
int exit_code_for(int wait_status);

}  // namespace unroot
