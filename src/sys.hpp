// SPDX-License-Identifier: MIT
// sys: the move-only Fd and thin syscall wrappers (EINTR retried, O_CLOEXEC always). No policy,
// no printing: callers decide what a failure means.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <string>
#include <utility>

#include "result.hpp"

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

/// write() all of data to fd, retrying EINTR and short writes.
Status write_all(int fd, const void* data, std::size_t size);

}  // namespace unroot
