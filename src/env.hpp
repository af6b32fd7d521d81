// SPDX-License-Identifier: MIT
// env: the command's environment as a vector of "KEY=value" strings, and the envp execve takes.
// Pure: never reads or changes the process environment (no getenv/setenv).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace unroot {

using Env = std::vector<std::string>;

/// envp (NULL-terminated, may be null) as an Env, order kept.
Env env_from(char* const* envp);

/// The value of the first KEY= entry, if any.
std::optional<std::string_view> find_env(const Env& env, std::string_view key);

/// Replaces the first KEY= entry (or appends one) and removes any later duplicates.
void set_env(Env& env, std::string_view key, std::string_view value);

/// Removes every KEY= entry.
void unset_env(Env& env, std::string_view key);

/// NULL-terminated pointers into env, for execve. Valid while env is unchanged.
std::vector<char*> to_envp(Env& env);

}  // namespace unroot
