// SPDX-License-Identifier: MIT
// describe: the texts about a plan and its steps. Pure.
#include "describe.hpp"

#include "errno_text.hpp"
#include "plan.hpp"

namespace unroot {
namespace {

std::string with_name(std::uint32_t id, std::string_view name) {
  std::string out = std::to_string(id);
  if (!name.empty()) {
    // push/append, not "(" + std::string(name): GCC 12 emits a false -Wrestrict for that form.
    out.push_back('(');
    out.append(name);
    out.push_back(')');
  }
  return out;
}

std::string switch_line(const Plan& plan) {
  const DropSpec& d = plan.drop;
  switch (d.how) {
    case Switch::kRootGroups:
      return "switch: setgroups, setresgid (the target is root: capabilities untouched)\n";
    case Switch::kDrop: {
      std::string out =
          "switch: setgroups, setresgid, setresuid, then verify root cannot be regained\n"
          "capabilities kept: " +
          cap_list(d.keep_caps) + "\n";
      if (d.drop_bounding) {
        return out + "bounding set: drop all but the kept capabilities\n";
      }
      if (d.no_new_privs) {
        return out +
               "bounding set: left as is (no CAP_SETPCAP); no_new_privs stops setuid programs\n";
      }
      return out +
             "bounding set: left as is (--allow-new-privs): setuid programs in the image can make "
             "the command root again\n";
    }
    case Switch::kNone:
      break;
  }
  // A refused switch is planned as kNone too; do not call that "already the target".
  for (const std::string& note : plan.notes) {
    if (note.rfind("a real run would fail: cannot switch", 0) == 0) {
      return "switch: refused (see below)\n";
    }
  }
  return "switch: none (already running as the target)\n";
}

std::string listen_lines(const Plan& plan) {
  std::string out;
  for (std::size_t i = 0; i < plan.listen.size(); ++i) {
    const ListenSpec& l = plan.listen[i];
    out += "listen: fd " + std::to_string(3 + i) + " name=" + l.name + ": " + describe(l);
    if (l.transport == Transport::kUnix) {
      out += " (owner " + std::to_string(plan.socket_owner.uid) + ":" +
             std::to_string(plan.socket_owner.gid) + ", mode 0660)";
    }
    out += "\n";
  }
  if (plan.listen.empty()) {
    return out;
  }
  out += "listen backlog: " + std::to_string(plan.backlog) + "\n";
  for (std::string_view key : {"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"}) {
    std::string value(find_env(plan.env, key).value_or(""));
    if (key == "LISTEN_PID" && plan.session.listen_pid_to_child) {
      value = "(the command's PID, set in the child after the fork)";
    }
    out += "env: " + std::string(key) + "=" + value + "\n";
  }
  return out;
}

std::string chown_lines(const Plan& plan, const std::vector<ChownSurvey>& chown) {
  std::string out;
  std::size_t next = 0;
  for (std::string_view path : plan.chown) {
    out += "chown: " + shell_quote(path) + " to " + std::to_string(plan.identity.uid) + ":" +
           std::to_string(plan.identity.gid) +
           " (this mount only; symlinks not followed; hard-linked files and devices skipped)\n";
    if (next < chown.size() && chown[next].path == path) {
      const ChownSurvey& c = chown[next++];
      out += c.stats ? "chown: " + chown_summary(c.path, *c.stats, true) + "\n"
                     : "a real run would fail: " + error_line(c.stats.error()) + "\n";
    }
  }
  return out;
}

}  // namespace

std::string describe_session(const SessionPlan& s) {
  if (!s.fork) {
    return {};
  }
  std::string out;
  if (s.new_session) {
    out +=
        "session: new (setsid in a child; unroot waits and forwards signals, so the "
        "command's PID is not unroot's)\n";
  }
  switch (s.kill_rest) {
    case KillRest::kNone:
      return out;  // --setsid alone: its line says it all
    case KillRest::kEveryoneSeen:
    case KillRest::kChildList:
      break;
  }
  out += "init: unroot forks once and stays as the supervisor; the command runs as its child\n";
  out += std::string("init: signals: every catchable one forwarded to ") +
         (s.signal_group ? "the command's process group (--init-group)" : "the command") + "\n";
  out += s.subreaper ? "init: not PID 1 (pid " + std::to_string(s.pid) +
                           "): a child subreaper (PR_SET_CHILD_SUBREAPER), so orphans are "
                           "reaped here too\n"
                     : std::string("init: PID 1: reaps every orphan of the container\n");
  out += "init: when the command ends: ";
  out += s.grace_seconds == 0
             ? std::string("SIGKILL to the children still running, at once")
             : "the children still running get " + std::to_string(s.grace_seconds) +
                   " s (--init-wait), then SIGKILL";
  out += "\ninit: exit status: the command's, or 128+N if signal N killed it\n";
  return out;
}

std::string error_line(const Error& e) {
  std::string text = escape_bytes(e.what, false);
  if (e.sys_errno != 0) {
    text += std::string(": ") + errno_text(e.sys_errno);  // the same words with musl
  }
  return text;
}

std::string shell_quote(std::string_view word) {
  bool plain = !word.empty();
  bool control = false;
  for (char ch : word) {
    auto c = static_cast<unsigned char>(ch);
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("_./:=@%+,-").find(static_cast<char>(c)) != std::string_view::npos;
    plain = plain && safe;
    control = control || c < 0x20 || c == 0x7f;
  }
  if (plain) {
    return std::string(word);
  }
  if (!control) {
    std::string out = "'";
    for (char c : word) {
      if (c == '\'') {
        out.append("'\\''");
      } else {
        out.push_back(c);
      }
    }
    return out + "'";
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "$'";
  for (char ch : word) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\'' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

std::string describe_identity(const Identity& id) {
  std::string out = "uid=" + with_name(id.uid, id.user_name);
  auto name_of = [&](std::size_t i) {
    return i < id.group_names.size() ? std::string_view(id.group_names[i]) : std::string_view();
  };
  std::string_view primary;
  for (std::size_t i = 0; i < id.groups.size(); ++i) {
    if (id.groups[i] == id.gid) {
      primary = name_of(i);
      break;
    }
  }
  out += " gid=" + with_name(id.gid, primary) + " groups=";
  for (std::size_t i = 0; i < id.groups.size(); ++i) {
    if (i != 0) {
      out += ',';
    }
    out += with_name(id.groups[i], name_of(i));
  }
  out += " home=" + id.home;
  return out;
}

std::string describe_plan(const Plan& plan, const std::vector<ChownSurvey>& chown) {
  std::string out = describe_identity(plan.identity) + "\ncommand:";
  for (char* arg : plan.argv) {
    if (arg != nullptr) {
      out += ' ';
      out += shell_quote(arg);
    }
  }
  out += "\n" + switch_line(plan);
  out += std::string("no_new_privs: ") + (plan.drop.no_new_privs ? "on" : "off") + "\n";
  out += describe_session(plan.session);
  out += "env: HOME=" + plan.identity.home + "\n";
  out += chown_lines(plan, chown) + listen_lines(plan);
  for (const std::string& note : plan.notes) {
    out += note + "\n";
  }
  return out;
}

std::string describe_act(const Plan& plan, const ActReport& report) {
  std::string out;
  for (const auto& [path, stats] : report.chown) {
    if (stats.changed != 0 || plan.verbose) {
      out += "unroot: " + chown_summary(path, stats, false) + "\n";
    }
  }
  if (!plan.verbose) {
    return out;
  }
  for (std::size_t i = 0; report.placed && i < plan.listen.size(); ++i) {
    out += "unroot: fd " + std::to_string(3 + i) + ": " + describe(plan.listen[i]) + "\n";
  }
  for (const FdMove& m : report.moved) {
    out += "unroot: inherited fd " + std::to_string(m.from) + " moved to " + std::to_string(m.to) +
           " to make room for the --listen sockets\n";
  }
  return out;
}

std::string describe_drop(const Plan& plan) {
  if (!plan.verbose) {
    return "";
  }
  std::string out = "unroot: now " + describe_identity(plan.identity);
  switch (plan.drop.how) {
    case Switch::kDrop:
      out += "; verified: setresuid(0), setresgid(0) and setgroups refused, capabilities " +
             cap_list(plan.drop.keep_caps);
      break;
    case Switch::kRootGroups:
      out += " (target root: groups changed, capabilities kept)";
      break;
    case Switch::kNone:
      out += " (no switch needed)";
      break;
  }
  out += std::string(", no_new_privs ") + (plan.drop.no_new_privs ? "on" : "off") + "\n";
  std::string session = describe_session(plan.session);
  for (std::size_t at = 0; at < session.size();) {
    std::size_t nl = session.find('\n', at);
    out += "unroot: " + session.substr(at, nl - at) + "\n";
    at = nl + 1;
  }
  return out + "unroot: exec " + shell_quote(plan.command.name) + "\n";
}

}  // namespace unroot
