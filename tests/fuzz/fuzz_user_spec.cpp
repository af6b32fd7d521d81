// SPDX-License-Identifier: MIT
// libFuzzer target: the USER[:GROUP] argument. The parts must be exactly the text around the one
// ':'; a part is numeric exactly when it is all ASCII digits; a numeric part is in range and
// equals its decimal value (0 only for "0", "00", ...); the empty spec and a bare ':' (each
// would silently mean the caller) are errors, and so is anything else.
#include <algorithm>
#include <string>

#include "oracle.hpp"
#include "user_spec.hpp"

namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void check_part(const unroot::IdPart& part, std::string_view text) {
  PROPERTY(part.text == text);
  PROPERTY(part.id.has_value() == all_digits(text));
  if (part.id) {
    PROPERTY(oracle::id(text) == part.id);
    PROPERTY(*part.id <= oracle::kMaxId);
    PROPERTY(*part.id != 0 || oracle::says_zero(text));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view spec(reinterpret_cast<const char*>(data), size);

  // parse_id on its own: the strict scanner.
  auto id = unroot::parse_id(spec);
  PROPERTY(id == oracle::id(spec));
  if (id) {
    std::string canonical = std::to_string(*id);
    std::size_t zeros = spec.find_first_not_of('0');
    std::string_view trimmed = zeros == std::string_view::npos ? "0" : spec.substr(zeros);
    PROPERTY(canonical == trimmed);  // round trip, up to leading zeros
  }

  std::size_t colon = spec.find(':');
  std::string_view user = spec.substr(0, colon);
  std::string_view group =
      colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  bool two_colons = group.find(':') != std::string_view::npos;
  bool user_out_of_range = all_digits(user) && !oracle::id(user);
  bool group_out_of_range = all_digits(group) && !oracle::id(group);
  bool names_no_one = spec.empty() || spec == ":";

  auto parsed = unroot::parse_user_spec(spec);
  if (!parsed) {
    PROPERTY(two_colons || user_out_of_range || group_out_of_range || names_no_one);
    PROPERTY(!parsed.error().what.empty());
    return 0;
  }
  PROPERTY(!two_colons && !user_out_of_range && !group_out_of_range && !names_no_one);
  check_part(parsed->user, user);
  check_part(parsed->group, group);
  PROPERTY(parsed->group_given == !group.empty());
  // Reassembling the parts gives the argument back ("app:" loses only its empty group).
  std::string rebuilt = std::string(parsed->user.text);
  if (colon != std::string_view::npos) {
    rebuilt += ":" + std::string(parsed->group.text);
  }
  PROPERTY(rebuilt == spec);
  return 0;
}
