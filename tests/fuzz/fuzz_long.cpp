// SPDX-License-Identifier: MIT
// libFuzzer target: lookups on inputs of megabytes. A short input is a recipe that expands into
// a long user name and a long passwd/group text, so libFuzzer mutates a few bytes while unroot
// parses megabytes; an input whose cost grows faster than its size then hits -timeout. Answers
// are compared with the oracle, whose every check here is linear in the text too.
//
// Recipe: u16 name repeat, u24 text size, then UNIT NUL TEMPLATE. The name is UNIT repeated
// (at most 1 MiB); the text is TEMPLATE repeated up to the size (at most 2 MiB), where '@' in
// TEMPLATE stands for the name and '~' for the name with its last byte changed (a near-match).
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "oracle.hpp"
#include "userdb.hpp"

namespace {

constexpr std::size_t kMaxName = 1u << 20;
constexpr std::size_t kMaxText = 2u << 20;

std::string expand(std::string_view tmpl, std::string_view name, std::string_view near,
                   std::size_t size) {
  std::string one;
  for (char c : tmpl) {
    if (c == '@') {
      one += name;
    } else if (c == '~') {
      one += near;
    } else {
      one += c;
    }
  }
  if (one.empty()) {
    return one;
  }
  std::string text;
  text.reserve(size + one.size());
  do {
    text += one;
  } while (text.size() < size);
  text.resize(std::min(text.size(), std::max(size, one.size())));
  return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 6) {
    return 0;
  }
  const std::size_t repeat = std::size_t{data[0]} | std::size_t{data[1]} << 8;
  const std::size_t text_size = std::min(
      kMaxText, std::size_t{data[2]} | std::size_t{data[3]} << 8 | std::size_t{data[4]} << 16);
  std::string_view rest(reinterpret_cast<const char*>(data) + 5, size - 5);
  std::size_t nul = rest.find('\0');
  if (nul == std::string_view::npos || nul == 0) {
    return 0;
  }
  std::string_view unit = rest.substr(0, nul);
  std::string name;
  for (std::size_t i = 0; i <= repeat && name.size() + unit.size() <= kMaxName; ++i) {
    name += unit;
  }
  std::string near = name;
  near.back() = near.back() == 'b' ? 'c' : 'b';
  const std::string text = expand(rest.substr(nul + 1), name, near, text_size);
  const std::vector<std::string_view> lines = oracle::lines(text);

  // The oracle's reading, one pass (split() allocates, and under ASan that is most of the
  // cost): the first line naming `name` as passwd and as group entry (or a malformed line
  // claiming it first), the groups listing it as a whole member, the first name of each gid.
  oracle::Expect want_user, want_group;
  std::vector<std::uint32_t> want;
  std::set<std::uint32_t> seen;
  std::map<std::uint32_t, std::string_view> first_name;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (oracle::ignorable(lines[i])) {
      continue;
    }
    std::vector<std::string_view> raw = oracle::split(lines[i], ':');
    bool claims = raw[0] == name;
    auto pw = oracle::passwd_fields(lines[i]);
    if (want_user.kind == oracle::Expect::kNone && (pw ? (*pw)[0] == name : claims)) {
      want_user = {pw ? oracle::Expect::kFound : oracle::Expect::kError, i + 1};
    }
    auto f = oracle::group_fields(lines[i]);
    if (want_group.kind == oracle::Expect::kNone && (f ? (*f)[0] == name : claims)) {
      want_group = {f ? oracle::Expect::kFound : oracle::Expect::kError, i + 1};
    }
    if (!f) {
      continue;
    }
    std::uint32_t gid = *oracle::id((*f)[2]);
    first_name.emplace(gid, (*f)[0]);
    std::vector<std::string_view> ms = oracle::split((*f)[3], ',');
    if (std::find(ms.begin(), ms.end(), name) != ms.end() && seen.insert(gid).second) {
      want.push_back(gid);
    }
  }

  // Name lookups in both files: the same text read as passwd and as group.
  unroot::UserFile passwd{"/etc/passwd", text, true};
  unroot::UserFile group{"/etc/group", text, true};
  oracle::check_lookup(unroot::find_user_by_name(passwd, name), want_user, lines,
                       [](const unroot::PasswdEntry& e, std::string_view line) {
                         PROPERTY(oracle::passwd_fields(line).has_value());
                         PROPERTY(e.name == (*oracle::passwd_fields(line))[0]);
                       });
  oracle::check_lookup(unroot::find_group_by_name(group, name), want_group, lines,
                       [](const unroot::GroupEntry& e, std::string_view line) {
                         PROPERTY(oracle::group_fields(line).has_value());
                         PROPERTY(e.name == (*oracle::group_fields(line))[0]);
                       });

  // Membership: the well-formed groups listing the name as a whole member, each gid once, in
  // file order.
  std::vector<std::uint32_t> got = unroot::groups_with_member(group, name);
  PROPERTY(got == want);

  // Each gid asked twice, and one gid many times: the answer is per position.
  std::vector<std::uint32_t> asked = got;
  asked.insert(asked.end(), got.begin(), got.end());
  if (!first_name.empty()) {
    asked.insert(asked.end(), 1000, first_name.begin()->first);
  }
  std::vector<std::string_view> names = unroot::group_names(group, asked);
  PROPERTY(names.size() == asked.size());
  for (std::size_t i = 0; i < asked.size(); ++i) {
    auto it = first_name.find(asked[i]);
    PROPERTY(names[i] == (it == first_name.end() ? std::string_view() : it->second));
  }
  return 0;
}
