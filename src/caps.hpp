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
  CapMask bounding = 0;
  int last_cap = 0;  // highest capability number this kernel knows
};

/// Reads all five sets with capget(2) and prctl(2) (no /proc needed: works in a bare chroot).
Result<CapState> read_caps();

/// capset(2) on this thread: effective, permitted, inheritable.
Status set_caps(CapMask effective, CapMask permitted, CapMask inheritable);

/// Drops every capability in 0..last_cap that is not in keep from the bounding set.
/// Needs CAP_SETPCAP in the effective set.
Status drop_bounding_except(CapMask keep, int last_cap);

/// Clears the ambient set, then raises each capability in keep (each must already be in the
/// permitted and inheritable sets).
Status set_ambient(CapMask keep, int last_cap);

}  // namespace unroot
