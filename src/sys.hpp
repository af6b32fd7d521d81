// SPDX-License-Identifier: MIT
// sys: the move-only Fd and thin syscall wrappers (EINTR retried, O_CLOEXEC always). No policy,
// no printing: callers decide what a failure means.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "result.hpp"

struct statx;

namespace unroot {

/// Owns one descriptor and closes it exactly once. Move-only.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      int saved = errno;  // closing must not clobber the errno of the error being reported
      ::close(fd_);
      errno = saved;
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// Largest /etc/passwd or /etc/group we read. 100,000 users take about 6 MB; 64 MiB leaves room
/// while keeping a hostile file (or a link to /dev/zero) from exhausting memory.
inline constexpr std::size_t kMaxUserFileSize = 64u << 20;

/// What read_small_file found.
struct FileText {
  bool exists = false;  // false: the path does not exist (ENOENT); text is empty
  std::string text;
};

/// Reads a whole regular file into one buffer, at most max_size bytes. ENOENT is not an error
/// (exists=false). A FIFO, device, directory or socket is refused without blocking on it, and a
/// larger file is refused with a message that states the limit.
Result<FileText> read_small_file(const char* path, std::size_t max_size);

/// read_small_file for a file the kernel writes: one that is not on procfs (fstatfs(2):
/// PROC_SUPER_MAGIC), such as a regular file an image planted at /proc/self/uid_map in a chroot
/// without procfs, counts as absent (exists=false).
Result<FileText> read_procfs_file(const char* path, std::size_t max_size);

/// fstat(2) of what PATH names (symlinks followed), if it is on procfs; nullopt when it is
/// missing, elsewhere or cannot be stat'ed.
std::optional<struct stat> stat_on_procfs(const char* path);

/// What open_path_carefully found on the way to PATH.
struct CarefulPath {
  Fd fd;  // O_PATH descriptor of what PATH names
  /// With check_walk: every directory a name was looked up in was root's and writable by nobody
  /// else, so only root could have changed where PATH leads: the kernel's own resolution of
  /// PATH, now, ends at the same inode (mounts aside, which need CAP_SYS_ADMIN here). Without
  /// check_walk always false.
  bool root_only_walk = false;
};

/// Opens PATH with O_PATH one component at a time, each with O_NOFOLLOW, because the kernel's
/// own resolution follows every symlink above the last component. A symlink on the way is
/// followed only when root owns it and the directory holding it is root's and writable by
/// nobody else (so only root can have planted or swapped it: /var/run -> /run passes, a link in
/// /tmp or in a volume does not). The last component is returned as it is, symlink or not,
/// unless follow_last: then a symlink there is followed under the same rule. check_walk fills
/// in root_only_walk (one stat more). Errors read "WHAT SHOWN: <reason>" (e.g. WHAT "--chown",
/// SHOWN the printable path).
Result<CarefulPath> open_path_carefully(const std::string& path, const std::string& what,
                                        const std::string& shown, bool follow_last = false,
                                        bool check_walk = false);

/// Splits a path into its components, last first (a stack), without empty and "." ones:
/// "a/./b/" gives {"b", "a"}. ".." is kept.
void push_path_components(std::vector<std::string>& stack, std::string_view path);

/// write() all of data to fd, retrying EINTR and short writes.
Status write_all(int fd, const void* data, std::size_t size);

/// openat(2) with O_CLOEXEC added, retried on EINTR. The syscall's result: a descriptor, or -1
/// with errno set (read it next, before any other call).
int open_at(int dirfd, const char* name, int flags);

/// openat2(2) (Linux 5.6) with O_CLOEXEC added and `resolve` (RESOLVE_NO_XDEV, ...), retried on
/// EINTR; through syscall(2), since musl 1.2.3 has no wrapper. Same result convention.
int open_at2(int dirfd, const char* name, int flags, std::uint64_t resolve);

/// statx(2) through syscall(2) (musl 1.2.3 has no wrapper): 0, or -1 with errno set.
int statx_at(int dirfd, const char* name, int flags, unsigned mask, struct statx* out);

}  // namespace unroot
