// SPDX-License-Identifier: MIT
// userdb: passwd/group parsing over one buffer with string_views (no per-line allocation).
// No file or syscall access here.
#include "userdb.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "user_spec.hpp"

namespace unroot {
namespace {

/// Calls fn(line, line_number) for each line; stops early when fn returns false.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t number = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    // A trailing '\r' (CRLF files) is removed once, by the line parsers, not here.
    if (!fn(line, number)) {
      return;
    }
  }
}

/// Splits into exactly N fields; false if the count differs.
template <std::size_t N>
bool split_fields(std::string_view line, std::array<std::string_view, N>& out) {
  std::size_t i = 0;
  for (;;) {
    std::size_t colon = line.find(':');
    if (i == N - 1) {
      if (colon != std::string_view::npos) {
        return false;  // too many fields
      }
      out[i] = line;
      return true;
    }
    if (colon == std::string_view::npos) {
      return false;  // too few fields
    }
    out[i++] = line.substr(0, colon);
    line.remove_prefix(colon + 1);
  }
}

std::string_view strip_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

bool is_blank_or_comment(std::string_view line) { return line.empty() || line.front() == '#'; }

std::string_view first_field(std::string_view line) { return line.substr(0, line.find(':')); }

/// The n-th (0-based) ':'-field of a line, or nullopt if there are fewer.
std::optional<std::string_view> nth_field(std::string_view line, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    line.remove_prefix(colon + 1);
  }
  return first_field(line);
}

Error malformed(const UserFile& file, std::size_t line, std::string_view what,
                std::string_view key) {
  return Error{std::string(file.path) + " line " + std::to_string(line) + ": malformed entry for " +
               std::string(what) + " '" + std::string(key) + "'; fix or remove that line"};
}

/// Shared lookup loop: `parse` turns a line into an entry, `matches_entry` tests a good entry,
/// `claims_key` tests whether a malformed line is about the requested key.
template <typename Entry, typename Parse, typename Match, typename Claims>
Result<std::optional<Entry>> find_first(const UserFile& file, std::string_view what,
                                        std::string_view key, Parse parse, Match matches_entry,
                                        Claims claims_key) {
  std::optional<Entry> found;
  std::size_t bad_line = 0;
  for_each_line(file.text, [&](std::string_view line, std::size_t number) {
    // claims_key only looks at the key's own field: a line that does not claim the key can be
    // neither the entry nor a malformed line about it, so it is skipped without a full parse.
    if (is_ignorable_line(line) || !claims_key(line)) {
      return true;
    }
    std::optional<Entry> e = parse(line);
    if (!e) {
      bad_line = number;
      return false;
    }
    if (matches_entry(*e)) {
      e->line = number;
      found = e;
      return false;
    }
    return true;
  });
  if (bad_line != 0) {
    return malformed(file, bad_line, what, key);
  }
  return found;
}

}  // namespace

bool is_ignorable_line(std::string_view line) { return is_blank_or_comment(strip_cr(line)); }

std::optional<PasswdEntry> parse_passwd_line(std::string_view line) {
  line = strip_cr(line);  // exactly one '\r': "a\r\r" keeps a '\r' in its last field
  if (is_blank_or_comment(line) || line.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::array<std::string_view, 7> f;
  if (!split_fields(line, f) || f[0].empty()) {
    return std::nullopt;
  }
  auto uid = parse_id(f[2]);
  auto gid = parse_id(f[3]);
  if (!uid || !gid) {
    return std::nullopt;
  }
  return PasswdEntry{f[0], *uid, *gid, f[5], 0};
}

std::optional<GroupEntry> parse_group_line(std::string_view line) {
  line = strip_cr(line);  // exactly one '\r': "a\r\r" keeps a '\r' in its last field
  if (is_blank_or_comment(line) || line.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::array<std::string_view, 4> f;
  if (!split_fields(line, f) || f[0].empty()) {
    return std::nullopt;
  }
  auto gid = parse_id(f[2]);
  if (!gid) {
    return std::nullopt;
  }
  return GroupEntry{f[0], *gid, f[3], 0};
}

Result<std::optional<PasswdEntry>> find_user_by_name(const UserFile& passwd,
                                                     std::string_view name) {
  return find_first<PasswdEntry>(
      passwd, "user", name, parse_passwd_line, [&](const PasswdEntry& e) { return e.name == name; },
      [&](std::string_view line) { return first_field(line) == name; });
}

Result<std::optional<PasswdEntry>> find_user_by_uid(const UserFile& passwd, std::uint32_t uid) {
  std::string key = std::to_string(uid);
  return find_first<PasswdEntry>(
      passwd, "uid", key, parse_passwd_line, [&](const PasswdEntry& e) { return e.uid == uid; },
      [&](std::string_view line) {
        auto f = nth_field(line, 2);
        return f && parse_id(*f) == uid;
      });
}

Result<std::optional<GroupEntry>> find_group_by_name(const UserFile& group, std::string_view name) {
  return find_first<GroupEntry>(
      group, "group", name, parse_group_line, [&](const GroupEntry& e) { return e.name == name; },
      [&](std::string_view line) { return first_field(line) == name; });
}

Result<std::optional<GroupEntry>> find_group_by_gid(const UserFile& group, std::uint32_t gid) {
  std::string key = std::to_string(gid);
  return find_first<GroupEntry>(
      group, "gid", key, parse_group_line, [&](const GroupEntry& e) { return e.gid == gid; },
      [&](std::string_view line) {
        auto f = nth_field(line, 2);
        return f && parse_id(*f) == gid;
      });
}

std::vector<std::uint32_t> groups_with_member(const UserFile& group, std::string_view user) {
  std::vector<std::uint32_t> gids;
  if (user.empty()) {
    return gids;  // user names are never empty; an empty member slot ("a,,b") is no one
  }
  for_each_line(group.text, [&](std::string_view line, std::size_t) {
    // Linear in the line whatever the name: every step below moves forward through the line
    // once. A substring search for the name (line.find(user)) would not be: it restarts at
    // every byte, so a long name against lines of near-matches costs name x line length.
    std::optional<GroupEntry> e = parse_group_line(line);
    if (!e) {
      return true;
    }
    std::string_view members = e->members;
    while (!members.empty()) {
      std::size_t comma = members.find(',');
      // Whole names only: == compares the sizes first, so a member costs at most its own
      // length.
      if (members.substr(0, comma) == user) {
        gids.push_back(e->gid);
        break;
      }
      if (comma == std::string_view::npos) {
        break;
      }
      members.remove_prefix(comma + 1);
    }
    return true;
  });
  // Drop repeated gids, keeping the first of each in file order: sort (gid, position) pairs,
  // O(n log n) however many groups, not a linear search per added group.
  std::vector<std::pair<std::uint32_t, std::size_t>> seen;
  seen.reserve(gids.size());
  for (std::size_t i = 0; i < gids.size(); ++i) {
    seen.emplace_back(gids[i], i);
  }
  std::sort(seen.begin(), seen.end());
  std::vector<bool> keep(gids.size(), false);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    keep[seen[i].second] = i == 0 || seen[i - 1].first != seen[i].first;
  }
  std::size_t out = 0;
  for (std::size_t i = 0; i < gids.size(); ++i) {
    if (keep[i]) {
      gids[out++] = gids[i];
    }
  }
  gids.resize(out);
  return gids;
}

std::vector<std::string_view> group_names(const UserFile& group,
                                          std::span<const std::uint32_t> gids) {
  std::vector<std::string_view> names(gids.size());
  // (gid, index) sorted by gid: each line costs one binary search, not one scan of all gids.
  std::vector<std::pair<std::uint32_t, std::size_t>> order;
  order.reserve(gids.size());
  for (std::size_t i = 0; i < gids.size(); ++i) {
    order.emplace_back(gids[i], i);
  }
  std::sort(order.begin(), order.end());
  std::size_t missing = gids.size();
  for_each_line(group.text, [&](std::string_view line, std::size_t) {
    std::optional<GroupEntry> e = parse_group_line(line);
    if (!e) {
      return true;
    }
    auto it = std::lower_bound(order.begin(), order.end(), std::make_pair(e->gid, std::size_t{0}));
    // The first line of a gid names all its copies at once; a later line of that gid stops at
    // the first copy, so a gid asked k times costs k once, not k per line.
    if (it == order.end() || it->first != e->gid || !names[it->second].empty()) {
      return true;
    }
    for (; it != order.end() && it->first == e->gid; ++it) {
      names[it->second] = e->name;
      --missing;
    }
    return missing != 0;
  });
  return names;
}

}  // namespace unroot
