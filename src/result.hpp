// SPDX-License-Identifier: MIT
// result: Error, Result<T> and Status, the error model of all of src/. No printing here.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace unroot {

/// What failed, said as "action object" in lowercase ("open /etc/passwd", "unknown user 'app'"),
/// plus the errno of the failing call (0 when it was not a syscall). main's report() prints it;
/// main alone decides the exit code, from the kind of step that failed.
struct Error {
  std::string what;
  int sys_errno = 0;

  /// The errno the failing call just left, and nothing else yet. Call it as the first thing
  /// after the call, before any message is built (bubblewrap's errsv rule): in
  /// `Error::from_errno().context("open " + path)` the errno is read before the string exists.
  static Error from_errno() { return Error{{}, errno}; }
  static Error from_errno(int err) { return Error{{}, err}; }

  /// Prefixes what happened with where: "open" + "/data: ..." reads "open /data: ...".
  Error context(std::string_view where) && {
    if (what.empty()) {
      what = std::string(where);
    } else {
      what = std::string(where) + ": " + what;
    }
    return std::move(*this);
  }
  Error context(std::string_view where) const& {
    Error copy = *this;
    return std::move(copy).context(where);
  }
};

/// text with bytes a terminal or a log reader could misread shown as \xHH: control bytes
/// always (so input cannot forge a second line or an escape sequence), and with `all_unusual`
/// also bytes >= 0x7f and '\' itself (so a shown file name maps back to exactly one name).
inline std::string escape_bytes(std::string_view text, bool all_unusual) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || (all_unusual && (c > 0x7f || c == '\\'))) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

/// A value or an Error. [[nodiscard]] with -Werror turns an ignored failure into a build error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  explicit operator bool() const { return v_.index() == 0; }
  T& operator*() { return *std::get_if<0>(&v_); }
  const T& operator*() const { return *std::get_if<0>(&v_); }
  T* operator->() { return std::get_if<0>(&v_); }
  const T* operator->() const { return std::get_if<0>(&v_); }
  const Error& error() const { return *std::get_if<1>(&v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

}  // namespace unroot
