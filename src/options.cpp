// SPDX-License-Identifier: MIT
// options: command-line grammar. Pure; the caller prints errors and picks exit codes.
#include "options.hpp"

#include <charconv>
#include <optional>
#include <string>

namespace unroot {
namespace {

enum class Kind { kFlag, kValue };

/// A strict decimal from 'low' to 'high': digits only, no sign, no spaces, no trailing junk.
std::optional<int> parse_bounded(std::string_view value, int low, int high) {
  int n = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, n);
  if (value.empty() || value[0] == '+' || value[0] == '-' || ec != std::errc() || ptr != end ||
      n < low || n > high) {
    return std::nullopt;
  }
  return n;
}

struct Spec {
  std::string_view long_name;
  char short_name;  // 0: none
  Kind kind;
};

constexpr Spec kSpecs[] = {
    {"help", 'h', Kind::kFlag},     {"version", 'v', Kind::kFlag},
    {"dry-run", 0, Kind::kFlag},    {"verbose", 0, Kind::kFlag},
    {"setsid", 0, Kind::kFlag},     {"allow-new-privs", 0, Kind::kFlag},
    {"init", 0, Kind::kFlag},       {"init-group", 0, Kind::kFlag},
    {"init-wait", 0, Kind::kValue}, {"listen", 'l', Kind::kValue},
    {"backlog", 0, Kind::kValue},   {"chown", 'c', Kind::kValue},
    {"keep-cap", 0, Kind::kValue},
};

Status apply(Options& o, std::string_view name, std::string_view value) {
  if (name == "help") {
    o.help = true;
  } else if (name == "version") {
    o.version = true;
  } else if (name == "dry-run") {
    o.dry_run = true;
  } else if (name == "verbose") {
    o.verbose = true;
  } else if (name == "setsid") {
    o.setsid = true;
  } else if (name == "allow-new-privs") {
    o.allow_new_privs = true;
  } else if (name == "listen") {
    o.listen.push_back(value);
  } else if (name == "chown") {
    if (value.empty()) {
      return Error{"--chown needs a path, got an empty string"};
    }
    o.chown.push_back(value);
  } else if (name == "keep-cap") {
    o.keep_caps.push_back(value);
  } else if (name == "init") {
    o.init = true;
  } else if (name == "init-group") {
    o.init_group = true;
  } else if (name == "backlog") {
    // 65535 is far above any kernel's somaxconn; listen(2) silently caps larger values anyway.
    auto n = parse_bounded(value, 1, 65535);
    if (!n) {
      return Error{"--backlog wants a number from 1 to 65535, got '" + std::string(value) + "'"};
    }
    o.backlog = *n;
  } else if (name == "init-wait") {
    // An hour bounds a typo (a stop that never ends); runtimes SIGKILL long before that anyway.
    auto n = parse_bounded(value, 0, kMaxInitWait);
    if (!n) {
      return Error{"--init-wait wants whole seconds from 0 to " + std::to_string(kMaxInitWait) +
                   ", got '" + std::string(value) + "'"};
    }
    o.init_wait = *n;
  }
  return Ok{};
}

const Spec* find_long(std::string_view name) {
  for (const Spec& s : kSpecs) {
    if (s.long_name == name) {
      return &s;
    }
  }
  return nullptr;
}

const Spec* find_short(char c) {
  for (const Spec& s : kSpecs) {
    if (s.short_name != 0 && s.short_name == c) {
      return &s;
    }
  }
  return nullptr;
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
    const Spec* spec = nullptr;
    std::string_view value;
    bool has_inline_value = false;
    if (arg[1] == '-') {
      std::string_view body = arg.substr(2);
      std::size_t eq = body.find('=');
      std::string_view name = body.substr(0, eq);
      spec = find_long(name);
      if (spec == nullptr) {
        return Error{"unknown option '--" + std::string(name) + "' (see unroot --help)"};
      }
      if (eq != std::string_view::npos) {
        value = body.substr(eq + 1);
        has_inline_value = true;
      }
    } else {
      spec = find_short(arg[1]);
      if (spec == nullptr) {
        return Error{"unknown option '" + std::string(arg) + "' (see unroot --help)"};
      }
      if (arg.size() > 2) {
        if (spec->kind == Kind::kFlag) {
          return Error{"unknown option '" + std::string(arg) + "' (see unroot --help)"};
        }
        value = arg.substr(2);  // -l80
        has_inline_value = true;
      }
    }
    std::string shown = "--" + std::string(spec->long_name);
    if (spec->kind == Kind::kFlag && has_inline_value) {
      return Error{"option " + shown + " takes no value"};
    }
    if (spec->kind == Kind::kValue && !has_inline_value) {
      if (i + 1 >= argc) {
        return Error{"option " + shown + " needs a value"};
      }
      value = argv[++i];
    }
    if (auto s = apply(o, spec->long_name, value); !s) {
      return s.error();
    }
  }
  if (o.help || o.version) {
    return o;
  }
  if (i >= argc) {
    return Error{"missing USER[:GROUP] and COMMAND", 0, 0, true};
  }
  o.user_spec = argv[i++];
  if (i >= argc) {
    return Error{"missing COMMAND after '" + std::string(o.user_spec) + "'", 0, 0, true};
  }
  for (; i < argc; ++i) {
    o.command.push_back(argv[i]);
  }
  return o;
}

}  // namespace unroot
