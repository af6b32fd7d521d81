// SPDX-License-Identifier: MIT
// Fuzz oracle: a second, deliberately naive reading of passwd/group text and ids, written apart
// from src/userdb.cpp, so each fuzz target can compare unroot's answer with an independent one.
// Test code only.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oracle {

/// Stops the fuzzer with a message: a property did not hold.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s\n", what);
  std::abort();
}
#define PROPERTY(cond)       \
  do {                       \
    if (!(cond)) {           \
      ::oracle::fail(#cond); \
    }                        \
  } while (0)

inline constexpr std::uint64_t kMaxId = 4294967294u;

/// Decimal id, digits only, at most kMaxId; leading zeros allowed (as the libc readers do).
inline std::optional<std::uint32_t> id(std::string_view s) {
  if (s.empty()) {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
    if (v > kMaxId) {
      return std::nullopt;
    }
  }
  return static_cast<std::uint32_t>(v);
}

/// True if s is non-empty and made of '0' only: the only texts that may mean id 0.
inline bool says_zero(std::string_view s) {
  return !s.empty() && s.find_first_not_of('0') == std::string_view::npos;
}

inline std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    std::size_t at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) {
      return out;
    }
    s.remove_prefix(at + 1);
  }
}

/// Lines as unroot numbers them: split at '\n', no empty line after a final '\n'.
inline std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  }
  return out;
}

inline std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

inline bool ignorable(std::string_view line) {
  line = without_cr(line);
  return line.empty() || line.front() == '#';
}

/// The fields of a well-formed line with `n` fields whose fields at `ids` are ids, or nullopt.
inline std::optional<std::vector<std::string_view>> fields(std::string_view line, std::size_t n,
                                                           std::initializer_list<std::size_t> ids) {
  line = without_cr(line);
  if (ignorable(line) || line.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::vector<std::string_view> f = split(line, ':');
  if (f.size() != n || f[0].empty()) {
    return std::nullopt;
  }
  for (std::size_t i : ids) {
    if (!id(f[i])) {
      return std::nullopt;
    }
  }
  return f;
}

inline std::optional<std::vector<std::string_view>> passwd_fields(std::string_view line) {
  return fields(line, 7, {2, 3});
}
inline std::optional<std::vector<std::string_view>> group_fields(std::string_view line) {
  return fields(line, 4, {2});
}

/// What a lookup should answer: no entry, the entry on line `line` (1-based), or an error
/// because a malformed line claiming the key comes first.
struct Expect {
  enum Kind { kNone, kFound, kError } kind = kNone;
  std::size_t line = 0;
};

/// `key_field`: which field holds the key; `matches` compares a key field text with the query.
template <typename Matches>
Expect lookup(const std::vector<std::string_view>& ls, bool passwd, std::size_t key_field,
              Matches matches) {
  for (std::size_t i = 0; i < ls.size(); ++i) {
    if (ignorable(ls[i])) {
      continue;
    }
    auto f = passwd ? passwd_fields(ls[i]) : group_fields(ls[i]);
    if (f) {
      if (matches((*f)[key_field])) {
        return {Expect::kFound, i + 1};
      }
      continue;
    }
    // A malformed line claims the key if its key field (read without any validation) matches.
    std::vector<std::string_view> raw = split(ls[i], ':');
    if (key_field < raw.size() && matches(raw[key_field])) {
      return {Expect::kError, i + 1};
    }
  }
  return {};
}

/// Compares a lookup's Result<optional<Entry>> with what the oracle expects; `check_entry`
/// checks a found entry against its own line.
template <typename Found, typename CheckEntry>
void check_lookup(const Found& got, const Expect& want, const std::vector<std::string_view>& lines,
                  CheckEntry check_entry) {
  if (!got) {
    PROPERTY(want.kind == Expect::kError);
    PROPERTY(!got.error().what.empty());
    PROPERTY(got.error().what.find(" line " + std::to_string(want.line) + ":") !=
             std::string::npos);
    return;
  }
  if (!*got) {
    PROPERTY(want.kind == Expect::kNone);
    return;
  }
  PROPERTY(want.kind == Expect::kFound);
  PROPERTY((*got)->line == want.line);
  check_entry(**got, lines[want.line - 1]);
}

}  // namespace oracle
