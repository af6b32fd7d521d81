// SPDX-License-Identifier: MIT
// plan: every decision, no effects. Resolution rules follow gosu's (runc's libcontainer/user)
// where they are safe, and fail closed where they are not (see README "Differences from gosu").
#include "plan.hpp"

#include <algorithm>

#include "user_spec.hpp"

namespace unroot {
namespace {

// setgroups(2): the kernel refuses more than NGROUPS_MAX (65536) supplementary groups.
constexpr std::size_t kMaxGroups = 65536;

bool same_set(std::vector<std::uint32_t> a, std::vector<std::uint32_t> b) {
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return a == b;
}

std::string who(const UserSpec& spec, const Identity& id) {
  if (!spec.user.text.empty()) {
    return "'" + std::string(spec.user.text) + "'";
  }
  return "uid " + std::to_string(id.uid);
}

std::string missing_file_hint(const UserFile& f) {
  return f.exists ? "" : " (" + std::string(f.path) + " does not exist)";
}

Result<Identity> resolve(const UserSpec& spec, const UserFile& passwd, const UserFile& group,
                         const Caller& caller) {
  Identity id;
  std::optional<PasswdEntry> entry;
  if (spec.user.text.empty() || spec.user.id) {
    // Empty user: the caller's own (real) uid, as gosu does. Numeric: may lack an entry.
    id.uid = spec.user.text.empty() ? caller.ruid : *spec.user.id;
    auto e = find_user_by_uid(passwd, id.uid);
    if (!e) {
      return e.error();
    }
    entry = *e;
  } else {
    auto e = find_user_by_name(passwd, spec.user.text);
    if (!e) {
      return e.error();
    }
    if (!*e) {
      // Never fall back to root or to anything else: su-exec once ran a mistyped name as root.
      return Error{"unknown user '" + std::string(spec.user.text) + "': no entry in " +
                   std::string(passwd.path) + missing_file_hint(passwd)};
    }
    entry = *e;
    id.uid = entry->uid;
  }
  if (entry) {
    id.user_name = std::string(entry->name);
    id.home = entry->home.empty() ? "/" : std::string(entry->home);
  } else {
    id.home = "/";
  }

  if (spec.group_given) {
    std::optional<GroupEntry> g;
    if (spec.group.id) {
      auto r = find_group_by_gid(group, *spec.group.id);
      if (!r) {
        return r.error();
      }
      g = *r;
      id.gid = *spec.group.id;
    } else {
      auto r = find_group_by_name(group, spec.group.text);
      if (!r) {
        return r.error();
      }
      if (!*r) {
        return Error{"unknown group '" + std::string(spec.group.text) + "': no entry in " +
                     std::string(group.path) + missing_file_hint(group)};
      }
      g = *r;
      id.gid = g->gid;
    }
    // An explicit group is the whole list, as in gosu: "app:www" means exactly group www.
    id.groups = {id.gid};
  } else if (entry) {
    id.gid = entry->gid;
    // initgroups(3) semantics: the primary gid plus every group naming the user as a member.
    id.groups = {id.gid};
    for (std::uint32_t gid : groups_with_member(group, entry->name)) {
      if (gid != id.gid) {
        id.groups.push_back(gid);
      }
    }
  } else {
    // gosu and docker --user keep gid 0 here, leaving the process in root's group by accident.
    std::string u = std::to_string(id.uid);
    return Error{"uid " + u + " has no entry in " + std::string(passwd.path) +
                 missing_file_hint(passwd) + ", so it has no group; name one, e.g. " + u + ":" + u +
                 " (or " + u + ":0 if group root is really meant)"};
  }
  if (id.groups.size() > kMaxGroups) {
    return Error{"user " + who(spec, id) + " is in " + std::to_string(id.groups.size()) +
                 " groups; the kernel allows at most " + std::to_string(kMaxGroups)};
  }
  return id;
}

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

std::string started_as(const Caller& c) { return "started as uid " + std::to_string(c.euid); }

SessionPlan plan_session(const Options& opts, const Caller& caller) {
  SessionPlan s;
  s.fork = opts.setsid || opts.init;
  s.new_session = opts.setsid;
  s.signal_group = opts.init_group;
  s.pid = caller.pid;
  if (opts.init) {
    // PID 1 of a namespace gets every orphan by itself; anywhere else orphans go to the nearest
    // subreaper, which is then us (prctl(2) PR_SET_CHILD_SUBREAPER).
    bool pid1 = caller.pid == 1;
    s.subreaper = !pid1;
    s.kill_rest = pid1 ? KillRest::kEveryoneSeen : KillRest::kChildList;
    s.grace_seconds = std::max(opts.init_wait, 0);
    // Docker, Kubernetes and tini report a command killed by signal N as 128 + N; PID 1 could
    // not die of most signals anyway. --setsid alone keeps dying of the signal, as a shell
    // expects of a command it started (a ^C'd loop stops).
    s.exit = ExitRule::kSignalAs128;
  }
  return s;
}

}  // namespace

Result<Plan> make_plan(const Options& opts, const UserFile& passwd, const UserFile& group,
                       char* const* envp, const Caller& caller) {
  // --listen grammar first: a typo in an address is reported as itself, whoever runs unroot.
  auto listen = parse_listen_all(opts.listen);
  if (!listen) {
    return listen.error();
  }
  if (opts.backlog >= 0 && listen->empty()) {
    return Error{"--backlog has no effect without --listen"};
  }
  auto spec = parse_user_spec(opts.user_spec);
  if (!spec) {
    return spec.error();
  }
  auto id = resolve(*spec, passwd, group, caller);
  if (!id) {
    return id.error();
  }
  Plan plan;
  plan.identity = std::move(*id);
  if (opts.dry_run) {
    // Names are for the report only; a real run skips this second pass over /etc/group.
    for (std::string_view n : group_names(group, plan.identity.groups)) {
      plan.identity.group_names.emplace_back(n);
    }
  }
  plan.dry_run = opts.dry_run;
  plan.last_cap = caller.caps.last_cap;
  if (!opts.init && (opts.init_group || opts.init_wait >= 0)) {
    return Error{std::string(opts.init_group ? "--init-group" : "--init-wait") +
                 " has no effect without --init"};
  }
  plan.session = plan_session(opts, caller);
  const Identity& target = plan.identity;
  std::string name = spec->user.text.empty() ? "uid " + std::to_string(target.uid)
                                             : "'" + std::string(spec->user.text) + "'";

  for (std::string_view cap : opts.keep_caps) {
    auto c = parse_keep_cap(cap);
    if (!c) {
      return c.error();
    }
    plan.keep_caps |= cap_bit(*c);
  }

  // Who does the switch. Each refusal happens here, before any effect.
  plan.no_new_privs = !opts.allow_new_privs && target.uid != 0;
  std::vector<std::string> refusals;
  // The kernel's group set is the egid plus the supplementary list (credentials(7)), so gid 1000
  // with no supplementary groups is the same set as gid 1000 with groups [1000].
  std::vector<std::uint32_t> caller_set = caller.groups;
  caller_set.push_back(caller.egid);
  bool same_gids = caller.rgid == target.gid && caller.egid == target.gid &&
                   caller.sgid == target.gid && same_set(caller_set, target.groups);
  if (caller.euid == 0 && target.uid == 0) {
    // Target root "simply execs"; only an explicit group (root:www, :www) changes anything.
    bool keep_groups = !spec->group_given || same_gids;
    plan.how = keep_groups ? Switch::kNone : Switch::kRootGroups;
    if (plan.keep_caps != 0) {
      refusals.push_back(
          "--keep-cap has no effect when the target is root, which keeps all "
          "of its capabilities; remove it");
    }
  } else if (caller.euid == 0) {
    plan.how = Switch::kDrop;
  } else {
    bool already = caller.ruid == target.uid && caller.euid == target.uid &&
                   caller.suid == target.uid && same_gids;
    bool no_caps = caller.caps.effective == 0 && caller.caps.permitted == 0 &&
                   caller.caps.inheritable == 0 && caller.caps.ambient == 0;
    plan.how = Switch::kNone;
    if (!already || !no_caps) {
      refusals.push_back("cannot switch to user " + name + ": " + started_as(caller) +
                         ", not root; run the container as root or drop the unroot call");
    } else if (plan.keep_caps != 0) {
      refusals.push_back("--keep-cap needs unroot to start as root; " + started_as(caller));
    }
  }
  if (plan.how != Switch::kNone) {
    // A switch needs exactly these two (only SETGID for root:group); name the missing one, as
    // docker run --cap-drop and Kubernetes' drop: [ALL] take them away.
    for (int cap : {kCapSetgid, kCapSetuid}) {
      if (cap == kCapSetuid && plan.how == Switch::kRootGroups) {
        continue;
      }
      if ((caller.caps.effective & cap_bit(cap)) == 0) {
        refusals.push_back("cannot switch to user " + name + ": missing capability " +
                           cap_name(cap) + "; add it to the container (e.g. --cap-add " +
                           cap_name(cap).substr(4) + ")");
        break;
      }
    }
  }
  if (plan.how == Switch::kDrop) {
    for (int cap = 0; cap < 64; ++cap) {
      if ((plan.keep_caps & cap_bit(cap)) != 0 && (caller.caps.permitted & cap_bit(cap)) == 0) {
        refusals.push_back("--keep-cap " + cap_name(cap) + ": unroot does not have it to keep");
        break;
      }
    }
    // The bounding set is emptied (but for kept capabilities) under no_new_privs, as a second
    // wall. With --allow-new-privs it is left whole: that option exists so setuid programs
    // (su, sudo) can work, and they need the capabilities the bounding set would remove.
    // Without CAP_SETPCAP (docker --cap-drop SETPCAP, Kubernetes drop: [ALL]) it cannot be
    // changed at all; no_new_privs alone then stops setuid files and file capabilities.
    plan.drop_bounding = plan.no_new_privs && (caller.caps.effective & cap_bit(kCapSetpcap)) != 0;
  }
  // --chown writes owners: without CAP_CHOWN in the effective set every change below PATH
  // would fail with EPERM (chown(2)); say so now, before anything happened.
  plan.chown = opts.chown;
  if (!plan.chown.empty() && (caller.caps.effective & cap_bit(kCapChown)) == 0) {
    refusals.push_back("--chown " + shell_quote(plan.chown.front()) +
                       ": missing capability CAP_CHOWN; run unroot as root or add it to the "
                       "container (e.g. --cap-add CHOWN)");
  }
  if (!refusals.empty() && !opts.dry_run) {
    return Error{refusals.front()};
  }
  for (const std::string& r : refusals) {
    plan.notes.push_back("a real run would fail: " + r);
  }

  // The environment: everything inherited, HOME set for the target user (gosu sets it only
  // when unset; a root HOME left in place sends the user's dotfiles to /root).
  for (char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
    plan.env.emplace_back(*e);
  }
  set_env(plan.env, "HOME", target.home);

  // Socket activation (sd_listen_fds(3)): the sockets become fds 3, 4, ... in --listen order;
  // unroot execs in place, so LISTEN_PID is its own pid.
  plan.listen = std::move(*listen);
  plan.backlog = opts.backlog < 0 ? kDefaultBacklog : opts.backlog;
  bool had_pidfdid = find_env(plan.env, "LISTEN_PIDFDID").has_value();
  plan.env = with_listen_env(std::move(plan.env), plan.listen, caller.pid);
  // After a fork the command has a PID of its own, which sd_listen_fds(3) checks. Only a value
  // naming unroot moves to the child: set above for --listen, or by a supervisor that started
  // unroot. LISTEN_PIDFDID identifies unroot's process too and cannot be made true for the
  // child, so it goes (sd_listen_fds then checks the PID alone).
  if (plan.session.fork && find_env(plan.env, "LISTEN_PID") == std::to_string(caller.pid)) {
    plan.session.listen_pid_to_child = true;
    unset_env(plan.env, "LISTEN_PIDFDID");
  }
  for (std::size_t i = 0; i < plan.listen.size(); ++i) {
    const ListenSpec& l = plan.listen[i];
    std::string note =
        "listen: fd " + std::to_string(3 + i) + " name=" + l.name + ": " + describe(l);
    if (l.transport == Transport::kUnix) {
      note += " (owner " + std::to_string(target.uid) + ":" + std::to_string(target.gid) +
              ", mode 0660)";
    }
    plan.notes.push_back(std::move(note));
  }
  if (!plan.listen.empty()) {
    plan.notes.push_back("listen backlog: " + std::to_string(plan.backlog));
    for (std::string_view key : {"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"}) {
      std::string value(find_env(plan.env, key).value_or(""));
      if (key == "LISTEN_PID" && plan.session.listen_pid_to_child) {
        value = "(the command's PID, set in the child after the fork)";
      }
      plan.notes.push_back("env: " + std::string(key) + "=" + value);
    }
    if (had_pidfdid) {
      plan.notes.push_back(
          "env: LISTEN_PIDFDID removed (it names the process an outer "
          "systemd started, not these sockets)");
    }
  }

  std::optional<std::string_view> path = find_env(plan.env, "PATH");
  plan.command = plan_command(opts.command.front(), path);
  plan.argv = opts.command;
  plan.argv.push_back(nullptr);
  return plan;
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
  if (s.kill_rest == KillRest::kNone) {
    return out;  // --setsid alone: its line says it all
  }
  out += "init: unroot forks once and stays as the supervisor; the command runs as its child\n";
  out += std::string("init: signals: every catchable one forwarded to ") +
         (s.signal_group ? "the command's process group (--init-group)" : "the command") + "\n";
  if (s.subreaper) {
    out += "init: not PID 1 (pid " + std::to_string(s.pid) +
           "): a child subreaper (PR_SET_CHILD_SUBREAPER), so orphans are reaped here too\n";
  } else {
    out += "init: PID 1: reaps every orphan of the container\n";
  }
  out += "init: when the command ends: ";
  out += s.grace_seconds == 0
             ? std::string("SIGKILL to the children still running, at once")
             : "the children still running get " + std::to_string(s.grace_seconds) +
                   " s (--init-wait), then SIGKILL";
  out += "\ninit: exit status: the command's, or 128+N if signal N killed it\n";
  return out;
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

std::string describe_plan(const Plan& plan) {
  std::string out = describe_identity(plan.identity) + "\n";
  out += "command:";
  for (char* arg : plan.argv) {
    if (arg != nullptr) {
      out += ' ';
      out += shell_quote(arg);
    }
  }
  out += "\n";
  if (plan.how == Switch::kRootGroups) {
    out += "switch: setgroups, setresgid (the target is root: capabilities untouched)\n";
  } else if (plan.how == Switch::kDrop) {
    out += "switch: setgroups, setresgid, setresuid, then verify root cannot be regained\n";
    out += "capabilities kept: " + cap_list(plan.keep_caps) + "\n";
    if (plan.drop_bounding) {
      out += "bounding set: drop all but the kept capabilities\n";
    } else if (plan.no_new_privs) {
      out += "bounding set: left as is (no CAP_SETPCAP); no_new_privs stops setuid programs\n";
    } else {
      out +=
          "bounding set: left as is (--allow-new-privs): setuid programs in the image can "
          "make the command root again\n";
    }
  } else {
    out += "switch: none (already running as the target)\n";
  }
  out += std::string("no_new_privs: ") + (plan.no_new_privs ? "on" : "off") + "\n";
  out += describe_session(plan.session);
  out += "env: HOME=" + plan.identity.home + "\n";
  for (std::string_view path : plan.chown) {
    out += "chown: " + shell_quote(path) + " to " + std::to_string(plan.identity.uid) + ":" +
           std::to_string(plan.identity.gid) +
           " (this mount only; symlinks not followed; hard-linked files and devices skipped)\n";
  }
  for (const std::string& note : plan.notes) {
    out += note + "\n";
  }
  return out;
}

void set_env(std::vector<std::string>& env, std::string_view key, std::string_view value) {
  std::string entry = std::string(key) + "=" + std::string(value);
  bool placed = false;
  for (auto it = env.begin(); it != env.end();) {
    if (it->size() > key.size() && std::string_view(*it).substr(0, key.size()) == key &&
        (*it)[key.size()] == '=') {
      if (!placed) {
        *it = entry;
        placed = true;
        ++it;
      } else {
        it = env.erase(it);
      }
    } else {
      ++it;
    }
  }
  if (!placed) {
    env.push_back(std::move(entry));
  }
}

void unset_env(std::vector<std::string>& env, std::string_view key) {
  std::erase_if(env, [&](const std::string& e) {
    return e.size() > key.size() && std::string_view(e).substr(0, key.size()) == key &&
           e[key.size()] == '=';
  });
}

std::optional<std::string_view> find_env(const std::vector<std::string>& env,
                                         std::string_view key) {
  for (const std::string& e : env) {
    if (e.size() > key.size() && std::string_view(e).substr(0, key.size()) == key &&
        e[key.size()] == '=') {
      return std::string_view(e).substr(key.size() + 1);
    }
  }
  return std::nullopt;
}

}  // namespace unroot
