// SPDX-License-Identifier: MIT
// privdrop: the identity switch and its verification. The order of calls is the point of this
// file; each step says why it is where it is.
#include "privdrop.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "sys.hpp"

namespace unroot {
namespace {

std::string id_str(std::uint32_t id) { return std::to_string(id); }

/// In a user namespace, setgroups(2) is denied once /proc/self/setgroups says "deny"
/// (user_namespaces(7)), and ids outside uid_map are EINVAL. Say that instead of a bare errno.
bool setgroups_denied() {
  auto f = read_small_file("/proc/self/setgroups", 64);
  return f && f->exists && f->text.rfind("deny", 0) == 0;
}

Status fail_switch(std::string what, int err, const char* map_file, const char* subject) {
  if (err == EINVAL) {
    return Error{what + ": " + subject + " not mapped in this user namespace (see " +
                     std::string(map_file) + "); map it or choose a mapped user",
                 err};
  }
  return Error{std::move(what), err};
}

/// setgroups(2) with the user-namespace cases said plainly: EPERM with /proc/self/setgroups
/// "deny" (rootless runtimes), EINVAL for a gid outside gid_map.
Status set_groups(const std::vector<std::uint32_t>& ids) {
  std::vector<gid_t> groups(ids.begin(), ids.end());
  if (::setgroups(groups.size(), groups.data()) == 0) {
    return Ok{};
  }
  int err = errno;
  if (err == EPERM && setgroups_denied()) {
    return Error{
        "setgroups: denied in this user namespace (/proc/self/setgroups is 'deny', "
        "as rootless runtimes set it); run unroot as real root, or start the "
        "container as the target user instead",
        err};
  }
  return fail_switch("setgroups", err, "/proc/self/gid_map", "a group id in the list is");
}

/// Trying to get root back must fail. EPERM is the normal answer; EINVAL means uid/gid 0 is not
/// even mapped in this user namespace (setresuid(2)), which proves the same thing.
Status expect_refused(int rc, const char* call) {
  int err = errno;
  if (rc == 0) {
    return Error{std::string("verify: ") + call + " succeeded; refusing to run the command"};
  }
  if (err != EPERM && err != EINVAL) {
    return Error{std::string("verify: ") + call + " failed in an unexpected way", err};
  }
  return Ok{};
}

/// A uid_map or gid_map is at most kMaxIdMapLines lines of 33 bytes (about 11 KiB); 1 MiB
/// bounds the read with room to spare (read_small_file states its limits in MiB).
constexpr std::size_t kMaxIdMapSize = 1u << 20;

/// Which user namespace this is, asked of the kernel without /proc: pidfd_open(2) on ourselves,
/// then the pidfd ioctl PIDFD_GET_USER_NAMESPACE (Linux 6.11) gives an nsfs descriptor whose
/// inode is PROC_USER_INIT_INO (0xEFFFFFFD, include/linux/proc_ns.h) only for the initial
/// namespace. Older kernels, a seccomp filter or a kernel without user namespaces: kUnknown.
IdMaps user_namespace_without_proc() {
  constexpr unsigned long kPidfdGetUserNamespace = _IO(0xFF, 9);  // include/uapi/linux/pidfd.h
  constexpr ino_t kInitialUserNsIno = 0xEFFFFFFDu;
  long pidfd = ::syscall(SYS_pidfd_open, ::getpid(), 0u);
  if (pidfd < 0) {
    return IdMaps::kUnknown;
  }
  Fd pid_fd(static_cast<int>(pidfd));
  int raw = ::ioctl(pid_fd.get(), kPidfdGetUserNamespace, 0);
  if (raw < 0) {
    return IdMaps::kUnknown;
  }
  Fd ns(raw);
  struct stat st {};
  if (::fstat(ns.get(), &st) != 0) {
    return IdMaps::kUnknown;
  }
  return st.st_ino == kInitialUserNsIno ? IdMaps::kInitial : IdMaps::kHiddenUser;
}

std::vector<gid_t> sorted_unique(std::vector<gid_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

bool started_secure() { return ::getauxval(AT_SECURE) != 0; }

Result<Caller> read_caller() {
  Caller c;
  uid_t r = 0, e = 0, s = 0;
  if (::getresuid(&r, &e, &s) != 0) {
    return sys_error("getresuid");
  }
  c.ruid = r;
  c.euid = e;
  c.suid = s;
  gid_t gr = 0, ge = 0, gs = 0;
  if (::getresgid(&gr, &ge, &gs) != 0) {
    return sys_error("getresgid");
  }
  c.rgid = gr;
  c.egid = ge;
  c.sgid = gs;
  int n = ::getgroups(0, nullptr);
  if (n < 0) {
    return sys_error("getgroups");
  }
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  n = ::getgroups(n, groups.data());
  if (n < 0) {
    return sys_error("getgroups");
  }
  groups.resize(static_cast<std::size_t>(n));
  c.groups.assign(groups.begin(), groups.end());
  auto caps = read_caps();
  if (!caps) {
    return caps.error();
  }
  c.caps = *caps;
  c.pid = ::getpid();
  // The maps say what each id is in the parent user namespace; make_plan refuses a target that
  // is root there. /proc/self/uid_map is read relative to our own namespace, so its second
  // field is the parent's id (user_namespaces(7)). Any failure but ENOENT is an error: a map
  // that exists but cannot be read must not count as "no user namespace".
  auto uid_map = read_small_file("/proc/self/uid_map", kMaxIdMapSize);
  if (!uid_map) {
    return uid_map.error();
  }
  auto gid_map = read_small_file("/proc/self/gid_map", kMaxIdMapSize);
  if (!gid_map) {
    return gid_map.error();
  }
  if (uid_map->exists != gid_map->exists) {
    return Error{"/proc/self/uid_map and /proc/self/gid_map: one exists, the other does not"};
  }
  if (uid_map->exists) {
    c.id_maps = IdMaps::kRead;
    c.uid_map = std::move(uid_map->text);
    c.gid_map = std::move(gid_map->text);
  } else {
    c.id_maps = user_namespace_without_proc();
  }
  return c;
}

Status switch_identity(const Plan& plan) {
  if (plan.how == Switch::kNone) {
    // Already the target (or the target is root): nothing to change but no_new_privs.
    if (plan.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      return sys_error("prctl PR_SET_NO_NEW_PRIVS");
    }
    return verify_identity(plan);
  }
  const Identity& id = plan.identity;
  if (plan.how == Switch::kRootGroups) {
    if (auto s = set_groups(id.groups); !s) {
      return s;
    }
    if (::setresgid(id.gid, id.gid, id.gid) != 0) {
      return fail_switch("setresgid " + id_str(id.gid), errno, "/proc/self/gid_map", "the id is");
    }
    return verify_identity(plan);
  }
  if (plan.keep_caps != 0) {
    // Without KEEPCAPS, setresuid() from root clears the permitted set (capabilities(7),
    // "Effect of user ID changes on capabilities") and nothing could be kept.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
      return sys_error("prctl PR_SET_KEEPCAPS");
    }
  }
  // The bounding set first, while CAP_SETPCAP is still effective: after it, no execve of a
  // setuid-root or file-capability binary can hand back anything we dropped.
  if (plan.drop_bounding) {
    if (auto s = drop_bounding_except(plan.keep_caps, plan.last_cap); !s) {
      return s;
    }
  }
  // Groups and gid before uid: setresuid() takes away the CAP_SETGID they need. Clearing the
  // supplementary list matters as much as the uid: a leftover group 0 gives root's files.
  if (auto s = set_groups(id.groups); !s) {
    return s;
  }
  if (::setresgid(id.gid, id.gid, id.gid) != 0) {
    return fail_switch("setresgid " + id_str(id.gid), errno, "/proc/self/gid_map", "the id is");
  }
  if (::setresuid(id.uid, id.uid, id.uid) != 0) {
    return fail_switch("setresuid " + id_str(id.uid), errno, "/proc/self/uid_map", "the id is");
  }
  // The kernel keeps the inheritable set across setuid (capabilities(7)); with ambient
  // capabilities that could grant privileges to the command. Set all three sets to exactly
  // the kept capabilities (usually none).
  if (auto s = set_caps(plan.keep_caps, plan.keep_caps, plan.keep_caps); !s) {
    return s;
  }
  if (auto s = set_ambient(plan.keep_caps, plan.last_cap); !s) {
    return s;
  }
  if (plan.keep_caps != 0 && ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
    return sys_error("prctl PR_SET_KEEPCAPS 0");
  }
  // no_new_privs last: it does not affect the steps above, and after it no setuid file,
  // file capability or LSM transition on execve can raise privileges (prctl(2)).
  if (plan.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return sys_error("prctl PR_SET_NO_NEW_PRIVS");
  }
  return verify_identity(plan);
}

Status verify_identity(const Plan& plan) {
  const Identity& id = plan.identity;
  uid_t r = 0, e = 0, s = 0;
  if (::getresuid(&r, &e, &s) != 0) {
    return sys_error("verify: getresuid");
  }
  if (r != id.uid || e != id.uid || s != id.uid) {
    return Error{"verify: uids are " + id_str(r) + "/" + id_str(e) + "/" + id_str(s) +
                 ", expected " + id_str(id.uid)};
  }
  gid_t gr = 0, ge = 0, gs = 0;
  if (::getresgid(&gr, &ge, &gs) != 0) {
    return sys_error("verify: getresgid");
  }
  if (gr != id.gid || ge != id.gid || gs != id.gid) {
    return Error{"verify: gids are " + id_str(gr) + "/" + id_str(ge) + "/" + id_str(gs) +
                 ", expected " + id_str(id.gid)};
  }
  int n = ::getgroups(0, nullptr);
  std::vector<gid_t> have(n > 0 ? static_cast<std::size_t>(n) : 0);
  if (n < 0 || ::getgroups(n, have.data()) != n) {
    return sys_error("verify: getgroups");
  }
  if (plan.how != Switch::kNone &&
      sorted_unique(have) != sorted_unique({id.groups.begin(), id.groups.end()})) {
    return Error{"verify: the supplementary groups are not the planned ones"};
  }
  if (id.uid == 0) {
    return Ok{};  // target root: nothing to prove
  }
  // Try to get root back. Each call must fail; if one succeeds, we are root again and must not
  // run the command at all (main exits 125). setresgid(0) is only a test when the target gid is
  // not 0: an unprivileged process may always set the gid it already has.
  if (auto st = expect_refused(::setresuid(0, 0, 0), "setresuid(0, 0, 0)"); !st) {
    return st;
  }
  if (id.gid != 0) {
    if (auto st = expect_refused(::setresgid(0, 0, 0), "setresgid(0, 0, 0)"); !st) {
      return st;
    }
  }
  if (auto st = expect_refused(::setgroups(0, nullptr), "setgroups"); !st) {
    return st;
  }
  auto caps = read_caps();
  if (!caps) {
    return caps.error();
  }
  CapMask want = plan.how == Switch::kDrop ? plan.keep_caps : 0;
  if (caps->effective != want || caps->permitted != want || caps->inheritable != want ||
      caps->ambient != want) {
    return Error{"verify: capabilities left after the switch (effective " +
                 cap_list(caps->effective) + ", permitted " + cap_list(caps->permitted) +
                 ", inheritable " + cap_list(caps->inheritable) + ", ambient " +
                 cap_list(caps->ambient) + "), expected " + cap_list(want)};
  }
  if (plan.no_new_privs && ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
    return Error{"verify: no_new_privs is not set"};
  }
  if (plan.drop_bounding && (caps->bounding & ~plan.keep_caps) != 0) {
    return Error{"verify: the bounding set still holds " +
                 cap_list(caps->bounding & ~plan.keep_caps)};
  }
  return Ok{};
}

}  // namespace unroot
