// SPDX-License-Identifier: MIT
// user_spec: user-spec grammar and strict id scanning. Pure: no files, no syscalls.
#include "user_spec.hpp"

#include <string>

namespace unroot {

std::optional<std::uint32_t> parse_id(std::string_view text) {
  // Digits only, checked by the one scanner: no sign ("+12", which gosu's Atoi accepts), no
  // prefix ("12abc"), no overflow.
  auto value = scan_decimal(text, 0, kMaxId, LeadingZero::kAllowed);
  if (!value) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(*value);
}

namespace {

Result<IdPart> parse_part(std::string_view text, const char* what) {
  IdPart part{text, std::nullopt};
  if (is_all_digits(text)) {
    part.id = parse_id(text);
    if (!part.id) {
      return Error{std::string(what) + " " + std::string(text) +
                   " is out of range (valid ids are 0 to " + std::to_string(kMaxId) + ")"};
    }
  }
  return part;
}

}  // namespace

Result<UserSpec> parse_user_spec(std::string_view spec) {
  // An empty USER would mean "the caller's own uid" (gosu's reading), which for the usual
  // root caller is root itself: `unroot "$APP_USER" app` with the variable unset would run the
  // app as root with no_new_privs off, silently. Refuse it, and ':' too, which is what
  // "$APP_USER:$APP_GROUP" gives with both unset and which names neither part. ":group" names
  // a group on purpose and keeps its documented meaning.
  if (spec.empty()) {
    return Error{
        "the USER argument is empty, probably an unset variable (unroot \"$APP_USER\" ...); "
        "name a user or a uid (root or 0 to run as root)"};
  }
  if (spec == ":") {
    return Error{
        "the USER argument ':' names neither a user nor a group, probably unset variables "
        "(unroot \"$APP_USER:$APP_GROUP\" ...); name a user or a uid"};
  }
  UserSpec out;
  std::size_t colon = spec.find(':');
  std::string_view user = spec.substr(0, colon);
  std::string_view group;
  if (colon != std::string_view::npos) {
    group = spec.substr(colon + 1);
    if (group.find(':') != std::string_view::npos) {
      // Fail closed: "app:app:extra" is a typo, not a group named "app:extra".
      return Error{"invalid user spec '" + std::string(spec) +
                   "': expected USER[:GROUP] with at most one ':'"};
    }
  }
  auto u = parse_part(user, "uid");
  if (!u) {
    return u.error();
  }
  auto g = parse_part(group, "gid");
  if (!g) {
    return g.error();
  }
  out.user = *u;
  out.group = *g;
  out.group_given = !group.empty();
  return out;
}

}  // namespace unroot
