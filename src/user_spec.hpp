// SPDX-License-Identifier: MIT
// user_spec: "USER[:GROUP]" text → its parts, and the strict decimal-id scanner. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "decimal.hpp"
#include "result.hpp"

namespace unroot {

/// Largest valid uid or gid. (uid_t)-1 = 4294967295 means "unchanged" to setresuid(2) and
/// chown(2), so it can never be a real id.
inline constexpr std::uint32_t kMaxId = 4294967294u;

/// One side of the spec. A part is numeric only if it is all ASCII digits: "0day" is a name.
struct IdPart {
  std::string_view text;            // as written; empty means "not given"
  std::optional<std::uint32_t> id;  // set when text is numeric and in range
};

struct UserSpec {
  IdPart user;
  IdPart group;
  bool group_given = false;  // false for "user" and "user:" alike
};

/// Strict decimal id: digits only, no sign, no spaces, no overflow, at most kMaxId.
std::optional<std::uint32_t> parse_id(std::string_view text);

/// Splits and checks a spec. Errors: an empty spec or a bare ':' (each would silently mean the
/// caller, usually root), a second ':' ("a:b:c"), a numeric part out of range.
Result<UserSpec> parse_user_spec(std::string_view spec);

}  // namespace unroot
