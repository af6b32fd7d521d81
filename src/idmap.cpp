// SPDX-License-Identifier: MIT
// idmap: parsing of user-namespace id maps. Pure: no file or syscall access here.
#include "idmap.hpp"

#include "decimal.hpp"

namespace unroot {
namespace {

std::optional<std::uint32_t> parse_u32(std::string_view text) {
  auto v = scan_decimal(text, 0, 4294967295u, LeadingZero::kAllowed);
  return v ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(*v)) : std::nullopt;
}

// The kernel refuses a range whose first + count wraps a u32 (map_write in
// kernel/user_namespace.c), so no range covers 4294967295, which is (uid_t)-1 and never an id.
constexpr std::uint64_t kRangeEnd = 4294967295u;

bool blank(char c) { return c == ' ' || c == '\t'; }

/// The next blank-separated field of line, or an empty view at the end.
std::string_view next_field(std::string_view& line) {
  std::size_t start = 0;
  while (start < line.size() && blank(line[start])) {
    ++start;
  }
  std::size_t end = start;
  while (end < line.size() && !blank(line[end])) {
    ++end;
  }
  std::string_view field = line.substr(start, end - start);
  line.remove_prefix(end);
  return field;
}

bool overlap(std::uint32_t a, std::uint32_t a_count, std::uint32_t b, std::uint32_t b_count) {
  return std::uint64_t{a} < std::uint64_t{b} + b_count &&
         std::uint64_t{b} < std::uint64_t{a} + a_count;
}

Error bad_line(std::size_t number, const std::string& why) {
  return Error{"line " + std::to_string(number) + ": " + why};
}

}  // namespace

Result<IdMap> parse_id_map(std::string_view text) {
  IdMap map;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (number > kMaxIdMapLines) {
      return bad_line(number, "more lines than the kernel's " + std::to_string(kMaxIdMapLines));
    }
    std::string_view fields[3];
    for (std::string_view& f : fields) {
      f = next_field(line);
    }
    std::optional<std::uint32_t> inside = parse_u32(fields[0]);
    std::optional<std::uint32_t> outside = parse_u32(fields[1]);
    std::optional<std::uint32_t> count = parse_u32(fields[2]);
    if (!inside || !outside || !count || !next_field(line).empty()) {
      return bad_line(number, "expected three decimal numbers 'inside outside count'");
    }
    if (*count == 0) {
      return bad_line(number, "a range of 0 ids");
    }
    if (std::uint64_t{*inside} + *count > kRangeEnd ||
        std::uint64_t{*outside} + *count > kRangeEnd) {
      return bad_line(number, "the range reaches id 4294967295, which is never an id");
    }
    for (const IdRange& r : map) {
      if (overlap(r.inside, r.count, *inside, *count) ||
          overlap(r.outside, r.count, *outside, *count)) {
        return bad_line(number, "overlaps the range '" + describe_range(r) + "'");
      }
    }
    map.push_back(IdRange{*inside, *outside, *count});
  }
  return map;
}

bool is_identity(const IdMap& map) {
  return map.size() == 1 && map[0].inside == 0 && map[0].outside == 0 &&
         map[0].count == 4294967295u;
}

const IdRange* find_range(const IdMap& map, std::uint32_t inside) {
  for (const IdRange& r : map) {
    if (inside >= r.inside && std::uint64_t{inside} < std::uint64_t{r.inside} + r.count) {
      return &r;
    }
  }
  return nullptr;
}

std::uint32_t outside_id(const IdRange& range, std::uint32_t inside) {
  return range.outside + (inside - range.inside);
}

std::string describe_range(const IdRange& range) {
  return std::to_string(range.inside) + " " + std::to_string(range.outside) + " " +
         std::to_string(range.count);
}

}  // namespace unroot
