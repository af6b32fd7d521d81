// SPDX-License-Identifier: MIT
// floor: the same-guarantee floor of unroot's start-up. It makes exactly the calls with which
// unroot drops root and proves it cannot be regained, for `nobody` (uid and gid 65534, written
// in: no files read, no options, no messages but one on failure), then execv(argv[1]). Its
// overhead over a bare execv is what the guarantee itself costs; unroot's overhead over it is
// what the rest of unroot costs (reading passwd and group, the plan, allocation, the binary's
// size). Built static-pie with musl, as build/unroot-musl is (scripts/bench.sh).
//
// The switch uses the raw syscalls: this program has one thread, so the libc wrappers' work of
// applying it to every thread (nptl(7)) is not needed, as in unroot.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ID 65534u

// capget(2)/capset(2) structures (linux/capability.h, which musl's headers do not include).
struct cap_header {
  uint32_t version;
  int pid;
};
struct cap_data {
  uint32_t effective, permitted, inheritable;
};
#define CAP_VERSION_3 0x20080522u

static _Noreturn void fail(const char* what) {
  static const char prefix[] = "floor: ";
  (void)!write(2, prefix, sizeof prefix - 1);
  (void)!write(2, what, strlen(what));
  (void)!write(2, "\n", 1);
  _exit(125);
}

#ifdef SYS_setresuid32
#define SYS_SETRESUID SYS_setresuid32
#define SYS_SETRESGID SYS_setresgid32
#define SYS_SETGROUPS SYS_setgroups32
#else
#define SYS_SETRESUID SYS_setresuid
#define SYS_SETRESGID SYS_setresgid
#define SYS_SETGROUPS SYS_setgroups
#endif

int main(int argc, char** argv) {
  if (argc < 2) {
    return 2;
  }
  // The bounding set: every capability the kernel knows (PR_CAPBSET_DROP fails with EINVAL
  // past the last one).
  int last_cap = -1;
  for (int cap = 0; cap < 64; ++cap) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno != EINVAL || cap == 0) {
        fail("PR_CAPBSET_DROP");
      }
      break;
    }
    last_cap = cap;
  }
  gid_t groups[1] = {ID};
  if (syscall(SYS_SETGROUPS, 1L, groups) != 0) {
    fail("setgroups");
  }
  if (syscall(SYS_SETRESGID, (long)ID, (long)ID, (long)ID) != 0) {
    fail("setresgid");
  }
  if (syscall(SYS_SETRESUID, (long)ID, (long)ID, (long)ID) != 0) {
    fail("setresuid");
  }
  struct cap_header h = {CAP_VERSION_3, 0};
  struct cap_data d[2];
  memset(d, 0, sizeof d);
  if (syscall(SYS_capset, &h, d) != 0) {
    fail("capset");
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    fail("PR_CAP_AMBIENT_CLEAR_ALL");
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    fail("PR_SET_NO_NEW_PRIVS");
  }

  // The verification.
  uid_t r, e, s;
  if (getresuid(&r, &e, &s) != 0 || r != ID || e != ID || s != ID) {
    fail("uids");
  }
  gid_t gr, ge, gs;
  if (getresgid(&gr, &ge, &gs) != 0 || gr != ID || ge != ID || gs != ID) {
    fail("gids");
  }
  gid_t have[2];
  int n = getgroups(0, NULL);
  if (n != 1 || getgroups(n, have) != 1 || have[0] != ID) {
    fail("groups");
  }
  if (syscall(SYS_SETRESUID, 0L, 0L, 0L) == 0 || (errno != EPERM && errno != EINVAL)) {
    fail("setresuid(0) not refused");
  }
  if (syscall(SYS_SETRESGID, 0L, 0L, 0L) == 0 || (errno != EPERM && errno != EINVAL)) {
    fail("setresgid(0) not refused");
  }
  if (syscall(SYS_SETGROUPS, 0L, NULL) == 0 || (errno != EPERM && errno != EINVAL)) {
    fail("setgroups not refused");
  }
  h.version = CAP_VERSION_3;
  h.pid = 0;
  if (syscall(SYS_capget, &h, d) != 0) {
    fail("capget");
  }
  for (int i = 0; i < 2; ++i) {
    if (d[i].effective != 0 || d[i].permitted != 0 || d[i].inheritable != 0) {
      fail("capabilities left");
    }
  }
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
    fail("no_new_privs not set");
  }
  for (int cap = 0; cap <= last_cap; ++cap) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) != 0) {
      fail("bounding set not empty");
    }
  }
  execv(argv[1], argv + 1);
  return 127;
}
