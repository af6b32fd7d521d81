// SPDX-License-Identifier: MIT
// privdrop: the identity switch and its verification. The order of calls is the point of this
// file; each step says why it is where it is.
#include "privdrop.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "sys.hpp"

namespace unroot {
namespace {

std::string id_str(std::uint32_t id) { return std::to_string(id); }

// The kernel keeps credentials per thread; POSIX wants them per process, so the libc wrappers
// of setresuid, setresgid and setgroups apply each change to every thread (nptl(7), "setxid"):
// musl signals each thread (__synccall: three rt_sigprocmask per call even with one thread).
// With one thread the bare syscall does the same work. One thread is a fact of the link: when
// nothing calls pthread_create it is not linked, and this weak reference to it is null
// (scripts/check-binary.sh reports it). If it is linked, the libc wrappers are used.
#pragma weak pthread_create
bool single_threaded() { return &pthread_create == nullptr; }

// The 32-bit ABIs (i386, arm) kept the 16-bit-id calls under the old names; the 32-bit-id
// calls are the *32 ones (syscalls(2)).
#ifdef SYS_setresuid32
constexpr long kSysSetresuid = SYS_setresuid32;
constexpr long kSysSetresgid = SYS_setresgid32;
constexpr long kSysSetgroups = SYS_setgroups32;
#else
constexpr long kSysSetresuid = SYS_setresuid;
constexpr long kSysSetresgid = SYS_setresgid;
constexpr long kSysSetgroups = SYS_setgroups;
#endif

int set_resuid(uid_t r, uid_t e, uid_t s) {
  if (single_threaded()) {
    return static_cast<int>(
        ::syscall(kSysSetresuid, static_cast<long>(r), static_cast<long>(e), static_cast<long>(s)));
  }
  return ::setresuid(r, e, s);
}

int set_resgid(gid_t r, gid_t e, gid_t s) {
  if (single_threaded()) {
    return static_cast<int>(
        ::syscall(kSysSetresgid, static_cast<long>(r), static_cast<long>(e), static_cast<long>(s)));
  }
  return ::setresgid(r, e, s);
}

int set_groups_raw(std::size_t n, const gid_t* list) {
  if (single_threaded()) {
    return static_cast<int>(::syscall(kSysSetgroups, static_cast<long>(n), list));
  }
  return ::setgroups(n, list);
}

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
  if (set_groups_raw(groups.size(), groups.data()) == 0) {
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

}  // namespace

std::vector<std::uint32_t> sorted_unique(std::vector<std::uint32_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool started_secure() { return ::getauxval(AT_SECURE) != 0; }

Result<Caller> read_caller() {
  Caller c;
  uid_t r = 0, e = 0, s = 0;
  if (::getresuid(&r, &e, &s) != 0) {
    return Error::from_errno().context("getresuid");
  }
  c.ruid = r;
  c.euid = e;
  c.suid = s;
  gid_t gr = 0, ge = 0, gs = 0;
  if (::getresgid(&gr, &ge, &gs) != 0) {
    return Error::from_errno().context("getresgid");
  }
  c.rgid = gr;
  c.egid = ge;
  c.sgid = gs;
  int n = ::getgroups(0, nullptr);
  if (n < 0) {
    return Error::from_errno().context("getgroups");
  }
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  n = ::getgroups(n, groups.data());
  if (n < 0) {
    return Error::from_errno().context("getgroups");
  }
  groups.resize(static_cast<std::size_t>(n));
  c.groups.assign(groups.begin(), groups.end());
  auto caps = read_caps();
  if (!caps) {
    return caps.error();
  }
  c.caps = *caps;
  c.pid = ::getpid();
  return c;
}

namespace {

Status switch_root_groups(const DropSpec& spec) {
  if (auto s = set_groups(spec.groups); !s) {
    return s;
  }
  if (set_resgid(spec.gid, spec.gid, spec.gid) != 0) {
    int err = errno;  // before the message is built
    return fail_switch("setresgid " + id_str(spec.gid), err, "/proc/self/gid_map", "the id is");
  }
  return Ok{};
}

Status switch_from_root(const DropSpec& spec) {
  if (spec.keep_caps != 0) {
    // Without KEEPCAPS, setresuid() from root clears the permitted set (capabilities(7),
    // "Effect of user ID changes on capabilities") and nothing could be kept.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
      return Error::from_errno().context("prctl PR_SET_KEEPCAPS");
    }
  }
  // The bounding set first, while CAP_SETPCAP is still effective: after it, no execve of a
  // setuid-root or file-capability binary can hand back anything we dropped.
  if (spec.drop_bounding) {
    if (auto s = drop_bounding_except(spec.keep_caps, spec.last_cap); !s) {
      return s;
    }
  }
  // Groups and gid before uid: setresuid() takes away the CAP_SETGID they need. Clearing the
  // supplementary list matters as much as the uid: a leftover group 0 gives root's files.
  if (auto s = switch_root_groups(spec); !s) {
    return s;
  }
  if (set_resuid(spec.uid, spec.uid, spec.uid) != 0) {
    int err = errno;  // before the message is built
    return fail_switch("setresuid " + id_str(spec.uid), err, "/proc/self/uid_map", "the id is");
  }
  // The kernel keeps the inheritable set across setuid (capabilities(7)); with ambient
  // capabilities that could grant privileges to the command. Set all three sets to exactly
  // the kept capabilities (usually none).
  if (auto s = set_caps(spec.keep_caps, spec.keep_caps, spec.keep_caps); !s) {
    return s;
  }
  if (auto s = set_ambient(spec.keep_caps, spec.last_cap); !s) {
    return s;
  }
  if (spec.keep_caps != 0 && ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
    return Error::from_errno().context("prctl PR_SET_KEEPCAPS 0");
  }
  return Ok{};
}

/// Trying to get root back must fail; see expect_refused.
Status try_to_regain_root(const DropSpec& spec) {
  if (spec.uid == 0) {
    return Ok{};  // target root: nothing to prove
  }
  // Each call must fail; if one succeeds, we are root again and must not run the command at
  // all (main exits 125). setresgid(0) is only a test when the target gid is not 0: an
  // unprivileged process may always set the gid it already has.
  if (auto st = expect_refused(set_resuid(0, 0, 0), "setresuid(0, 0, 0)"); !st) {
    return st;
  }
  if (spec.gid != 0) {
    if (auto st = expect_refused(set_resgid(0, 0, 0), "setresgid(0, 0, 0)"); !st) {
      return st;
    }
  }
  return expect_refused(set_groups_raw(0, nullptr), "setgroups");
}

}  // namespace

Status drop_privileges(const DropSpec& spec) {
  switch (spec.how) {
    case Switch::kNone:
      break;  // already the target (or the target is root): nothing to change but nnp
    case Switch::kRootGroups:
      if (auto s = switch_root_groups(spec); !s) {
        return s;
      }
      break;
    case Switch::kDrop:
      if (auto s = switch_from_root(spec); !s) {
        return s;
      }
      break;
  }
  // no_new_privs last: it does not affect the steps above, and after it no setuid file,
  // file capability or LSM transition on execve can raise privileges (prctl(2)).
  if (spec.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Error::from_errno().context("prctl PR_SET_NO_NEW_PRIVS");
  }
  // Trust, but verify: read everything back, then try to undo the drop.
  auto now = read_caller();
  if (!now) {
    return now.error().context("verify");
  }
  // The bounding set is read back only where it was dropped: elsewhere it is left as it was.
  if (spec.drop_bounding) {
    auto bounding = read_bounding(spec.last_cap);
    if (!bounding) {
      return bounding.error().context("verify");
    }
    now->caps.bounding = *bounding;
  }
  if (auto s = compare_with_spec(*now, spec); !s) {
    return s;
  }
  if (spec.no_new_privs && ::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
    return Error{"verify: no_new_privs is not set"};
  }
  return try_to_regain_root(spec);
}

Status compare_with_spec(const Caller& now, const DropSpec& spec) {
  if (now.ruid != spec.uid || now.euid != spec.uid || now.suid != spec.uid) {
    return Error{"verify: uids are " + id_str(now.ruid) + "/" + id_str(now.euid) + "/" +
                 id_str(now.suid) + ", expected " + id_str(spec.uid)};
  }
  if (now.rgid != spec.gid || now.egid != spec.gid || now.sgid != spec.gid) {
    return Error{"verify: gids are " + id_str(now.rgid) + "/" + id_str(now.egid) + "/" +
                 id_str(now.sgid) + ", expected " + id_str(spec.gid)};
  }
  if (spec.how != Switch::kNone && sorted_unique(now.groups) != sorted_unique(spec.groups)) {
    return Error{"verify: the supplementary groups are not the planned ones"};
  }
  if (spec.uid == 0) {
    return Ok{};  // target root keeps its capabilities
  }
  const CapState& caps = now.caps;
  CapMask want = 0;
  switch (spec.how) {
    case Switch::kDrop:
      want = spec.keep_caps;  // kept in every set but the bounding one; all else gone
      break;
    case Switch::kRootGroups:
    case Switch::kNone:
      break;  // a non-root target reached without a drop holds none at all
  }
  if (caps.effective != want || caps.permitted != want || caps.inheritable != want ||
      caps.ambient != want) {
    return Error{"verify: capabilities left after the switch (effective " +
                 cap_list(caps.effective) + ", permitted " + cap_list(caps.permitted) +
                 ", inheritable " + cap_list(caps.inheritable) + ", ambient " +
                 cap_list(caps.ambient) + "), expected " + cap_list(want)};
  }
  if (spec.drop_bounding && (caps.bounding & ~spec.keep_caps) != 0) {
    return Error{"verify: the bounding set still holds " +
                 cap_list(caps.bounding & ~spec.keep_caps)};
  }
  return Ok{};
}

}  // namespace unroot
