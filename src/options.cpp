// SPDX-License-Identifier: MIT
// options: the command-line grammar, one table row per option. Pure; main prints.
#include "options.hpp"

#include "decimal.hpp"

namespace unroot {
namespace {

enum class OptionId {
  kHelp,
  kVersion,
  kDryRun,
  kVerbose,
  kListen,
  kBacklog,
  kChown,
  kKeepCap,
  kSetsid,
  kInit,
  kInitGroup,
  kInitWait,
  kAllowNewPrivs,
};

// NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding): fields in the order a row reads.
struct OptionRow {
  OptionId id;
  std::string_view long_name;
  char short_name;           // 0: none
  std::string_view value;    // empty: a flag; else the value's name in --help
  std::string_view help[2];  // one or two lines of --help
};

constexpr OptionRow kOptions[] = {
    {OptionId::kHelp, "help", 'h', "", {"show this help and exit"}},
    {OptionId::kVersion, "version", 'v', "", {"show version and build information and exit"}},
    {OptionId::kDryRun,
     "dry-run",
     0,
     "",
     {"resolve everything, print what would happen, change nothing"}},
    {OptionId::kVerbose, "verbose", 0, "", {"report each step on stderr"}},
    {OptionId::kListen,
     "listen",
     'l',
     "[NAME=]ADDRESS",
     {"bind ADDRESS while root and pass it as fd 3, 4, ... (socket",
      "activation: LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES)"}},
    {OptionId::kBacklog, "backlog", 0, "N", {"listen(2) backlog for --listen stream sockets"}},
    {OptionId::kChown,
     "chown",
     'c',
     "PATH",
     {"give PATH and everything below it to USER:GROUP first"}},
    {OptionId::kKeepCap,
     "keep-cap",
     0,
     "CAP",
     {"keep one capability (e.g. NET_BIND_SERVICE) across the switch"}},
    {OptionId::kSetsid,
     "setsid",
     0,
     "",
     {"run COMMAND in a new session, without the controlling terminal",
      "(unroot forks and waits: COMMAND gets a PID of its own)"}},
    {OptionId::kInit,
     "init",
     0,
     "",
     {"stay as COMMAND's init: fork, forward signals, reap every child,",
      "exit with COMMAND's status (128+N for signal N)"}},
    {OptionId::kInitGroup,
     "init-group",
     0,
     "",
     {"with --init: signal COMMAND's whole process group"}},
    {OptionId::kInitWait,
     "init-wait",
     0,
     "SECONDS",
     {"with --init: let other children run on this long (0-3600,",
      "default 0) after COMMAND ends, then SIGKILL them"}},
    {OptionId::kAllowNewPrivs,
     "allow-new-privs",
     0,
     "",
     {"do not set no_new_privs (lets setuid programs such as su work)"}},
};

constexpr std::string_view kSynopsis = "unroot [OPTIONS] USER[:GROUP] COMMAND [ARG...]";

Error usage_error(std::string what) {
  return Error{std::move(what) + " (usage: " + std::string(kSynopsis) + "; see unroot --help)"};
}

Status apply(Options& o, const OptionRow& row, std::string_view value) {
  switch (row.id) {
    case OptionId::kHelp:
      o.help = true;
      return Ok{};
    case OptionId::kVersion:
      o.version = true;
      return Ok{};
    case OptionId::kDryRun:
      o.dry_run = true;
      return Ok{};
    case OptionId::kVerbose:
      o.verbose = true;
      return Ok{};
    case OptionId::kListen:
      o.listen.push_back(value);
      return Ok{};
    case OptionId::kBacklog: {
      // 65535 is far above any kernel's somaxconn; listen(2) silently caps larger values anyway.
      auto n = scan_decimal(value, 1, 65535, LeadingZero::kAllowed);
      if (!n) {
        return Error{"--backlog wants a number from 1 to 65535, got '" + std::string(value) + "'"};
      }
      o.backlog = static_cast<int>(*n);
      return Ok{};
    }
    case OptionId::kChown:
      if (value.empty()) {
        return Error{"--chown needs a path, got an empty string"};
      }
      o.chown.push_back(value);
      return Ok{};
    case OptionId::kKeepCap:
      o.keep_caps.push_back(value);
      return Ok{};
    case OptionId::kSetsid:
      o.setsid = true;
      return Ok{};
    case OptionId::kInit:
      o.init = true;
      return Ok{};
    case OptionId::kInitGroup:
      o.init_group = true;
      return Ok{};
    case OptionId::kInitWait: {
      // An hour bounds a typo (a stop that never ends); runtimes SIGKILL long before that anyway.
      auto n = scan_decimal(value, 0, kMaxInitWait, LeadingZero::kAllowed);
      if (!n) {
        return Error{"--init-wait wants whole seconds from 0 to " + std::to_string(kMaxInitWait) +
                     ", got '" + std::string(value) + "'"};
      }
      o.init_wait = static_cast<int>(*n);
      return Ok{};
    }
    case OptionId::kAllowNewPrivs:
      o.allow_new_privs = true;
      return Ok{};
  }
  __builtin_unreachable();
}

const OptionRow* find_long(std::string_view name) {
  for (const OptionRow& row : kOptions) {
    if (row.long_name == name) {
      return &row;
    }
  }
  return nullptr;
}

const OptionRow* find_short(char c) {
  for (const OptionRow& row : kOptions) {
    if (row.short_name != 0 && row.short_name == c) {
      return &row;
    }
  }
  return nullptr;
}

struct Parsed {
  const OptionRow* row = nullptr;
  std::string_view value;
  bool inline_value = false;
};

// One "--name[=value]" or "-x[value]" word.
Result<Parsed> parse_word(std::string_view arg) {
  Parsed p;
  if (arg[1] == '-') {
    std::string_view body = arg.substr(2);
    std::size_t eq = body.find('=');
    p.row = find_long(body.substr(0, eq));
    if (p.row == nullptr) {
      return Error{"unknown option '--" + std::string(body.substr(0, eq)) +
                   "' (see unroot --help)"};
    }
    if (eq != std::string_view::npos) {
      p.value = body.substr(eq + 1);
      p.inline_value = true;
    }
    return p;
  }
  p.row = find_short(arg[1]);
  if (p.row == nullptr || (arg.size() > 2 && p.row->value.empty())) {
    return Error{"unknown option '" + std::string(arg) + "' (see unroot --help)"};
  }
  if (arg.size() > 2) {
    p.value = arg.substr(2);  // -l80
    p.inline_value = true;
  }
  return p;
}

}  // namespace

Result<Options> parse_args(int argc, char** argv) {
  Options o;
  int i = 1;
  for (; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      break;  // the user-spec; "-" alone is not an option either
    }
    auto word = parse_word(arg);
    if (!word) {
      return word.error();
    }
    std::string shown = "--" + std::string(word->row->long_name);
    if (word->row->value.empty() && word->inline_value) {
      return Error{"option " + shown + " takes no value"};
    }
    if (!word->row->value.empty() && !word->inline_value) {
      if (i + 1 >= argc) {
        return Error{"option " + shown + " needs a value"};
      }
      word->value = argv[++i];
    }
    if (auto s = apply(o, *word->row, word->value); !s) {
      return s.error();
    }
  }
  if (o.help || o.version) {
    return o;
  }
  if (i >= argc) {
    return usage_error("missing USER[:GROUP] and COMMAND");
  }
  o.user_spec = argv[i++];
  if (i >= argc) {
    return usage_error("missing COMMAND after '" + std::string(o.user_spec) + "'");
  }
  for (; i < argc; ++i) {
    o.command.push_back(argv[i]);
  }
  return o;
}

std::string usage_text() {
  std::string out =
      "Usage: " + std::string(kSynopsis) +
      "\n"
      "Run COMMAND as USER in place of unroot (same PID), after proving root cannot be "
      "regained.\n"
      "\n"
      "USER and GROUP are names from /etc/passwd and /etc/group, or decimal ids.\n"
      "  user         that user's uid, primary gid and every group listing the user\n"
      "  user:group   that uid, and exactly that one group\n"
      "  uid          needs a passwd entry, or name the group: uid:gid\n"
      "  :group       the caller's own uid with that group\n"
      "\n"
      "Options (before USER; -- ends them):\n";
  constexpr std::size_t kColumn = 26;
  for (const OptionRow& row : kOptions) {
    std::string left = row.short_name != 0 ? std::string("  -") + row.short_name + ", " : "      ";
    left += "--" + std::string(row.long_name);
    if (!row.value.empty()) {
      left += " " + std::string(row.value);
    }
    for (std::string_view line : row.help) {
      if (line.empty()) {
        continue;
      }
      if (left.size() + 2 > kColumn) {
        out += left + "\n";
        left.clear();
      }
      left.resize(kColumn, ' ');
      out += left + std::string(line) + "\n";
      left.clear();
    }
  }
  out +=
      "\n"
      "Exit status: 125 unroot failed, 126 COMMAND not executable, 127 COMMAND not found,\n"
      "otherwise the status of COMMAND.\n";
  return out;
}

}  // namespace unroot
