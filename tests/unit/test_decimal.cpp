// SPDX-License-Identifier: MIT
// Unit tests for decimal: the one strict number scanner.
#include <catch2/catch.hpp>

#include "decimal.hpp"

using unroot::LeadingZero;
using unroot::scan_decimal;

TEST_CASE("signs, spaces, prefixes and suffixes are never numbers", "[decimal]") {
  for (const char* text : {"", "+1", "-1", " 1", "1 ", "0x10", "1e3", "12abc", "１"}) {
    CHECK_FALSE(scan_decimal(text, 0, 100000, LeadingZero::kAllowed));
  }
}

TEST_CASE("the range is inclusive at both ends and overflow is refused", "[decimal]") {
  CHECK(scan_decimal("1", 1, 65535, LeadingZero::kRefused) == 1u);
  CHECK(scan_decimal("65535", 1, 65535, LeadingZero::kRefused) == 65535u);
  CHECK_FALSE(scan_decimal("0", 1, 65535, LeadingZero::kRefused));
  CHECK_FALSE(scan_decimal("65536", 1, 65535, LeadingZero::kRefused));
  CHECK(scan_decimal("4294967294", 0, 4294967294u, LeadingZero::kAllowed) == 4294967294u);
  CHECK_FALSE(scan_decimal("4294967295", 0, 4294967294u, LeadingZero::kAllowed));
  CHECK_FALSE(scan_decimal("18446744073709551616", 0, UINT64_MAX, LeadingZero::kAllowed));
  CHECK(scan_decimal("18446744073709551615", 0, UINT64_MAX, LeadingZero::kAllowed) == UINT64_MAX);
  CHECK_FALSE(scan_decimal("99999999999999999999999", 0, 10, LeadingZero::kAllowed));
  CHECK_FALSE(scan_decimal("7", 0, 5, LeadingZero::kAllowed));  // one digit above a small max
}

TEST_CASE("a leading zero is refused only where asked", "[decimal]") {
  CHECK_FALSE(scan_decimal("080", 1, 65535, LeadingZero::kRefused));
  CHECK(scan_decimal("080", 0, 65535, LeadingZero::kAllowed) == 80u);
  CHECK(scan_decimal("0", 0, 5, LeadingZero::kRefused) == 0u);  // zero itself is not "leading"
}
