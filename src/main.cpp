// SPDX-License-Identifier: MIT
// main: parse → gather → plan → act → drop → exec, wired. The only place that prints errors and
// chooses exit codes; every other module returns values.
#include <sys/prctl.h>
#include <unistd.h>

#include <string>

#include "act.hpp"
#include "describe.hpp"
#include "env.hpp"
#include "exec.hpp"
#include "facts.hpp"
#include "options.hpp"
#include "plan.hpp"
#include "privdrop.hpp"
#include "session.hpp"
#include "sys.hpp"
#if !defined(__GLIBC__)
#include "relro.hpp"  // built into the musl binary only (cmake/musl.cmake)
#endif

namespace {

using unroot::Error;

// The exit codes, as docker run and env(1) use them, so a supervisor can tell "the entrypoint
// failed" from "the app failed". Once the command runs, its status is unroot's.
enum class Failure { kOwn, kNotRunnable, kNotFound };

int exit_code(Failure f) {
  switch (f) {
    case Failure::kOwn:
      return 125;  // unroot itself failed; the command never ran
    case Failure::kNotRunnable:
      return 126;  // the command was found but could not be executed
    case Failure::kNotFound:
      return 127;  // the command was not found
  }
  __builtin_unreachable();
}

Failure failure_of(unroot::ExecFailure kind) {
  switch (kind) {
    case unroot::ExecFailure::kNotFound:
      return Failure::kNotFound;
    case unroot::ExecFailure::kNotRunnable:
      return Failure::kNotRunnable;
  }
  __builtin_unreachable();
}

void say(int fd, const std::string& text) {
  (void)unroot::write_all(fd, text.data(), text.size());  // one write, no stdio buffer
}

int report(const Error& e, Failure f = Failure::kOwn) {
  say(STDERR_FILENO, "unroot: " + unroot::error_line(e) + "\n");
  return exit_code(f);
}

int print(const std::string& text) {
  auto s = unroot::write_all(STDOUT_FILENO, text.data(), text.size());
  return s ? 0 : report(s.error());
}

// The target architecture by its Debian name (the release files' names), from the compiler's
// own macros, so a binary says what it is built for wherever it was copied to.
constexpr const char* kArch =
#if defined(__x86_64__)
    "amd64";
#elif defined(__aarch64__)
    "arm64";
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
    "armhf";
#elif defined(__arm__)
    "armel";
#elif defined(__i386__)
    "i386";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    "ppc64el";
#elif defined(__riscv) && __riscv_xlen == 64
    "riscv64";
#elif defined(__s390x__)
    "s390x";
#else
    "unknown";
#endif

std::string version_text() {
  std::string v = std::string("unroot ") + UNROOT_VERSION + "\n";
  v += std::string("arch: ") + kArch + "\n";
#if defined(__clang__)
  v += "compiler: clang " __clang_version__ "\n";
#elif defined(__GNUC__)
  v += "compiler: g++ " __VERSION__ "\n";
#endif
#if defined(__GLIBC__)
  v += "libc: glibc " + std::to_string(__GLIBC__) + "." + std::to_string(__GLIBC_MINOR__) +
       " (static)\n";
#else
  v += "libc: musl (static)\n";
#endif
  v += "user database: /etc/passwd and /etc/group parsed directly (no NSS)\n";
  return v;
}

// Before anything else of ours runs.
unroot::Status protect_process() {
  // Non-dumpable: no core file of the root phase (core(5): none is written for a non-dumpable
  // process), and no ptrace or /proc/PID/mem, environ, fd access by a same-uid process
  // (ptrace(2), "Ptrace access mode checking"), e.g. when started as the target already. The
  // command is unaffected: execve(2) sets "dumpable" back to 1 for the new program unless it is
  // set-user-ID, set-group-ID or has capabilities (then fs.suid_dumpable, prctl(2)
  // PR_SET_DUMPABLE). RLIMIT_CORE is left alone: it is inherited.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Error::from_errno().context("prctl PR_SET_DUMPABLE 0");
  }
#if !defined(__GLIBC__)
  // Before any input is parsed: glibc's static-pie start code applied RELRO, musl's did not.
  return unroot::protect_relro();
#else
  return unroot::Ok{};
#endif
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  if (auto s = protect_process(); !s) {
    return report(s.error());
  }
  // A setuid/setgid unroot would let any local user run anything as anyone: refuse always.
  // AT_SECURE is the kernel's own answer (getauxval(3)); it needs no /proc.
  if (unroot::started_secure()) {
    return report(
        Error{"refusing to run setuid or setgid (or with file capabilities); install "
              "unroot as a plain root-owned 0755 file"});
  }
  auto opts = unroot::parse_args(argc, argv);
  if (!opts) {
    return report(opts.error());
  }
  if (opts->help || opts->version) {
    return print(opts->help ? unroot::usage_text() : version_text());
  }
  auto facts = unroot::gather(*opts);
  if (!facts) {
    return report(facts.error());
  }
  auto plan = unroot::make_plan(*opts, *facts, envp);
  if (!plan) {
    return report(plan.error());
  }
  if (plan->dry_run) {
    return print(unroot::describe_plan(*plan, unroot::survey_chown(*plan, *facts)));
  }
  unroot::ActReport done;
  auto acted = unroot::act_as_root(*plan, *facts, done);
  say(STDERR_FILENO, unroot::describe_act(*plan, done));  // also what was done before a failure
  if (!acted) {
    return report(acted.error());
  }
  if (auto s = unroot::drop_privileges(plan->drop); !s) {
    return report(s.error());
  }
  say(STDERR_FILENO, unroot::describe_drop(*plan));
  if (plan->session.fork) {
    auto forked = unroot::start_supervised(plan->session, plan->env);
    if (!forked) {
      return report(forked.error());
    }
    if (*forked) {
      return unroot::exit_code_for(plan->session, **forked);  // the supervisor
    }
  }
  std::vector<char*> env = unroot::to_envp(plan->env);
  auto failed = unroot::exec_command(plan->command, plan->argv.data(), env.data());
  return report(failed.error, failure_of(failed.kind));
}
