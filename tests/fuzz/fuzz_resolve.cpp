// SPDX-License-Identifier: MIT
// libFuzzer target: the whole resolution, make_plan(USER[:GROUP], passwd text, group text), as
// root. Input: spec NUL passwd NUL group. Whatever the files say, a plan that succeeds has the
// uid, gid and group list the independent oracle derives, so uid 0 (or gid 0) comes only from
// text that says 0 for that entry, or from ":group" (the caller's own uid, root here). An empty
// spec or a bare ':' never plans at all.
#include <algorithm>
#include <string>

#include "oracle.hpp"
#include "plan.hpp"

namespace {

std::optional<std::vector<std::string_view>> entry(std::string_view text, bool passwd,
                                                   std::size_t key_field, std::string_view key_text,
                                                   bool numeric) {
  std::optional<std::uint32_t> key_id = numeric ? oracle::id(key_text) : std::nullopt;
  std::vector<std::string_view> ls = oracle::lines(text);
  oracle::Expect e = oracle::lookup(ls, passwd, key_field, [&](std::string_view k) {
    return numeric ? oracle::id(k) == key_id : k == key_text;
  });
  if (e.kind != oracle::Expect::kFound) {
    return std::nullopt;
  }
  std::string_view line = ls[e.line - 1];
  return passwd ? oracle::passwd_fields(line) : oracle::group_fields(line);
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t a = in.find('\0');
  if (a == std::string_view::npos) {
    return 0;
  }
  std::size_t b = in.find('\0', a + 1);
  if (b == std::string_view::npos) {
    return 0;
  }
  std::string_view spec = in.substr(0, a);
  std::string_view passwd_text = in.substr(a + 1, b - a - 1);
  std::string_view group_text = in.substr(b + 1);

  char cmd[] = "true";
  unroot::Options opts;
  opts.user_spec = spec;
  opts.command = {cmd};
  char path[] = "PATH=/bin";
  char home[] = "HOME=/root";
  char* envp[] = {path, home, nullptr};
  unroot::Caller caller;  // root with every capability, as in a default container
  caller.groups = {0};
  caller.caps.effective = caller.caps.permitted = caller.caps.bounding = (1ull << 41) - 1;
  caller.caps.last_cap = 40;
  caller.pid = 1;
  unroot::Facts facts;
  facts.caller = caller;
  facts.passwd_file = unroot::FileText{true, std::string(passwd_text)};
  facts.group_file = unroot::FileText{true, std::string(group_text)};

  auto plan = unroot::make_plan(opts, facts, envp);
  if (!plan) {
    PROPERTY(!plan.error().what.empty());
    return 0;
  }
  PROPERTY(!spec.empty() && spec != ":");  // would silently mean the caller, root
  const unroot::Identity& id = plan->identity;

  // The oracle's answer, from the same text.
  std::size_t colon = spec.find(':');
  std::string_view user = spec.substr(0, colon);
  std::string_view grp =
      colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  std::optional<std::vector<std::string_view>> pw;
  std::uint32_t want_uid = 0;
  if (user.empty()) {
    PROPERTY(!grp.empty());  // ":group" is the only spec with an empty user part
    want_uid = caller.ruid;
    pw = entry(passwd_text, true, 2, std::to_string(want_uid), true);
  } else if (all_digits(user)) {
    PROPERTY(oracle::id(user).has_value());
    want_uid = *oracle::id(user);
    pw = entry(passwd_text, true, 2, user, true);
  } else {
    pw = entry(passwd_text, true, 0, user, false);
    PROPERTY(pw.has_value());  // a name resolves only through its own well-formed entry
    want_uid = *oracle::id((*pw)[2]);
    PROPERTY(want_uid != 0 || oracle::says_zero((*pw)[2]));
  }
  PROPERTY(id.uid == want_uid);
  PROPERTY(id.uid != 0 || user.empty() || oracle::says_zero(user) ||
           (pw && oracle::says_zero((*pw)[2])));

  std::vector<std::uint32_t> want_groups;
  std::uint32_t want_gid = 0;
  if (!grp.empty()) {
    if (all_digits(grp)) {
      want_gid = *oracle::id(grp);
    } else {
      auto g = entry(group_text, false, 0, grp, false);
      PROPERTY(g.has_value());
      want_gid = *oracle::id((*g)[2]);
      PROPERTY(want_gid != 0 || oracle::says_zero((*g)[2]));
    }
    want_groups = {want_gid};
  } else {
    PROPERTY(pw.has_value());  // no group named: only an entry can supply one (never gid 0)
    want_gid = *oracle::id((*pw)[3]);
    PROPERTY(want_gid != 0 || oracle::says_zero((*pw)[3]));
    want_groups = {want_gid};
    for (std::string_view line : oracle::lines(group_text)) {
      auto f = oracle::group_fields(line);
      if (!f) {
        continue;
      }
      std::vector<std::string_view> ms = oracle::split((*f)[3], ',');
      std::uint32_t g = *oracle::id((*f)[2]);
      if (std::find(ms.begin(), ms.end(), (*pw)[0]) != ms.end() &&
          std::find(want_groups.begin(), want_groups.end(), g) == want_groups.end()) {
        want_groups.push_back(g);
      }
    }
  }
  PROPERTY(id.gid == want_gid);
  PROPERTY(id.groups == want_groups);
  return 0;
}
