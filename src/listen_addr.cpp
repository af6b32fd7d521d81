// SPDX-License-Identifier: MIT
// listen_addr: parses --listen arguments. Pure: no DNS (the binary is static and must never reach
// NSS or getaddrinfo), no syscalls, no printing.
#include "listen_addr.hpp"

#include "decimal.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace unroot {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "'text'". Built by appending: GCC 12 reports a false -Wrestrict for `"'" + std::string(x)` at
// -O2 (GCC bug 105651).
std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

Error bad(std::string_view arg, const std::string& why) {
  return Error{"--listen '" + std::string(arg) + "': " + why};
}

// Strict port: 1 to 5 digits, no sign, no spaces, no leading zero ("080" reads as octal to some
// tools, so it is refused rather than guessed), 1..65535. Port 0 is refused as systemd's
// ListenStream= does: the kernel would pick a random port that no client knows.
bool parse_port(std::string_view s, std::uint16_t& port) {
  auto v = scan_decimal(s, 1, 65535, LeadingZero::kRefused);
  if (!v) {
    return false;
  }
  port = static_cast<std::uint16_t>(*v);
  return true;
}

const char* const kPortRule = "port must be a number from 1 to 65535 (digits only, no leading 0)";

// The alphabet is checked here before inet_pton so that what is accepted does not depend on the
// libc (glibc and musl agree today; this pins it): dotted decimal for IPv4, hex digits, ':' and
// '.' (for the embedded-IPv4 tail) for IPv6. No zone ids, no host names.
bool parse_ipv4(std::string_view s, std::array<std::uint8_t, 16>& out) {
  if (s.empty() || s.size() > 15 ||
      !std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || c == '.'; })) {
    return false;
  }
  char buf[16] = {};
  std::memcpy(buf, s.data(), s.size());
  in_addr a{};
  // inet_pton(3): exactly four decimal parts, each 0..255, no leading zeros in glibc and musl.
  if (::inet_pton(AF_INET, buf, &a) != 1) {
    return false;
  }
  out = {};
  std::memcpy(out.data(), &a, 4);
  return true;
}

bool parse_ipv6(std::string_view s, std::array<std::uint8_t, 16>& out) {
  auto ok = [](char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
  };
  if (s.empty() || s.size() > 45 || !std::all_of(s.begin(), s.end(), ok)) {
    return false;
  }
  char buf[46] = {};
  std::memcpy(buf, s.data(), s.size());
  in6_addr a{};
  if (::inet_pton(AF_INET6, buf, &a) != 1) {
    return false;
  }
  std::memcpy(out.data(), &a, 16);
  return true;
}

bool is_v4_mapped(const std::array<std::uint8_t, 16>& a) {
  for (int i = 0; i < 10; ++i) {
    if (a[static_cast<std::size_t>(i)] != 0) {
      return false;
    }
  }
  return a[10] == 0xff && a[11] == 0xff;
}

// systemd's fdname_is_valid(): printable ASCII without ':', at most 255 characters. We also
// refuse the empty name ("=80" is a typo, not a request for an empty LISTEN_FDNAMES entry).
Status check_name(std::string_view arg, std::string_view name) {
  if (name.empty()) {
    return bad(arg, "empty NAME before '='");
  }
  if (name.size() > kMaxFdNameLength) {
    return bad(arg, "NAME is longer than 255 characters");
  }
  for (char c : name) {
    if (c < 0x20 || c > 0x7e) {
      return bad(arg, "NAME may contain only printable ASCII characters");
    }
  }
  return Ok{};
}

Status parse_unix(std::string_view arg, std::string_view path, ListenSpec& spec) {
  spec.transport = Transport::kUnix;
  spec.family = Family::kUnix;
  if (path.empty()) {
    return bad(arg, "unix: needs an absolute path, as in unix:/run/app.sock");
  }
  // Abstract sockets (a leading '@' or NUL) have no file, so no owner or mode: anyone in the
  // network namespace could connect (unix(7), "Abstract sockets"). Refused.
  if (path[0] == '@') {
    return bad(arg, "abstract unix sockets are not supported (they have no owner or mode)");
  }
  if (path[0] != '/') {
    return bad(arg, "unix socket path must be absolute, as in unix:/run/app.sock");
  }
  if (path.size() > kMaxUnixPathLength) {
    return bad(arg, "unix socket path is longer than 107 bytes (unix(7) sun_path limit)");
  }
  if (path.back() == '/') {
    return bad(arg, "unix socket path ends in '/'");
  }
  for (char c : path) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return bad(arg, "unix socket path contains a control character");
    }
  }
  // One spelling per path: no empty, "." or ".." components. The path is created and chowned
  // by root, so what it names must be obvious from the text ("unix:///x" is refused too).
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return bad(arg, "unix socket path must not contain empty, '.' or '..' components");
    }
    start = end + 1;
  }
  spec.path = std::string(path);
  return Ok{};
}

// "[IPV6]:PORT": the address into spec, the port text into `port`.
Status parse_bracketed(std::string_view arg, std::string_view text, ListenSpec& spec,
                       std::string_view& port) {
  std::size_t close = text.find(']');
  if (close == std::string_view::npos) {
    return bad(arg, "missing ']' after the IPv6 address");
  }
  std::string_view host = text.substr(1, close - 1);
  if (host.find('%') != std::string_view::npos) {
    return bad(arg, "IPv6 zone ids ('%') are not supported");
  }
  if (!parse_ipv6(host, spec.addr)) {
    return bad(arg, quoted(host) + " is not a numeric IPv6 address");
  }
  // An IPv4-mapped address on an IPv6-only socket cannot be bound (ipv6(7)); say what works.
  if (is_v4_mapped(spec.addr)) {
    return bad(arg, "IPv4-mapped IPv6 address: write the IPv4 address, as in 127.0.0.1:80");
  }
  std::string_view rest = text.substr(close + 1);
  if (rest.empty()) {
    return bad(arg, "missing ':PORT' after ']'");
  }
  if (rest[0] != ':') {
    return bad(arg, "expected ':PORT' after ']'");
  }
  port = rest.substr(1);
  spec.family = Family::kIpv6;
  return Ok{};
}

bool dotted(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c) || c == '.'; });
}

// "IPV4:PORT": the address into spec, the port text into `port`.
Status parse_ipv4_host(std::string_view arg, std::string_view text, ListenSpec& spec,
                       std::string_view& port) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    if (text.empty()) {
      return bad(arg, "missing address");
    }
    if (dotted(text)) {
      return bad(arg, "missing ':PORT' after the address");
    }
    return bad(arg, "expected PORT, IPV4:PORT, [IPV6]:PORT or unix:/PATH");
  }
  if (text.find(':', colon + 1) != std::string_view::npos) {
    return bad(arg, "IPv6 addresses need brackets, as in [::1]:80");
  }
  std::string_view host = text.substr(0, colon);
  port = text.substr(colon + 1);
  if (host.empty()) {
    return bad(arg, "missing address before ':' (for all interfaces write just the port)");
  }
  if (!parse_ipv4(host, spec.addr)) {
    // unroot never resolves names: a static binary must not load NSS, and a name that
    // resolves differently at 3 a.m. must not change what root binds.
    if (dotted(host)) {
      return bad(arg, quoted(host) + " is not a numeric IPv4 address");
    }
    return bad(arg,
               "host names are not resolved; use a numeric address such as 127.0.0.1 or [::1]");
  }
  spec.family = Family::kIpv4;
  return Ok{};
}

Status parse_host_port(std::string_view arg, std::string_view text, ListenSpec& spec) {
  std::string_view port = text;
  if (is_all_digits(text)) {
    spec.family = Family::kDualStack;
  } else if (!text.empty() && text[0] == '[') {
    if (auto s = parse_bracketed(arg, text, spec, port); !s) {
      return s;
    }
  } else if (auto s = parse_ipv4_host(arg, text, spec, port); !s) {
    return s;
  }
  if (!parse_port(port, spec.port)) {
    return bad(arg, kPortRule);
  }
  return Ok{};
}

bool same_address(const ListenSpec& a, const ListenSpec& b) {
  return a.transport == b.transport && a.family == b.family && a.addr == b.addr &&
         a.port == b.port && a.path == b.path;
}

bool is_wildcard(const ListenSpec& s) {
  return s.family == Family::kDualStack || s.addr == std::array<std::uint8_t, 16>{};
}

bool same_ip_family(const ListenSpec& a, const ListenSpec& b) {
  return a.family == b.family || a.family == Family::kDualStack || b.family == Family::kDualStack;
}

// Two sockets on one port where one is a wildcard that covers the other's family cannot both be
// bound: Linux refuses a specific address under a listening wildcard even with SO_REUSEADDR
// (socket(7)), and the bare port covers IPv4 and IPv6. Caught here so the message names both
// arguments instead of an "Address already in use" that points at unroot's own socket.
bool overlaps(const ListenSpec& a, const ListenSpec& b) {
  return a.transport != Transport::kUnix && a.transport == b.transport && a.port == b.port &&
         same_ip_family(a, b) && (is_wildcard(a) || is_wildcard(b));
}

}  // namespace

Result<ListenSpec> parse_listen(std::string_view arg) {
  ListenSpec spec;
  spec.arg = std::string(arg);
  spec.name = std::string(kDefaultFdName);
  if (arg.empty()) {
    return Error{"--listen needs an address, got an empty string"};
  }
  // NAME may not contain ':' (LISTEN_FDNAMES separator) and so the first '=' that comes before
  // any ':' ends it. No address form has '=' before a ':', so this is never ambiguous; a unix
  // path may still contain '=' ("unix:/run/a=b.sock").
  std::string_view rest = arg;
  std::size_t eq = arg.find('=');
  std::size_t colon = arg.find(':');
  if (eq != std::string_view::npos && (colon == std::string_view::npos || eq < colon)) {
    std::string_view name = arg.substr(0, eq);
    if (auto s = check_name(arg, name); !s) {
      return s.error();
    }
    spec.name = std::string(name);
    rest = arg.substr(eq + 1);
  }
  if (rest.empty()) {
    return bad(arg, "missing address after '='");
  }
  constexpr std::string_view kUnix = "unix:";
  constexpr std::string_view kTcp = "tcp://";
  constexpr std::string_view kUdp = "udp://";
  if (rest.substr(0, kUnix.size()) == kUnix) {
    if (auto s = parse_unix(arg, rest.substr(kUnix.size()), spec); !s) {
      return s.error();
    }
    return spec;
  }
  if (rest.substr(0, kTcp.size()) == kTcp) {
    spec.transport = Transport::kTcp;
    rest = rest.substr(kTcp.size());
  } else if (rest.substr(0, kUdp.size()) == kUdp) {
    spec.transport = Transport::kUdp;
    rest = rest.substr(kUdp.size());
  } else if (std::size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    return bad(arg, "unknown scheme '" + std::string(rest.substr(0, scheme + 3)) +
                        "' (use tcp://, udp:// or unix:)");
  }
  if (rest.empty()) {
    return bad(arg, "missing address after the scheme");
  }
  if (rest.find("://") != std::string_view::npos) {
    return bad(arg, "more than one scheme");
  }
  if (auto s = parse_host_port(arg, rest, spec); !s) {
    return s.error();
  }
  return spec;
}

Result<std::vector<ListenSpec>> parse_listen_all(const std::vector<std::string_view>& args) {
  if (args.size() > kMaxListen) {
    return Error{"too many --listen arguments (" + std::to_string(args.size()) + ", at most " +
                 std::to_string(kMaxListen) + ")"};
  }
  std::vector<ListenSpec> specs;
  specs.reserve(args.size());
  for (std::string_view arg : args) {
    auto spec = parse_listen(arg);
    if (!spec) {
      return spec.error();
    }
    for (const ListenSpec& earlier : specs) {
      if (same_address(earlier, *spec)) {
        return bad(arg, "same address as --listen '" + earlier.arg + "'");
      }
      if (overlaps(earlier, *spec)) {
        return bad(arg, "overlaps --listen '" + earlier.arg +
                            "' (a wildcard address already takes this port)");
      }
    }
    specs.push_back(std::move(*spec));
  }
  return specs;
}

std::string ipv4_text(const std::array<std::uint8_t, 4>& addr) {
  std::string out;
  for (std::size_t i = 0; i < addr.size(); ++i) {
    if (i > 0) {
      out += '.';
    }
    unsigned v = addr[i];
    if (v >= 100) {
      out += static_cast<char>('0' + v / 100);
    }
    if (v >= 10) {
      out += static_cast<char>('0' + v / 10 % 10);
    }
    out += static_cast<char>('0' + v % 10);
  }
  return out;
}

// Our own formatter rather than inet_ntop(3): musl's formats with snprintf, which would bring
// printf (~13 KB) into the binary for this one use.
std::string ipv6_text(const std::array<std::uint8_t, 16>& addr) {
  std::array<unsigned, 8> words{};
  for (std::size_t i = 0; i < words.size(); ++i) {
    words[i] = static_cast<unsigned>(addr[2 * i] << 8 | addr[2 * i + 1]);
  }
  // RFC 5952 section 5: an IPv4-mapped address ends in dotted decimal.
  std::size_t n_words = is_v4_mapped(addr) ? 6 : 8;
  // RFC 5952 section 4.2: "::" replaces the longest run of zero words, the first of equal runs,
  // and never a single zero word.
  std::size_t best = 0;
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < n_words;) {
    std::size_t j = i;
    while (j < n_words && words[j] == 0) {
      ++j;
    }
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  if (best_len < 2) {
    best_len = 0;
  }
  constexpr std::string_view kHex = "0123456789abcdef";  // section 4.3: lowercase
  std::string out;
  for (std::size_t i = 0; i < n_words; ++i) {
    if (best_len > 0 && i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') {
      out += ':';
    }
    // Section 4.1: no leading zeros.
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned digit = (words[i] >> shift) & 0xf;
      if (digit != 0 || started || shift == 0) {
        out += kHex[digit];
        started = true;
      }
    }
  }
  if (n_words == 6) {
    if (out.back() != ':') {
      out += ':';
    }
    out += ipv4_text({addr[12], addr[13], addr[14], addr[15]});
  }
  return out;
}

std::string address_text(const ListenSpec& spec) {
  switch (spec.family) {
    case Family::kUnix:
      return spec.path;
    case Family::kDualStack:
      return "[::]";
    case Family::kIpv4:
      return ipv4_text({spec.addr[0], spec.addr[1], spec.addr[2], spec.addr[3]});
    case Family::kIpv6:
      return "[" + ipv6_text(spec.addr) + "]";
  }
  return {};
}

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::kTcp:
      return "tcp";
    case Transport::kUdp:
      return "udp";
    case Transport::kUnix:
      return "unix";
  }
  __builtin_unreachable();
}

std::string describe(const ListenSpec& spec) {
  std::string out = std::string(transport_name(spec.transport)) + " ";
  if (spec.transport == Transport::kUnix) {
    return out + spec.path;
  }
  std::string port = std::to_string(spec.port);
  out += address_text(spec) + ":" + port;
  if (spec.family == Family::kDualStack) {
    out += " (dual-stack; 0.0.0.0:" + port + " if the kernel has no IPv6)";
  }
  return out;
}

std::vector<std::string> with_listen_env(std::vector<std::string> env,
                                         const std::vector<ListenSpec>& specs, long pid) {
  if (specs.empty()) {
    return env;
  }
  auto is_listen_var = [](const std::string& entry) {
    for (std::string_view key :
         {"LISTEN_FDS=", "LISTEN_PID=", "LISTEN_FDNAMES=", "LISTEN_PIDFDID="}) {
      if (std::string_view(entry).substr(0, key.size()) == key) {
        return true;
      }
    }
    return false;
  };
  env.erase(std::remove_if(env.begin(), env.end(), is_listen_var), env.end());
  std::string names = "LISTEN_FDNAMES=";
  for (std::size_t i = 0; i < specs.size(); ++i) {
    names += (i == 0 ? "" : ":") + specs[i].name;
  }
  env.push_back("LISTEN_FDS=" + std::to_string(specs.size()));
  env.push_back("LISTEN_PID=" + std::to_string(pid));
  env.push_back(std::move(names));
  return env;
}

}  // namespace unroot
