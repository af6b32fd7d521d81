// SPDX-License-Identifier: MIT
// exec: PATH search without the current directory, then execve in place (no fork: the command
// keeps unroot's PID, so it is PID 1 in a container and gets signals directly).
#include "exec.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace unroot {

CommandPlan plan_command(std::string_view name, std::optional<std::string_view> path_env) {
  CommandPlan plan;
  plan.name = std::string(name);
  if (name.find('/') != std::string_view::npos) {
    plan.candidates.push_back(plan.name);
    return plan;
  }
  plan.searched = true;
  if (name.empty()) {
    return plan;  // "" is never found
  }
  std::string_view path = path_env ? *path_env : kDefaultPath;
  for (;;) {
    std::size_t colon = path.find(':');
    std::string_view dir = path.substr(0, colon);
    if (dir.empty() || dir.front() != '/') {
      plan.skipped_relative = true;
    } else {
      std::string candidate(dir);
      if (candidate.back() != '/') {
        candidate += '/';
      }
      candidate += name;
      plan.candidates.push_back(std::move(candidate));
    }
    if (colon == std::string_view::npos) {
      break;
    }
    path.remove_prefix(colon + 1);
  }
  return plan;
}

namespace {

bool dir_searchable(const std::string& path) {
  std::size_t slash = path.rfind('/');
  std::string dir = slash == 0 ? "/" : path.substr(0, slash);
  return ::faccessat(AT_FDCWD, dir.c_str(), X_OK, AT_EACCESS) == 0;
}

}  // namespace

ExecError exec_command(const CommandPlan& plan, char* const argv[], char* const envp[]) {
  int denied_errno = 0;  // the first "found but not runnable" error, as execvp reports EACCES
  std::string denied_path;
  for (const std::string& path : plan.candidates) {
    ::execve(path.c_str(), argv, envp);
    int err = errno;  // saved before anything else can change it
    if (!plan.searched) {
      bool missing = err == ENOENT || err == ENOTDIR;
      if (err == ENOENT && ::faccessat(AT_FDCWD, path.c_str(), F_OK, AT_EACCESS) == 0) {
        // execve(2): ENOENT for a file that exists means its #! interpreter or ELF loader is
        // missing. Still 127, as env(1) and shells report it, but say what is really missing.
        return {Error{"cannot run '" + path +
                      "': its interpreter (the #! line) or dynamic loader was not found"},
                ExecFailure::kNotFound};
      }
      return {Error{"cannot run '" + path + "'", err},
              missing ? ExecFailure::kNotFound : ExecFailure::kNotRunnable};
    }
    switch (err) {
      case ENOENT:
      case ENOTDIR:
      case ESTALE:
      case ENODEV:
      case ETIMEDOUT:
        continue;  // not here: try the next PATH entry, as execvp(3) does
      case EACCES:
        // EACCES also comes from a PATH directory the user may not search (root's PATH often
        // holds /root/...): that directory cannot hold the command for this user, so it is
        // "not found there", not "not runnable".
        if (!dir_searchable(path)) {
          continue;
        }
        if (denied_errno == 0) {
          denied_errno = err;
          denied_path = path;
        }
        continue;
      default:
        // Found, but the kernel refused it (ENOEXEC, ETXTBSY, E2BIG, ELOOP, ...): stop here.
        return {Error{"cannot run '" + path + "'", err}, ExecFailure::kNotRunnable};
    }
  }
  if (denied_errno != 0) {
    return {Error{"cannot run '" + denied_path + "'", denied_errno}, ExecFailure::kNotRunnable};
  }
  std::string what = "command '" + plan.name + "' not found in PATH";
  if (plan.skipped_relative) {
    what += " (empty and relative PATH entries such as '.' are not searched; give a path, e.g. ./" +
            plan.name + ")";
  }
  return {Error{what}, ExecFailure::kNotFound};
}

}  // namespace unroot
