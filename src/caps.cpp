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

Result<CapState> read_caps() {
  CapState st;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capget, &header, data) != 0) {
    return Error::from_errno().context("capget");
  }
  auto join = [](std::uint32_t lo, std::uint32_t hi) { return (CapMask{hi} << 32) | lo; };
  st.effective = join(data[0].effective, data[1].effective);
  st.permitted = join(data[0].permitted, data[1].permitted);
  st.inheritable = join(data[0].inheritable, data[1].inheritable);
  // The last capability the kernel knows: PR_CAPBSET_READ fails with EINVAL past it
  // (prctl(2)). Probing avoids /proc/sys/kernel/cap_last_cap, which a chroot may lack.
  int last = -1;
  for (int cap = 0; cap < 64; ++cap) {
    int r = ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
    if (r < 0) {
      break;
    }
    last = cap;
    if (r == 1) {
      st.bounding |= cap_bit(cap);
    }
    int a = ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
    if (a < 0 && errno != EINVAL) {
      return Error::from_errno().context("prctl PR_CAP_AMBIENT_IS_SET " + cap_name(cap));
    }
    if (a == 1) {
      st.ambient |= cap_bit(cap);
    }
  }
  if (last < 0) {
    return Error::from_errno().context("prctl PR_CAPBSET_READ");
  }
  st.last_cap = last;
  return st;
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
    return Error::from_errno().context("capset");
  }
  return Ok{};
}

Status drop_bounding_except(CapMask keep, int last_cap) {
  for (int cap = 0; cap <= last_cap; ++cap) {
    if ((keep & cap_bit(cap)) != 0) {
      continue;
    }
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      return Error::from_errno().context("drop " + cap_name(cap) + " from the bounding set");
    }
  }
  return Ok{};
}

Status set_ambient(CapMask keep, int last_cap) {
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return Error::from_errno().context("clear the ambient capability set");
  }
  for (int cap = 0; cap <= last_cap; ++cap) {
    if ((keep & cap_bit(cap)) != 0 &&
        ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0) {
      return Error::from_errno().context("raise " + cap_name(cap) + " in the ambient set");
    }
  }
  return Ok{};
}

}  // namespace unroot
