// SPDX-License-Identifier: MIT
// Unit tests for the pure part of sockets: the unix path split and the directory classes that
// decide who probes a stale socket and whether a refused bind may be retried.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <string>

#include "sockets.hpp"

using unroot::classify_socket_dir;
using unroot::only_root_writes;
using unroot::SocketDir;
using unroot::split_unix_path;

TEST_CASE("split_unix_path gives the directory and the final name", "[sockets]") {
  auto n = split_unix_path("/run/app/app.sock");
  CHECK(n.dir == "/run/app");
  CHECK(n.base == "app.sock");

  n = split_unix_path("/x.sock");
  CHECK(n.dir == "/");
  CHECK(n.base == "x.sock");

  n = split_unix_path("/a/b/c/d");
  CHECK(n.dir == "/a/b/c");
  CHECK(n.base == "d");
}

TEST_CASE("a directory only root can write in is root-only", "[sockets]") {
  CHECK(classify_socket_dir(0, S_IFDIR | 0755) == SocketDir::kRootOnly);
  CHECK(classify_socket_dir(0, S_IFDIR | 0700) == SocketDir::kRootOnly);
  // The sticky bit does not let anyone else in when nobody else may write.
  CHECK(classify_socket_dir(0, S_IFDIR | 01755) == SocketDir::kRootOnly);
  CHECK(only_root_writes(SocketDir::kRootOnly));
}

TEST_CASE("a user's directory or a sticky shared one is not root-only", "[sockets]") {
  CHECK(classify_socket_dir(1000, S_IFDIR | 0755) == SocketDir::kOwnerOrSticky);
  CHECK(classify_socket_dir(1000, S_IFDIR | 0700) == SocketDir::kOwnerOrSticky);
  CHECK(classify_socket_dir(0, S_IFDIR | 01777) == SocketDir::kOwnerOrSticky);  // /tmp
  CHECK(classify_socket_dir(0, S_IFDIR | 01775) == SocketDir::kOwnerOrSticky);
  CHECK(classify_socket_dir(1000, S_IFDIR | 01777) == SocketDir::kOwnerOrSticky);
  CHECK_FALSE(only_root_writes(SocketDir::kOwnerOrSticky));
}

TEST_CASE("group or others writing without the sticky bit is unguarded", "[sockets]") {
  CHECK(classify_socket_dir(0, S_IFDIR | 0775) == SocketDir::kUnguarded);
  CHECK(classify_socket_dir(0, S_IFDIR | 0757) == SocketDir::kUnguarded);
  CHECK(classify_socket_dir(0, S_IFDIR | 0777) == SocketDir::kUnguarded);
  CHECK(classify_socket_dir(1000, S_IFDIR | 0770) == SocketDir::kUnguarded);
  // Set-group-ID does not stand in for the sticky bit.
  CHECK(classify_socket_dir(0, S_IFDIR | 02775) == SocketDir::kUnguarded);
  CHECK_FALSE(only_root_writes(SocketDir::kUnguarded));
}
