// SPDX-License-Identifier: MIT
// sys: thin syscall wrappers. Each returns a value or an Error; none prints or exits.
#include "sys.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include <algorithm>
#include <string_view>

namespace unroot {
namespace {

Error too_large(const char* path, std::size_t max_size) {
  std::string limit = max_size >= (std::size_t{1} << 20) ? std::to_string(max_size >> 20) + " MiB"
                                                         : std::to_string(max_size) + " bytes";
  return Error{std::string(path) + " is larger than the " + limit + " that unroot reads"};
}

bool on_procfs(int fd) {
  struct statfs sfs {};
  return ::fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

/// The descriptor for reading PATH, or an empty Fd when PATH does not exist.
Result<Fd> open_for_reading(const char* path) {
  // O_NONBLOCK: opening a FIFO planted at /etc/passwd must not hang the container start
  // (open(2): a FIFO opened O_RDONLY blocks until a writer appears). O_NOCTTY: a tty planted
  // there must not become our controlling terminal.
  int raw = -1;
  do {
    raw = ::open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  } while (raw < 0 && errno == EINTR);
  if (raw < 0) {
    if (errno == ENOENT) {
      return Fd{};
    }
    return Error::from_errno().context("open " + std::string(path));
  }
  return Fd(raw);
}

Result<FileText> read_whole(const Fd& fd, const char* path, std::size_t max_size) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Error::from_errno().context("stat " + std::string(path));
  }
  if (!S_ISREG(st.st_mode)) {
    return Error{std::string(path) + " is not a regular file"};
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
      return Error::from_errno().context("read " + std::string(path));
    }
    if (n == 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  out.text.resize(got);
  return out;
}

}  // namespace

Result<FileText> read_small_file(const char* path, std::size_t max_size) {
  auto fd = open_for_reading(path);
  if (!fd) {
    return fd.error();
  }
  return *fd ? read_whole(*fd, path, max_size) : FileText{};
}

Result<FileText> read_procfs_file(const char* path, std::size_t max_size) {
  auto fd = open_for_reading(path);
  if (!fd) {
    return fd.error();
  }
  return *fd && on_procfs(fd->get()) ? read_whole(*fd, path, max_size) : FileText{};
}

std::optional<struct stat> stat_on_procfs(const char* path) {
  int raw = open_at(AT_FDCWD, path, O_PATH);
  if (raw < 0) {
    return std::nullopt;
  }
  Fd fd(raw);
  struct stat st {};
  if (!on_procfs(fd.get()) || ::fstat(fd.get(), &st) != 0) {
    return std::nullopt;
  }
  return st;
}

void push_path_components(std::vector<std::string>& stack, std::string_view path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) {
      j = path.size();
    }
    std::string_view part = path.substr(i, j - i);
    if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    i = j + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    stack.push_back(std::move(*it));
  }
}

namespace {

// Root's, and nobody else may add, remove or rename its entries (path_resolution(7): a name
// can be changed by whoever may write the directory holding it).
bool only_root_writes(const struct stat& dir) {
  return dir.st_uid == 0 && (dir.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

// Moving a directory to another parent rewrites its ".." entry and needs write permission on
// the directory itself (rename(2), EACCES; RENAME_EXCHANGE moves both): a root-owned directory
// that group and others may not write (ACL entries that allow writing show in the group bits,
// acl(5)) stays below the parent it was found in unless root moves it. /var/run -> ../run
// passes; "sub/.." after the user's own sub does not.
bool only_root_can_move(const struct stat& dir) { return only_root_writes(dir); }

// Where open_path_carefully is. One stat per component: what `next` was found to be is what
// `cur` is on the next step. The start ("/", ".", or "/" again after an absolute link) is
// stat'ed only when that is needed (know_dir).
struct CarefulWalk {
  Fd cur;
  struct stat dir {};
  bool dir_known = false;
  int links = 0;
  std::vector<std::string> todo;  // components still to open, next one last
  bool know_dir() {
    dir_known = dir_known || ::fstatat(cur.get(), "", &dir,
                                       AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) == 0;
    return dir_known;
  }
};

// Follows the symlink `link` (named `name`, stat'ed as `st`) found in w.cur, if root may have
// been the only one to plant it there: its target's components go onto w.todo.
Status follow_link(CarefulWalk& w, int link, const std::string& name, const struct stat& st,
                   const std::string& subject, const std::string& shown) {
  constexpr int kMaxLinks = 40;  // the kernel's limit (path_resolution(7))
  if (!w.know_dir()) {
    return Error::from_errno().context("stat " + shown);
  }
  if (st.st_uid != 0 || !only_root_writes(w.dir)) {
    return Error{subject + ": refusing to follow the symlink '" + escape_bytes(name, true) +
                 "' on the way, which a non-root user could have planted; name the real path"};
  }
  if (++w.links > kMaxLinks) {
    return Error{subject, ELOOP};
  }
  std::string target(4096, '\0');
  ssize_t n = ::readlinkat(link, "", target.data(), target.size());
  if (n < 0) {
    return Error::from_errno().context("readlink " + shown);
  }
  if (static_cast<std::size_t>(n) >= target.size()) {
    return Error{subject, ENAMETOOLONG};
  }
  target.resize(static_cast<std::size_t>(n));
  if (!target.empty() && target[0] == '/') {
    w.cur = Fd(open_at(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!w.cur) {
      return Error::from_errno().context("open /");
    }
    w.dir_known = false;
  }
  push_path_components(w.todo, target);
  return Ok{};
}

}  // namespace

// Why component by component: with PATH=/data/app/uploads and /data writable by the app, the
// app could make "app" a link to /etc and have root act on /etc/uploads; and "vol/." or "vol/"
// follows a link "vol" despite O_NOFOLLOW (open(2)). ".." is never a symlink, but it names the
// parent the directory has NOW, not the one it was found in: a user who owns (or may write) the
// directory can move it elsewhere between our open of it and our open of "..", and "a/sub/../x"
// then leads into any directory the user can write (a 1777 /tmp, say). So ".." is resolved only
// after a directory only root can move (see the loop).
Result<CarefulPath> open_path_carefully(const std::string& path, const std::string& what,
                                        const std::string& shown, bool follow_last,
                                        bool check_walk) {
  if (path.empty()) {
    return Error{what + " needs a path, got an empty string"};
  }
  const std::string subject = what + " " + shown;
  CarefulPath out;
  CarefulWalk w;
  push_path_components(w.todo, path);
  w.cur = Fd(open_at(AT_FDCWD, path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!w.cur) {
    return Error::from_errno().context(subject);
  }
  out.root_only_walk = check_walk && path[0] == '/';  // a relative one starts at a moving cwd
  while (!w.todo.empty()) {
    std::string name = std::move(w.todo.back());
    w.todo.pop_back();
    if ((check_walk || name == "..") && !w.know_dir()) {
      return Error::from_errno().context("stat " + shown);
    }
    if (check_walk && !only_root_writes(w.dir)) {
      out.root_only_walk = false;
    }
    if (name == ".." && !only_root_can_move(w.dir)) {
      return Error{subject + ": refusing '..' after a directory a non-root user can move; name " +
                   "the real path"};
    }
    Fd next(open_at(w.cur.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!next) {
      return Error::from_errno().context(subject);
    }
    struct stat st {};
    if (::fstatat(next.get(), "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT) !=
        0) {
      return Error::from_errno().context("stat " + shown);
    }
    bool is_link = S_ISLNK(st.st_mode);
    if (w.todo.empty() && !(is_link && follow_last)) {
      out.fd = std::move(next);
      return out;
    }
    if (S_ISDIR(st.st_mode)) {
      w.cur = std::move(next);
      w.dir = st;
      w.dir_known = true;
      continue;
    }
    if (!is_link) {
      return Error{subject, ENOTDIR};
    }
    if (auto followed = follow_link(w, next.get(), name, st, subject, shown); !followed) {
      return followed.error();
    }
  }
  out.fd = std::move(w.cur);  // PATH was "/" or "." (or only "." components)
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
      return Error::from_errno().context("write");
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return Ok{};
}

int open_at(int dirfd, const char* name, int flags) {
  int fd = -1;
  do {
    fd = ::openat(dirfd, name, flags | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

int open_at2(int dirfd, const char* name, int flags, std::uint64_t resolve) {
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(static_cast<unsigned>(flags | O_CLOEXEC));
  how.resolve = resolve;
  int fd = -1;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, dirfd, name, &how, sizeof how));
  } while (fd < 0 && errno == EINTR);
  return fd;
}

int statx_at(int dirfd, const char* name, int flags, unsigned mask, struct statx* out) {
  return static_cast<int>(::syscall(SYS_statx, dirfd, name, flags, mask, out));
}

}  // namespace unroot
