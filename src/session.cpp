// SPDX-License-Identifier: MIT
// session: the --setsid fork. The child starts a new session and returns to main to exec; the
// parent forwards signals and hands back the child's status. Nothing here prints.
#include "session.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

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

/// Parent side: waits for `child` while forwarding signals; returns its wait status.
/// Reaps every child that ends, not only ours: as PID 1 of a container
/// (`docker run ... unroot --setsid`), orphans are reparented to us and must not pile up.
Result<std::optional<int>> supervise(pid_t child, const sigset_t& forward) {
  for (;;) {
    siginfo_t info{};
    int sig = ::sigwaitinfo(&forward, &info);
    if (sig < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Error::from_errno().context("--setsid: sigwaitinfo");
    }
    if (sig != SIGCHLD) {
      // ESRCH only means the child has just ended; its SIGCHLD is on the way.
      (void)::kill(child, sig);
      continue;
    }
    for (;;) {
      int status = 0;
      pid_t done = ::waitpid(-1, &status, WNOHANG);
      if (done < 0 && errno == EINTR) {
        continue;
      }
      if (done < 0) {
        return Error::from_errno().context("--setsid: waitpid");
      }
      if (done == 0) {
        break;  // others still running; wait for the next SIGCHLD
      }
      if (done == child) {
        return std::optional<int>(status);
      }
    }
  }
}

}  // namespace

Result<std::optional<int>> start_new_session() {
  // Block the forwarded signals before fork: one that arrives in between is then left pending
  // for sigwaitinfo instead of killing the parent or being lost.
  sigset_t forward = forwarded_signals();
  sigset_t caller_mask;
  if (::sigprocmask(SIG_BLOCK, &forward, &caller_mask) != 0) {
    return Error::from_errno().context("--setsid: sigprocmask");
  }
  // A caller that ignores SIGCHLD would have the kernel reap the child at once (waitpid(2)
  // NOTES), and its status would be lost. The child gets the caller's disposition back below.
  struct sigaction default_chld {};
  default_chld.sa_handler = SIG_DFL;
  struct sigaction caller_chld {};
  if (::sigaction(SIGCHLD, &default_chld, &caller_chld) != 0) {
    int err = errno;
    (void)::sigprocmask(SIG_SETMASK, &caller_mask, nullptr);
    return Error{"--setsid: sigaction SIGCHLD", err};
  }
  pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child < 0) {
    int err = errno;
    (void)::sigaction(SIGCHLD, &caller_chld, nullptr);
    (void)::sigprocmask(SIG_SETMASK, &caller_mask, nullptr);
    return Error{"--setsid: fork", err};
  }
  if (child == 0) {
    // If the parent is killed (even with SIGKILL), the command must not run on unsupervised.
    // Set before setsid; checked against a parent that died before the prctl (prctl(2)).
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
      return Error::from_errno().context("--setsid: prctl PR_SET_PDEATHSIG");
    }
    if (::getppid() != parent) {
      return Error{"--setsid: unroot's parent process ended before the command started"};
    }
    // The point of --setsid: without a controlling terminal, TIOCSTI on an inherited terminal
    // fd fails with EPERM (ioctl_tty(2)), so the command cannot push keystrokes into the input
    // of the (root) shell that started unroot. Same attack and fix as CVE-2017-5226
    // (bubblewrap --new-session); still open in gosu#37 and su-exec#23.
    if (::setsid() < 0) {
      return Error::from_errno().context("--setsid: setsid");
    }
    if (::sigaction(SIGCHLD, &caller_chld, nullptr) != 0) {
      return Error::from_errno().context("--setsid: restore SIGCHLD");
    }
    if (::sigprocmask(SIG_SETMASK, &caller_mask, nullptr) != 0) {
      return Error::from_errno().context("--setsid: restore the signal mask");
    }
    return std::optional<int>();
  }
  // The parent stays as the command's supervisor. It is already unprivileged (the switch came
  // first), and it gives up what the command could still reach:
  // - non-dumpable, so the command (same uid) cannot ptrace it or open its /proc/PID/fd and
  //   use the terminal through the parent, which still has it as controlling terminal
  //   (ptrace(2), "Ptrace access mode checking"). main cleared the flag at start, but a uid
  //   change resets it to fs.suid_dumpable (prctl(2)), which an admin may have set to 1: clear
  //   it again here, for the process that lives on beside the command.
  // - no descriptors but 0, 1, 2: sockets and files passed on belong to the command alone.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    int err = errno;
    (void)::kill(child, SIGKILL);
    return Error{"--setsid: prctl PR_SET_DUMPABLE", err};
  }
  if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0 && errno != ENOSYS) {
    int err = errno;
    (void)::kill(child, SIGKILL);
    return Error{"--setsid: close_range", err};
  }
  return supervise(child, forward);
}

int exit_code_for(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (!WIFSIGNALED(wait_status)) {
    return 125;  // not reachable: waitpid without WUNTRACED reports only exits and kills
  }
  int sig = WTERMSIG(wait_status);
  // Die of the same signal, as a shell running the command directly would report it; no core
  // file of our own (the child already dumped one if it was going to).
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
