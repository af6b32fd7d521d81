// SPDX-License-Identifier: MIT
// idmap: /proc/self/uid_map and gid_map *text* → ranges, and what an id is in the parent user
// namespace (user_namespaces(7)). Pure: no file or syscall access here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace unroot {

/// One line of a map: ids inside..inside+count-1 are outside..outside+count-1 in the parent.
struct IdRange {
  std::uint32_t inside = 0;
  std::uint32_t outside = 0;
  std::uint32_t count = 0;
};

using IdMap = std::vector<IdRange>;

/// The kernel's limit on lines in one map since Linux 4.15 (user_namespaces(7)).
inline constexpr std::size_t kMaxIdMapLines = 340;

/// The id the kernel shows for one that is not mapped in the reader's namespace
/// (/proc/sys/kernel/overflowuid and overflowgid, default 65534; user_namespaces(7)).
inline constexpr std::uint32_t kOverflowId = 65534;

/// Parses a map as the kernel prints it: "inside outside count" per line, blanks (spaces, tabs)
/// around and between the fields, the last newline optional; empty text is an empty map (not
/// written yet). Refused, naming the line: anything but three strict decimal numbers, a count
/// of 0, a range reaching 4294967295 on either side, ranges that overlap inside or outside, more
/// than kMaxIdMapLines lines. The kernel refuses each of these when a map is written, so text
/// that has one is not the kernel's and nothing is decided from it.
Result<IdMap> parse_id_map(std::string_view text);

/// true for the single line "0 0 4294967295": the initial user namespace, or one that maps
/// every id to itself. Ids are then the host's own and nothing is disguised.
bool is_identity(const IdMap& map);

/// The line that maps `inside`, or nullptr when the id is not mapped.
const IdRange* find_range(const IdMap& map, std::uint32_t inside);

/// The parent namespace's id for `inside`, which must lie in `range`.
std::uint32_t outside_id(const IdRange& range, std::uint32_t inside);

/// "1001 0 1": the line as the kernel's fields, one space apart.
std::string describe_range(const IdRange& range);

}  // namespace unroot
