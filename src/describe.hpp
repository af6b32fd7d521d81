// SPDX-License-Identifier: MIT
// describe: every text unroot shows about a plan or a step: the --dry-run report, the --verbose
// lines, one-line errors, shell quoting, display names. Pure: builds strings, prints nothing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "chown_walk.hpp"
#include "result.hpp"

namespace unroot {

struct Plan;
struct Identity;
struct FdMove;
struct SessionPlan;

/// An Error as one line, without the "unroot: " prefix: control bytes escaped (a newline in a
/// user-spec or a passwd field must not forge a second line), then ": <errno text>".
std::string error_line(const Error& e);

/// A word quoted for a POSIX shell only when it needs to be; control bytes as $'\n' escapes.
std::string shell_quote(std::string_view word);

/// "uid=1000(node) gid=1000(node) groups=1000(node),27(sudo) home=/home/node"
std::string describe_identity(const Identity& id);

/// The supervisor's part of the --dry-run report (also --verbose), one fact per line; empty when
/// unroot does not fork.
std::string describe_session(const SessionPlan& s);

/// What a read-only walk of one --chown root found, for --dry-run.
struct ChownSurvey {
  std::string path;
  Result<ChownStats> stats;
};

/// The --dry-run report: identity, command line, switch, every planned step and note.
std::string describe_plan(const Plan& plan, const std::vector<ChownSurvey>& chown);

/// What the root phase did, as act_as_root reports it.
struct ActReport {
  std::vector<std::pair<std::string, ChownStats>> chown;  // per --chown PATH, in order
  std::vector<FdMove> moved;                              // inherited fds moved for --listen
  bool placed = false;  // the --listen sockets are at fds 3, 4, ...
};

/// The lines printed after the root phase: a --chown summary when something changed, and with
/// --verbose every step. Each line starts with "unroot: ".
std::string describe_act(const Plan& plan, const ActReport& report);

/// With --verbose, the line that says the switch happened and was verified; else empty.
std::string describe_drop(const Plan& plan);

}  // namespace unroot
