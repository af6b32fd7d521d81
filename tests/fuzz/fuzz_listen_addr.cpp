// SPDX-License-Identifier: MIT
// libFuzzer target: one --listen [NAME=]ADDRESS argument (src/listen_addr.hpp). An accepted
// argument must satisfy the grammar's promises (port 1-65535 or a unix path that is absolute,
// short enough and free of control bytes; a NAME systemd accepts) and must round-trip: the
// canonical text rebuilt from the parsed fields parses to the same socket.
#include <string>

#include "listen_addr.hpp"
#include "oracle.hpp"

namespace {

std::string canonical(const unroot::ListenSpec& s) {
  std::string out = s.name + "=";
  if (s.transport == unroot::Transport::kUnix) {
    return out + "unix:" + s.path;
  }
  out += s.transport == unroot::Transport::kUdp ? "udp://" : "tcp://";
  if (s.family != unroot::Family::kDualStack) {
    out += unroot::address_text(s) + ":";
  }
  return out + std::to_string(s.port);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view arg(reinterpret_cast<const char*>(data), size);
  auto spec = unroot::parse_listen(arg);
  if (!spec) {
    PROPERTY(!spec.error().what.empty());
    return 0;
  }
  PROPERTY(spec->arg == arg);
  PROPERTY(!spec->name.empty() && spec->name.size() <= unroot::kMaxFdNameLength);
  for (char c : spec->name) {
    PROPERTY(c >= 0x20 && c < 0x7f && c != ':' && c != '=');  // systemd's fdname_is_valid
  }
  if (spec->transport == unroot::Transport::kUnix) {
    PROPERTY(spec->family == unroot::Family::kUnix);
    PROPERTY(spec->port == 0);
    PROPERTY(!spec->path.empty() && spec->path[0] == '/');
    PROPERTY(spec->path.size() <= unroot::kMaxUnixPathLength);
    for (char c : spec->path) {
      PROPERTY(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    }
    PROPERTY(spec->path.find("/./") == std::string::npos);
    PROPERTY(spec->path.find("/../") == std::string::npos);
    PROPERTY(spec->path.find("//") == std::string::npos);
  } else {
    PROPERTY(spec->family != unroot::Family::kUnix);
    PROPERTY(spec->port >= 1);
    PROPERTY(spec->path.empty());
    if (spec->family == unroot::Family::kDualStack) {
      for (std::uint8_t b : spec->addr) {
        PROPERTY(b == 0);
      }
    }
    if (spec->family == unroot::Family::kIpv4) {
      for (std::size_t i = 4; i < spec->addr.size(); ++i) {
        PROPERTY(spec->addr[i] == 0);
      }
    }
  }
  PROPERTY(!unroot::describe(*spec).empty());

  // Round trip through the canonical text.
  std::string text = canonical(*spec);
  auto again = unroot::parse_listen(text);
  PROPERTY(static_cast<bool>(again));
  unroot::ListenSpec expected = *spec;
  expected.arg = text;
  PROPERTY(*again == expected);
  return 0;
}
