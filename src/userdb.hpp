// SPDX-License-Identifier: MIT
// userdb: parses /etc/passwd and /etc/group *text* and answers lookups. No file or syscall
// access here: callers pass the text in, so every rule is unit-testable without root.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace unroot {

/// One database file's text plus the name used in messages. Views must outlive the lookups.
struct UserFile {
  std::string_view path;  // "/etc/passwd", for messages only
  std::string_view text;
  bool exists = true;  // false: the file is absent, which reads as an empty database
};

/// A well-formed passwd line: name:password:uid:gid:gecos:home:shell. Views into the file text.
struct PasswdEntry {
  std::string_view name;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string_view home;
  std::size_t line = 0;  // 1-based
};

/// A well-formed group line: name:password:gid:member,member,...
struct GroupEntry {
  std::string_view name;
  std::uint32_t gid = 0;
  std::string_view members;  // comma-separated, possibly empty
  std::size_t line = 0;
};

/// Parses one line (no '\n'; a trailing '\r' is ignored). nullopt for anything malformed: wrong
/// field count, empty name, non-numeric or out-of-range ids, a NUL byte. Comments and blank
/// lines are nullopt too; use is_ignorable_line to tell them apart.
std::optional<PasswdEntry> parse_passwd_line(std::string_view line);
std::optional<GroupEntry> parse_group_line(std::string_view line);

/// Blank lines and '#' comments: skipped silently, never "malformed".
bool is_ignorable_line(std::string_view line);

/// First well-formed entry named `name`. nullopt if there is none. Error if a malformed line
/// for that name comes before any good one: it is never interpreted, and never skipped over
/// to a later entry either (an attacker could otherwise pick which entry wins).
Result<std::optional<PasswdEntry>> find_user_by_name(const UserFile& passwd, std::string_view name);
/// First well-formed entry with this uid; the same malformed-line rule, by uid field.
Result<std::optional<PasswdEntry>> find_user_by_uid(const UserFile& passwd, std::uint32_t uid);
Result<std::optional<GroupEntry>> find_group_by_name(const UserFile& group, std::string_view name);
Result<std::optional<GroupEntry>> find_group_by_gid(const UserFile& group, std::uint32_t gid);

/// gids of every well-formed group that lists `user` as a member, in file order, without
/// duplicates. Malformed lines are ignored: they can only remove groups, never add one.
std::vector<std::uint32_t> groups_with_member(const UserFile& group, std::string_view user);

/// For display: the name of each gid (first well-formed entry), or an empty view if none.
/// One pass over the file, whatever the number of gids.
std::vector<std::string_view> group_names(const UserFile& group,
                                          std::span<const std::uint32_t> gids);

}  // namespace unroot
