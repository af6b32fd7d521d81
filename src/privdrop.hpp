// SPDX-License-Identifier: MIT
// privdrop: reads who we are, switches to the planned identity, and proves that root cannot be
// regained. Every change of ids or capabilities goes through here; no other module makes one.
// Must not decide anything: the DropSpec says what to do.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "caps.hpp"
#include "result.hpp"

namespace unroot {

/// What this process is: read once as a fact before planning, and again after the switch to
/// verify it.
struct Caller {
  std::uint32_t ruid = 0, euid = 0, suid = 0;
  std::uint32_t rgid = 0, egid = 0, sgid = 0;
  std::vector<std::uint32_t> groups;  // getgroups(2), as the kernel returns it
  CapState caps;
  pid_t pid = 0;
};

/// How the identity switch happens.
enum class Switch {
  kDrop,        // started as root: setgroups → setresgid → setresuid → caps → verify
  kRootGroups,  // target is root with other groups: setgroups → setresgid, caps untouched
  kNone,        // already exactly the target (non-root with no capabilities, or root itself)
};

/// Everything the switch needs, decided by plan.
struct DropSpec {
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::vector<std::uint32_t> groups;  // the kernel's supplementary list; includes gid
  Switch how = Switch::kDrop;
  CapMask keep_caps = 0;       // kept in permitted/effective/inheritable/ambient
  bool no_new_privs = true;    // PR_SET_NO_NEW_PRIVS before exec
  bool drop_bounding = false;  // drop all but keep_caps from the bounding set
  int last_cap = 0;            // highest capability number this kernel knows
};

/// Ids, groups, capabilities and pid of this process (getres[ug]id, getgroups, capget, prctl).
Result<Caller> read_caller();

/// true when the kernel says this process was started setuid/setgid or with file capabilities
/// (getauxval(AT_SECURE); needs no /proc).
bool started_secure();

/// Carries out spec.how, then verify_drop. After a partial change there is no way back: the
/// caller must report and exit, never exec.
Status drop_privileges(const DropSpec& spec);

/// Pure: v sorted, without repeats (group sets compared as sets).
std::vector<std::uint32_t> sorted_unique(std::vector<std::uint32_t> v);

/// Pure: the differences between what the process is and what the spec promised, as the
/// message of the first one; Ok when there is none. `now` is read_caller() after the switch.
Status compare_with_spec(const Caller& now, const DropSpec& spec);

}  // namespace unroot
