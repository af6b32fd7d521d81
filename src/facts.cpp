// SPDX-License-Identifier: MIT
// facts: the reads before the plan, in one place (s6-envuidgid's half of the job).
#include "facts.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "decimal.hpp"

namespace unroot {
namespace {

std::vector<InheritedFd> inherited_in_listen_range(std::size_t count) {
  std::vector<InheritedFd> out;
  for (std::size_t i = 0; i < count; ++i) {
    int fd = 3 + static_cast<int>(i);  // sd_listen_fds(3): SD_LISTEN_FDS_START
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) {
      out.push_back(InheritedFd{fd, (flags & FD_CLOEXEC) != 0});
    }
  }
  return out;
}

int unprivileged_port_start() {
  // ip_unprivileged_port_start (Linux 4.11, ip-sysctl.rst): ports below it need
  // CAP_NET_BIND_SERVICE. Unreadable (no /proc in a chroot): the kernel's default.
  auto f = read_small_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", 64);
  if (!f || !f->exists) {
    return 1024;
  }
  std::string_view text = f->text;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  auto v = scan_decimal(text, 0, 65536, LeadingZero::kAllowed);
  return v ? static_cast<int>(*v) : 1024;
}

/// A uid_map or gid_map is at most kMaxIdMapLines lines of 33 bytes (about 11 KiB); 1 MiB
/// bounds the read with room to spare (read_small_file states its limits in MiB).
constexpr std::size_t kMaxIdMapSize = 1u << 20;

/// Which user namespace this is, asked of the kernel without /proc: pidfd_open(2) on ourselves,
/// then the pidfd ioctl PIDFD_GET_USER_NAMESPACE (Linux 6.11) gives an nsfs descriptor whose
/// inode is PROC_USER_INIT_INO (0xEFFFFFFD, include/linux/proc_ns.h) only for the initial
/// namespace. Older kernels, a seccomp filter or a kernel without user namespaces: kUnknown.
KernelNs user_namespace_per_kernel() {
  constexpr unsigned long kPidfdGetUserNamespace = _IO(0xFF, 9);  // include/uapi/linux/pidfd.h
  constexpr ino_t kInitialUserNsIno = 0xEFFFFFFDu;
  long pidfd = ::syscall(SYS_pidfd_open, ::getpid(), 0u);
  if (pidfd < 0) {
    return KernelNs::kUnknown;
  }
  Fd pid_fd(static_cast<int>(pidfd));
  int raw = ::ioctl(pid_fd.get(), kPidfdGetUserNamespace, 0);
  if (raw < 0) {
    return KernelNs::kUnknown;
  }
  Fd ns(raw);
  struct stat st {};
  if (::fstat(ns.get(), &st) != 0) {
    return KernelNs::kUnknown;
  }
  return st.st_ino == kInitialUserNsIno ? KernelNs::kInitial : KernelNs::kNested;
}

IdMaps maps_per_kernel(KernelNs kernel) {
  switch (kernel) {
    case KernelNs::kInitial:
      return IdMaps::kInitial;
    case KernelNs::kNested:
      return IdMaps::kHiddenUser;
    case KernelNs::kUnknown:
      return IdMaps::kUnknown;
  }
  __builtin_unreachable();
}

// The maps say what each id is in the parent user namespace; make_plan refuses a target that
// is root there. /proc/self/uid_map is read relative to our own namespace, so its second field
// is the parent's id (user_namespaces(7)). Any failure but ENOENT is an error: a map that
// exists but cannot be read must not count as "no user namespace". The maps count only on
// procfs: a chroot without /proc mounted may hold an image's own /proc/self/uid_map, a regular
// file saying whatever its author likes ("0 0 4294967295"); that is no map at all, and the
// kernel's own answer is asked instead.
//
// The maps show one level up only: in a namespace inside a namespace, "1001 5000 1" may be
// harmless here while the outer map makes 5000 the host's uid 0. procfs answers for every level
// at once: a sysctl directory outside net/ belongs to the initial namespace's root, and stat(2)
// translates that owner into the reader's namespace (from_kuid_munged in proc_sys_getattr's
// generic_fillattr), giving the inner uid and gid that are the host's root, or the overflow id
// 65534 when none is (proc(5), user_namespaces(7)).
Result<UserNamespace> read_user_namespace() {
  UserNamespace ns;
  ns.kernel = user_namespace_per_kernel();
  auto uid_map = read_procfs_file("/proc/self/uid_map", kMaxIdMapSize);
  if (!uid_map) {
    return uid_map.error();
  }
  auto gid_map = read_procfs_file("/proc/self/gid_map", kMaxIdMapSize);
  if (!gid_map) {
    return gid_map.error();
  }
  if (uid_map->exists != gid_map->exists) {
    return Error{"/proc/self/uid_map and /proc/self/gid_map: one exists, the other does not"};
  }
  if (!uid_map->exists) {
    ns.maps = maps_per_kernel(ns.kernel);
    return ns;
  }
  ns.maps = IdMaps::kRead;
  ns.uid_map = std::move(uid_map->text);
  ns.gid_map = std::move(gid_map->text);
  if (auto st = stat_on_procfs("/proc/sys/kernel"); st && S_ISDIR(st->st_mode)) {
    ns.host_root = HostRoot{st->st_uid, st->st_gid};
  }
  return ns;
}

}  // namespace

Result<Facts> gather(const Options& opts) {
  Facts f;
  f.inherited = inherited_in_listen_range(opts.listen.size());
  auto caller = read_caller();
  if (!caller) {
    return caller.error();
  }
  f.caller = std::move(*caller);
  auto ns = read_user_namespace();
  if (!ns) {
    return ns.error();
  }
  f.user_namespace = std::move(*ns);
  auto passwd = read_small_file("/etc/passwd", kMaxUserFileSize);
  if (!passwd) {
    return passwd.error();
  }
  f.passwd_file = std::move(*passwd);
  auto group = read_small_file("/etc/group", kMaxUserFileSize);
  if (!group) {
    return group.error();
  }
  f.group_file = std::move(*group);
  for (std::string_view path : opts.chown) {
    f.chown_roots.push_back(chown_preflight(path));
  }
  if (!opts.listen.empty()) {
    f.unprivileged_port_start = unprivileged_port_start();
  }
  return f;
}

}  // namespace unroot
