// SPDX-License-Identifier: MIT
// caps: capability names (pure) and the capget/capset/prctl calls that read or change the
// capability sets of this process. No policy: privdrop and plan decide what to change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "result.hpp"

namespace unroot {

/// A set of capabilities as a bit mask: bit n is capability n (capabilities(7) numbering).
using CapMask = std::uint64_t;

inline constexpr int kCapChown = 0;
inline constexpr int kCapDacOverride = 1;
inline constexpr int kCapDacReadSearch = 2;
inline constexpr int kCapSetgid = 6;
inline constexpr int kCapSetuid = 7;
inline constexpr int kCapSetpcap = 8;
inline constexpr int kCapNetBindService = 10;

constexpr CapMask cap_bit(int cap) { return CapMask{1} << cap; }

/// "NET_BIND_SERVICE", "cap_net_bind_service", "Cap_Net_Bind_Service" → 10. ALL and unknown
/// names are errors, and so is any capability but NET_BIND_SERVICE, NET_RAW and NET_BROADCAST,
/// whose reach ends at the command's own sockets: the error says what the refused one reaches
/// (root itself for SETUID, SYS_ADMIN, ...; root's processes for KILL, SYS_NICE; the host for
/// SYS_TIME, ...).
Result<int> parse_keep_cap(std::string_view name);

/// "CAP_NET_BIND_SERVICE" for 10; "cap_63" style for numbers beyond the table.
std::string cap_name(int cap);

/// Comma-separated names of the capabilities in mask, "none" when empty.
std::string cap_list(CapMask mask);

/// The five capability sets of this process.
struct CapState {
  CapMask effective = 0;
  CapMask permitted = 0;
  CapMask inheritable = 0;
  CapMask ambient = 0;
  CapMask bounding = 0;  // filled by read_bounding, not read_caps
  int last_cap = 0;      // highest capability number this kernel knows
};

/// Reads effective, permitted, inheritable (capget(2)), ambient and last_cap (prctl(2)); no /proc
/// needed, so it works in a bare chroot. The bounding set is left 0: read_bounding reads it.
Result<CapState> read_caps();

/// The bounding set, capabilities 0..last_cap (prctl(2) PR_CAPBSET_READ, one call each).
Result<CapMask> read_bounding(int last_cap);

/// capset(2) on this thread: effective, permitted, inheritable.
Status set_caps(CapMask effective, CapMask permitted, CapMask inheritable);

/// Drops every capability in 0..last_cap that is not in keep from the bounding set.
/// Needs CAP_SETPCAP in the effective set.
Status drop_bounding_except(CapMask keep, int last_cap);

/// Clears the ambient set, then raises each capability in keep. Call it after
/// set_caps(keep, keep, keep); with keep empty that already emptied the ambient set, and it
/// makes no call.
Status set_ambient(CapMask keep, int last_cap);

}  // namespace unroot
