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

/// Who gets the unix socket files.
struct SocketOwner {
  uid_t uid = 0;
  gid_t gid = 0;
};

/// Creates, binds and (for stream sockets) listens on every spec, in order, and returns the
/// sockets (O_CLOEXEC, at whatever numbers the kernel gave) in the same order. Must run as root
/// before the identity switch. Errors name the --listen argument. On error every socket made so
/// far is closed and the unix socket files made so far are removed.
Result<std::vector<Fd>> bind_listen_sockets(const std::vector<ListenSpec>& specs, int backlog,
                                            SocketOwner owner);

/// An inherited descriptor that sat where a passed socket had to go.
struct FdMove {
  int from = -1;
  int to = -1;
};

/// Puts sockets[i] at fd 3+i without FD_CLOEXEC, so exactly those reach the command. A
/// descriptor inherited by unroot that occupies 3..3+n-1 is moved above them with the same
/// FD_CLOEXEC flag, never closed or overwritten; the moves are returned (for --verbose).
/// Contract: no other descriptor owned by unroot (an Fd anywhere) may be open when this runs,
/// because any fd in the target range is treated as inherited. Does nothing for no sockets.
Result<std::vector<FdMove>> place_listen_fds(std::vector<Fd> sockets);

}  // namespace unroot
