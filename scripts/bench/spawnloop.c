// SPDX-License-Identifier: MIT
// spawnloop: start-up time per invocation of several commands, measured side by side.
//
//   spawnloop ROUNDS COUNT CMDFILE [ROUNDSFILE]
//
// CMDFILE has one command per line: NAME, then argv, separated by tabs (argv[0] is a path; no
// PATH search, no shell). Each round runs every command COUNT times with posix_spawn+waitpid,
// interleaved run by run (A B C A B C ..., the order rotating each time), so that a burst of other
// work on a shared machine hits all commands alike instead of one command's block. Each run is
// timed on its own; a round's figure is the median of its runs, and the result is the median of
// the rounds' figures. One untimed warm-up pass comes first. Output, one line per command:
//   NAME MEDIAN_US MIN_US MAX_US      (median, lowest and highest of the rounds' medians, in µs)
// With ROUNDSFILE, the rounds' medians are also written there, one line per command: NAME and
// the medians in round order (what ratios between commands, round by round, are computed from).
// Any command that does not exit 0 stops the run with exit status 1: failures are not timings.
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char** environ;

enum { kMaxCommands = 32, kMaxArgs = 32, kMaxRounds = 1000 };

struct command {
  char* name;
  char* argv[kMaxArgs + 1];
};

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

// Children get /dev/null as stdin and stdout (our stdout carries the results); stderr stays, so
// that a failing tool can say why.
static posix_spawn_file_actions_t g_actions;

static int run_once(const struct command* c) {
  pid_t pid;
  int err = posix_spawn(&pid, c->argv[0], &g_actions, NULL, c->argv, environ);
  if (err != 0) {
    fprintf(stderr, "spawnloop: %s: spawn %s: %s\n", c->name, c->argv[0], strerror(err));
    return -1;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    perror("spawnloop: waitpid");
    return -1;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "spawnloop: %s: %s with status %d\n", c->name,
            WIFEXITED(status) ? "exited" : "killed by signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return -1;
  }
  return 0;
}

static int cmp_double(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

// Sorts v in place and returns its median.
static double median(double* v, int len) {
  qsort(v, (size_t)len, sizeof(double), cmp_double);
  return len % 2 ? v[len / 2] : (v[len / 2 - 1] + v[len / 2]) / 2;
}

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: spawnloop ROUNDS COUNT CMDFILE [ROUNDSFILE]\n");
    return 2;
  }
  int rounds = atoi(argv[1]);
  int count = atoi(argv[2]);
  if (rounds < 1 || rounds > kMaxRounds || count < 1 || count > 1000000) {
    fprintf(stderr, "spawnloop: ROUNDS must be 1..%d and COUNT 1..1000000\n", kMaxRounds);
    return 2;
  }
  FILE* f = fopen(argv[3], "r");
  if (f == NULL) {
    perror(argv[3]);
    return 2;
  }
  static struct command cmds[kMaxCommands];
  int n = 0;
  char* line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#') {
      continue;
    }
    if (n == kMaxCommands) {
      fprintf(stderr, "spawnloop: more than %d commands\n", kMaxCommands);
      return 2;
    }
    char* save = NULL;
    char* copy = strdup(line);
    cmds[n].name = strtok_r(copy, "\t", &save);
    int a = 0;
    for (char* t; a < kMaxArgs && (t = strtok_r(NULL, "\t", &save)) != NULL;) {
      cmds[n].argv[a++] = t;
    }
    if (a == 0) {
      fprintf(stderr, "spawnloop: %s: no command\n", cmds[n].name);
      return 2;
    }
    cmds[n].argv[a] = NULL;
    ++n;
  }
  free(line);
  fclose(f);

  if (posix_spawn_file_actions_init(&g_actions) != 0 ||
      posix_spawn_file_actions_addopen(&g_actions, 0, "/dev/null", O_RDONLY, 0) != 0 ||
      posix_spawn_file_actions_addopen(&g_actions, 1, "/dev/null", O_WRONLY, 0) != 0) {
    fprintf(stderr, "spawnloop: posix_spawn_file_actions failed\n");
    return 1;
  }
  for (int c = 0; c < n; ++c) {  // warm-up: page cache, and a failing command stops us early
    for (int i = 0; i < count && i < 20; ++i) {
      if (run_once(&cmds[c]) != 0) {
        return 1;
      }
    }
  }
  static double per[kMaxCommands][kMaxRounds];
  double* runs = calloc((size_t)n * (size_t)count, sizeof(double));
  if (runs == NULL) {
    perror("spawnloop: calloc");
    return 1;
  }
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < count; ++i) {
      for (int k = 0; k < n; ++k) {
        int c = (k + i + r) % n;
        double t0 = now_us();
        if (run_once(&cmds[c]) != 0) {
          return 1;
        }
        runs[(size_t)c * (size_t)count + (size_t)i] = now_us() - t0;
      }
    }
    for (int c = 0; c < n; ++c) {
      per[c][r] = median(runs + (size_t)c * (size_t)count, count);
    }
  }
  if (argc == 5) {
    FILE* out = fopen(argv[4], "w");
    if (out == NULL) {
      perror(argv[4]);
      return 1;
    }
    for (int c = 0; c < n; ++c) {
      fprintf(out, "%s", cmds[c].name);
      for (int r = 0; r < rounds; ++r) {
        fprintf(out, " %.1f", per[c][r]);
      }
      fprintf(out, "\n");
    }
    if (fclose(out) != 0) {
      perror(argv[4]);
      return 1;
    }
  }
  for (int c = 0; c < n; ++c) {
    double m = median(per[c], rounds);  // sorts per[c]
    printf("%s %.1f %.1f %.1f\n", cmds[c].name, m, per[c][0], per[c][rounds - 1]);
  }
  free(runs);
  return 0;
}
