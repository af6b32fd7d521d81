// SPDX-License-Identifier: MIT
// Unit tests for listen_addr: the --listen grammar and the socket-activation environment.
#include <arpa/inet.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "listen_addr.hpp"

using unroot::Family;
using unroot::ListenSpec;
using unroot::parse_listen;
using unroot::parse_listen_all;
using unroot::Transport;

namespace {

// The error text for an argument that must be refused; fails the test if it was accepted.
std::string refusal(std::string_view arg) {
  auto r = parse_listen(arg);
  if (r) {
    FAIL("accepted --listen '" << std::string(arg) << "' as " << unroot::describe(*r));
  }
  return r.error().what;
}

ListenSpec accepted(std::string_view arg) {
  auto r = parse_listen(arg);
  if (!r) {
    FAIL("refused --listen '" << std::string(arg) << "': " << r.error().what);
  }
  return *r;
}

}  // namespace

// --- adversarial input first ---------------------------------------------------------------

TEST_CASE("an empty argument is refused", "[listen_addr]") {
  CHECK(refusal("") == "--listen needs an address, got an empty string");
}

TEST_CASE("port numbers are strict digits from 1 to 65535", "[listen_addr]") {
  for (std::string_view bad :
       {"0", "00", "080", "65536", "99999", "100000", "4294967297", "18446744073709551697", "-1",
        "+80", " 80", "80 ", "8 0", "0x50", "80.0", "٨٠", "1e2"}) {
    INFO("port '" << std::string(bad) << "'");
    std::string why = refusal(bad);
    CHECK(why.find("--listen '" + std::string(bad) + "'") == 0);
  }
  CHECK(accepted("1").port == 1);
  CHECK(accepted("65535").port == 65535);
  CHECK(accepted("127.0.0.1:65535").port == 65535);
  CHECK_THAT(refusal("127.0.0.1:0"), Catch::Contains("port must be a number from 1 to 65535"));
  CHECK_THAT(refusal("127.0.0.1:65536"), Catch::Contains("from 1 to 65535"));
  CHECK_THAT(refusal("[::1]:-80"), Catch::Contains("from 1 to 65535"));
  CHECK_THAT(refusal("127.0.0.1:"), Catch::Contains("from 1 to 65535"));
  CHECK_THAT(refusal("[::1]:"), Catch::Contains("from 1 to 65535"));
}

TEST_CASE("host names are never resolved", "[listen_addr]") {
  CHECK_THAT(refusal("localhost:80"), Catch::Contains("host names are not resolved"));
  CHECK_THAT(refusal("example.com:80"), Catch::Contains("host names are not resolved"));
  CHECK_THAT(refusal("tcp://localhost:80"), Catch::Contains("host names are not resolved"));
  CHECK_THAT(refusal("[localhost]:80"), Catch::Contains("not a numeric IPv6 address"));
  CHECK_THAT(refusal("*:80"), Catch::Contains("host names are not resolved"));
  CHECK_THAT(refusal("0x7f.0.0.1:80"), Catch::Contains("host names are not resolved"));
}

TEST_CASE("IPv4 addresses are four plain decimal parts", "[listen_addr]") {
  for (std::string_view bad :
       {"1.2.3:80", "1.2.3.4.5:80", "256.0.0.1:80", "01.2.3.4:80", "1.2.3.04:80", "1..3.4:80",
        ".1.2.3:80", "1.2.3.4.:80", "2130706433:80", "127.1:80"}) {
    INFO(std::string(bad));
    CHECK_THAT(refusal(bad), Catch::Contains("not a numeric IPv4 address"));
  }
  CHECK_THAT(refusal("127.0.0.1"), Catch::Contains("missing ':PORT'"));
  CHECK_THAT(refusal(":80"), Catch::Contains("for all interfaces write just the port"));
}

TEST_CASE("IPv6 addresses need brackets and are numeric", "[listen_addr]") {
  CHECK_THAT(refusal("::1:80"), Catch::Contains("need brackets"));
  CHECK_THAT(refusal("1:2:80"), Catch::Contains("need brackets"));
  CHECK_THAT(refusal("[::1]"), Catch::Contains("missing ':PORT'"));
  CHECK_THAT(refusal("[::1]80"), Catch::Contains("expected ':PORT'"));
  CHECK_THAT(refusal("[::1:80"), Catch::Contains("missing ']'"));
  CHECK_THAT(refusal("[]:80"), Catch::Contains("not a numeric IPv6 address"));
  CHECK_THAT(refusal("[1::2::3]:80"), Catch::Contains("not a numeric IPv6 address"));
  CHECK_THAT(refusal("[:::1]:80"), Catch::Contains("not a numeric IPv6 address"));
  CHECK_THAT(refusal("[ ::1]:80"), Catch::Contains("not a numeric IPv6 address"));
  CHECK_THAT(refusal("[127.0.0.1]:80"), Catch::Contains("not a numeric IPv6 address"));
  CHECK_THAT(refusal("[fe80::1%eth0]:80"), Catch::Contains("zone ids"));
  CHECK_THAT(refusal("[fe80::1%2]:80"), Catch::Contains("zone ids"));
  CHECK_THAT(refusal("[::ffff:127.0.0.1]:80"), Catch::Contains("IPv4-mapped"));
  CHECK_THAT(refusal("[::1]:80:81"), Catch::Contains("from 1 to 65535"));
  CHECK_THAT(refusal("[[::1]]:80"), Catch::Contains("not a numeric IPv6 address"));
}

TEST_CASE("unknown or misspelt schemes are refused", "[listen_addr]") {
  CHECK_THAT(refusal("http://80"), Catch::Contains("unknown scheme 'http://'"));
  CHECK_THAT(refusal("TCP://80"), Catch::Contains("unknown scheme 'TCP://'"));
  CHECK_THAT(refusal("sctp://127.0.0.1:80"), Catch::Contains("unknown scheme"));
  CHECK_THAT(refusal("tcp://"), Catch::Contains("missing address after the scheme"));
  CHECK_THAT(refusal("udp://"), Catch::Contains("missing address after the scheme"));
  CHECK_THAT(refusal("tcp:80"), Catch::Contains("host names are not resolved"));
  CHECK_THAT(refusal("tcp://unix:/x"), Catch::Contains("host names are not resolved"));
  CHECK_THAT(refusal("udp://udp://53"), Catch::Contains("more than one scheme"));
  CHECK_THAT(refusal("UNIX:/run/x.sock"), Catch::Contains("host names are not resolved"));
}

TEST_CASE("unix socket paths are absolute, short and spelt one way", "[listen_addr]") {
  CHECK_THAT(refusal("unix:"), Catch::Contains("needs an absolute path"));
  CHECK_THAT(refusal("unix:run/app.sock"), Catch::Contains("must be absolute"));
  CHECK_THAT(refusal("unix:@abstract"), Catch::Contains("abstract unix sockets"));
  CHECK_THAT(refusal("unix:/"), Catch::Contains("ends in '/'"));
  CHECK_THAT(refusal("unix:/run/"), Catch::Contains("ends in '/'"));
  CHECK_THAT(refusal("unix:///run/app.sock"), Catch::Contains("empty, '.' or '..'"));
  CHECK_THAT(refusal("unix:/run//app.sock"), Catch::Contains("empty, '.' or '..'"));
  CHECK_THAT(refusal("unix:/run/../etc/app.sock"), Catch::Contains("empty, '.' or '..'"));
  CHECK_THAT(refusal("unix:/run/./app.sock"), Catch::Contains("empty, '.' or '..'"));
  CHECK_THAT(refusal("unix:/run/.."), Catch::Contains("empty, '.' or '..'"));
  CHECK_THAT(refusal("unix:/run/app\n.sock"), Catch::Contains("control character"));
  CHECK_THAT(refusal("unix:/run/app\x7f.sock"), Catch::Contains("control character"));
  std::string longest = "/" + std::string(106, 'a');  // 107 bytes + NUL fills sun_path
  CHECK(accepted("unix:" + longest).path == longest);
  CHECK_THAT(refusal("unix:" + longest + "a"), Catch::Contains("longer than 107 bytes"));
}

TEST_CASE("names follow LISTEN_FDNAMES rules", "[listen_addr]") {
  CHECK_THAT(refusal("=80"), Catch::Contains("empty NAME"));
  CHECK_THAT(refusal("http="), Catch::Contains("missing address after '='"));
  CHECK_THAT(refusal("ht\ttp=80"), Catch::Contains("printable ASCII"));
  CHECK_THAT(refusal("h\xc3\xa9=80"), Catch::Contains("printable ASCII"));
  CHECK_THAT(refusal(std::string(256, 'n') + "=80"), Catch::Contains("longer than 255"));
  CHECK(accepted(std::string(255, 'n') + "=80").name == std::string(255, 'n'));
  // ':' cannot be part of a NAME (it separates LISTEN_FDNAMES), so "a:b=80" is no name at all.
  CHECK_THAT(refusal("a:b=80"), Catch::Contains("host names are not resolved"));
  // Only the first '=' ends the name; the rest is the address.
  CHECK_THAT(refusal("a=b=80"), Catch::Contains("expected PORT"));
}

TEST_CASE("the same address twice is refused, naming both arguments", "[listen_addr]") {
  auto r = parse_listen_all({"80", "web=tcp://80"});
  REQUIRE_FALSE(r);
  CHECK(r.error().what == "--listen 'web=tcp://80': same address as --listen '80'");
  CHECK_FALSE(parse_listen_all({"unix:/run/a.sock", "b=unix:/run/a.sock"}));
  CHECK_FALSE(parse_listen_all({"[::1]:80", "[0:0::1]:80"}));
  // Different transports, or IPv4-only and IPv6-only wildcards, on one port are different
  // sockets.
  CHECK(parse_listen_all({"80", "udp://80"}));
  CHECK(parse_listen_all({"0.0.0.0:80", "[::]:80"}));
}

TEST_CASE("a wildcard and another address on the same port are refused, naming both",
          "[listen_addr]") {
  auto r = parse_listen_all({"80", "127.0.0.1:80"});
  REQUIRE_FALSE(r);
  CHECK(r.error().what ==
        "--listen '127.0.0.1:80': overlaps --listen '80' (a wildcard address already takes this "
        "port)");
  CHECK_FALSE(parse_listen_all({"80", "[::1]:80"}));
  CHECK_FALSE(parse_listen_all({"0.0.0.0:80", "80"}));
  CHECK_FALSE(parse_listen_all({"127.0.0.1:80", "0.0.0.0:80"}));
  CHECK_FALSE(parse_listen_all({"[::1]:80", "[::]:80"}));
  CHECK_FALSE(parse_listen_all({"udp://53", "udp://127.0.0.1:53"}));
  // Different ports, transports or families do not overlap.
  CHECK(parse_listen_all({"80", "127.0.0.1:81"}));
  CHECK(parse_listen_all({"80", "udp://127.0.0.1:80"}));
  CHECK(parse_listen_all({"0.0.0.0:80", "[::1]:80"}));
  CHECK(parse_listen_all({"[::]:80", "127.0.0.1:80"}));
  CHECK(parse_listen_all({"127.0.0.1:80", "127.0.0.2:80", "[::1]:80"}));
}

TEST_CASE("more than 128 --listen arguments are refused", "[listen_addr]") {
  std::vector<std::string> text;
  for (int i = 1; i <= 129; ++i) {
    text.push_back(std::to_string(i));
  }
  std::vector<std::string_view> args(text.begin(), text.end());
  auto r = parse_listen_all(args);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().what, Catch::Contains("too many --listen arguments (129, at most 128)"));
  args.pop_back();
  CHECK(parse_listen_all(args));
}

// --- the accepted forms ----------------------------------------------------------------------

TEST_CASE("a bare port is TCP on all interfaces, dual-stack", "[listen_addr]") {
  ListenSpec s = accepted("80");
  CHECK(s.transport == Transport::kTcp);
  CHECK(s.family == Family::kDualStack);
  CHECK(s.port == 80);
  CHECK(s.name == "unknown");
  CHECK(s.arg == "80");
  CHECK(s.addr == std::array<std::uint8_t, 16>{});
  CHECK(unroot::describe(s) == "tcp [::]:80 (dual-stack; 0.0.0.0:80 if the kernel has no IPv6)");
}

TEST_CASE("IPv4 HOST:PORT is TCP on that address", "[listen_addr]") {
  ListenSpec s = accepted("127.0.0.1:8080");
  CHECK(s.transport == Transport::kTcp);
  CHECK(s.family == Family::kIpv4);
  CHECK(s.port == 8080);
  CHECK(s.addr[0] == 127);
  CHECK(s.addr[1] == 0);
  CHECK(s.addr[2] == 0);
  CHECK(s.addr[3] == 1);
  CHECK(unroot::describe(s) == "tcp 127.0.0.1:8080");
  CHECK(unroot::describe(accepted("0.0.0.0:80")) == "tcp 0.0.0.0:80");
  CHECK(unroot::describe(accepted("255.255.255.255:1")) == "tcp 255.255.255.255:1");
}

TEST_CASE("[IPv6]:PORT is TCP, IPv6 only, on that address", "[listen_addr]") {
  ListenSpec s = accepted("[::1]:80");
  CHECK(s.family == Family::kIpv6);
  CHECK(s.addr[15] == 1);
  CHECK(unroot::describe(s) == "tcp [::1]:80");
  CHECK(unroot::describe(accepted("[0:0:0:0:0:0:0:1]:443")) == "tcp [::1]:443");
  CHECK(unroot::describe(accepted("[::]:80")) == "tcp [::]:80");
  CHECK(unroot::describe(accepted("[2001:DB8::a]:80")) == "tcp [2001:db8::a]:80");
  CHECK(accepted("[::]:80").family == Family::kIpv6);  // explicit [::] is not the dual-stack form
}

// --- the address formatter (our own, not inet_ntop) ------------------------------------------

namespace {

std::array<std::uint8_t, 16> v6(std::string_view text) {
  std::array<std::uint8_t, 16> a{};
  std::string buf(text);
  REQUIRE(inet_pton(AF_INET6, buf.c_str(), a.data()) == 1);
  return a;
}

std::string libc_v6_text(const std::array<std::uint8_t, 16>& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  REQUIRE(inet_ntop(AF_INET6, a.data(), buf, sizeof buf) != nullptr);
  return buf;
}

}  // namespace

TEST_CASE("IPv4 text is dotted decimal without leading zeros", "[listen_addr]") {
  CHECK(unroot::ipv4_text({0, 0, 0, 0}) == "0.0.0.0");
  CHECK(unroot::ipv4_text({127, 0, 0, 1}) == "127.0.0.1");
  CHECK(unroot::ipv4_text({10, 100, 9, 255}) == "10.100.9.255");
  CHECK(unroot::ipv4_text({255, 255, 255, 255}) == "255.255.255.255");
}

TEST_CASE("IPv6 text is RFC 5952's canonical form", "[listen_addr]") {
  // RFC 5952 sections 4.1-4.3 and 5, with its own examples where it gives them.
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},         // 4.2.1: the longest run
      {"2001:0db8::0001", "2001:db8::1"},                // 4.1: no leading zeros
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // 4.2.2: never one zero word
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},           // 4.2.3: the longer run
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // 4.2.3: the first of equal runs
      {"2001:DB8::AbCd", "2001:db8::abcd"},              // 4.3: lowercase
      {"0:0:1:0:0:0:0:0", "0:0:1::"},
      {"1:0:0:0:0:0:0:0", "1::"},
      {"0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"},
      {"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"},
      {"fe80::1:0:0:0", "fe80::1:0:0:0"},  // equal runs: the first
      {"fe80:0:0:1::", "fe80:0:0:1::"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
      {"::ffff:192.0.2.1", "::ffff:192.0.2.1"},  // 5: IPv4-mapped
      {"::ffff:0.0.0.0", "::ffff:0.0.0.0"},
      {"::ffff:0:0", "::ffff:0.0.0.0"},
      {"::fffe:1.2.3.4", "::fffe:102:304"},  // not mapped: plain hex
      {"1::ffff:1.2.3.4", "1::ffff:102:304"},
  };
  for (const auto& [in, want] : vectors) {
    INFO(in);
    CHECK(unroot::ipv6_text(v6(in)) == want);
  }
}

TEST_CASE("IPv6 text agrees with the C library's inet_ntop on random addresses", "[listen_addr]") {
  std::mt19937 rng(5952);  // fixed seed: a failure is reproducible
  for (int n = 0; n < 20000; ++n) {
    std::array<std::uint8_t, 16> a{};
    // Words are zero half the time, so that runs of every length and position occur.
    for (std::size_t w = 0; w < 8; ++w) {
      if (rng() % 2 == 0) {
        a[2 * w] = static_cast<std::uint8_t>(rng());
        a[2 * w + 1] = static_cast<std::uint8_t>(rng());
      }
    }
    if (n % 10 == 0) {  // and IPv4-mapped ones
      a = {};
      a[10] = a[11] = 0xff;
      for (std::size_t i = 12; i < 16; ++i) {
        a[i] = static_cast<std::uint8_t>(rng());
      }
    }
    bool words0to5_zero =
        std::all_of(a.begin(), a.begin() + 12, [](std::uint8_t b) { return b == 0; });
    if (words0to5_zero && (a[12] | a[13]) != 0) {
      // glibc shows these (deprecated IPv4-compatible, RFC 4291 2.5.5.1) as ::a.b.c.d; RFC 5952
      // keeps the dotted form for IPv4-mapped only, as musl does.
      continue;
    }
    INFO(libc_v6_text(a));
    REQUIRE(unroot::ipv6_text(a) == libc_v6_text(a));
  }
}

TEST_CASE("tcp:// and udp:// schemes take the same address forms", "[listen_addr]") {
  CHECK(accepted("tcp://80") == [] {
    ListenSpec s = accepted("80");
    s.arg = "tcp://80";
    return s;
  }());
  ListenSpec u = accepted("udp://127.0.0.1:53");
  CHECK(u.transport == Transport::kUdp);
  CHECK(u.family == Family::kIpv4);
  CHECK(unroot::describe(u) == "udp 127.0.0.1:53");
  CHECK(accepted("udp://53").family == Family::kDualStack);
  CHECK(unroot::describe(accepted("udp://[::1]:53")) == "udp [::1]:53");
}

TEST_CASE("unix:/path is a stream socket at that path", "[listen_addr]") {
  ListenSpec s = accepted("unix:/run/app.sock");
  CHECK(s.transport == Transport::kUnix);
  CHECK(s.family == Family::kUnix);
  CHECK(s.path == "/run/app.sock");
  CHECK(s.port == 0);
  CHECK(unroot::describe(s) == "unix /run/app.sock");
  CHECK(accepted("unix:/x").path == "/x");
  // '=' after the first ':' belongs to the path, not to a NAME.
  CHECK(accepted("unix:/run/a=b.sock").path == "/run/a=b.sock");
  CHECK(accepted("unix:/run/a=b.sock").name == "unknown");
  CHECK(accepted("unix:/run/.hidden.sock").path == "/run/.hidden.sock");
}

TEST_CASE("NAME= sets the LISTEN_FDNAMES entry and keeps the argument for messages",
          "[listen_addr]") {
  ListenSpec s = accepted("http=127.0.0.1:80");
  CHECK(s.name == "http");
  CHECK(s.arg == "http=127.0.0.1:80");
  CHECK(s.port == 80);
  CHECK(accepted("admin=unix:/run/admin.sock").name == "admin");
  CHECK(accepted("dns=udp://53").name == "dns");
  CHECK(accepted("with space=80").name == "with space");
  CHECK(accepted("web.v6=[::1]:80").name == "web.v6");
}

// --- the environment -------------------------------------------------------------------------

TEST_CASE("socket activation variables replace inherited ones", "[listen_addr]") {
  auto specs = parse_listen_all({"http=127.0.0.1:80", "admin=127.0.0.1:81", "udp://53"});
  REQUIRE(specs);
  std::vector<std::string> env = {
      "PATH=/bin",         "LISTEN_FDS=7",     "LISTEN_PID=1", "LISTEN_FDNAMES=x",
      "LISTEN_PIDFDID=99", "LISTEN_FDSX=keep", "HOME=/"};
  std::vector<std::string> want = {"PATH=/bin",       "LISTEN_FDSX=keep",
                                   "HOME=/",          "LISTEN_FDS=3",
                                   "LISTEN_PID=4242", "LISTEN_FDNAMES=http:admin:unknown"};
  CHECK(unroot::with_listen_env(env, *specs, 4242) == want);
}

TEST_CASE("without --listen, inherited socket activation passes through untouched",
          "[listen_addr]") {
  std::vector<std::string> env = {"LISTEN_FDS=2", "LISTEN_PID=1", "LISTEN_FDNAMES=a:b",
                                  "LISTEN_PIDFDID=5"};
  CHECK(unroot::with_listen_env(env, {}, 1) == env);
}
