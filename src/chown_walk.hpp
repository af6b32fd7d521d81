// SPDX-License-Identifier: MIT
// chown_walk: hands a directory tree to a uid:gid through descriptors (--chown).
// Must not print, resolve a path below the top level, follow a symlink, or leave its mount.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "result.hpp"
#include "sys.hpp"

namespace unroot {

/// The top of one --chown PATH, opened and checked by chown_preflight() before any effect, and
/// walked later by chown_tree() through the same descriptor (PATH is resolved exactly once).
struct ChownRoot {
  std::string path;  // as given, for messages
  Fd fd;             // O_PATH|O_NOFOLLOW descriptor of PATH itself
  bool is_dir = false;
  uint64_t dev = 0;  // makedev(stx_dev_major, stx_dev_minor) of PATH
  uint64_t ino = 0;
  uint64_t mnt_id = 0;  // statx STATX_MNT_ID of PATH; 0 when the kernel has none (< 5.8)
};

/// What a walk saw. Every entry below and including PATH is counted once in `entries`.
struct ChownStats {
  uint64_t entries = 0;
  uint64_t changed = 0;                // owner written (or, with dry_run, would be written)
  uint64_t hardlinks_skipped = 0;      // non-directories with st_nlink > 1, left alone
  uint64_t mounts_skipped = 0;         // entries on another mount or device, not entered
  uint64_t devices_skipped = 0;        // character and block device nodes, left alone
  uint64_t vanished = 0;               // listed by getdents64, gone before we reached them
  uint64_t user_dirs_not_entered = 0;  // the target uid's directories root may not search
};

struct ChownRequest {
  uid_t uid = 0;
  gid_t gid = 0;
  bool dry_run = false;  // count what would change, change nothing
};

/// Opens PATH once (O_PATH, one component at a time with O_NOFOLLOW; a symlink above the last
/// component only if root planted it where only root can write) and checks everything that
/// can be checked before an effect: PATH exists, is not a symlink, is not /, /proc, /sys or
/// /dev (compared by device and inode, so "/./", "/proc/.." or a bind mount of / are caught
/// too) nor on a kernel interface filesystem (proc, sysfs, cgroup, tracefs, ...; by statfs
/// magic). (make_plan checks CAP_CHOWN.)
Result<ChownRoot> chown_preflight(std::string_view path);

/// Gives root and everything below it on the same mount to req.uid:req.gid, each change through
/// a descriptor of the inode checked. Fails closed: the first error (another user's directory
/// root may not read, a failed chown, a directory moved during the walk) stops the walk and is
/// returned with the path it happened at. Entries that vanish mid-walk, and directories of
/// req.uid that root may not search, are counted, not errors.
Result<ChownStats> chown_tree(const ChownRoot& root, const ChownRequest& req);

/// "/data: 12034 entries, 12000 changed, 2 hard-linked files skipped, 1 mount skipped"; the
/// skip counts appear only when nonzero. Pure. main prefixes "unroot: ".
std::string chown_summary(std::string_view path, const ChownStats& stats, bool dry_run);

/// A path as it may appear on one line of stderr: bytes below 0x20, 0x7f, backslash and every
/// byte >= 0x80 become \xNN, so a planted name cannot forge log lines or terminal escapes. Pure.
std::string printable_path(std::string_view path);

/// How many directory descriptors the walk keeps open at a time, from the soft RLIMIT_NOFILE.
/// Deeper directories are closed and reopened through ".." (see chown_walk.cpp). Pure.
unsigned dir_fd_budget(uint64_t nofile_soft_limit);

}  // namespace unroot
