// SPDX-License-Identifier: MIT
// sockets: socket/bind/listen as root and fd placement for socket activation. Never decides an
// address or prints; errors go back to main as values.
#include "sockets.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "caps.hpp"  // NOLINT(misc-include-cleaner)

namespace unroot {
namespace {

// "--listen 'ARG': VERB OBJECT: <strerror>". Takes only existing strings, so nothing runs
// between the failing call and the errno capture here (bubblewrap's errsv rule).
Error fail(const ListenSpec& spec, const char* verb, const std::string& object = {}) {
  int saved = errno;
  std::string what = "--listen '" + spec.arg + "': " + verb;
  if (!object.empty()) {
    what += ' ';
    what += object;
  }
  return Error{std::move(what), saved};
}

Error fail_plain(const ListenSpec& spec, const std::string& why) {
  return Error{"--listen '" + spec.arg + "': " + why};
}

int socket_type(Transport t) {
  switch (t) {
    case Transport::kTcp:
    case Transport::kUnix:
      return SOCK_STREAM;
    case Transport::kUdp:
      return SOCK_DGRAM;
  }
  __builtin_unreachable();
}

bool set_int_option(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0;
}

Result<Fd> bind_inet(const ListenSpec& spec, int backlog, const std::string& denied_hint) {
  int type = socket_type(spec.transport);
  std::string where = describe(spec);
  Family family = spec.family;
  int raw = -1;
  if (family == Family::kDualStack) {
    raw = ::socket(AF_INET6, type | SOCK_CLOEXEC, 0);
    // A kernel booted with ipv6.disable=1 (or built without IPv6) has no AF_INET6 at all:
    // fall back to IPv4 on all interfaces, as documented for the bare-port form.
    if (raw < 0 && errno == EAFNOSUPPORT) {
      family = Family::kIpv4;
    } else if (raw < 0) {
      return fail(spec, "socket");
    }
  }
  if (raw < 0) {
    raw = ::socket(family == Family::kIpv4 ? AF_INET : AF_INET6, type | SOCK_CLOEXEC, 0);
    if (raw < 0) {
      return fail(spec, "socket");
    }
  }
  Fd fd(raw);

  if (spec.transport == Transport::kTcp) {
    // A restarted container must be able to bind while old connections sit in TIME_WAIT
    // (socket(7) SO_REUSEADDR). Not for UDP: there it lets a second socket bind the same port
    // and take a share of the datagrams.
    if (!set_int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1)) {
      return fail(spec, "setsockopt SO_REUSEADDR");
    }
  }
  if (family == Family::kDualStack || family == Family::kIpv6) {
    // Set explicitly so net.ipv6.bindv6only cannot change the meaning (ipv6(7) IPV6_V6ONLY):
    // the bare port is dual-stack, an explicit [addr] is IPv6 only and may share its port with
    // an explicit IPv4 --listen.
    int v6only = family == Family::kIpv6 ? 1 : 0;
    if (!set_int_option(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, v6only)) {
      return fail(spec, "setsockopt IPV6_V6ONLY");
    }
  }

  int rc = -1;
  if (family == Family::kIpv4) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(spec.port);
    if (spec.family == Family::kIpv4) {
      std::memcpy(&sa.sin_addr, spec.addr.data(), 4);
    } else {
      sa.sin_addr.s_addr = htonl(INADDR_ANY);
      where = std::string(spec.transport == Transport::kTcp ? "tcp" : "udp") +
              " 0.0.0.0:" + std::to_string(spec.port) + " (the kernel has no IPv6)";
    }
    rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  } else {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(spec.port);
    std::memcpy(&sa.sin6_addr, spec.addr.data(), 16);  // all zero for the bare port: [::]
    rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  }
  if (rc != 0) {
    int err = errno;
    // bind(2): EACCES for a port below net.ipv4.ip_unprivileged_port_start without
    // CAP_NET_BIND_SERVICE (capabilities(7)), as after docker run --cap-drop NET_BIND_SERVICE
    // or Kubernetes' drop: [ALL]. Name the capability when that is the cause.
    if (err == EACCES && !denied_hint.empty()) {
      return Error{"--listen '" + spec.arg + "': bind " + where + ": " + denied_hint, err};
    }
    errno = err;
    return fail(spec, "bind", where);
  }
  if (spec.transport == Transport::kTcp && ::listen(fd.get(), backlog) != 0) {
    return fail(spec, "listen", where);
  }
  return fd;
}

Result<Fd> bind_unix(const ListenSpec& spec, int backlog, SocketOwner owner) {
  // listen_addr guarantees an absolute path without empty, "." or ".." parts, not ending in '/'.
  std::size_t slash = spec.path.rfind('/');
  std::string dir = slash == 0 ? "/" : spec.path.substr(0, slash);
  std::string base = spec.path.substr(slash + 1);

  // The checks, the stale-file removal and the chown all go through this one directory fd.
  int raw = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (raw < 0) {
    return fail(spec, "open directory", dir);
  }
  Fd dir_fd(raw);
  struct stat dst {};
  if (::fstat(dir_fd.get(), &dst) != 0) {
    return fail(spec, "stat", dir);
  }
  // Root creates the file and then chowns it by name. If anyone else could rename entries in
  // the directory between those two calls, they could put a hard link to another file under
  // that name and have root chown it (systemd-tmpfiles had this bug: CVE-2017-18078). A
  // sticky directory (/tmp) only lets owners rename their own entries, so that is fine.
  if ((dst.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (dst.st_mode & S_ISVTX) == 0) {
    return fail_plain(spec, "directory " + dir +
                                " is writable by group or others without the sticky bit; "
                                "unroot will not create a socket there as root");
  }

  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  // The absolute path, not a name relative to dir_fd: the kernel records exactly this text as
  // the socket's address (getsockname(2), /proc/net/unix), and the server must see its real
  // path. bind(2) has no *at() form, so the directory is checked to still be dir_fd below.
  std::memcpy(sa.sun_path, spec.path.c_str(), spec.path.size() + 1);  // ≤ 107 bytes: fits

  struct stat st {};
  if (::fstatat(dir_fd.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return fail_plain(spec, spec.path +
                                  " exists and is not a socket; unroot replaces only a "
                                  "stale socket file");
    }
    // A socket file is stale when connecting is refused: no process listens on it any more
    // (unix(7): ECONNREFUSED). A live one belongs to a running server: do not steal its path.
    // Non-blocking, because connect() to a live server with a full backlog would otherwise
    // block the container start; EAGAIN then also means "live".
    raw = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (raw < 0) {
      return fail(spec, "socket");
    }
    Fd probe(raw);
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0 ||
        errno == EAGAIN) {
      return Error{"--listen '" + spec.arg + "': " + spec.path + " is in use by a running server",
                   EADDRINUSE};
    }
    if (errno != ECONNREFUSED && errno != ENOENT) {
      return fail(spec, "probe the existing socket", spec.path);
    }
    if (errno == ECONNREFUSED && ::unlinkat(dir_fd.get(), base.c_str(), 0) != 0 &&
        errno != ENOENT) {
      return fail(spec, "remove the stale socket", spec.path);
    }
  } else if (errno != ENOENT) {
    return fail(spec, "stat", spec.path);
  }

  raw = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (raw < 0) {
    return fail(spec, "socket");
  }
  Fd fd(raw);
  // The file gets 0777 & ~umask at bind time (unix(7)). Setting the umask around bind makes it
  // 0660 from the first instant, whatever umask unroot inherited: no window with a wider mode.
  mode_t old_mask = ::umask(0117);
  int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  int bind_errno = errno;
  ::umask(old_mask);
  if (rc != 0) {
    errno = bind_errno;
    return fail(spec, "bind", spec.path);
  }
  // The chown below goes through dir_fd; make sure the path still leads there, so that the
  // file chowned is the one bind created (the ancestors are the operator's, not an attacker's).
  struct stat now {};
  if (::stat(dir.c_str(), &now) != 0) {
    return fail(spec, "stat", dir);
  }
  if (now.st_dev != dst.st_dev || now.st_ino != dst.st_ino) {
    return fail_plain(spec, "directory " + dir + " was replaced while unroot worked in it");
  }
  // AT_SYMLINK_NOFOLLOW: if the name were swapped for a symlink, chown the link, not its target.
  if (::fchownat(dir_fd.get(), base.c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) != 0) {
    int saved = errno;
    return Error{"--listen '" + spec.arg + "': chown " + spec.path + " to " +
                     std::to_string(owner.uid) + ":" + std::to_string(owner.gid),
                 saved};
  }
  if (::fstatat(dir_fd.get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return fail(spec, "stat", spec.path);
  }
  if (!S_ISSOCK(st.st_mode) || st.st_uid != owner.uid || st.st_gid != owner.gid ||
      (st.st_mode & 07777) != 0660) {
    return fail_plain(spec, spec.path +
                                " is not the socket unroot just created (owner or mode "
                                "changed under it)");
  }
  if (::listen(fd.get(), backlog) != 0) {
    return fail(spec, "listen", spec.path);
  }
  return fd;
}


Result<Fd> bind_one(const ListenSpec& spec, int backlog, SocketOwner owner,
                   const std::string& denied_hint) {
  switch (spec.transport) {
    case Transport::kTcp:
    case Transport::kUdp:
      return bind_inet(spec, backlog, denied_hint);
    case Transport::kUnix:
      return bind_unix(spec, backlog, owner);
  }
  __builtin_unreachable();
}

}  // namespace

Result<std::vector<Fd>> bind_listen_sockets(const std::vector<ListenSpec>& specs, int backlog,
                                            SocketOwner owner, const std::string& denied_hint) {
  std::vector<Fd> out;
  out.reserve(specs.size());
  for (const ListenSpec& spec : specs) {
    Result<Fd> fd = bind_one(spec, backlog, owner, denied_hint);
    if (!fd) {
      // Leave nothing half-done: remove the socket files this run created (they are ours and
      // nobody listens on them) before reporting.
      for (std::size_t i = 0; i < out.size(); ++i) {
        struct stat st {};
        if (specs[i].transport == Transport::kUnix && ::lstat(specs[i].path.c_str(), &st) == 0 &&
            S_ISSOCK(st.st_mode)) {
          int saved = errno;
          ::unlink(specs[i].path.c_str());
          errno = saved;
        }
      }
      return fd.error();
    }
    out.push_back(std::move(*fd));
  }
  return out;
}

Result<std::vector<FdMove>> place_listen_fds(std::vector<Fd> sockets,
                                             const std::vector<InheritedFd>& inherited) {
  std::vector<FdMove> moves;
  if (sockets.empty()) {
    return moves;
  }
  const int first = 3;  // sd_listen_fds(3): SD_LISTEN_FDS_START
  const int top = first + static_cast<int>(sockets.size());

  // 1. Lift our sockets above the target range.
  for (Fd& s : sockets) {
    if (s.get() >= top) {
      continue;
    }
    int hi = ::fcntl(s.get(), F_DUPFD_CLOEXEC, top);
    if (hi < 0) {
      return Error::from_errno().context("move a --listen socket above fd " +
                                         std::to_string(top - 1));
    }
    s = Fd(hi);
  }
  // 2. Move the inherited descriptors out of the way, keeping their close-on-exec flag: the
  //    command still gets what it would have got, at a higher number, and nothing is clobbered.
  for (const InheritedFd& in : inherited) {
    int moved = ::fcntl(in.fd, in.cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, top);
    if (moved < 0) {
      return Error::from_errno().context("move inherited fd " + std::to_string(in.fd) +
                                         " out of the way");
    }
    ::close(in.fd);
    moves.push_back(FdMove{in.fd, moved});
  }
  // Whatever is still open in the range is ours and would be overwritten, then closed again by
  // its owner after exec had the socket: refuse rather than hand the command a wrong fd 3.
  for (int fd = first; fd < top; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0) {
      return Error{"fd " + std::to_string(fd) + " is still open where a --listen socket goes"};
    }
  }
  // 3. dup2 clears FD_CLOEXEC on the new descriptor (dup(2)): exactly these survive execve.
  //    The high copies are O_CLOEXEC and are closed when `sockets` goes out of scope.
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    int target = first + static_cast<int>(i);
    int rc = -1;
    do {
      rc = ::dup2(sockets[i].get(), target);
    } while (rc < 0 && errno == EINTR);
    if (rc != target) {
      int saved = errno;
      return Error{"dup2 a --listen socket to fd " + std::to_string(target), saved};
    }
    int flags = ::fcntl(target, F_GETFD);  // trust, but verify
    if (flags < 0 || (flags & FD_CLOEXEC) != 0) {
      return Error{"fd " + std::to_string(target) + " would not survive exec"};
    }
  }
  return moves;
}

}  // namespace unroot
