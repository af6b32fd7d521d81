// SPDX-License-Identifier: MIT
// listen_probe: a socket-activation consumer for the end-to-end tests. It reads the raw protocol
// (sd_listen_fds(3)) the way a server would, without libsystemd, and prints what it got:
//
//   pid=<getpid()> listen_pid=<LISTEN_PID> listen_fds=<LISTEN_FDS> names=<LISTEN_FDNAMES>
//   uid=<uid> gid=<gid> pidfdid=<LISTEN_PIDFDID>
//   fd=3 name=http family=inet type=stream listening=1 addr=127.0.0.1:80
//   ...
//   other_fds=none | other_fds=5:/path,6:pipe:[123]
//
// Exit 0 when the protocol holds (LISTEN_PID is this process, LISTEN_FDS and LISTEN_FDNAMES
// agree, fds 3..3+n-1 are sockets, stream ones listening), 1 with a reason on stderr otherwise.
// With --serve it then answers once on every socket: accepts one connection (stream) or one
// datagram and replies "hello <name> uid=<uid>\n". Bounded by alarm(20).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int failures = 0;

static void problem(const char* what) {
  fprintf(stderr, "listen_probe: %s\n", what);
  failures++;
}

static const char* family_name(int f) {
  return f == AF_INET ? "inet" : f == AF_INET6 ? "inet6" : f == AF_UNIX ? "unix" : "other";
}

static const char* type_name(int t) {
  return t == SOCK_STREAM ? "stream" : t == SOCK_DGRAM ? "dgram" : "other";
}

static void address(int fd, char* out, size_t size) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  memset(&ss, 0, sizeof ss);
  if (getsockname(fd, (struct sockaddr*)&ss, &len) != 0) {
    snprintf(out, size, "?");
    return;
  }
  char host[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET) {
    struct sockaddr_in* a = (struct sockaddr_in*)&ss;
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    snprintf(out, size, "%s:%u", host, ntohs(a->sin_port));
  } else if (ss.ss_family == AF_INET6) {
    struct sockaddr_in6* a = (struct sockaddr_in6*)&ss;
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    snprintf(out, size, "[%s]:%u", host, ntohs(a->sin6_port));
  } else if (ss.ss_family == AF_UNIX) {
    struct sockaddr_un* a = (struct sockaddr_un*)&ss;
    snprintf(out, size, "%s", a->sun_path);
  } else {
    snprintf(out, size, "?");
  }
}

// The i-th colon-separated name, or "" when there are fewer.
static void nth_name(const char* names, int i, char* out, size_t size) {
  const char* p = names;
  for (int k = 0; k < i && p != NULL; k++) {
    p = strchr(p, ':');
    if (p != NULL) {
      p++;
    }
  }
  if (p == NULL) {
    snprintf(out, size, "%s", "");
    return;
  }
  size_t n = strcspn(p, ":");
  snprintf(out, size, "%.*s", (int)n, p);
}

static int count_names(const char* names) {
  if (names == NULL) {
    return -1;
  }
  int n = 1;
  for (const char* p = names; *p; p++) {
    n += *p == ':';
  }
  return n;
}

static void serve(int fd, int type, const char* name) {
  char reply[400];
  snprintf(reply, sizeof reply, "hello %s uid=%u\n", name, (unsigned)getuid());
  struct pollfd p = {fd, POLLIN, 0};
  if (poll(&p, 1, 15000) != 1) {
    problem("nothing arrived within 15 s");
    return;
  }
  if (type == SOCK_STREAM) {
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
      problem("accept failed");
      return;
    }
    if (write(c, reply, strlen(reply)) < 0) {
      problem("write failed");
    }
    close(c);
  } else {
    char buf[512];
    struct sockaddr_storage from;
    socklen_t len = sizeof from;
    if (recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr*)&from, &len) < 0 ||
        sendto(fd, reply, strlen(reply), 0, (struct sockaddr*)&from, len) < 0) {
      problem("datagram exchange failed");
    }
  }
}

int main(int argc, char** argv) {
  alarm(20);  // never outlive a broken test
  int do_serve = argc > 1 && strcmp(argv[1], "--serve") == 0;
  const char* pid_text = getenv("LISTEN_PID");
  const char* fds_text = getenv("LISTEN_FDS");
  const char* names = getenv("LISTEN_FDNAMES");
  printf("pid=%ld listen_pid=%s listen_fds=%s names=%s\n", (long)getpid(),
         pid_text ? pid_text : "(unset)", fds_text ? fds_text : "(unset)",
         names ? names : "(unset)");
  const char* pidfdid = getenv("LISTEN_PIDFDID");
  printf("uid=%u gid=%u pidfdid=%s\n", (unsigned)getuid(), (unsigned)getgid(),
         pidfdid ? pidfdid : "(unset)");

  if (pid_text == NULL || strtol(pid_text, NULL, 10) != (long)getpid()) {
    problem("LISTEN_PID is not this process");
  }
  int n = fds_text ? (int)strtol(fds_text, NULL, 10) : 0;
  if (n < 1) {
    problem("LISTEN_FDS is not a positive number");
  }
  if (count_names(names) != n) {
    problem("LISTEN_FDNAMES does not have LISTEN_FDS entries");
  }
  for (int fd = 3; fd < 3 + n; fd++) {
    int domain = -1, type = -1, acc = -1;
    socklen_t len = sizeof(int);
    char name[300], addr[200];
    nth_name(names ? names : "", fd - 3, name, sizeof name);
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) {
      printf("fd=%d name=%s not-a-socket errno=%d\n", fd, name, errno);
      problem("a passed fd is not a socket");
      continue;
    }
    len = sizeof(int);
    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
    len = sizeof(int);
    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len);
    address(fd, addr, sizeof addr);
    printf("fd=%d name=%s family=%s type=%s listening=%d addr=%s\n", fd, name, family_name(domain),
           type_name(type), acc, addr);
    if (type == SOCK_STREAM && acc != 1) {
      problem("a stream socket is not listening");
    }
  }

  // Every other descriptor above 2, with what it points to.
  DIR* dir = opendir("/proc/self/fd");
  char others[4096] = "";
  if (dir != NULL) {
    struct dirent* e;
    while ((e = readdir(dir)) != NULL) {
      int fd = atoi(e->d_name);
      if (e->d_name[0] == '.' || fd <= 2 || (fd >= 3 && fd < 3 + n) || fd == dirfd(dir)) {
        continue;
      }
      char link[64], target[256] = "";
      snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
      ssize_t k = readlink(link, target, sizeof target - 1);
      if (k > 0) {
        target[k] = 0;
      }
      size_t used = strlen(others);
      snprintf(others + used, sizeof others - used, "%s%d:%s", used ? "," : "", fd, target);
    }
    closedir(dir);
  } else {
    problem("cannot read /proc/self/fd");
  }
  printf("other_fds=%s\n", others[0] ? others : "none");
  fflush(stdout);

  if (do_serve && failures == 0) {
    for (int fd = 3; fd < 3 + n; fd++) {
      int type = -1;
      socklen_t len = sizeof type;
      char name[300];
      getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
      nth_name(names, fd - 3, name, sizeof name);
      serve(fd, type, name);
    }
  }
  return failures == 0 ? 0 : 1;
}
