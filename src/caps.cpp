// SPDX-License-Identifier: MIT
// caps: capability names and the raw capget/capset/prctl calls. Never prints, never decides.
#include "caps.hpp"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace unroot {
namespace {

// capabilities(7) numbering; index = capability number.
constexpr std::array<std::string_view, 41> kCapNames = {"chown",
                                                        "dac_override",
                                                        "dac_read_search",
                                                        "fowner",
                                                        "fsetid",
                                                        "kill",
                                                        "setgid",
                                                        "setuid",
                                                        "setpcap",
                                                        "linux_immutable",
                                                        "net_bind_service",
                                                        "net_broadcast",
                                                        "net_admin",
                                                        "net_raw",
                                                        "ipc_lock",
                                                        "ipc_owner",
                                                        "sys_module",
                                                        "sys_rawio",
                                                        "sys_chroot",
                                                        "sys_ptrace",
                                                        "sys_pacct",
                                                        "sys_admin",
                                                        "sys_boot",
                                                        "sys_nice",
                                                        "sys_resource",
                                                        "sys_time",
                                                        "sys_tty_config",
                                                        "mknod",
                                                        "lease",
                                                        "audit_write",
                                                        "audit_control",
                                                        "setfcap",
                                                        "mac_override",
                                                        "mac_admin",
                                                        "syslog",
                                                        "wake_alarm",
                                                        "block_suspend",
                                                        "audit_read",
                                                        "perfmon",
                                                        "bpf",
                                                        "checkpoint_restore"};

// The only capabilities --keep-cap accepts. An allow-list, not a deny-list: most capabilities
// lead back to root somehow (capabilities(7); grsecurity's "False Boundaries and Arbitrary Code
// Execution" lists SETUID, SYS_ADMIN, DAC_READ_SEARCH via open_by_handle_at(2) as in the
// "shocker" container escape, SYS_BOOT via kexec_load(2), MAC_ADMIN, NET_ADMIN, FSETID, ...).
// These give a process reach over the network, its own scheduling, memory and timers, or
// signals, but no way to another uid, another process's memory or root's files.
constexpr std::array<int, 12> kKeepable = {
    5,   // KILL: signal any process (in a container: its own processes)
    10,  // NET_BIND_SERVICE: ports below 1024, the reason this option exists
    11,  // NET_BROADCAST
    13,  // NET_RAW: ping, raw sockets
    14,  // IPC_LOCK: mlock
    23,  // SYS_NICE
    24,  // SYS_RESOURCE
    25,  // SYS_TIME
    28,  // LEASE
    29,  // AUDIT_WRITE
    35,  // WAKE_ALARM
    36,  // BLOCK_SUSPEND
};

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) {
      return false;
    }
  }
  return true;
}

std::string keepable_list() {
  std::string out;
  for (int cap : kKeepable) {
    out += (out.empty() ? "" : ", ") + cap_name(cap).substr(4);
  }
  return out;
}

}  // namespace

Result<int> parse_keep_cap(std::string_view name) {
  std::string_view bare = name;
  if (bare.size() > 4 && iequals(bare.substr(0, 4), "cap_")) {
    bare.remove_prefix(4);
  }
  if (iequals(bare, "all")) {
    return Error{"--keep-cap " + std::string(name) +
                 ": keeping all capabilities is keeping root; name the one you need"};
  }
  for (std::size_t i = 0; i < kCapNames.size(); ++i) {
    if (!iequals(bare, kCapNames[i])) {
      continue;
    }
    int cap = static_cast<int>(i);
    for (int ok : kKeepable) {
      if (ok == cap) {
        return cap;
      }
    }
    return Error{
        "--keep-cap " + std::string(name) + ": " + cap_name(cap) +
        " can lead back to root, so unroot refuses to keep it (keepable: " + keepable_list() + ")"};
  }
  return Error{"--keep-cap " + std::string(name) +
               ": unknown capability (expected a name such as NET_BIND_SERVICE)"};
}

std::string cap_name(int cap) {
  std::string out = "CAP_";
  if (cap >= 0 && static_cast<std::size_t>(cap) < kCapNames.size()) {
    for (char c : kCapNames[static_cast<std::size_t>(cap)]) {
      out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
  } else {
    out += std::to_string(cap);
  }
  return out;
}

std::string cap_list(CapMask mask) {
  std::string out;
  for (int cap = 0; cap < 64; ++cap) {
    if ((mask & cap_bit(cap)) != 0) {
      if (!out.empty()) {
        out += ',';
      }
      out += cap_name(cap);
    }
  }
  return out.empty() ? "none" : out;
}

namespace {

// The last capability the kernel knows: PR_CAPBSET_READ fails with EINVAL past it (prctl(2)).
// Probing avoids /proc/sys/kernel/cap_last_cap, which a chroot may lack. The kernel this table
// was written for is tried first (two calls); any other is found by bisection over 0..63 (six).
int probe_last_cap() {
  auto known = [](int cap) { return ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; };
  int guess = static_cast<int>(kCapNames.size()) - 1;
  if (known(guess) && !known(guess + 1)) {
    return guess;
  }
  if (!known(0)) {
    return -1;
  }
  int lo = 0;   // known
  int hi = 64;  // unknown (CapMask has 64 bits)
  while (hi - lo > 1) {
    int mid = lo + (hi - lo) / 2;
    if (known(mid)) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace

Result<CapState> read_caps() {
  CapState st;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) {
    return sys_error("capget");
  }
  auto join = [](std::uint32_t lo, std::uint32_t hi) { return (CapMask{hi} << 32) | lo; };
  st.effective = join(data[0].effective, data[1].effective);
  st.permitted = join(data[0].permitted, data[1].permitted);
  st.inheritable = join(data[0].inheritable, data[1].inheritable);
  st.last_cap = probe_last_cap();
  if (st.last_cap < 0) {
    return sys_error("prctl PR_CAPBSET_READ");
  }
  // Only bits in both permitted and inheritable are probed: the kernel never lets a capability
  // be ambient unless it is both (capabilities(7), "Ambient capability set"), and lowering either
  // lowers the ambient bit. A root process usually has an empty inheritable set: no probes.
  CapMask could_be_ambient = st.permitted & st.inheritable;
  for (int cap = 0; cap <= st.last_cap; ++cap) {
    if ((could_be_ambient & cap_bit(cap)) == 0) {
      continue;
    }
    int a = ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
    if (a < 0 && errno != EINVAL) {
      return sys_error("prctl PR_CAP_AMBIENT_IS_SET " + cap_name(cap));
    }
    if (a == 1) {
      st.ambient |= cap_bit(cap);
    }
  }
  return st;
}

Result<CapMask> read_bounding(int last_cap) {
  CapMask bounding = 0;
  for (int cap = 0; cap <= last_cap; ++cap) {
    int r = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (r < 0) {
      return sys_error("prctl PR_CAPBSET_READ " + cap_name(cap));
    }
    if (r == 1) {
      bounding |= cap_bit(cap);
    }
  }
  return bounding;
}

Status set_caps(CapMask effective, CapMask permitted, CapMask inheritable) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    int shift = 32 * i;
    data[i].effective = static_cast<std::uint32_t>(effective >> shift);
    data[i].permitted = static_cast<std::uint32_t>(permitted >> shift);
    data[i].inheritable = static_cast<std::uint32_t>(inheritable >> shift);
  }
  if (::syscall(SYS_capset, &header, data) != 0) {
    return sys_error("capset");
  }
  return Ok{};
}

Status drop_bounding_except(CapMask keep, int last_cap) {
  for (int cap = 0; cap <= last_cap; ++cap) {
    if ((keep & cap_bit(cap)) != 0) {
      continue;
    }
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      return sys_error("drop " + cap_name(cap) + " from the bounding set");
    }
  }
  return Ok{};
}

Status set_ambient(CapMask keep, int last_cap) {
  // Called after set_caps(keep, keep, keep): capset(2) lowering a permitted or inheritable bit
  // lowers the ambient bit too (capabilities(7), "Ambient capability set"), so with nothing kept
  // the ambient set is already empty and PR_CAP_AMBIENT_CLEAR_ALL would change nothing.
  // verify_identity still reads the sets back.
  if (keep == 0) {
    return Ok{};
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return sys_error("clear the ambient capability set");
  }
  for (int cap = 0; cap <= last_cap; ++cap) {
    if ((keep & cap_bit(cap)) != 0 &&
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
      return sys_error("raise " + cap_name(cap) + " in the ambient set");
    }
  }
  return Ok{};
}

}  // namespace unroot
