/* SPDX-License-Identifier: MIT */
/* idprobe: prints what this process actually got, one key=value per line, for the e2e tests.
   Static, so it runs in a chroot or with a fixture /etc. Test code only. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int cmp(const void* a, const void* b) {
  gid_t x = *(const gid_t*)a, y = *(const gid_t*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  printf("uid=%u,%u,%u\n", r, e, s);
  printf("gid=%u,%u,%u\n", gr, ge, gs);
  gid_t groups[65536];
  int n = getgroups(65536, groups);
  qsort(groups, n > 0 ? (size_t)n : 0, sizeof groups[0], cmp);
  printf("groups=");
  for (int i = 0; i < n; i++) printf(i ? ",%u" : "%u", groups[i]);
  printf("\n");
  const char* home = getenv("HOME");
  printf("home=%s\n", home ? home : "(unset)");
  printf("pid=%d\n", (int)getpid());
  printf("nnp=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  printf("fds=");
  int first = 1;
  for (int fd = 0; fd < 4096; fd++) {
    if (fcntl(fd, F_GETFD) >= 0) {
      printf(first ? "%d" : ",%d", fd);
      first = 0;
    }
  }
  printf("\n");
  /* /proc/self/status fields, when /proc is there */
  FILE* f = fopen("/proc/self/status", "re");
  if (f) {
    char line[4096];
    const char* keys[] = {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "SigIgn", "SigBlk",
                          "NoNewPrivs", "Groups"};
    while (fgets(line, sizeof line, f)) {
      for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        size_t len = strlen(keys[k]);
        if (strncmp(line, keys[k], len) == 0 && line[len] == ':') {
          char* v = line + len + 1;
          while (*v == ' ' || *v == '\t') v++;
          v[strcspn(v, "\n")] = 0;
          /* trim trailing space (Groups ends with one) */
          size_t vl = strlen(v);
          while (vl > 0 && v[vl - 1] == ' ') v[--vl] = 0;
          printf("status.%s=%s\n", keys[k], v);
        }
      }
    }
    fclose(f);
  }
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; i++) printf("arg%d=%s\n", i, argv[i]);
  return argc > 1 && strcmp(argv[1], "exit42") == 0 ? 42 : 0;
}
