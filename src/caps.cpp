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

// What each capability reaches, for the --keep-cap refusal (capabilities(7); index = number).
// Most lead back to root (grsecurity's "False Boundaries and Arbitrary Code Execution": SETUID,
// SYS_ADMIN, DAC_READ_SEARCH via open_by_handle_at(2) as in the "shocker" container escape,
// SYS_BOOT via kexec_load(2), ...); the others act on other users' processes or files, or on
// the whole host, and the command is meant to hold nothing beyond its own user.
constexpr std::array<std::string_view, 41> kReach = {
    "changes the owner of any file, root's included: leads back to root",
    "reads and writes any file whatever its mode: leads back to root",
    "reads any file and opens files by handle, outside the container too "
    "(open_by_handle_at(2)): leads back to root",
    "acts as the owner of any file (chmod(2), utimes, ACLs): leads back to root",
    "keeps set-user-ID bits on files it changes: leads back to root",
    "signals any process, root's included (kill(2))",
    "sets any gid and group list, root's included: leads back to root",
    "sets any uid, root's included: leads back to root",
    "adds any capability of the bounding set to the inheritable set: leads back to root",
    "clears the immutable and append-only flags that root set on the user's files "
    "(ioctl_iflags(2))",
    "binds ports below 1024",
    "nothing: capabilities(7) lists it as unused",
    "reconfigures interfaces, routes and the firewall for every process of the network "
    "namespace, and opens kernel code (netfilter, tc) with a record of root exploits",
    "opens raw and packet sockets",
    "locks and unlocks any System V shared memory segment, root's included (shmctl(2) "
    "SHM_LOCK); for mlock(2) raise RLIMIT_MEMLOCK instead (docker run --ulimit memlock=...)",
    "bypasses the permission checks of every System V IPC object, root's included",
    "loads kernel modules: leads back to root",
    "does raw I/O on ports and devices (iopl(2), /dev/mem): leads back to root",
    "changes the root directory (chroot(2)), which fools programs that trust paths",
    "traces any process and reads its memory, root's included: leads back to root",
    "turns process accounting on and off for the whole host (acct(2))",
    "mounts, creates namespaces and much more: leads back to root",
    "reboots the host and loads a new kernel (kexec_load(2)): leads back to root",
    "renices, sets real-time scheduling and CPU affinity for any process, root's included "
    "(sched_setscheduler(2))",
    "overrides disk quotas, the filesystem's reserved space and resource limits, which exist "
    "for everyone's sake (setrlimit(2))",
    "sets the host's clock, which no namespace separates (clock_settime(2))",
    "hangs up terminals and configures consoles (vhangup(2))",
    "creates device nodes (mknod(2)): leads back to root",
    "takes leases on any file, root's included, holding back other processes' opens and "
    "truncates (fcntl(2) F_SETLEASE)",
    "writes records into the host's audit log (forged login records)",
    "changes the host's audit rules and any process's login uid",
    "sets file capabilities on any file: leads back to root",
    "overrides the mandatory access control policy (AppArmor, SELinux, Smack)",
    "changes the mandatory access control policy: leads back to root",
    "reads and clears the kernel log, with kernel addresses (syslog(2))",
    "sets timers that wake the whole host from suspend (timerfd_create(2))",
    "keeps the whole host from suspending (epoll(7) EPOLLWAKEUP)",
    "reads the host's audit log",
    "watches the performance counters of any process, root's included, and of the kernel "
    "(perf_event_open(2))",
    "loads BPF programs, kernel code with a record of root exploits: leads back to root",
    "sets the pids of new processes and reads other processes' memory maps (clone3(2) set_tid)",
};

// The only capabilities --keep-cap accepts: those that act on the network and nothing else.
// No uid, file, process or host-wide setting outside the network comes within reach.
constexpr std::array<int, 3> kKeepable = {
    // NET_BIND_SERVICE: bind(2) to ports below 1024 in the command's network namespace
    // (capabilities(7)); the reason this option exists. The one thing it takes from others is
    // a free low port, which root's services could have bound first.
    10,
    // NET_RAW: raw and packet sockets (raw(7), packet(7)): DHCP clients, traceroute, arping.
    // It reaches the network namespace's traffic and how the kernel routes and filters it,
    // nothing outside the network, but all of these:
    // - AF_PACKET reads and forges every frame on the namespace's interfaces, other processes'
    //   included (plain-text loopback traffic too), and spoofs ARP to the neighbours on a shared
    //   bridge (the other containers); with docker's --network host, the host's whole network.
    // - SO_MARK (socket(7); NET_RAW suffices since Linux 5.17) picks the socket's fwmark, which
    //   firewall rules and policy routing (ip rule fwmark) key on: it gets past such rules.
    // - IP_TRANSPARENT (ip(7)) binds addresses that are not local, forging the local address.
    // - AF_PACKET is kernel code with a record of root exploits reached through this
    //   capability: CVE-2016-8655, CVE-2017-7308, CVE-2020-14386.
    // It stays on the list because the project allows capabilities that act on the network.
    // ping needs none of it where net.ipv4.ping_group_range holds the user's group (icmp(7)).
    13,
    // NET_BROADCAST: capabilities(7) says "(Unused)"; the kernel checks it nowhere, so it
    // reaches nothing. Accepted so configurations that name it keep working.
    11,
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

static_assert(kReach.size() == kCapNames.size(), "one reach line per capability");

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
    return Error{"--keep-cap " + std::string(name) + ": " + cap_name(cap) + " " +
                 std::string(kReach[i]) + "; unroot keeps only " + keepable_list()};
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
    return Error::from_errno().context("capget");
  }
  auto join = [](std::uint32_t lo, std::uint32_t hi) { return (CapMask{hi} << 32) | lo; };
  st.effective = join(data[0].effective, data[1].effective);
  st.permitted = join(data[0].permitted, data[1].permitted);
  st.inheritable = join(data[0].inheritable, data[1].inheritable);
  st.last_cap = probe_last_cap();
  if (st.last_cap < 0) {
    return Error::from_errno().context("prctl PR_CAPBSET_READ");
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
      return Error::from_errno().context("prctl PR_CAP_AMBIENT_IS_SET " + cap_name(cap));
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
      return Error::from_errno().context("prctl PR_CAPBSET_READ " + cap_name(cap));
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
  // Called after set_caps(keep, keep, keep): capset(2) lowering a permitted or inheritable bit
  // lowers the ambient bit too (capabilities(7), "Ambient capability set"), so with nothing kept
  // the ambient set is already empty and PR_CAP_AMBIENT_CLEAR_ALL would change nothing.
  // verify_identity still reads the sets back.
  if (keep == 0) {
    return Ok{};
  }
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
