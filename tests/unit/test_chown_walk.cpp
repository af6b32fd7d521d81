// SPDX-License-Identifier: MIT
// Unit tests for the pure parts of chown_walk: message text, path quoting, fd budget.
#include <catch2/catch.hpp>

#include "chown_walk.hpp"

using unroot::chown_summary;
using unroot::ChownStats;
using unroot::dir_fd_budget;
using unroot::printable_path;

TEST_CASE("a name with a newline cannot start a second log line", "[chown_walk]") {
  CHECK(printable_path("/data/a\nunroot: fake") == "/data/a\\x0aunroot: fake");
  CHECK(printable_path("/data/\r\t") == "/data/\\x0d\\x09");
}

TEST_CASE("invalid UTF-8, DEL and escape bytes are shown as hex", "[chown_walk]") {
  CHECK(printable_path(std::string_view("/d/\xff\xfe", 5)) == "/d/\\xff\\xfe");
  CHECK(printable_path("\x1b[31m") == "\\x1b[31m");
  CHECK(printable_path("\x7f") == "\\x7f");
}

TEST_CASE("a backslash is escaped so that escapes stay unambiguous", "[chown_walk]") {
  CHECK(printable_path("a\\x41") == "a\\x5cx41");
}

TEST_CASE("plain paths, including spaces and valid punctuation, stay as they are", "[chown_walk]") {
  CHECK(printable_path("/var/lib/my data/-x_1.db") == "/var/lib/my data/-x_1.db");
  CHECK(printable_path("") == "");
}

TEST_CASE("summary line lists entries and changes, and only the skips that happened",
          "[chown_walk]") {
  ChownStats st;
  st.entries = 12034;
  st.changed = 12000;
  st.hardlinks_skipped = 2;
  st.mounts_skipped = 1;
  CHECK(chown_summary("/data", st, false) ==
        "/data: 12034 entries, 12000 changed, 2 hard-linked files skipped, 1 mount skipped");
  ChownStats plain;
  plain.entries = 1;
  CHECK(chown_summary("/data", plain, false) == "/data: 1 entry, 0 changed");
}

TEST_CASE("summary uses singular and plural forms and names device nodes", "[chown_walk]") {
  ChownStats st;
  st.entries = 3;
  st.changed = 1;
  st.hardlinks_skipped = 1;
  st.mounts_skipped = 2;
  st.devices_skipped = 1;
  CHECK(chown_summary("/v", st, false) ==
        "/v: 3 entries, 1 changed, 1 hard-linked file skipped, 2 mounts skipped, "
        "1 device node skipped");
}

TEST_CASE("dry-run summary says what would change", "[chown_walk]") {
  ChownStats st;
  st.entries = 5;
  st.changed = 4;
  CHECK(chown_summary("/v", st, true) == "/v: 5 entries, 4 would change");
}

TEST_CASE("summary quotes the path it prints", "[chown_walk]") {
  ChownStats st;
  CHECK(chown_summary("/v\n", st, false) == "/v\\x0a: 0 entries, 0 changed");
}

TEST_CASE("fd budget stays at least 2 even with a tiny open-file limit", "[chown_walk]") {
  CHECK(dir_fd_budget(0) == 2);
  CHECK(dir_fd_budget(8) == 2);
  CHECK(dir_fd_budget(11) == 2);
}

TEST_CASE("fd budget is a quarter of the limit, capped at 64", "[chown_walk]") {
  CHECK(dir_fd_budget(12) == 3);
  CHECK(dir_fd_budget(64) == 16);
  CHECK(dir_fd_budget(256) == 64);
  CHECK(dir_fd_budget(1024) == 64);
  CHECK(dir_fd_budget(1048576) == 64);
  CHECK(dir_fd_budget(UINT64_MAX) == 64);
}

TEST_CASE("summary counts the user's directories that were not entered", "[chown_walk]") {
  ChownStats st;
  st.entries = 4;
  st.changed = 3;
  st.user_dirs_not_entered = 1;
  CHECK(chown_summary("/v", st, false) ==
        "/v: 4 entries, 3 changed, 1 directory of the user not entered");
  st.user_dirs_not_entered = 2;
  st.mounts_skipped = 1;
  CHECK(chown_summary("/v", st, false) ==
        "/v: 4 entries, 3 changed, 1 mount skipped, 2 directories of the user not entered");
}
