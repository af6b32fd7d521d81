// SPDX-License-Identifier: MIT
// privdrop: reads who we are, switches to the planned identity, and proves that root cannot be
// regained. Every privileged step goes through here; no other module changes ids or caps.
#pragma once

#include "plan.hpp"
#include "result.hpp"

namespace unroot {

/// Ids, groups, capabilities and pid of this process (getres[ug]id, getgroups, capget, prctl).
Result<Caller> read_caller();

/// true when the kernel says this process was started setuid/setgid or with file capabilities
/// (getauxval(AT_SECURE); needs no /proc).
bool started_secure();

/// Carries out plan.how: for kDrop, bounding set → setgroups → setresgid → setresuid → capsets
/// → ambient → no_new_privs, then verify_identity. After a partial change there is no way back:
/// the caller must report and exit, never exec.
Status switch_identity(const Plan& plan);

/// The checks run after the switch, before exec. Any surprise is an Error.
Status verify_identity(const Plan& plan);

}  // namespace unroot
