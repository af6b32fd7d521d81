// SPDX-License-Identifier: MIT
// sockets: creates and binds the --listen sockets while root and places them at fds 3, 4, ...
// for the command. Effects only: every decision (grammar, names, env) is made in listen_addr.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "listen_addr.hpp"
#include "result.hpp"
#include "sys.hpp"

namespace unroot {

/// A unix socket path split into its directory and final name.
struct UnixName {
  std::string dir;
  std::string base;
};

/// Splits a --listen unix path as listen_addr accepts it (absolute, without empty, "." or ".."
/// parts, not ending in '/'): "/run/app/app.sock" gives "/run/app" and "app.sock", "/x.sock"
/// gives "/" and "x.sock".
UnixName split_unix_path(const std::string& path);

/// Who may add, rename or remove entries in the directory a unix socket goes in.
enum class SocketDir {
  kRootOnly,       // root's and writable by nobody else: only root
  kOwnerOrSticky,  // a user's, or writable by group or others with the sticky bit
  kUnguarded,      // writable by group or others without the sticky bit: refused
};

/// Classifies the checked directory from its owner and mode (fstat of the directory fd).
SocketDir classify_socket_dir(uid_t owner, mode_t mode);

/// True for kRootOnly: the stale-socket probe may run as root and a bind the target is refused
/// may be retried with CAP_DAC_OVERRIDE. Everywhere else both act as the target only.
bool only_root_writes(SocketDir dir);

/// Who gets the unix socket files.
struct SocketOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

/// The bound sockets, and for each unix one the checked directory it was created in (for
/// remove_socket_files; an empty Fd for tcp/udp).
struct BoundSockets {
  std::vector<Fd> fds;
  std::vector<Fd> dirs;
};

/// Creates, binds and (for stream sockets) listens on every spec, in order, and returns the
/// sockets (O_CLOEXEC, at whatever numbers the kernel gave) in the same order. Must run as root
/// before the identity switch. Errors name the --listen argument. On error every socket made so
/// far is closed and the unix socket files made so far are removed.
/// `denied_hint` (plan's wording, empty when unroot has CAP_NET_BIND_SERVICE) replaces the bare
/// errno of a bind refused with EACCES.
Result<BoundSockets> bind_listen_sockets(const std::vector<ListenSpec>& specs, int backlog,
                                         SocketOwner owner, const std::string& denied_hint);

/// Removes the unix socket files of `bound` that are still the target's sockets, through their
/// directories: for a root phase that fails after the bind.
void remove_socket_files(const std::vector<ListenSpec>& specs, const BoundSockets& bound,
                         SocketOwner owner);

/// A descriptor unroot inherited in the range the --listen sockets will take (3, 4, ...),
/// recorded before unroot opened anything.
struct InheritedFd {
  int fd = -1;
  bool cloexec = false;
};

/// An inherited descriptor that sat where a passed socket had to go.
struct FdMove {
  int from = -1;
  int to = -1;
};

/// Puts sockets[i] at fd 3+i without FD_CLOEXEC, so exactly those reach the command. Each
/// descriptor in `inherited` is moved above them with the same FD_CLOEXEC flag, never closed or
/// overwritten; the moves are returned (for --verbose). Any other open descriptor in the range
/// is one of unroot's own that should have been closed: an error, not a guess. Does nothing
/// for no sockets.
Result<std::vector<FdMove>> place_listen_fds(std::vector<Fd> sockets,
                                             const std::vector<InheritedFd>& inherited);

}  // namespace unroot
