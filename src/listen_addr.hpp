// SPDX-License-Identifier: MIT
// listen_addr: the grammar of one `--listen [NAME=]ADDRESS` argument → ListenSpec. Pure: no
// syscalls, no DNS, no environment, no printing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace unroot {

/// What kind of socket a --listen argument asks for.
enum class Transport { kTcp, kUdp, kUnix };

/// Which address family. kDualStack is the bare-port form: [::] with IPV6_V6ONLY=0 when the
/// kernel has IPv6, else 0.0.0.0 (sockets decides at bind time).
enum class Family { kDualStack, kIpv4, kIpv6, kUnix };

/// The name a socket gets in LISTEN_FDNAMES when the argument gives none (systemd's default).
inline constexpr std::string_view kDefaultFdName = "unknown";

/// Longest NAME, as systemd's FDNAME_MAX.
inline constexpr std::size_t kMaxFdNameLength = 255;

/// Longest unix socket path: sizeof(sockaddr_un::sun_path) minus the terminating NUL.
inline constexpr std::size_t kMaxUnixPathLength = 107;

/// At most this many --listen arguments. Far above any real server; keeps a runaway script
/// from creating thousands of sockets as root.
inline constexpr std::size_t kMaxListen = 128;

/// listen(2) backlog when --backlog is not given. 4096 is the kernel's net.core.somaxconn
/// default since Linux 5.4 and what systemd uses (SOMAXCONN); the kernel silently caps larger
/// values at somaxconn. Node.js calls listen() again on a passed socket with its own backlog (511).
inline constexpr int kDefaultBacklog = 4096;

/// One parsed --listen argument: everything sockets needs to create and bind it.
struct ListenSpec {
  std::string arg;   // the argument exactly as given, for error messages
  std::string name;  // LISTEN_FDNAMES entry; kDefaultFdName when no NAME= was given
  Transport transport = Transport::kTcp;
  Family family = Family::kDualStack;
  std::array<std::uint8_t, 16> addr{};  // network byte order; IPv4 uses the first 4 bytes
  std::uint16_t port = 0;               // 1..65535 for tcp/udp; 0 for unix
  std::string path;                     // unix only: absolute path of the socket file

  bool operator==(const ListenSpec&) const = default;
};

/// Parses one --listen argument (grammar in the README, "--listen"). Errors name the argument.
Result<ListenSpec> parse_listen(std::string_view arg);

/// Parses every --listen argument in order and rejects the same address given twice and more
/// than kMaxListen arguments.
Result<std::vector<ListenSpec>> parse_listen_all(const std::vector<std::string_view>& args);

/// "tcp", "udp" or "unix".
std::string_view transport_name(Transport t);

/// The address as unroot shows it: "tcp [::]:80 (dual-stack)", "udp 127.0.0.1:53",
/// "unix /run/app.sock". Used by --dry-run and --verbose.
std::string describe(const ListenSpec& spec);

/// "192.0.2.1": dotted decimal, no leading zeros.
std::string ipv4_text(const std::array<std::uint8_t, 4>& addr);

/// An IPv6 address in RFC 5952's canonical text form: lowercase hex, no leading zeros, the
/// longest run of two or more zero words (the first of equal runs) as "::", and an IPv4-mapped
/// address as "::ffff:192.0.2.1".
std::string ipv6_text(const std::array<std::uint8_t, 16>& addr);

/// The numeric address without the port: "127.0.0.1", "[::1]", "[::]" (bare port), or the path.
std::string address_text(const ListenSpec& spec);

/// The socket-activation variables the command gets (sd_listen_fds(3)), computed from the
/// environment the command would otherwise get. With sockets: LISTEN_FDS=<n>, LISTEN_PID=<pid>
/// (unroot execs in place, so that is the command's own PID) and LISTEN_FDNAMES=<a:b:...>
/// replace any inherited LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES, and an inherited
/// LISTEN_PIDFDID is removed (it identifies the process systemd started, by pidfd inode, and
/// cannot describe sockets unroot made). Without sockets the environment is returned unchanged:
/// LISTEN_* and fds 3.. that a supervisor (podman, systemd) passed to unroot reach the command
/// as they came, which is correct because the PID stays the same across exec. Entries are
/// "KEY=VALUE"; order is kept, new entries go at the end.
std::vector<std::string> with_listen_env(std::vector<std::string> env,
                                         const std::vector<ListenSpec>& specs, long pid);

}  // namespace unroot
