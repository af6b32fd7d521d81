// SPDX-License-Identifier: MIT
// sockets: socket/bind/listen as root and fd placement for socket activation. Never decides an
// address or prints; errors go back to main as values.
#include "sockets.hpp"

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <vector>

#include "caps.hpp"
#include "errno_text.hpp"

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

int address_family(Family f) {
  switch (f) {
    case Family::kIpv4:
      return AF_INET;
    case Family::kDualStack:  // [::] with IPV6_V6ONLY=0
    case Family::kIpv6:
      return AF_INET6;
    case Family::kUnix:
      return AF_UNIX;
  }
  __builtin_unreachable();
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

// The socket for a tcp/udp spec; `family` comes back as kIpv4 when the bare port falls back.
Result<Fd> inet_socket(const ListenSpec& spec, Family& family) {
  int type = socket_type(spec.transport);
  family = spec.family;
  if (family == Family::kDualStack) {
    int raw = ::socket(AF_INET6, type | SOCK_CLOEXEC, 0);
    if (raw >= 0) {
      return Fd(raw);
    }
    // A kernel booted with ipv6.disable=1 (or built without IPv6) has no AF_INET6 at all:
    // fall back to IPv4 on all interfaces, as documented for the bare-port form.
    if (errno != EAFNOSUPPORT) {
      return fail(spec, "socket");
    }
    family = Family::kIpv4;
  }
  int raw = ::socket(address_family(family), type | SOCK_CLOEXEC, 0);
  if (raw < 0) {
    return fail(spec, "socket");
  }
  return Fd(raw);
}

Status set_inet_options(const ListenSpec& spec, int fd, Family family) {
  if (spec.transport == Transport::kTcp) {
    // A restarted container must be able to bind while old connections sit in TIME_WAIT
    // (socket(7) SO_REUSEADDR). Not for UDP: there it lets a second socket bind the same port
    // and take a share of the datagrams.
    if (!set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1)) {
      return fail(spec, "setsockopt SO_REUSEADDR");
    }
  }
  if (family == Family::kDualStack || family == Family::kIpv6) {
    // Set explicitly so net.ipv6.bindv6only cannot change the meaning (ipv6(7) IPV6_V6ONLY):
    // the bare port is dual-stack, an explicit [addr] is IPv6 only and may share its port with
    // an explicit IPv4 --listen.
    int v6only = family == Family::kIpv6 ? 1 : 0;
    if (!set_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only)) {
      return fail(spec, "setsockopt IPV6_V6ONLY");
    }
  }
  return Ok{};
}

// bind(2) on the spec's address in `family`; `where` names the address for messages.
int bind_address(const ListenSpec& spec, int fd, Family family, std::string& where) {
  if (family == Family::kIpv4) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(spec.port);
    if (spec.family == Family::kIpv4) {
      std::memcpy(&sa.sin_addr, spec.addr.data(), 4);
    } else {
      sa.sin_addr.s_addr = htonl(INADDR_ANY);
      where = std::string(transport_name(spec.transport)) +
              " 0.0.0.0:" + std::to_string(spec.port) + " (the kernel has no IPv6)";
    }
    return ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  }
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(spec.port);
  std::memcpy(&sa.sin6_addr, spec.addr.data(), 16);  // all zero for the bare port: [::]
  return ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
}

Result<Fd> bind_inet(const ListenSpec& spec, int backlog, const std::string& denied_hint) {
  Family family = spec.family;
  auto fd = inet_socket(spec, family);
  if (!fd) {
    return fd.error();
  }
  if (auto s = set_inet_options(spec, fd->get(), family); !s) {
    return s.error();
  }
  std::string where = describe(spec);
  if (bind_address(spec, fd->get(), family, where) != 0) {
    int err = errno;
    // bind(2): EACCES for a port below net.ipv4.ip_unprivileged_port_start without
    // CAP_NET_BIND_SERVICE (capabilities(7)), as after docker run --cap-drop NET_BIND_SERVICE
    // or Kubernetes' drop: [ALL]. Plan's hint names the capability when that is the cause.
    if (err == EACCES && !denied_hint.empty()) {
      return Error{"--listen '" + spec.arg + "': bind " + where + ": " + denied_hint, err};
    }
    errno = err;
    return fail(spec, "bind", where);
  }
  if (spec.transport == Transport::kTcp && ::listen(fd->get(), backlog) != 0) {
    return fail(spec, "listen", where);
  }
  return std::move(*fd);
}

// The identity bind() creates the socket file with. Why create it as the target instead of
// creating it as root and chowning it: a chown by name (fchownat(dir, name)) changes whatever
// inode the name leads to at that moment, and whoever may rename entries in the directory (its
// owner, as with /run/app owned by app) can rename a hard link to another file over the fresh
// socket in between and have root hand that file over (CVE-2017-18078, systemd-tmpfiles). A
// socket's file cannot be reached through the socket's fd (fchown(2) on it changes the socket,
// not the file). So the file is born with the right owner: bind(2) gives a new file the
// caller's filesystem uid and gid (setfsuid(2), path_resolution(7)), and no chown runs at all.
// (Binding in a private root directory and renaming the file in would leave the private path
// as the address the kernel records: the server would see a path that no longer exists.)
//
// Changing the fsuid from 0 clears CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH,
// CAP_FOWNER, ... from the effective set (capabilities(7), "Effect of user ID changes on
// capabilities"); they stay permitted. If the target may not create a file in the directory
// (root-owned /run, or a root-only directory) bind fails with EACCES and is retried once with
// CAP_DAC_OVERRIDE raised from the permitted set: that lets the new name be written into the
// one checked directory and grants nothing else, since bind(2) only creates and never follows
// an existing name (EADDRINUSE). Everything is restored afterwards: fsuid and fsgid back to 0
// and the effective set to what it was.
class AsTarget {
 public:
  static Result<AsTarget> enter(SocketOwner owner) {
    auto caps = read_caps();
    if (!caps) {
      return caps.error();
    }
    AsTarget t;
    t.saved_ = *caps;
    t.old_gid_ = static_cast<gid_t>(::setfsgid(owner.gid));
    t.old_uid_ = static_cast<uid_t>(::setfsuid(owner.uid));
    t.active_ = true;
    // setfsuid(2) reports no error; asking with an invalid id returns the current value.
    if (static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) != owner.uid ||
        static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) != owner.gid) {
      return Error{"set the filesystem uid/gid to " + std::to_string(owner.uid) + ":" +
                       std::to_string(owner.gid) +
                       " for creating the socket (CAP_SETUID and CAP_SETGID are needed)",
                   EPERM};
    }
    return t;
  }
  AsTarget(AsTarget&& other) noexcept
      : saved_(other.saved_),
        old_uid_(other.old_uid_),
        old_gid_(other.old_gid_),
        active_(std::exchange(other.active_, false)) {}
  AsTarget(const AsTarget&) = delete;
  AsTarget& operator=(const AsTarget&) = delete;
  AsTarget& operator=(AsTarget&&) = delete;
  ~AsTarget() { (void)leave(); }

  // True when CAP_DAC_OVERRIDE could be raised (it is in the permitted set).
  bool raise_dac_override() {
    CapMask dac = cap_bit(kCapDacOverride);
    if ((saved_.permitted & dac) == 0) {
      return false;
    }
    auto now = read_caps();
    return now && set_caps(now->effective | dac, now->permitted, now->inheritable);
  }

  bool had_dac_override() const { return (saved_.permitted & cap_bit(kCapDacOverride)) != 0; }

  // Back to the saved fsuid/fsgid and effective set; false if any of it did not hold.
  bool leave() {
    if (!active_) {
      return true;
    }
    active_ = false;
    int saved = errno;
    ::setfsuid(old_uid_);  // from nonzero to 0 re-raises the permitted file capabilities
    ::setfsgid(old_gid_);
    bool ok = static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) == old_uid_ &&
              static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) == old_gid_ &&
              set_caps(saved_.effective, saved_.permitted, saved_.inheritable);
    errno = saved;
    return ok;
  }

 private:
  AsTarget() = default;
  CapState saved_;
  uid_t old_uid_ = 0;
  gid_t old_gid_ = 0;
  bool active_ = false;
};

// What bind_unix found out about the checked directory.
struct DirFacts {
  const std::string& path;
  uid_t uid;
  // Root's and writable by nobody else: only root can add, rename or remove its entries.
  bool root_only;
};

// Root's supplementary groups cleared for the lifetime of the object and restored afterwards
// (restore() says whether that held). The target's fsgid still counts for permission checks
// (path_resolution(7)); root's groups must not: the kernel checks them too.
class NoGroups {
 public:
  bool enter() {
    int n = ::getgroups(0, nullptr);
    if (n < 0) {
      return false;
    }
    if (n == 0) {
      return true;  // nothing to drop (and setgroups may be denied in a user namespace)
    }
    saved_.resize(static_cast<std::size_t>(n));
    if (::getgroups(n, saved_.data()) != n || ::setgroups(0, nullptr) != 0) {
      return false;
    }
    active_ = true;
    return true;
  }
  bool restore() {
    if (!active_) {
      return true;
    }
    active_ = false;
    return ::setgroups(saved_.size(), saved_.data()) == 0;
  }
  NoGroups() = default;
  NoGroups(const NoGroups&) = delete;
  NoGroups& operator=(const NoGroups&) = delete;
  ~NoGroups() { (void)restore(); }

 private:
  std::vector<gid_t> saved_;
  bool active_ = false;
};

// connect(2) on sa, as root or as the target: the errno of connect, 0 on success.
Result<int> probe_connect(const ListenSpec& spec, int fd, const sockaddr_un& sa, SocketOwner owner,
                          bool as_root) {
  if (as_root) {
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    return rc == 0 ? 0 : errno;
  }
  NoGroups groups;
  if (!groups.enter()) {
    return fail(spec, "drop root's supplementary groups to probe the existing socket as uid",
                std::to_string(owner.uid));
  }
  auto as_target = AsTarget::enter(owner);
  if (!as_target) {
    return as_target.error();
  }
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  int err = rc == 0 ? 0 : errno;
  if (!as_target->leave() || !groups.restore()) {
    return Error{"--listen '" + spec.arg +
                 "': could not restore root's groups, filesystem ids and capabilities after "
                 "probing the existing socket"};
  }
  return err;
}

// The address the probe and bind use for the socket at name.base in the checked directory.
sockaddr_un unix_address(const ListenSpec& spec, const UnixName& name, bool absolute) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  // The kernel records exactly the sun_path text as the socket's address (getsockname(2),
  // /proc/net/unix), and a server may check or log it (sd_is_socket_unix(3) compares it). The
  // absolute path is used when the kernel's resolution of it cannot end anywhere else than
  // dir_fd: every directory on the way is root's and writable by nobody else, and every symlink
  // on it is root's (open_path_carefully). Otherwise the bare name, resolved against the cwd,
  // which is dir_fd: bind(2) has no *at() form, and fchdir(2) is the one way to make it resolve
  // nothing but the final name. (/proc/self/fd/N/name would record that meaningless text, and
  // needs /proc.)
  const std::string& text = absolute ? spec.path : name.base;
  std::memcpy(sa.sun_path, text.c_str(), text.size() + 1);  // ≤ 107 bytes: fits
  return sa;
}

// Whether unroot may take the existing file `st` at the socket's name for a stale socket.
Status check_existing(const ListenSpec& spec, const struct stat& st, SocketOwner owner,
                      const DirFacts& dir) {
  if (!S_ISSOCK(st.st_mode)) {
    return fail_plain(spec, spec.path +
                                " exists and is not a socket; unroot replaces only a "
                                "stale socket file");
  }
  // Where others may have entries (sticky /tmp), root would remove a socket the target
  // could not remove itself (the sticky bit, inode(7)); only the target's or root's own.
  if (!dir.root_only && st.st_uid != owner.uid && st.st_uid != 0) {
    return fail_plain(spec, spec.path + " is a socket of uid " + std::to_string(st.st_uid) +
                                "; unroot removes only a stale socket of the target's or "
                                "root's");
  }
  return Ok{};
}

// Connects to the existing socket and removes it when it is stale; refuses a live one.
Status probe_stale(const ListenSpec& spec, int dir_fd, const UnixName& name, const sockaddr_un& sa,
                   SocketOwner owner, const DirFacts& dir) {
  // A socket file is stale when connecting is refused: no process listens on it any more
  // (unix(7): ECONNREFUSED). A live one belongs to a running server: do not steal its path.
  // Non-blocking, because connect() to a live server with a full backlog would otherwise
  // block the container start; EAGAIN then also means "live".
  //
  // connect(2) follows a symlink at the final name, and clear_name's fstatat cannot pin the
  // name: whoever may rename entries in the directory can exchange it for a symlink in
  // between (renameat2(2) RENAME_EXCHANGE), and root would connect with full capabilities to
  // any socket of its choice (a root-only one, docker.sock) and say in its error whether it
  // exists. So unless only root can rename entries here, the probe runs as the target:
  // fsuid/fsgid the target's, which clears CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
  // effective set (capabilities(7)), nothing raised, root's supplementary groups dropped. It
  // then reaches only sockets the target could connect to itself. (Opening the name
  // O_PATH|O_NOFOLLOW and connecting through /proc/self/fd/N would pin the inode, but needs
  // /proc, and root would still connect with full capabilities to a socket hard-linked in.)
  int raw = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (raw < 0) {
    return fail(spec, "socket");
  }
  Fd probe(raw);
  Result<int> probed = probe_connect(spec, probe.get(), sa, owner, dir.root_only);
  if (!probed) {
    return probed.error();
  }
  int err = *probed;
  if (err == 0 || err == EAGAIN) {
    return Error{"--listen '" + spec.arg + "': " + spec.path + " is in use by a running server",
                 EADDRINUSE};
  }
  if (err != ECONNREFUSED && err != ENOENT) {
    errno = err;
    return fail(spec, "probe the existing socket",
                dir.root_only ? spec.path : spec.path + " as uid " + std::to_string(owner.uid));
  }
  // Through dir_fd: whatever the name holds now is removed from the checked directory only
  // (unlinkat(2) never follows a symlink, and refuses a directory without AT_REMOVEDIR).
  if (err == ECONNREFUSED && ::unlinkat(dir_fd, name.base.c_str(), 0) != 0 && errno != ENOENT) {
    return fail(spec, "remove the stale socket", spec.path);
  }
  return Ok{};
}

// Makes the name free for bind: nothing there, or a stale socket unroot may remove.
Status clear_name(const ListenSpec& spec, int dir_fd, const UnixName& name, const sockaddr_un& sa,
                  SocketOwner owner, const DirFacts& dir) {
  struct stat st {};
  if (::fstatat(dir_fd, name.base.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (auto s = check_existing(spec, st, owner, dir); !s) {
      return s.error();
    }
    return probe_stale(spec, dir_fd, name, sa, owner, dir);
  }
  if (errno != ENOENT) {
    return fail(spec, "stat", spec.path);
  }
  return Ok{};
}

// The error for a bind as the target that failed with bind_errno.
Error bind_refused(const ListenSpec& spec, SocketOwner owner, const DirFacts& dir,
                   bool had_dac_override, int bind_errno) {
  if (bind_errno == EACCES && !dir.root_only) {
    return fail_plain(spec, "directory " + dir.path + " is owned by uid " +
                                std::to_string(dir.uid) + " and not writable by the target");
  }
  if (bind_errno == EACCES && !had_dac_override) {
    return Error{"--listen '" + spec.arg + "': bind " + spec.path + " as " +
                     std::to_string(owner.uid) + ":" + std::to_string(owner.gid) +
                     ": missing capability CAP_DAC_OVERRIDE; add it or make the directory "
                     "writable by that user",
                 bind_errno};
  }
  errno = bind_errno;
  return fail(spec, "bind", spec.path);
}

// A new unix socket bound at sa as the target (AsTarget), so its file is born the target's.
Result<Fd> bind_as_target(const ListenSpec& spec, int dir_fd, const UnixName& name,
                          const sockaddr_un& sa, SocketOwner owner, const DirFacts& dir) {
  int raw = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (raw < 0) {
    return fail(spec, "socket");
  }
  Fd fd(raw);
  auto as_target = AsTarget::enter(owner);
  if (!as_target) {
    return as_target.error();
  }
  // The file gets 0777 & ~umask at bind time (unix(7)). Setting the umask around bind makes
  // it 0660 from the first instant, whatever umask unroot inherited.
  mode_t old_mask = ::umask(0117);
  int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
  int bind_errno = errno;
  // Only in root's own directory (root-owned /run, a root-only directory): there the
  // target may not create files because root has not made a place for it, and root creating
  // the name for it is what --listen asks. In another user's directory the refusal is that
  // user's decision, which root must not override.
  if (rc != 0 && bind_errno == EACCES && dir.root_only && as_target->raise_dac_override()) {
    rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    bind_errno = errno;
  }
  ::umask(old_mask);
  bool restored = as_target->leave();
  if (!restored) {
    // Never go on with half of root's identity: remove what bind made (if it did) and stop.
    if (rc == 0) {
      ::unlinkat(dir_fd, name.base.c_str(), 0);
    }
    return Error{"--listen '" + spec.arg +
                 "': could not restore root's filesystem ids and capabilities after bind"};
  }
  if (rc != 0) {
    return bind_refused(spec, owner, dir, as_target->had_dac_override(), bind_errno);
  }
  return fd;
}

// Read-only check of what bind made. Fail closed: a set-group-ID directory gives the file
// its own group (inode(7)), which would let that group connect; then remove our socket.
Status check_created(const ListenSpec& spec, int dir_fd, const UnixName& name, SocketOwner owner) {
  struct stat st {};
  if (::fstatat(dir_fd, name.base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return fail(spec, "stat", spec.path);
  }
  if (!S_ISSOCK(st.st_mode) || st.st_uid != owner.uid) {
    return fail_plain(spec, spec.path +
                                " is not the socket unroot just created (it was "
                                "replaced under it)");
  }
  if (st.st_gid != owner.gid || (st.st_mode & 07777) != 0660) {
    ::unlinkat(dir_fd, name.base.c_str(), 0);
    return fail_plain(
        spec, spec.path + " was created with group " + std::to_string(st.st_gid) + " and mode " +
                  std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                  std::to_string(st.st_mode & 7) + " instead of " + std::to_string(owner.gid) +
                  " and 660 (a set-group-ID directory?); removed it");
  }
  return Ok{};
}

// Refuses (and removes) our new socket when it carries an access ACL.
Status check_no_acl(const ListenSpec& spec, int dir_fd, const UnixName& name) {
  // A default ACL on the directory replaces the umask for new files (acl(5), "Object creation
  // and default ACLs"): the socket can get an extended access ACL granting other users or
  // groups while its mode still reads 0660. An ACL equal to the mode is not stored, so any
  // access ACL here grants more than the mode says: remove our socket and stop. Read while
  // the cwd is still the checked directory, by the bare name, not following a symlink.
  if (::lgetxattr(name.base.c_str(), "system.posix_acl_access", nullptr, 0) >= 0) {
    ::unlinkat(dir_fd, name.base.c_str(), 0);
    return fail_plain(spec, spec.path +
                                " was created with an access ACL (the directory has a default "
                                "ACL) that can grant more than mode 660; removed it");
  }
  // ENODATA: no ACL; EOPNOTSUPP (ENOTSUP on Linux is the same value): the filesystem has none.
  if (errno != ENODATA && errno != EOPNOTSUPP) {
    Error e = fail(spec, "read the ACL of", spec.path);
    ::unlinkat(dir_fd, name.base.c_str(), 0);
    return e;
  }
  return Ok{};
}

// Everything bind_unix does while the cwd is the checked directory.
Result<Fd> bind_unix_here(const ListenSpec& spec, int backlog, SocketOwner owner, int dir_fd,
                          const UnixName& name, bool absolute, const DirFacts& dir) {
  sockaddr_un sa = unix_address(spec, name, absolute);
  if (auto s = clear_name(spec, dir_fd, name, sa, owner, dir); !s) {
    return s.error();
  }
  Result<Fd> fd = bind_as_target(spec, dir_fd, name, sa, owner, dir);
  if (!fd) {
    return fd.error();
  }
  if (auto s = check_created(spec, dir_fd, name, owner); !s) {
    return s.error();
  }
  if (auto s = check_no_acl(spec, dir_fd, name); !s) {
    return s.error();
  }
  if (::listen(fd->get(), backlog) != 0) {
    return fail(spec, "listen", spec.path);
  }
  return std::move(*fd);
}

// The directory a unix socket goes in, opened and checked.
struct SocketDirFd {
  Fd fd;
  bool root_only_walk = false;  // open_path_carefully's CarefulPath::root_only_walk
  uid_t uid = 0;
  SocketDir kind = SocketDir::kUnguarded;
};

Result<SocketDirFd> open_socket_dir(const ListenSpec& spec, const UnixName& name) {
  // Resolved like --chown PATH: a symlink above the socket that a non-root user could have
  // planted (ln -s /root-only /data/run) would otherwise make root remove and create sockets
  // in a directory of the user's choosing. The probe, the stale-file removal and the bind all
  // happen relative to this one directory fd.
  auto opened = open_path_carefully(name.dir, "--listen '" + spec.arg + "': open directory",
                                    name.dir, true, true);
  if (!opened) {
    return opened.error();
  }
  SocketDirFd dir{std::move(opened->fd), opened->root_only_walk};
  struct stat dst {};
  if (::fstat(dir.fd.get(), &dst) != 0) {
    return fail(spec, "stat", name.dir);
  }
  if (!S_ISDIR(dst.st_mode)) {
    errno = ENOTDIR;
    return fail(spec, "open directory", name.dir);
  }
  dir.uid = dst.st_uid;
  dir.kind = classify_socket_dir(dst.st_uid, dst.st_mode);
  switch (dir.kind) {
    case SocketDir::kUnguarded:
      // Group or others who may rename entries could swap the stale socket for something
      // else between the probe and the removal, or take the name. In a sticky directory (/tmp)
      // an entry can be renamed or removed only by its own owner and by the directory's owner
      // (inode(7)): others cannot touch the target's socket, and the probe and the removal do
      // not trust the name either way.
      return fail_plain(spec, "directory " + name.dir +
                                  " is writable by group or others without the sticky bit; "
                                  "unroot will not create a socket there as root");
    case SocketDir::kRootOnly:
    case SocketDir::kOwnerOrSticky:
      break;
  }
  return dir;
}

Result<Fd> bind_unix(const ListenSpec& spec, int backlog, SocketOwner owner, Fd* dir_out) {
  UnixName name = split_unix_path(spec.path);
  auto dir = open_socket_dir(spec, name);
  if (!dir) {
    return dir.error();
  }
  // bind(2) resolves sun_path against the cwd: enter the checked directory, and come back to
  // the cwd unroot was started in (held as an O_PATH fd, which fchdir(2) accepts).
  Fd old_cwd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!old_cwd) {
    int err = errno;
    return fail_plain(spec, std::string("open the current directory: ") + errno_text(err) +
                                "; run unroot from a directory root can open (e.g. cd /)");
  }
  if (::fchdir(dir->fd.get()) != 0) {
    return fail(spec, "enter directory", name.dir);
  }
  DirFacts facts{name.dir, dir->uid, only_root_writes(dir->kind)};
  Result<Fd> fd =
      bind_unix_here(spec, backlog, owner, dir->fd.get(), name, dir->root_only_walk, facts);
  if (::fchdir(old_cwd.get()) != 0) {
    int err = errno;
    Error e{"--listen '" + spec.arg + "': return to the working directory", err};
    if (fd) {
      ::unlinkat(dir->fd.get(), name.base.c_str(), 0);
    }
    return e;
  }
  if (fd) {
    *dir_out = std::move(dir->fd);
  }
  return fd;
}

Result<Fd> bind_one(const ListenSpec& spec, int backlog, SocketOwner owner,
                    const std::string& denied_hint, Fd* dir_out) {
  switch (spec.transport) {
    case Transport::kTcp:
    case Transport::kUdp:
      return bind_inet(spec, backlog, denied_hint);
    case Transport::kUnix:
      return bind_unix(spec, backlog, owner, dir_out);
  }
  __builtin_unreachable();
}

}  // namespace

UnixName split_unix_path(const std::string& path) {
  std::size_t slash = path.rfind('/');
  return UnixName{slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

SocketDir classify_socket_dir(uid_t owner, mode_t mode) {
  bool others_write = (mode & (S_IWGRP | S_IWOTH)) != 0;
  if (others_write && (mode & S_ISVTX) == 0) {
    return SocketDir::kUnguarded;
  }
  if (owner == 0 && !others_write) {
    return SocketDir::kRootOnly;
  }
  return SocketDir::kOwnerOrSticky;
}

bool only_root_writes(SocketDir dir) {
  switch (dir) {
    case SocketDir::kRootOnly:
      return true;
    case SocketDir::kOwnerOrSticky:
    case SocketDir::kUnguarded:
      return false;
  }
  __builtin_unreachable();
}

void remove_socket_files(const std::vector<ListenSpec>& specs, const BoundSockets& bound,
                         SocketOwner owner) {
  // Through the directory each was created in, never by path again, and only a socket of the
  // target's: the name's directory may belong to the user, who can have put anything under it
  // since.
  for (std::size_t i = 0; i < bound.dirs.size() && i < specs.size(); ++i) {
    struct stat st {};
    if (!bound.dirs[i]) {
      continue;
    }
    std::string base = split_unix_path(specs[i].path).base;
    if (::fstatat(bound.dirs[i].get(), base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISSOCK(st.st_mode) || st.st_uid != owner.uid) {
      continue;
    }
    int saved = errno;
    // Root without CAP_DAC_OVERRIDE (Kubernetes' set) may not write the target's own directory;
    // the target may, so a refused unlink is tried again with its filesystem ids.
    if (::unlinkat(bound.dirs[i].get(), base.c_str(), 0) != 0 && errno == EACCES) {
      auto as_target = AsTarget::enter(owner);  // restored when it goes out of scope
      if (as_target) {
        (void)::unlinkat(bound.dirs[i].get(), base.c_str(), 0);
      }
    }
    errno = saved;
  }
}

Result<BoundSockets> bind_listen_sockets(const std::vector<ListenSpec>& specs, int backlog,
                                         SocketOwner owner, const std::string& denied_hint) {
  BoundSockets bound;
  bound.fds.reserve(specs.size());
  bound.dirs.reserve(specs.size());
  for (const ListenSpec& spec : specs) {
    Fd dir;
    Result<Fd> fd = bind_one(spec, backlog, owner, denied_hint, &dir);
    if (!fd) {
      // Leave nothing half-done: the socket files this run created are ours and nobody listens
      // on them.
      remove_socket_files(specs, bound, owner);
      return fd.error();
    }
    bound.fds.push_back(std::move(*fd));
    bound.dirs.push_back(std::move(dir));
  }
  return bound;
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
