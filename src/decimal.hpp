// SPDX-License-Identifier: MIT
// decimal: the one strict decimal scanner of src/ (ids, ports, --backlog, ...). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace unroot {

/// true if text is non-empty and all ASCII digits (no sign, no spaces, no locale).
constexpr bool is_all_digits(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

/// Whether a number may be written with a leading zero ("080"). Ports refuse it because some
/// tools read it as octal; ids accept it, as the kernel's and shadow-utils' parsers do.
enum class LeadingZero { kAllowed, kRefused };

/// text as a number from min to max: ASCII digits only (no sign, no spaces, no trailing junk),
/// no overflow. skalibs' uint_scan idea: one scanner, every caller states its range.
constexpr std::optional<std::uint64_t> scan_decimal(std::string_view text, std::uint64_t min,
                                                    std::uint64_t max, LeadingZero zero) {
  if (!is_all_digits(text)) {
    return std::nullopt;
  }
  switch (zero) {
    case LeadingZero::kAllowed:
      break;
    case LeadingZero::kRefused:
      if (text.size() > 1 && text[0] == '0') {
        return std::nullopt;
      }
      break;
  }
  std::uint64_t value = 0;
  for (char c : text) {
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (digit > max || value > (max - digit) / 10) {
      return std::nullopt;  // value * 10 + digit would pass max (and long before, overflow)
    }
    value = value * 10 + digit;
  }
  if (value < min) {
    return std::nullopt;
  }
  return value;
}

}  // namespace unroot
