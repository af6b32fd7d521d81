// SPDX-License-Identifier: MIT
// chown_walk: hands a directory tree to a uid:gid through descriptors (--chown).
// Must not print, resolve a path below the top level, follow a symlink, or leave its mount.
//
// How the walk stays inside PATH (the why of every rule is at the code that does it):
// - PATH is opened once, with O_PATH|O_NOFOLLOW, by chown_preflight(). Everything below it is
//   reached relative to a directory descriptor, one name at a time: a symlink, or a directory
//   that an attacker swaps for a symlink while we walk, can never lead us out of the tree.
// - Every owner change goes through a descriptor of the very inode that was checked:
//   directories are opened O_DIRECTORY|O_NOFOLLOW, everything else O_PATH|O_NOFOLLOW, then
//   statx(fd, "", AT_EMPTY_PATH) and fchown/fchownat(fd, "", AT_EMPTY_PATH). Never by name:
//   between a statx by name and a chown by name, renameat2(RENAME_EXCHANGE) (rename(2)) puts
//   another inode under the name, such as a hard link to a file outside PATH or a device node
//   planted long before. fs.protected_hardlinks only stops new links from being made; it does
//   not stop an existing one from being swapped in.
// - Names are opened with openat2(RESOLVE_NO_XDEV) (openat2(2)): a mount point fails with EXDEV
//   before the mounted filesystem is asked anything, so a user's FUSE mount that refuses root
//   is skipped like any other mount instead of failing the walk. Entries whose mount id or
//   device differs from PATH's are skipped too (bind mounts, btrfs subvolumes). Non-directories
//   with more than one link and device nodes are never handed over.
// - A directory of the target user that root may not search is not entered (see
//   leave_user_directory()); one of another user stops the walk.
//
// Post-order: a directory's owner is changed after everything below it, through its own
// descriptor, just before the walk leaves it for good. Before that the directory keeps the
// owner and mode it had, so (1) root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH can
// still search the root 0700 directory it is reading (handing it over first would make the
// next openat below it fail with EACCES, and the next start would find "a directory of the
// user" and never enter it, leaving root's files inside); (2) the user gets no write access to
// a directory while the walk is inside it, so cannot add, rename or swap its entries meanwhile.
//
// Bounded descriptors: the walk keeps at most dir_fd_budget() directory fds open. Going deeper
// closes the shallowest open ancestor; coming back up reopens it as ".." of its child and
// checks that device, inode and mount id are the ones recorded on the way down, so a directory
// moved during the walk stops it instead of sending it elsewhere. Directories are read
// completely (getdents64, 64 KiB at a time) before any subdirectory is entered, so a closed
// directory never has to resume reading at an offset.
//
// One thread, one way: on ext4, the real target, a second worker gave no measurable gain on
// wide trees and none on a 100,000-deep one (docs/benchmarks.md). Root code gets threads, and
// the second set of race tests they need, only when a benchmark on the real target shows one.
#include "chown_walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace unroot {
namespace {

// What every statx call asks for. STATX_MNT_ID (Linux 5.8) catches bind mounts, which share
// st_dev with the filesystem they come from.
constexpr unsigned kStatxMask =
    STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_INO | STATX_MNT_ID;
// AT_NO_AUTOMOUNT: looking at an autofs trigger must not mount something (statx(2)).
constexpr int kStatxFlags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT;

uint64_t dev_of(const struct statx& sx) { return makedev(sx.stx_dev_major, sx.stx_dev_minor); }

int sys_statx(int dirfd, const char* name, int flags, struct statx* out) {
  return statx_at(dirfd, name, flags, kStatxMask, out);
}

// Whether openat2 can be used. ENOSYS: a kernel older than 5.6; EPERM: a seccomp profile that
// predates it (Docker's returned EPERM for unknown syscalls). Then the walk opens with openat
// and finds mounts by their mount id after opening them, which a mount that refuses root
// turns into an error.
bool openat2_works() {
  Fd probe(open_at2(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_NO_XDEV));
  return static_cast<bool>(probe);
}

// The layout getdents64(2) fills in.
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

constexpr std::size_t kDirentBuffer = std::size_t{64} * 1024;

// One directory on the walk's stack.
struct Frame {
  Fd fd;  // closed while evicted (see the top of the file)
  uint64_t ino = 0;
  std::string name;           // name in the parent; for the first frame, PATH as given
  std::string subdirs;        // NUL-terminated names of subdirectories still to enter
  std::size_t next = 0;       // offset of the next name in subdirs
  bool expect_change = true;  // predictor for its children, see handle_leaf()
  bool needs_change = false;  // its own owner is to be changed when it is left (post-order)
};

struct Walker {
  const ChownRoot& root;
  ChownRequest req;
  unsigned budget = 2;
  bool use_openat2 = false;
  ChownStats stats;
  std::vector<Frame> stack;
  std::size_t lowest_open = 0;  // frames [lowest_open, size) have an open fd
  unsigned open_fds = 0;
  std::vector<char> buffer = std::vector<char>(kDirentBuffer);
};

// Opens one name below dirfd without leaving dirfd's mount (see the top of the file).
int open_below(const Walker& w, int dirfd, const char* name, int flags) {
  if (w.use_openat2) {
    return open_at2(dirfd, name, flags, RESOLVE_NO_XDEV);
  }
  return open_at(dirfd, name, flags);
}

std::string path_of(const Walker& w, std::string_view name) {
  std::string path;
  for (const Frame& f : w.stack) {
    if (!path.empty() && path.back() != '/') {
      path += '/';
    }
    path += f.name;
  }
  if (!name.empty()) {
    if (!path.empty() && path.back() != '/') {
      path += '/';
    }
    path += name;
  }
  return path;
}

Error walk_error(const Walker& w, std::string_view action, std::string_view name, int err) {
  return Error{std::string(action) + " " + printable_path(path_of(w, name)), err};
}

bool on_root_mount(const Walker& w, const struct statx& sx) {
  // Another device is another filesystem; the same device with another mount id is a bind
  // mount (mount_namespaces(7)). Neither belongs to the volume we were asked to hand over.
  // Both are compared: a btrfs subvolume (same mount, own st_dev) is skipped, and so are files
  // on an overlayfs whose layers span filesystems without xino (they report the layer's
  // st_dev; overlayfs.rst, "Inode properties"). Skipping is the safe mistake.
  if (dev_of(sx) != w.root.dev) {
    return false;
  }
  if (w.root.mnt_id != 0 && (sx.stx_mask & STATX_MNT_ID) != 0 && sx.stx_mnt_id != w.root.mnt_id) {
    return false;
  }
  return true;
}

bool owner_is_right(const Walker& w, const struct statx& sx) {
  return sx.stx_uid == w.req.uid && sx.stx_gid == w.req.gid;
}

enum class Outcome { kUnchanged, kChanged, kSkipped };

// The checks and the change for one non-directory, on the statx `sx` of the O_PATH descriptor
// `fd`; the change goes to that same descriptor.
Result<Outcome> change_leaf(Walker& w, const struct statx& sx, int fd, std::string_view name) {
  if (!on_root_mount(w, sx)) {
    ++w.stats.mounts_skipped;
    return Outcome::kSkipped;
  }
  if (owner_is_right(w, sx)) {
    return Outcome::kUnchanged;
  }
  // A second link may be a link to something outside PATH on the same filesystem: a file
  // such as /etc/shadow, or a FIFO or socket a root daemon reads (owning a socket file is the
  // permission to connect to it, unix(7)). Handing over the link hands over that. Directories
  // cannot be hard-linked (link(2)), so every non-directory is checked.
  if (sx.stx_nlink > 1) {
    ++w.stats.hardlinks_skipped;
    return Outcome::kSkipped;
  }
  // Owning a device node is raw access to the device (mknod(2)); no data volume needs that,
  // and chown -R would give it away.
  if (S_ISCHR(sx.stx_mode) || S_ISBLK(sx.stx_mode)) {
    ++w.stats.devices_skipped;
    return Outcome::kSkipped;
  }
  // AT_EMPTY_PATH: the inode fd refers to, the one just checked; for a symlink that is the
  // link itself, never its target (fchownat(2), open(2) on O_PATH|O_NOFOLLOW).
  if (!w.req.dry_run &&
      ::fchownat(fd, "", w.req.uid, w.req.gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    return walk_error(w, "chown", name, errno);
  }
  ++w.stats.changed;
  return Outcome::kChanged;
}

// A directory root may not search: EACCES on open, because unroot runs without
// CAP_DAC_READ_SEARCH and CAP_DAC_OVERRIDE (Kubernetes' SETUID, SETGID, CHOWN set) and the
// directory is, say, the app's own `mkdir -m 700` (PGDATA, ~/.ssh). `fd` is an O_PATH
// descriptor of it, which needs no permission on the directory itself (open(2)).
// - Owned by the target uid: not entered, and that is safe. Leaving entries alone never hands
//   over anything; everything inside is already under the control of the user who owns the
//   directory (they may chmod it, rename and unlink what it holds), so there is nothing there
//   the walk could protect from them; and failing instead would stop every later start of
//   the app (exit 125, a crash loop) for a directory the app made itself. Its group is still
//   fixed through `fd`, the inode just checked, and it is counted in the summary line.
// - Owned by anyone else: the volume is not the user's yet, and what is inside is unknown:
//   stop, as for any error (main names the missing capability).
Status leave_user_directory(Walker& w, int fd, const struct statx& sx, std::string_view name) {
  if (sx.stx_uid != w.req.uid) {
    return walk_error(w, "open", name, EACCES);
  }
  if (sx.stx_gid != w.req.gid) {
    if (!w.req.dry_run &&
        ::fchownat(fd, "", w.req.uid, w.req.gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
      return walk_error(w, "chown", name, errno);
    }
    ++w.stats.changed;
  }
  ++w.stats.user_dirs_not_entered;
  return Ok{};
}

// A directory entry that is not (or is no longer) a directory, handled through an O_PATH
// descriptor of it. Returns true when it turned out to be a directory (the caller enters it).
//
// To keep to one stat per entry, each directory predicts from its last entry whether the next
// needs a change: if so, open first and statx the descriptor; if not, statx by name first and
// open only when a change is needed. The statx by name only decides whether to look closer:
// what is changed is checked again through the descriptor.
Result<bool> handle_leaf(Walker& w, Frame& dir, const char* name) {
  struct statx sx {};
  if (!dir.expect_change) {
    if (sys_statx(dir.fd.get(), name, kStatxFlags, &sx) == 0) {
      if (S_ISDIR(sx.stx_mode)) {
        return true;
      }
      if (!on_root_mount(w, sx)) {
        ++w.stats.mounts_skipped;
        return false;
      }
      if (owner_is_right(w, sx)) {
        return false;
      }
      dir.expect_change = true;
    } else if (errno == ENOENT) {
      ++w.stats.vanished;
      return false;
    }
    // Any other failure (EACCES from a FUSE mount on the name that refuses root) is left to
    // the open below, which reports a mount crossing as EXDEV.
  }
  // O_PATH opens nothing: no FIFO blocks, no device driver runs, no terminal is acquired.
  Fd fd(open_below(w, dir.fd.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    if (err == ENOENT) {
      ++w.stats.vanished;
      return false;
    }
    if (err == EXDEV) {
      ++w.stats.mounts_skipped;
      return false;
    }
    return walk_error(w, "open", name, err);
  }
  if (sys_statx(fd.get(), "", AT_EMPTY_PATH | kStatxFlags, &sx) != 0) {
    return walk_error(w, "stat", name, errno);
  }
  if (S_ISDIR(sx.stx_mode)) {
    return true;
  }
  auto outcome = change_leaf(w, sx, fd.get(), name);
  if (!outcome) {
    return outcome.error();
  }
  dir.expect_change = *outcome != Outcome::kUnchanged;
  return false;
}

// Reads all of the top frame's entries: non-directories are handled now, subdirectory names
// are kept for later so that the descriptor can be closed while we are deeper.
Status read_directory(Walker& w) {
  Frame& dir = w.stack.back();
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir.fd.get(), w.buffer.data(), w.buffer.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return walk_error(w, "read directory", "", errno);
    }
    if (n == 0) {
      return Ok{};
    }
    for (long off = 0; off < n;) {
      const auto* d = reinterpret_cast<const LinuxDirent64*>(w.buffer.data() + off);
      off += d->d_reclen;
      const char* name = d->d_name;
      if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) {
        continue;
      }
      if (d->d_type == DT_DIR) {
        dir.subdirs.append(name, std::strlen(name) + 1);
        continue;
      }
      // DT_UNKNOWN (filesystems without d_type) goes the same way: handle_leaf stats it.
      ++w.stats.entries;
      auto is_dir = handle_leaf(w, dir, name);
      if (!is_dir) {
        return is_dir.error();
      }
      if (*is_dir) {
        --w.stats.entries;  // counted again when entered
        dir.subdirs.append(name, std::strlen(name) + 1);
      }
    }
  }
}

// Whether an opened directory is on PATH's mount (false: skipped, not to be entered); its
// owner is changed later, by finish_directory().
bool take_directory(Walker& w, const struct statx& sx) {
  if (!on_root_mount(w, sx)) {
    ++w.stats.mounts_skipped;
    return false;
  }
  return true;
}

// The owner of a directory whose entries are all done, through its own descriptor (the top
// frame's is always open). Called after the parent was reopened through "..": once handed
// over, a 0700 directory is one root may no longer search without CAP_DAC_READ_SEARCH.
Status finish_directory(Walker& w, const Frame& dir) {
  if (!dir.needs_change) {
    return Ok{};
  }
  if (!w.req.dry_run && ::fchown(dir.fd.get(), w.req.uid, w.req.gid) != 0) {
    return walk_error(w, "chown", "", errno);
  }
  ++w.stats.changed;
  return Ok{};
}

void push_frame(Walker& w, Fd fd, uint64_t ino, std::string name, bool needs_change) {
  Frame f;
  f.fd = std::move(fd);
  f.ino = ino;
  f.name = std::move(name);
  f.expect_change = needs_change;
  f.needs_change = needs_change;
  w.stack.push_back(std::move(f));
  ++w.open_fds;
  // Stay within the budget: close the shallowest open directory; it is reopened through ".."
  // and checked when the walk comes back up to it (see pop_frame).
  while (w.open_fds > w.budget && w.lowest_open + 1 < w.stack.size()) {
    w.stack[w.lowest_open].fd.reset();
    ++w.lowest_open;
    --w.open_fds;
  }
}

Status pop_frame(Walker& w) {
  std::size_t child = w.stack.size() - 1;
  if (child > 0 && w.lowest_open == child) {
    Frame& parent = w.stack[child - 1];
    Fd up(open_at(w.stack[child].fd.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!up) {
      return walk_error(w, "open", "..", errno);
    }
    struct statx sx {};
    if (sys_statx(up.get(), "", AT_EMPTY_PATH | kStatxFlags, &sx) != 0) {
      return walk_error(w, "stat", "..", errno);
    }
    // ".." is the parent only if nobody moved the child meanwhile; if it is not the directory
    // we came down through, stop rather than walk a tree we were not asked to touch.
    if (sx.stx_ino != parent.ino || !on_root_mount(w, sx)) {
      return Error{printable_path(path_of(w, "")) + " was moved during the walk"};
    }
    parent.fd = std::move(up);
    w.lowest_open = child - 1;
    ++w.open_fds;
  }
  if (auto st = finish_directory(w, w.stack[child]); !st) {
    return st;
  }
  w.stack.pop_back();
  --w.open_fds;
  if (w.lowest_open > w.stack.size()) {
    w.lowest_open = w.stack.size();
  }
  return Ok{};
}

// A subdirectory that could not be opened for reading (EACCES): look at it through an O_PATH
// descriptor and let leave_user_directory() decide.
Status handle_unsearchable(Walker& w, Frame& dir, const char* name) {
  Fd fd(open_below(w, dir.fd.get(), name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) {
    int err = errno;
    if (err == ENOENT) {
      --w.stats.entries;
      ++w.stats.vanished;
      return Ok{};
    }
    if (err == EXDEV) {
      ++w.stats.mounts_skipped;
      return Ok{};
    }
    return walk_error(w, "open", name, err);
  }
  struct statx sx {};
  if (sys_statx(fd.get(), "", AT_EMPTY_PATH | kStatxFlags, &sx) != 0) {
    // EACCES here is a mount that refuses root, seen without openat2: the same error as the
    // open that failed, so that main names the capability as it does for the open.
    return walk_error(w, "open", name, errno);
  }
  if (!S_ISDIR(sx.stx_mode)) {
    // Swapped for something else since: the rules for any non-directory, on this inode.
    auto outcome = change_leaf(w, sx, fd.get(), name);
    if (!outcome) {
      return outcome.error();
    }
    return Ok{};
  }
  if (!on_root_mount(w, sx)) {
    ++w.stats.mounts_skipped;
    return Ok{};
  }
  return leave_user_directory(w, fd.get(), sx, name);
}

// A subdirectory listed by getdents64 that openat refused with `err`: gone, another mount, one
// root may not enter, or no longer a directory. Ok means "go on with the next name".
Status not_opened(Walker& w, Frame& dir, const char* name, int err) {
  switch (err) {
    case ENOENT:
      --w.stats.entries;
      ++w.stats.vanished;
      return Ok{};
    case EXDEV:
      ++w.stats.mounts_skipped;
      return Ok{};
    case EACCES:
      return handle_unsearchable(w, dir, name);
    case ELOOP:
    case ENOTDIR: {
      // No longer a directory: hand over the entry itself (the link, not its target). If it
      // flipped back to a directory meanwhile, stop: it keeps changing under us.
      auto is_dir = handle_leaf(w, dir, name);
      if (!is_dir) {
        return is_dir.error();
      }
      if (*is_dir) {
        return Error{printable_path(path_of(w, name)) + " keeps changing type during the walk"};
      }
      return Ok{};
    }
    default:
      return walk_error(w, "open", name, err);
  }
}

// Walks the tree below the top frame depth-first with an explicit stack, not recursion, so
// that a tree deeper than the stack (or than PATH_MAX) is walked like any other.
Status walk(Walker& w) {
  if (auto st = read_directory(w); !st) {
    return st;
  }
  while (!w.stack.empty()) {
    Frame& top = w.stack.back();
    if (top.next >= top.subdirs.size()) {
      if (auto st = pop_frame(w); !st) {
        return st;
      }
      continue;
    }
    const char* name = top.subdirs.c_str() + top.next;
    top.next += std::strlen(name) + 1;
    ++w.stats.entries;
    // O_NOFOLLOW|O_DIRECTORY: if the directory was swapped for a symlink since getdents64
    // listed it, this fails instead of following the link (open(2)).
    Fd fd(open_below(w, top.fd.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      if (auto st = not_opened(w, top, name, errno); !st) {
        return st;
      }
      continue;
    }
    struct statx sx {};
    if (sys_statx(fd.get(), "", AT_EMPTY_PATH | kStatxFlags, &sx) != 0) {
      return walk_error(w, "stat", name, errno);
    }
    if (!take_directory(w, sx)) {
      continue;
    }
    push_frame(w, std::move(fd), sx.stx_ino, name, !owner_is_right(w, sx));
    if (auto st = read_directory(w); !st) {
      return st;
    }
  }
  return Ok{};
}

struct KernelFs {
  unsigned long magic;
  const char* name;
};

// Filesystems that are kernel interfaces, not data: owning a file there is a permission. Owning
// tracefs' kprobe_events lets a user read kernel memory; cgroup files delegate resource control
// (cgroups(7), "Delegation"); devpts' ptmx and debugfs hand out devices and kernel internals.
// Values from linux/magic.h; those it lacks are from the filesystems' sources, as noted. nfsd,
// rpc_pipefs, xenfs, functionfs, gadgetfs, ipathfs/qibfs, hypfs and ocfs2_dlmfs are control
// files of a kernel service or a device (exports, RPC upcalls, the hypervisor, USB endpoints,
// cluster locks); autofs is the automounter's trigger directory, whose daemon alone acts there.
constexpr KernelFs kKernelFilesystems[] = {
    {PROC_SUPER_MAGIC, "proc"},
    {SYSFS_MAGIC, "sysfs"},
    {TRACEFS_MAGIC, "tracefs"},
    {DEBUGFS_MAGIC, "debugfs"},
    {SECURITYFS_MAGIC, "securityfs"},
    {CGROUP_SUPER_MAGIC, "cgroup"},
    {CGROUP2_SUPER_MAGIC, "cgroup2"},
    {DEVPTS_SUPER_MAGIC, "devpts"},
    {BPF_FS_MAGIC, "bpf"},
    {0x62656570, "configfs"},  // CONFIGFS_MAGIC, fs/configfs/mount.c
    {PSTOREFS_MAGIC, "pstore"},
    {EFIVARFS_MAGIC, "efivarfs"},
    {SELINUX_MAGIC, "selinuxfs"},
    {SMACK_MAGIC, "smackfs"},
    {AAFS_MAGIC, "apparmorfs"},
    {HUGETLBFS_MAGIC, "hugetlbfs"},
    {0x19800202, "mqueue"},  // MQUEUE_MAGIC, ipc/mqueue.c
    {BINFMTFS_MAGIC, "binfmt_misc"},
    {0x65735543, "fusectl"},  // FUSE_CTL_SUPER_MAGIC, fs/fuse/control.c
    {NSFS_MAGIC, "nsfs"},
    {RDTGROUP_SUPER_MAGIC, "resctrl"},
    {BINDERFS_SUPER_MAGIC, "binderfs"},
    {USBDEVICE_SUPER_MAGIC, "usbfs"},
    {OPENPROM_SUPER_MAGIC, "openpromfs"},
    {0x6e667364, "nfsd"},          // NFSD_MAGIC ("nfsd"), fs/nfsd/nfsctl.c
    {0x67596969, "rpc_pipefs"},    // RPCAUTH_GSSMAGIC, net/sunrpc/rpc_pipe.c
    {XENFS_SUPER_MAGIC, "xenfs"},  // 0xabba1974
    {0xa647361, "functionfs"},     // FUNCTIONFS_MAGIC, drivers/usb/gadget/function/f_fs.c
    {0xaee71ee7, "gadgetfs"},      // GADGETFS_MAGIC, drivers/usb/gadget/legacy/inode.c
    // IPATHFS_MAGIC, drivers/infiniband/hw/ipath/ipath_fs.c; QIBFS_MAGIC (qib_fs.c) is the
    // same. Not 0x00c0ffee, which linux/magic.h names HOSTFS_SUPER_MAGIC: UML's view of the
    // host's files, data like any other.
    {0x726a77, "ipathfs"},
    {0x687970, "hypfs"},             // HYPFS_MAGIC ("hyp"), arch/s390/hypfs/inode.c
    {0x76a9f425, "ocfs2_dlmfs"},     // DLMFS_MAGIC, fs/ocfs2/dlmfs/userdlm.h
    {AUTOFS_SUPER_MAGIC, "autofs"},  // 0x0187
};

// "/", then the kernel trees whose inside is refused too.
constexpr const char* kRefusedTrees[] = {"/", "/proc", "/sys", "/dev"};

struct Identity {
  const char* name = "";
  bool known = false;  // false: not there (a chroot without /sys)
  uint64_t dev = 0;
  uint64_t ino = 0;
  bool is(uint64_t d, uint64_t i) const { return known && dev == d && ino == i; }
};

// How far up check_ancestors looks; a PATH deeper than this is refused, not walked unchecked.
constexpr int kMaxAncestors = 4096;

// The directory holding PATH, for a PATH that is not a directory root may search: PATH's
// spelling without its last name, opened by the same careful rules, and checked to hold that
// name as the inode PATH resolved to (else PATH moved meanwhile: refuse).
Result<Fd> parent_by_name(const ChownRoot& root, const std::string& shown) {
  std::vector<std::string> parts;
  push_path_components(parts, root.path);  // last name first
  if (parts.empty() || parts.front() == "..") {
    return Error{"--chown " + shown + ": cannot tell which directory holds it; name the real path"};
  }
  std::string parent = root.path[0] == '/' ? "/" : ".";
  for (std::size_t i = parts.size(); i-- > 1;) {
    if (parent.back() != '/') {
      parent += '/';
    }
    parent += parts[i];
  }
  auto opened = open_path_carefully(parent, "--chown", shown, true);
  if (!opened) {
    return opened.error();
  }
  struct statx sx {};
  if (sys_statx(opened->fd.get(), parts.front().c_str(), kStatxFlags, &sx) != 0 ||
      dev_of(sx) != root.dev || sx.stx_ino != root.ino) {
    return Error{printable_path(root.path) + " changed since it was checked"};
  }
  return std::move(opened->fd);
}

// Refuses a PATH below /proc, /sys or /dev (by identity, like PATH itself): a tmpfs mounted
// at /sys/fs/cgroup, or /dev/net and /dev/disk on devtmpfs, are not kernel interface
// filesystems by magic, yet what is there is read by the kernel, udev or the container
// runtime as device and cgroup configuration. The ancestors are the chain of ".." from PATH
// up to "/" (or to the root of a chroot, whose ".." is itself), as the kernel sees it now.
Status check_ancestors(const ChownRoot& root, const std::string& shown,
                       const std::array<Identity, 4>& refused) {
  Fd held;
  int from = root.fd.get();
  uint64_t dev = root.dev;
  uint64_t ino = root.ino;
  for (int level = 0; level < kMaxAncestors; ++level) {
    Fd up(open_at(from, "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!up && level == 0) {
      // ENOTDIR: PATH is a file; EACCES: a directory root may not search (the user's 0700
      // one, without CAP_DAC_READ_SEARCH). Its parent by name, then.
      auto parent = parent_by_name(root, shown);
      if (!parent) {
        return parent.error();
      }
      up = std::move(*parent);
    }
    if (!up) {
      return Error::from_errno().context("--chown " + shown + ": open a directory above it");
    }
    struct statx sx {};
    if (sys_statx(up.get(), "", AT_EMPTY_PATH | kStatxFlags, &sx) != 0) {
      return Error::from_errno().context("--chown " + shown + ": stat a directory above it");
    }
    for (std::size_t i = 1; i < refused.size(); ++i) {
      if (refused[i].is(dev_of(sx), sx.stx_ino)) {
        return Error{"--chown " + shown + ": refusing to change owners below " + refused[i].name};
      }
    }
    if (refused[0].is(dev_of(sx), sx.stx_ino) || (dev_of(sx) == dev && sx.stx_ino == ino)) {
      return Ok{};
    }
    dev = dev_of(sx);
    ino = sx.stx_ino;
    held = std::move(up);
    from = held.get();
  }
  return Error{"--chown " + shown + ": more than " + std::to_string(kMaxAncestors) +
               " directories below /; refusing"};
}

}  // namespace

std::string printable_path(std::string_view path) { return escape_bytes(path, true); }

unsigned dir_fd_budget(uint64_t nofile_soft_limit) {
  // A quarter of the limit leaves room for the listen sockets, stdio and the O_PATH fd held
  // per entry; 64 is deep enough for real trees (each level beyond it costs one openat and
  // one statx on the way back up).
  uint64_t budget = nofile_soft_limit / 4;
  if (budget < 2) {
    return 2;
  }
  return budget > 64 ? 64u : static_cast<unsigned>(budget);
}

std::string chown_summary(std::string_view path, const ChownStats& st, bool dry_run) {
  auto count = [](uint64_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
  };
  std::string line = printable_path(path) + ": " + count(st.entries, "entry", "entries") + ", " +
                     std::to_string(st.changed) + (dry_run ? " would change" : " changed");
  if (st.hardlinks_skipped != 0) {
    line +=
        ", " + count(st.hardlinks_skipped, "hard-linked file", "hard-linked files") + " skipped";
  }
  if (st.mounts_skipped != 0) {
    line += ", " + count(st.mounts_skipped, "mount", "mounts") + " skipped";
  }
  if (st.devices_skipped != 0) {
    line += ", " + count(st.devices_skipped, "device node", "device nodes") + " skipped";
  }
  if (st.user_dirs_not_entered != 0) {
    line += ", " +
            count(st.user_dirs_not_entered, "directory of the user", "directories of the user") +
            " not entered";
  }
  return line;
}

Result<ChownRoot> chown_preflight(std::string_view path_view) {
  std::string path(path_view);
  ChownRoot root;
  root.path = path;
  std::string shown = printable_path(path);
  // Resolved once, here; the walk starts from this descriptor.
  auto opened = open_path_carefully(path, "--chown", shown);
  if (!opened) {
    return opened.error();
  }
  root.fd = std::move(opened->fd);
  struct statx sx {};
  if (sys_statx(root.fd.get(), "", AT_EMPTY_PATH | kStatxFlags, &sx) != 0) {
    return Error::from_errno().context("stat " + shown);
  }
  // A PATH that is itself a symlink could point anywhere a writer of the volume's parent
  // chose, root's own links included: name the target.
  if (S_ISLNK(sx.stx_mode)) {
    return Error{"--chown " + shown +
                 " is a symbolic link (refused: a link can point anywhere; name its target)"};
  }
  root.is_dir = S_ISDIR(sx.stx_mode);
  root.dev = dev_of(sx);
  root.ino = sx.stx_ino;
  root.mnt_id = (sx.stx_mask & STATX_MNT_ID) != 0 ? sx.stx_mnt_id : 0;
  // Compared by identity, not by spelling: "/./", "//", "/proc/..", "/dev/shm/.." and a bind
  // mount of / all name one of these. Handing / to a user gives them the container; /proc,
  // /sys and /dev are kernel interfaces whose owners mean permissions (proc(5), sysfs(5)).
  std::array<Identity, 4> refused{};
  for (std::size_t i = 0; i < refused.size(); ++i) {
    struct statx rx {};
    refused[i].name = kRefusedTrees[i];
    if (sys_statx(AT_FDCWD, refused[i].name, kStatxFlags, &rx) == 0) {
      refused[i].known = true;
      refused[i].dev = dev_of(rx);
      refused[i].ino = rx.stx_ino;
    }
    if (refused[i].is(root.dev, root.ino)) {
      return Error{"--chown " + shown + ": refusing to change the owner of " + refused[i].name};
    }
  }
  // The filesystem PATH is on, wherever it is mounted (mounts below PATH are skipped anyway).
  struct statfs fs {};
  if (::fstatfs(root.fd.get(), &fs) != 0) {
    return Error::from_errno().context("statfs " + shown);
  }
  for (const KernelFs& k : kKernelFilesystems) {
    if (static_cast<unsigned long>(fs.f_type) == k.magic) {
      return Error{"--chown " + shown + ": refusing to change owners on " + k.name +
                   ", a kernel interface filesystem"};
    }
  }
  if (auto st = check_ancestors(root, shown, refused); !st) {
    return st.error();
  }
  return root;
}

namespace {

// Without openat2 and without mount ids (Linux before 5.8, or an emulator such as qemu-user,
// whose statx sets STATX_MNT_ID but returns 0), a bind mount of the same filesystem inside PATH
// looks like any directory: its device is PATH's. Creating one needs CAP_SYS_ADMIN, so only
// mounts that exist already matter, and /proc/self/mountinfo lists them (proc(5)): refuse when
// one lies below PATH, or when that cannot be read. Other filesystems are told apart by their
// device as before.
Status no_mount_below(const ChownRoot& root) {
  const std::string shown = printable_path(root.path);
  std::string link = "/proc/self/fd/" + std::to_string(root.fd.get());
  std::string real(4096, '\0');
  ssize_t n = ::readlink(link.c_str(), real.data(), real.size());
  auto info = read_small_file("/proc/self/mountinfo", std::size_t{16} << 20);
  if (n <= 0 || static_cast<std::size_t>(n) >= real.size() || !info || !info->exists) {
    return Error{"--chown " + shown +
                 ": this kernel tells mounts apart neither with openat2 nor with statx mount ids, "
                 "and /proc/self/mountinfo cannot be read; refusing (mount /proc)"};
  }
  real.resize(static_cast<std::size_t>(n));
  std::string prefix = real == "/" ? "/" : real + "/";
  std::string_view text = info->text;
  while (!text.empty()) {
    std::string_view line = text.substr(0, text.find('\n'));
    text.remove_prefix(std::min(text.size(), line.size() + 1));
    // "36 35 98:0 /mnt1 /mnt/parent rw ...": the fifth field is the mount point, with space,
    // tab, newline and backslash as octal escapes (proc(5)), which a plain prefix test keeps.
    std::size_t at = 0;
    for (int field = 0; field < 4 && at != std::string_view::npos; ++field) {
      at = line.find(' ', at);
      at = at == std::string_view::npos ? at : at + 1;
    }
    if (at == std::string_view::npos) {
      continue;
    }
    std::string_view point = line.substr(at, line.find(' ', at) - at);
    if (point.size() > prefix.size() && point.substr(0, prefix.size()) == prefix) {
      return Error{"--chown " + shown + ": a mount lies below it (" +
                   printable_path(std::string(point)) +
                   ") and this kernel tells mounts apart neither with openat2 nor with statx "
                   "mount ids; refusing rather than walking into it"};
    }
  }
  return Ok{};
}

}  // namespace

Result<ChownStats> chown_tree(const ChownRoot& root, const ChownRequest& req) {
  Walker w{root, req, 2, false, {}, {}};
  struct rlimit lim {};
  w.budget = dir_fd_budget(::getrlimit(RLIMIT_NOFILE, &lim) == 0 ? lim.rlim_cur : 64);
  w.use_openat2 = openat2_works();
  if (!w.use_openat2 && root.is_dir && root.mnt_id == 0) {
    if (auto st = no_mount_below(root); !st) {
      return st.error();
    }
  }

  // The top itself, through the descriptor preflight opened.
  struct statx sx {};
  if (sys_statx(root.fd.get(), "", AT_EMPTY_PATH | kStatxFlags, &sx) != 0) {
    return Error::from_errno().context("stat " + printable_path(root.path));
  }
  if (sx.stx_ino != root.ino || dev_of(sx) != root.dev) {
    return Error{printable_path(root.path) + " changed since it was checked"};
  }
  ++w.stats.entries;
  w.stack.push_back(Frame{});
  w.stack.back().name = root.path;
  if (!root.is_dir) {
    // A single file: the same rules as for any entry below a directory.
    auto outcome = change_leaf(w, sx, root.fd.get(), "");
    if (!outcome) {
      return outcome.error();
    }
    return w.stats;
  }
  // O_PATH descriptors cannot be read: reopen "." through it, which resolves nothing.
  Fd dir(open_at(root.fd.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) {
    int err = errno;
    if (err != EACCES) {
      return walk_error(w, "open", "", err);
    }
    if (auto st = leave_user_directory(w, root.fd.get(), sx, ""); !st) {
      return st.error();
    }
    return w.stats;
  }
  w.stack.clear();
  push_frame(w, std::move(dir), root.ino, root.path, !owner_is_right(w, sx));
  if (auto st = walk(w); !st) {
    return st.error();
  }
  return w.stats;
}

}  // namespace unroot
