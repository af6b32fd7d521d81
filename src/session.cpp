// SPDX-License-Identifier: MIT
// session: the --setsid/--init fork. The child prepares and returns to main to exec; the parent
// forwards signals, reaps, and hands back the command's status. Nothing here prints.
#include "session.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>

#include "plan.hpp"
#include "sys.hpp"

namespace unroot {
namespace {

/// Signals the parent forwards: all but the ones that cannot be caught (KILL, STOP), the ones
/// the kernel raises synchronously for a fault of the parent itself (SEGV, BUS, ILL, FPE, TRAP,
/// SYS, ABRT), and the terminal stop signals (TSTP, TTIN, TTOU), which keep their default
/// action and stop the parent: the child has no terminal to be stopped by. SIGCHLD is waited
/// for, not forwarded. This is tini's list.
sigset_t forwarded_signals() {
  sigset_t set;
  sigfillset(&set);
  for (int sig : {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT,
                  SIGTSTP, SIGTTIN, SIGTTOU}) {
    sigdelset(&set, sig);
  }
  return set;
}

// Milliseconds on the monotonic clock; 64-bit on every architecture (time_t is 64-bit on
// 32-bit musl, long is not).
std::int64_t now_ms() {
  struct timespec ts {};
  (void)::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

/// sigtimedwait for at most ms milliseconds: the signal, 0 on timeout, -1 on error (errno set).
int wait_signal(const sigset_t& set, std::int64_t ms) {
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(ms / 1000);
  ts.tv_nsec = static_cast<long>((ms % 1000) * 1000000);
  siginfo_t info{};
  int sig = ::sigtimedwait(&set, &info, &ts);
  if (sig < 0 && (errno == EAGAIN || errno == EINTR)) {
    return 0;
  }
  return sig;
}

/// Sends sig to the command, or to its process group under --init-group.
void forward(const SessionPlan& plan, pid_t child, int sig) {
  if (plan.signal_group && ::kill(-child, sig) == 0) {
    return;
  }
  // ESRCH for the group: the child has not made it yet (its setpgid/setsid runs after fork),
  // so the child is still alone. ESRCH for the child: it has just ended; SIGCHLD is on the way.
  (void)::kill(child, sig);
}

/// Reaps every child that has ended. Returns true when the command was among them (its status
/// in *command_status), and sets *none_left when no child is left at all.
Result<bool> reap_ended(pid_t child, int* command_status, bool* none_left) {
  bool command_ended = false;
  *none_left = false;
  for (;;) {
    int status = 0;
    pid_t done = ::waitpid(-1, &status, WNOHANG);
    if (done < 0 && errno == EINTR) {
      continue;
    }
    if (done < 0 && errno == ECHILD) {
      *none_left = true;
      return command_ended;
    }
    if (done < 0) {
      return Error::from_errno().context("waitpid");
    }
    if (done == 0) {
      return command_ended;  // others still running
    }
    if (done == child) {
      *command_status = status;
      command_ended = true;
    }
  }
}

/// SIGKILL to every child still running. Children are listed, then signalled, and only reaped
/// afterwards: a child that has not been reaped keeps its PID, so a listed PID cannot have been
/// reused by an unrelated process in between (wait(2), "zombie"). False when they cannot be
/// found.
bool kill_children(KillRest how) {
  switch (how) {
    case KillRest::kNone:
      return false;
    case KillRest::kEveryoneSeen:
      // As PID 1 of a PID namespace, kill(-1) reaches every process in it but this one
      // (kill(2), pid_namespaces(7)): what the kernel would kill anyway when PID 1 exits.
      (void)::kill(-1, SIGKILL);
      return true;
    case KillRest::kChildList: {
      std::string path = "/proc/self/task/" + std::to_string(::getpid()) + "/children";
      auto list = read_procfs_file(path.c_str(), 1u << 20);
      if (!list || !list->exists) {
        return false;  // no /proc: what is left goes on to our parent when we exit
      }
      std::string_view text = list->text;
      while (!text.empty()) {
        std::size_t space = text.find(' ');
        std::string_view word = text.substr(0, space);
        int pid = 0;
        auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), pid);
        if (ec == std::errc() && ptr == word.data() + word.size() && pid > 1) {
          (void)::kill(pid, SIGKILL);
        }
        text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
      }
      return true;
    }
  }
  __builtin_unreachable();
}

/// After the command ended (--init): reap what ends within the grace period, then SIGKILL the
/// rest and reap it, so nothing of the command's outlives the supervisor.
Status end_the_rest(const SessionPlan& plan, pid_t child, const sigset_t& forward_set) {
  int ignored = 0;
  bool none_left = false;
  std::int64_t deadline = now_ms() + std::int64_t{1000} * plan.grace_seconds;
  for (;;) {
    auto r = reap_ended(child, &ignored, &none_left);
    if (!r) {
      return r.error();
    }
    if (none_left) {
      return Ok{};
    }
    std::int64_t left = deadline - now_ms();
    if (left <= 0) {
      break;
    }
    int sig = wait_signal(forward_set, left);
    if (sig < 0) {
      return Error::from_errno().context("sigtimedwait");
    }
    if (sig == 0 || sig == SIGCHLD) {
      continue;
    }
    if (plan.signal_group) {
      (void)::kill(-child, sig);  // the command's group may still have members
    }
    if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT) {
      break;  // a stop request ends the grace period
    }
  }
  // Killed processes may leave children of their own, which then come to us: kill again until
  // none is left. Bounded, so a process stuck in the kernel cannot keep us from exiting.
  std::int64_t kill_deadline = now_ms() + 10000;
  for (;;) {
    bool found = kill_children(plan.kill_rest);
    auto r = reap_ended(child, &ignored, &none_left);
    if (!r) {
      return r.error();
    }
    if (none_left || !found || now_ms() > kill_deadline) {
      return Ok{};
    }
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (wait_signal(chld, 100) < 0) {
      return Error::from_errno().context("sigtimedwait");
    }
  }
}

/// Parent side: forwards signals until the command ends, reaping every child that ends, not
/// only ours: as PID 1 of a container, and as a subreaper, orphans are reparented to us and
/// must not pile up as zombies. Returns the command's wait status.
Result<std::optional<int>> supervise(const SessionPlan& plan, pid_t child,
                                     const sigset_t& forward_set) {
  for (;;) {
    siginfo_t info{};
    int sig = ::sigwaitinfo(&forward_set, &info);
    if (sig < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Error::from_errno().context("sigwaitinfo");
    }
    if (sig != SIGCHLD) {
      forward(plan, child, sig);
      continue;
    }
    int status = 0;
    bool none_left = false;
    auto ended = reap_ended(child, &status, &none_left);
    if (!ended) {
      return ended.error();
    }
    if (!*ended) {
      continue;  // wait for the next SIGCHLD
    }
    if (plan.kill_rest != KillRest::kNone) {
      if (auto s = end_the_rest(plan, child, forward_set); !s) {
        return s.error();
      }
    }
    return std::optional<int>(status);
  }
}

/// Child side, before returning to main to exec the command.
Status prepare_child(const SessionPlan& plan, pid_t parent, const sigset_t& caller_mask,
                     const struct sigaction& caller_chld, std::vector<std::string>& env) {
  // If the parent is killed (even with SIGKILL), the command must not run on unsupervised.
  // Set before setsid; checked against a parent that died before the prctl (prctl(2)).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
    return Error::from_errno().context("prctl PR_SET_PDEATHSIG");
  }
  if (::getppid() != parent) {
    return Error{"unroot's parent process ended before the command started"};
  }
  if (plan.new_session) {
    // The point of --setsid: without a controlling terminal, TIOCSTI on an inherited terminal
    // fd fails with EPERM (ioctl_tty(2)), so the command cannot push keystrokes into the input
    // of the (root) shell that started unroot. Same attack and fix as CVE-2017-5226
    // (bubblewrap --new-session); still open in gosu#37 and su-exec#23. A fresh child is never
    // a process-group leader, so this cannot fail with EPERM the way it does for a command an
    // interactive shell or `docker exec -t` starts.
    if (::setsid() < 0) {
      return Error::from_errno().context("setsid");
    }
  } else if (plan.signal_group) {
    // --init-group signals the group whose ID is the child's PID: make it.
    if (::setpgid(0, 0) != 0) {
      return Error::from_errno().context("setpgid");
    }
    // A new group is in the background of the terminal unroot may have, and a background read
    // stops it with SIGTTIN (termios(3), job control); hand the terminal's foreground to it, as
    // a shell does for a job. SIGTTOU is blocked around the call, which tcsetpgrp(3) otherwise
    // raises. No terminal (ENOTTY) leaves nothing to hand over, so failure is not an error.
    sigset_t ttou;
    sigset_t before;
    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    if (::isatty(STDIN_FILENO) == 1 && ::sigprocmask(SIG_BLOCK, &ttou, &before) == 0) {
      (void)::tcsetpgrp(STDIN_FILENO, ::getpid());
      (void)::sigprocmask(SIG_SETMASK, &before, nullptr);
    }
  }
  if (::sigaction(SIGCHLD, &caller_chld, nullptr) != 0) {
    return Error::from_errno().context("restore SIGCHLD");
  }
  if (::sigprocmask(SIG_SETMASK, &caller_mask, nullptr) != 0) {
    return Error::from_errno().context("restore the signal mask");
  }
  if (plan.listen_pid_to_child) {
    // sd_listen_fds(3) ignores the sockets unless LISTEN_PID is the PID of their user.
    set_env(env, "LISTEN_PID", std::to_string(::getpid()));
  }
  return Ok{};
}

// The parent side after the fork: give up what the command could still reach, then supervise.
Result<std::optional<int>> become_supervisor(const SessionPlan& plan, pid_t child,
                                             const sigset_t& forward_set) {
  // The parent stays as the command's supervisor. It is already unprivileged (the switch came
  // first), and it gives up what the command could still reach:
  // - non-dumpable, so the command (same uid) cannot ptrace it or open its /proc/PID/fd and
  //   use the terminal through the parent, which still has it as controlling terminal
  //   (ptrace(2), "Ptrace access mode checking"). A uid change already cleared the flag; the
  //   "already the target" path changes no uid, so set it explicitly.
  // - no descriptors but 0, 1, 2: sockets and files passed on belong to the command alone.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    int err = errno;
    (void)::kill(child, SIGKILL);
    return Error{"prctl PR_SET_DUMPABLE", err};
  }
  if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0 && errno != ENOSYS) {
    int err = errno;
    (void)::kill(child, SIGKILL);
    return Error{"close_range", err};
  }
  return supervise(plan, child, forward_set);
}

Result<std::optional<int>> fork_supervised(const SessionPlan& plan, std::vector<std::string>& env) {
  // Block the forwarded signals before fork: one that arrives in between is then left pending
  // for sigwaitinfo instead of killing the parent or being lost. Blocked, they also reach PID 1
  // of a namespace, which the kernel otherwise spares every signal it has no handler for.
  sigset_t forward_set = forwarded_signals();
  sigset_t caller_mask;
  if (::sigprocmask(SIG_BLOCK, &forward_set, &caller_mask) != 0) {
    return Error::from_errno().context("sigprocmask");
  }
  // A caller that ignores SIGCHLD would have the kernel reap the child at once (waitpid(2)
  // NOTES), and its status would be lost. The child gets the caller's disposition back.
  struct sigaction default_chld {};
  default_chld.sa_handler = SIG_DFL;
  struct sigaction caller_chld {};
  if (::sigaction(SIGCHLD, &default_chld, &caller_chld) != 0) {
    int err = errno;
    (void)::sigprocmask(SIG_SETMASK, &caller_mask, nullptr);
    return Error{"sigaction SIGCHLD", err};
  }
  // Before fork, so that no orphan of the command can reach our parent in between. Not
  // inherited by the child (prctl(2)). PID 1 needs none: orphans come to it anyway.
  if (plan.subreaper && ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    int err = errno;
    (void)::sigaction(SIGCHLD, &caller_chld, nullptr);
    (void)::sigprocmask(SIG_SETMASK, &caller_mask, nullptr);
    return Error{"prctl PR_SET_CHILD_SUBREAPER", err};
  }
  pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child < 0) {
    int err = errno;
    (void)::sigaction(SIGCHLD, &caller_chld, nullptr);
    (void)::sigprocmask(SIG_SETMASK, &caller_mask, nullptr);
    return Error{"fork", err};
  }
  if (child == 0) {
    if (auto s = prepare_child(plan, parent, caller_mask, caller_chld, env); !s) {
      return s.error();
    }
    return std::optional<int>();
  }
  return become_supervisor(plan, child, forward_set);
}

}  // namespace

Result<std::optional<int>> start_supervised(const SessionPlan& plan,
                                            std::vector<std::string>& env) {
  auto r = fork_supervised(plan, env);
  if (!r) {
    return r.error().context(plan.kill_rest != KillRest::kNone ? "--init" : "--setsid");
  }
  return r;
}

int exit_code_for(const SessionPlan& plan, int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (!WIFSIGNALED(wait_status)) {
    return 125;  // not reachable: waitpid without WUNTRACED reports only exits and kills
  }
  int sig = WTERMSIG(wait_status);
  switch (plan.exit) {
    case ExitRule::kSignalAs128:
      return 128 + sig;
    case ExitRule::kReraise:
      break;
  }
  // Die of the same signal, as a shell running the command directly would report it; no core
  // file of our own (the child already dumped one if it was going to). PID 1 of a namespace is
  // spared it (pid_namespaces(7)) and falls through to 128 + signal.
  struct rlimit no_core {};
  (void)::setrlimit(RLIMIT_CORE, &no_core);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  (void)::sigaction(sig, &dfl, nullptr);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, sig);
  (void)::sigprocmask(SIG_UNBLOCK, &only, nullptr);
  (void)::raise(sig);
  return 128 + sig;
}

}  // namespace unroot
