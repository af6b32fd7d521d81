// SPDX-License-Identifier: MIT
// facts: everything unroot reads from the system before it decides anything, gathered once.
// Reads only: no change to the process, the files or the sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chown_walk.hpp"
#include "options.hpp"
#include "privdrop.hpp"
#include "result.hpp"
#include "sockets.hpp"
#include "sys.hpp"
#include "userdb.hpp"

namespace unroot {

/// What unroot knows of its user namespace's id maps (user_namespaces(7)).
enum class IdMaps {
  kRead,        // uid_map and gid_map hold the text of /proc/self/uid_map and gid_map
  kInitial,     // no map to read, and the kernel says this is the initial user namespace
  kUnknown,     // no map to read (no /proc), and the kernel cannot say which namespace this is
  kHiddenUser,  // no map to read, and the kernel says this is not the initial user namespace
};

/// What the kernel says of this user namespace when asked without /proc (pidfd).
enum class KernelNs {
  kInitial,  // the initial user namespace
  kNested,   // some other user namespace
  kUnknown,  // the kernel cannot say (before Linux 6.11, or filtered)
};

/// The ids that are the initial namespace's root, as this namespace sees them.
struct HostRoot {
  std::uint32_t uid = 0, gid = 0;
};

struct UserNamespace {
  IdMaps maps = IdMaps::kInitial;
  std::string uid_map, gid_map;  // kRead: the maps' text, parsed by make_plan
  /// Asked whatever the maps say, so make_plan can check that the two agree.
  KernelNs kernel = KernelNs::kUnknown;
  /// The owner of /proc/sys/kernel on procfs: the initial namespace's root at any depth of
  /// nesting, or the overflow id 65534 when it is not mapped here. nullopt: no procfs there.
  std::optional<HostRoot> host_root;
};

struct Facts {
  /// Recorded first, before unroot opens anything: every open fd in 3 .. 3+len(--listen)-1.
  std::vector<InheritedFd> inherited;
  Caller caller;
  UserNamespace user_namespace;
  FileText passwd_file, group_file;
  /// One per --chown PATH, in order: opened and checked, or why not (a real run fails on the
  /// first error before any effect; --dry-run reports each).
  std::vector<Result<ChownRoot>> chown_roots;
  /// net.ipv4.ip_unprivileged_port_start (1024 when it cannot be read).
  int unprivileged_port_start = 1024;

  UserFile passwd() const { return {"/etc/passwd", passwd_file.text, passwd_file.exists}; }
  UserFile group() const { return {"/etc/group", group_file.text, group_file.exists}; }
};

/// Reads every fact the plan needs. Errors: an unreadable or oversized user file, a failed
/// getresuid/capget.
Result<Facts> gather(const Options& opts);

}  // namespace unroot
