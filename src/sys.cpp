// SPDX-License-Identifier: MIT
// sys: thin syscall wrappers. Each returns a value or an Error; none prints or exits.
#include "sys.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>

namespace unroot {
namespace {

Error too_large(const char* path, std::size_t max_size) {
  std::string limit = max_size >= (std::size_t{1} << 20) ? std::to_string(max_size >> 20) + " MiB"
                                                         : std::to_string(max_size) + " bytes";
  return Error{std::string(path) + " is larger than the " + limit + " that unroot reads", 0, 0};
}

}  // namespace

Result<FileText> read_small_file(const char* path, std::size_t max_size) {
  // O_NONBLOCK: opening a FIFO planted at /etc/passwd must not hang the container start
  // (open(2): a FIFO opened O_RDONLY blocks until a writer appears). O_NOCTTY: a tty planted
  // there must not become our controlling terminal.
  int raw = -1;
  do {
    raw = ::open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  } while (raw < 0 && errno == EINTR);
  if (raw < 0) {
    if (errno == ENOENT) {
      return FileText{};
    }
    return sys_error("open " + std::string(path));
  }
  Fd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return sys_error("stat " + std::string(path));
  }
  if (!S_ISREG(st.st_mode)) {
    return Error{std::string(path) + " is not a regular file", 0, 0};
  }
  if (static_cast<unsigned long long>(st.st_size) > max_size) {
    return too_large(path, max_size);
  }
  FileText out;
  out.exists = true;
  // One byte more than st_size, so the usual case is one allocation, one read of the whole file
  // and one read that returns EOF. The file may still grow while we read it: then grow, but
  // never past max_size + 1 bytes, the byte that proves it is too large. The first read asks
  // for at least a page: procfs and sysfs files report st_size 0 (or 4096) whatever they hold,
  // and a sysctl file answers only the first read(2); one at a nonzero offset returns EOF
  // (proc_dointvec in kernel/sysctl.c), so a 1-byte first read would return "1" without "\n".
  constexpr std::size_t kFirstRead = 4096;
  const std::size_t limit = max_size + 1;
  out.text.resize(std::min(limit, std::max(kFirstRead, static_cast<std::size_t>(st.st_size) + 1)));
  std::size_t got = 0;
  for (;;) {
    if (got == out.text.size()) {
      if (got >= limit) {
        return too_large(path, max_size);
      }
      out.text.resize(std::min(limit, std::max<std::size_t>(4096, got * 2)));
    }
    ssize_t n = ::read(fd.get(), out.text.data() + got, out.text.size() - got);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return sys_error("read " + std::string(path));
    }
    if (n == 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  out.text.resize(got);
  return out;
}

Status write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return sys_error("write");
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return Ok{};
}

}  // namespace unroot
