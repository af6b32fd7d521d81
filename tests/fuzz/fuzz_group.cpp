// SPDX-License-Identifier: MIT
// libFuzzer target: /etc/group text. Accepted lines round-trip; lookups by name and gid agree
// with the independent oracle; groups_with_member returns exactly the well-formed groups that
// list the user (no duplicates, file order), so a malformed line can never add a group; and
// group_names names each gid by its first well-formed entry.
#include <algorithm>
#include <set>
#include <string>

#include "oracle.hpp"
#include "userdb.hpp"

namespace {

void check_entry(const unroot::GroupEntry& e, std::string_view line) {
  auto f = oracle::group_fields(line);
  PROPERTY(f.has_value());
  PROPERTY(e.name == (*f)[0]);
  PROPERTY(e.members == (*f)[3]);
  PROPERTY(oracle::id((*f)[2]) == e.gid);
  PROPERTY(e.gid <= oracle::kMaxId);
  PROPERTY(e.gid != 0 || oracle::says_zero((*f)[2]));
  std::string rebuilt = std::string((*f)[0]) + ":" + std::string((*f)[1]) + ":" +
                        std::string((*f)[2]) + ":" + std::string((*f)[3]);
  PROPERTY(rebuilt == oracle::without_cr(line));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines = oracle::lines(text);
  for (std::string_view line : lines) {
    auto e = unroot::parse_group_line(line);
    PROPERTY(e.has_value() == oracle::group_fields(line).has_value());
    if (e) {
      check_entry(*e, line);
    }
  }

  unroot::UserFile file{"/etc/group", text, true};
  std::set<std::string> names = {"root", "nogroup", ""};
  std::set<std::uint32_t> gids = {0, 65534};
  std::set<std::string> members = {"root", "app"};
  for (std::size_t i = 0; i < lines.size() && i < 8; ++i) {
    std::vector<std::string_view> raw = oracle::split(lines[i], ':');
    names.emplace(raw[0]);
    if (raw.size() > 2) {
      if (auto g = oracle::id(raw[2])) {
        gids.insert(*g);
      }
    }
    if (raw.size() > 3) {
      for (std::string_view m : oracle::split(oracle::without_cr(raw[3]), ',')) {
        // User names are never empty (a passwd entry needs one). At most 16 names: each costs
        // two passes over the input, and more only slow the fuzzer down.
        if (!m.empty() && members.size() < 16) {
          members.emplace(m);
        }
      }
    }
  }
  for (const std::string& name : names) {
    auto got = unroot::find_group_by_name(file, name);
    oracle::check_lookup(
        got, oracle::lookup(lines, false, 0, [&](std::string_view k) { return k == name; }), lines,
        check_entry);
    if (got && *got) {
      PROPERTY((*got)->name == name);
    }
  }
  for (std::uint32_t gid : gids) {
    auto got = unroot::find_group_by_gid(file, gid);
    oracle::check_lookup(
        got,
        oracle::lookup(lines, false, 2, [&](std::string_view k) { return oracle::id(k) == gid; }),
        lines, check_entry);
    if (got && *got) {
      PROPERTY((*got)->gid == gid);
    }
  }

  // Membership: only well-formed lines count, each gid once, in file order.
  // The oracle's reading of each line, once per input.
  struct Parsed {
    std::uint32_t gid;
    std::string_view name;
    std::vector<std::string_view> members;
  };
  std::vector<Parsed> good;
  for (std::string_view line : lines) {
    if (auto f = oracle::group_fields(line)) {
      good.push_back({*oracle::id((*f)[2]), (*f)[0], oracle::split((*f)[3], ',')});
    }
  }
  for (const std::string& user : members) {
    std::vector<std::uint32_t> want;
    for (const Parsed& g : good) {
      const std::vector<std::string_view>& ms = g.members;
      std::uint32_t gid = g.gid;
      if (std::find(ms.begin(), ms.end(), user) != ms.end() &&
          std::find(want.begin(), want.end(), gid) == want.end()) {
        want.push_back(gid);
      }
    }
    PROPERTY(unroot::groups_with_member(file, user) == want);
  }

  // Names for display: the first well-formed entry of each gid, or empty.
  std::vector<std::uint32_t> asked(gids.begin(), gids.end());
  std::vector<std::string_view> got = unroot::group_names(file, asked);
  PROPERTY(got.size() == asked.size());
  for (std::size_t i = 0; i < asked.size(); ++i) {
    std::string_view want;
    for (const Parsed& g : good) {
      if (g.gid == asked[i]) {
        want = g.name;
        break;
      }
    }
    PROPERTY(got[i] == want);
  }
  return 0;
}
