// SPDX-License-Identifier: MIT
// exec: where to look for the command (pure) and the execve calls (effect). Runs after the
// privilege drop, so every lookup and permission check is made as the target user.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace unroot {

/// PATH used when the environment has none: execvp's historic default includes the current
/// directory, which is exactly what must not happen for a program started as root.
inline constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The files execve will try, in order.
struct CommandPlan {
  std::string name;                     // argv[0] as given
  std::vector<std::string> candidates;  // absolute (or as-given, if name contains '/') paths
  bool searched = false;                // name had no '/', PATH was searched
  bool skipped_relative = false;        // PATH had empty or relative entries that were skipped
};

/// Pure. A name with '/' is used as is; otherwise each absolute PATH entry is tried. Empty and
/// relative entries ("", ".", "bin") are skipped: as root, "." in PATH would run whatever file
/// the current directory holds (a classic trojan, see execvp(3) NOTES).
CommandPlan plan_command(std::string_view name, std::optional<std::string_view> path_env);

/// Why the command could not be started (main maps it to 127 or 126).
enum class ExecFailure { kNotFound, kNotRunnable };

struct ExecError {
  Error error;
  ExecFailure kind = ExecFailure::kNotFound;
};

/// Tries each candidate with execve. Returns only on failure.
ExecError exec_command(const CommandPlan& plan, char* const argv[], char* const envp[]);

}  // namespace unroot
