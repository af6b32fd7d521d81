// SPDX-License-Identifier: MIT
// options: argv → Options, and the --help text, both from one table. Pure: no syscalls, no
// environment, no printing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace unroot {

/// Largest --init-wait, in seconds.
inline constexpr int kMaxInitWait = 3600;

/// Everything the command line says, still as text where another module owns the grammar
/// (user-spec: user_spec; --listen: listen_addr; --keep-cap: caps). Views point into argv.
struct Options {
  bool help = false;
  bool version = false;
  bool dry_run = false;
  bool verbose = false;
  bool setsid = false;
  bool init = false;        // --init: unroot stays as the command's supervisor (PID 1's job)
  bool init_group = false;  // --init-group: signals go to the command's process group
  int init_wait = -1;       // --init-wait SECONDS; -1: not given (0)
  bool allow_new_privs = false;
  std::vector<std::string_view> listen;     // -l/--listen [NAME=]ADDRESS, in order
  int backlog = -1;                         // --backlog N; -1: not given
  std::vector<std::string_view> chown;      // -c/--chown PATH, in order
  std::vector<std::string_view> keep_caps;  // --keep-cap CAP, in order
  std::string_view user_spec;               // USER[:GROUP]
  std::vector<char*> command;               // COMMAND [ARG...], pointers into argv
};

/// Parses argv[1..argc). Options come before USER[:GROUP]; "--" ends them; any unknown option is
/// an error (fail closed: a typo must not become a user name). Missing USER or COMMAND is an
/// error unless --help or --version was given. Every error is one line.
Result<Options> parse_args(int argc, char** argv);

/// The --help text, generated from the option table.
std::string usage_text();

}  // namespace unroot
