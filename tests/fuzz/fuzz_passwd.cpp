// SPDX-License-Identifier: MIT
// libFuzzer target: /etc/passwd text. Every line the parser accepts must round-trip through its
// fields; every lookup (by name, by uid) must agree with the independent oracle, return an
// entry with the key asked for, and never produce uid 0 unless that line's uid field says 0.
#include <set>
#include <string>

#include "oracle.hpp"
#include "userdb.hpp"

namespace {

void check_entry(const unroot::PasswdEntry& e, std::string_view line) {
  auto f = oracle::passwd_fields(line);
  PROPERTY(f.has_value());
  // Round trip: the entry is exactly what the fields say, nothing invented or normalised away
  // except leading zeros of the ids.
  PROPERTY(e.name == (*f)[0]);
  PROPERTY(e.home == (*f)[5]);
  PROPERTY(oracle::id((*f)[2]) == e.uid);
  PROPERTY(oracle::id((*f)[3]) == e.gid);
  PROPERTY(e.uid <= oracle::kMaxId && e.gid <= oracle::kMaxId);
  PROPERTY(e.uid != 0 || oracle::says_zero((*f)[2]));
  PROPERTY(e.gid != 0 || oracle::says_zero((*f)[3]));
  PROPERTY(e.name.find(':') == std::string_view::npos);
  PROPERTY(e.name.find('\n') == std::string_view::npos);
  std::string rebuilt;
  for (std::size_t i = 0; i < f->size(); ++i) {
    rebuilt += std::string(i == 0 ? "" : ":") + std::string((*f)[i]);
  }
  PROPERTY(rebuilt == oracle::without_cr(line));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines = oracle::lines(text);

  // The line parser alone: accepted exactly when the oracle accepts.
  for (std::string_view line : lines) {
    auto e = unroot::parse_passwd_line(line);
    PROPERTY(e.has_value() == oracle::passwd_fields(line).has_value());
    if (e) {
      check_entry(*e, line);
    }
  }

  // Lookups with keys taken from the input itself, plus the ones that matter most.
  unroot::UserFile file{"/etc/passwd", text, true};
  std::set<std::string> names = {"root", "nobody", ""};
  std::set<std::uint32_t> uids = {0, 65534, 4294967294u};
  for (std::size_t i = 0; i < lines.size() && i < 8; ++i) {
    std::vector<std::string_view> raw = oracle::split(lines[i], ':');
    names.emplace(raw[0]);
    if (raw.size() > 2) {
      if (auto u = oracle::id(raw[2])) {
        uids.insert(*u);
      }
    }
  }
  for (const std::string& name : names) {
    auto got = unroot::find_user_by_name(file, name);
    auto want = oracle::lookup(lines, true, 0, [&](std::string_view k) { return k == name; });
    oracle::check_lookup(got, want, lines, check_entry);
    if (got && *got) {
      PROPERTY((*got)->name == name);
    }
  }
  for (std::uint32_t uid : uids) {
    auto got = unroot::find_user_by_uid(file, uid);
    auto want =
        oracle::lookup(lines, true, 2, [&](std::string_view k) { return oracle::id(k) == uid; });
    oracle::check_lookup(got, want, lines, check_entry);
    if (got && *got) {
      PROPERTY((*got)->uid == uid);
    }
  }
  return 0;
}
