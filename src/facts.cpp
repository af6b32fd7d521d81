// SPDX-License-Identifier: MIT
// facts: the reads before the plan, in one place (s6-envuidgid's half of the job).
#include "facts.hpp"

#include <fcntl.h>

#include "decimal.hpp"

namespace unroot {
namespace {

std::vector<InheritedFd> inherited_in_listen_range(std::size_t count) {
  std::vector<InheritedFd> out;
  for (std::size_t i = 0; i < count; ++i) {
    int fd = 3 + static_cast<int>(i);  // sd_listen_fds(3): SD_LISTEN_FDS_START
    int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0) {
      out.push_back(InheritedFd{fd, (flags & FD_CLOEXEC) != 0});
    }
  }
  return out;
}

int unprivileged_port_start() {
  // ip_unprivileged_port_start (Linux 4.11, ip-sysctl.rst): ports below it need
  // CAP_NET_BIND_SERVICE. Unreadable (no /proc in a chroot): the kernel's default.
  auto f = read_small_file("/proc/sys/net/ipv4/ip_unprivileged_port_start", 64);
  if (!f || !f->exists) {
    return 1024;
  }
  std::string_view text = f->text;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  auto v = scan_decimal(text, 0, 65536, LeadingZero::kAllowed);
  return v ? static_cast<int>(*v) : 1024;
}

}  // namespace

Result<Facts> gather(const Options& opts) {
  Facts f;
  f.inherited = inherited_in_listen_range(opts.listen.size());
  auto caller = read_caller();
  if (!caller) {
    return caller.error();
  }
  f.caller = std::move(*caller);
  auto passwd = read_small_file("/etc/passwd", kMaxUserFileSize);
  if (!passwd) {
    return passwd.error();
  }
  f.passwd_file = std::move(*passwd);
  auto group = read_small_file("/etc/group", kMaxUserFileSize);
  if (!group) {
    return group.error();
  }
  f.group_file = std::move(*group);
  for (std::string_view path : opts.chown) {
    f.chown_roots.push_back(chown_preflight(path));
  }
  if (!opts.listen.empty()) {
    f.unprivileged_port_start = unprivileged_port_start();
  }
  return f;
}

}  // namespace unroot
