// SPDX-License-Identifier: MIT
// plan: every decision, no effects. Resolution rules follow gosu's (runc's libcontainer/user)
// where they are safe, and fail closed where they are not (docs/security.md).
#include "plan.hpp"

#include "describe.hpp"
#include "idmap.hpp"
#include "user_spec.hpp"

namespace unroot {
namespace {

// setgroups(2): the kernel refuses more than NGROUPS_MAX (65536) supplementary groups.
constexpr std::size_t kMaxGroups = 65536;

std::string missing_file_hint(const UserFile& f) {
  return f.exists ? "" : " (" + std::string(f.path) + " does not exist)";
}

/// Refusals collected while planning: a real run fails with the first, --dry-run notes them all.
using Refusals = std::vector<std::string>;

// The user part: uid, name and home. A numeric uid may lack an entry.
Result<Identity> resolve_user(const UserSpec& spec, const UserFile& passwd, const Caller& caller,
                              std::optional<PasswdEntry>& entry) {
  Identity id;
  if (spec.user.text.empty() || spec.user.id) {
    // ":group": the caller's own (real) uid, as gosu does. Numeric: may lack an entry.
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
  id.user_name = entry ? std::string(entry->name) : "";
  id.home = entry && !entry->home.empty() ? std::string(entry->home) : "/";
  return id;
}

Result<std::uint32_t> resolve_group(const IdPart& group, const UserFile& file) {
  if (group.id) {
    auto r = find_group_by_gid(file, *group.id);
    if (!r) {
      return r.error();
    }
    return *group.id;
  }
  auto r = find_group_by_name(file, group.text);
  if (!r) {
    return r.error();
  }
  if (!*r) {
    return Error{"unknown group '" + std::string(group.text) + "': no entry in " +
                 std::string(file.path) + missing_file_hint(file)};
  }
  return (*r)->gid;
}

// The group part: gid and the supplementary list, as initgroups(3) or an explicit group.
Status resolve_groups(const UserSpec& spec, const std::optional<PasswdEntry>& entry,
                      const UserFile& group, Identity& id) {
  if (spec.group_given) {
    auto gid = resolve_group(spec.group, group);
    if (!gid) {
      return gid.error();
    }
    id.gid = *gid;
    id.groups = {id.gid};  // an explicit group is the whole list, as in gosu
    return Ok{};
  }
  if (!entry) {
    // gosu and docker --user keep gid 0 here, leaving the process in root's group by accident.
    std::string u = std::to_string(id.uid);
    return Error{"uid " + u + " has no entry in /etc/passwd, so it has no group; name one, e.g. " +
                 u + ":" + u + " (or " + u + ":0 if group root is really meant)"};
  }
  id.gid = entry->gid;
  // initgroups(3) semantics: the primary gid plus every group naming the user as a member.
  id.groups = {id.gid};
  for (std::uint32_t gid : groups_with_member(group, entry->name)) {
    if (gid != id.gid) {
      id.groups.push_back(gid);
    }
  }
  if (id.groups.size() > kMaxGroups) {
    return Error{"user '" + id.user_name + "' is in " + std::to_string(id.groups.size()) +
                 " groups; the kernel allows at most " + std::to_string(kMaxGroups)};
  }
  return Ok{};
}

Result<Identity> plan_identity(const UserSpec& spec, const Facts& facts, bool dry_run) {
  std::optional<PasswdEntry> entry;
  auto id = resolve_user(spec, facts.passwd(), facts.caller, entry);
  if (!id) {
    return id.error();
  }
  if (auto s = resolve_groups(spec, entry, facts.group(), *id); !s) {
    return s.error();
  }
  if (dry_run) {
    // Names are for the report only; a real run skips this second pass over /etc/group.
    for (std::string_view n : group_names(facts.group(), id->groups)) {
      id->group_names.emplace_back(n);
    }
  }
  return id;
}

std::string started_as(const Caller& c) { return "started as uid " + std::to_string(c.euid); }

/// The first id of `ids` that is 0 in the parent user namespace, as a refusal.
/// `gives` says what that id would give the command.
std::optional<std::string> root_in_parent(const IdMap& map, const char* map_file, const char* kind,
                                          const char* gives, const std::vector<std::uint32_t>& ids,
                                          const std::string& name) {
  for (std::uint32_t id : ids) {
    const IdRange* r = find_range(map, id);
    if (r != nullptr && outside_id(*r, id) == 0) {
      return "refusing user " + name + ": " + kind + " " + std::to_string(id) + " is " + kind +
             " 0 in the parent user namespace (" + map_file + " line '" + describe_range(*r) +
             "'), so the command would " + gives + "; map it to an unprivileged id";
    }
  }
  return std::nullopt;
}

/// The first id of `ids` that is `host_root`, the id procfs shows for the initial namespace's
/// root, as a refusal. The overflow id is skipped: procfs shows it both when the host's root is
/// not mapped here (then no id here is the host's root) and when it is mapped to that very id;
/// the two look the same, so for that id only the one-level map check applies.
std::optional<std::string> host_root_at_depth(std::uint32_t host_root, const char* kind,
                                              const char* gives,
                                              const std::vector<std::uint32_t>& ids,
                                              const std::string& name) {
  if (host_root == kOverflowId) {
    return std::nullopt;
  }
  for (std::uint32_t id : ids) {
    if (id != host_root) {
      continue;
    }
    // Short on purpose: the musl build has a size budget, and docs/unroot.1 says the rest.
    std::string why = "refusing user " + name;
    why += ": ";
    why += kind;
    why += " " + std::to_string(id);
    why += " is the host's ";
    why += kind;
    why += " 0 (it owns /proc/sys/kernel";
    why += "), so the command would ";
    why += gives;
    why += "; map it to an unprivileged id";
    return why;
  }
  return std::nullopt;
}

constexpr const char* kOwnsFiles = "own root's files";
constexpr const char* kHasGroup = "have root's group on every file";

/// The checks on maps read from procfs, in the order that names the most precise cause.
std::optional<std::string> disguised_in_maps(const Identity& target, const UserNamespace& ns,
                                             const std::string& name) {
  // An empty map is one the runtime has not written yet. The kernel lets it be written once,
  // at any time (user_namespaces(7)), so it could still say anything when the drop comes; and
  // no legitimate run works without it (setgroups(2) and setresgid(2) fail with EINVAL).
  for (auto [text, file] : {std::pair{&ns.uid_map, "/proc/self/uid_map"},
                            std::pair{&ns.gid_map, "/proc/self/gid_map"}}) {
    if (text->empty()) {
      return std::string("user namespace maps not written yet (") + file + " is empty)";
    }
  }
  auto uid_map = parse_id_map(ns.uid_map);
  auto gid_map = parse_id_map(ns.gid_map);
  for (auto [map, file] :
       {std::pair{&uid_map, "/proc/self/uid_map"}, std::pair{&gid_map, "/proc/self/gid_map"}}) {
    if (!*map) {
      return std::string(file) + " " + map->error().what + "; refusing to guess what user " + name +
             " is outside this user namespace";
    }
  }
  // Each map that is the identity makes its ids the host's own: a gid 0 asked for is then
  // plainly gid 0, as on the host.
  bool uid_identity = is_identity(*uid_map);
  bool gid_identity = is_identity(*gid_map);
  if (uid_identity && gid_identity && ns.kernel == KernelNs::kNested) {
    // Only the initial namespace, or one whose every ancestor maps all ids, shows these maps;
    // the kernel saying otherwise means the two answers cannot both be right.
    return "refusing user " + name +
           ": the maps are the identity, but the kernel says this is a nested user namespace";
  }
  if (!uid_identity) {
    if (auto r =
            root_in_parent(*uid_map, "/proc/self/uid_map", "uid", kOwnsFiles, {target.uid}, name)) {
      return r;
    }
  }
  if (!gid_identity) {
    if (auto r =
            root_in_parent(*gid_map, "/proc/self/gid_map", "gid", kHasGroup, target.groups, name)) {
      return r;
    }
  }
  // No procfs at /proc/sys: the one-level check above is all there is.
  if (ns.host_root && !uid_identity) {
    if (auto r = host_root_at_depth(ns.host_root->uid, "uid", kOwnsFiles, {target.uid}, name)) {
      return r;
    }
  }
  if (ns.host_root && !gid_identity) {
    return host_root_at_depth(ns.host_root->gid, "gid", kHasGroup, target.groups, name);
  }
  return std::nullopt;
}

/// A target other than root must not be root outside the user namespace either. Inside, the
/// switch and its verification look normal (setresuid(0) fails, no capability is left), but the
/// kernel checks file access and signals with the initial namespace's ids (user_namespaces(7)):
/// with uid_map "1001 0 1", uid 1001 is the host's uid 0 and owns every root file, and so it is
/// when a namespace further out makes the parent's id the host's root. A gid that is the host's
/// gid 0 gives root's group the same way, primary or supplementary. Target root is not checked:
/// asking for root is asking for whatever root is here, which the caller already is, and unroot
/// changes nothing it could hide.
std::optional<std::string> disguised_root(const Identity& target, const UserNamespace& ns,
                                          const std::string& name) {
  if (target.uid == 0) {
    return std::nullopt;
  }
  switch (ns.maps) {
    case IdMaps::kRead:
      return disguised_in_maps(target, ns, name);
    case IdMaps::kInitial:
    case IdMaps::kUnknown:
      // No /proc and a kernel (before 6.11, or filtered) that cannot say which namespace this
      // is: most likely a plain chroot or a distroless image on the host, where refusing would
      // break the common case for nothing. Runtimes that create user namespaces mount /proc.
      return std::nullopt;
    case IdMaps::kHiddenUser:
      return "refusing user " + name +
             ": this is a user namespace (the kernel says so) but /proc/self/uid_map cannot be "
             "read, so unroot cannot check that the user is not root outside it; mount /proc";
  }
  __builtin_unreachable();
}

// Which switch, and every refusal of it.
Switch plan_switch_kind(const UserSpec& spec, const Identity& target, const Caller& caller,
                        CapMask keep, const std::string& name, Refusals& refusals) {
  // The kernel's group set is the egid plus the supplementary list (credentials(7)), so gid 1000
  // with no supplementary groups is the same set as gid 1000 with groups [1000].
  std::vector<std::uint32_t> caller_set = caller.groups;
  caller_set.push_back(caller.egid);
  bool same_gids = caller.rgid == target.gid && caller.egid == target.gid &&
                   caller.sgid == target.gid &&
                   sorted_unique(caller_set) == sorted_unique(target.groups);
  if (caller.euid == 0 && target.uid == 0) {
    // Target root "simply execs"; only an explicit group (root:www, :www) changes anything.
    if (keep != 0) {
      refusals.push_back(
          "--keep-cap has no effect when the target is root, which keeps all of its "
          "capabilities; remove it");
    }
    return !spec.group_given || same_gids ? Switch::kNone : Switch::kRootGroups;
  }
  if (caller.euid == 0) {
    return Switch::kDrop;
  }
  bool already = caller.ruid == target.uid && caller.euid == target.uid &&
                 caller.suid == target.uid && same_gids;
  bool no_caps = caller.caps.effective == 0 && caller.caps.permitted == 0 &&
                 caller.caps.inheritable == 0 && caller.caps.ambient == 0;
  if (!already || !no_caps) {
    refusals.push_back("cannot switch to user " + name + ": " + started_as(caller) +
                       ", not root; run the container as root or drop the unroot call");
  } else if (keep != 0) {
    refusals.push_back("--keep-cap needs unroot to start as root; " + started_as(caller));
  }
  return Switch::kNone;
}

// How messages name the target: 'app', or uid 1000 for ":group".
std::string shown_name(const UserSpec& spec, const Identity& target) {
  return spec.user.text.empty() ? "uid " + std::to_string(target.uid)
                                : "'" + std::string(spec.user.text) + "'";
}

void plan_user_namespace(const UserSpec& spec, const Facts& facts, Plan& plan, Refusals& refusals) {
  const Identity& target = plan.identity;
  if (auto r = disguised_root(target, facts.user_namespace, shown_name(spec, target))) {
    refusals.push_back(std::move(*r));
  }
  if (facts.user_namespace.maps == IdMaps::kUnknown && target.uid != 0) {
    plan.notes.push_back(
        "user namespace: not checked (no /proc/self/uid_map, and the kernel cannot say "
        "whether this is a user namespace)");
  }
}

std::string missing_capability(int cap) {
  return "missing capability " + cap_name(cap) + "; add it to the container (e.g. --cap-add " +
         cap_name(cap).substr(4) + ")";
}

// The capabilities the switch itself needs, and those --keep-cap asks for.
void plan_switch_caps(const DropSpec& drop, const Caller& caller, const std::string& name,
                      Refusals& refusals) {
  if (drop.how == Switch::kNone) {
    return;
  }
  // A switch needs SETGID and SETUID (only SETGID for root:group); name the missing one, as
  // docker run --cap-drop and Kubernetes' drop: [ALL] take them away.
  for (int cap : {kCapSetgid, kCapSetuid}) {
    if (cap == kCapSetuid && drop.how == Switch::kRootGroups) {
      continue;
    }
    if ((caller.caps.effective & cap_bit(cap)) == 0) {
      refusals.push_back("cannot switch to user " + name + ": " + missing_capability(cap));
      return;
    }
  }
  for (int cap = 0; cap < 64 && drop.how == Switch::kDrop; ++cap) {
    if ((drop.keep_caps & cap_bit(cap)) != 0 && (caller.caps.permitted & cap_bit(cap)) == 0) {
      refusals.push_back("--keep-cap " + cap_name(cap) + ": unroot does not have it to keep");
      return;
    }
  }
}

Result<DropSpec> plan_drop(const Options& opts, const UserSpec& spec, const Identity& target,
                           const Caller& caller, Refusals& refusals) {
  DropSpec drop;
  drop.uid = target.uid;
  drop.gid = target.gid;
  drop.groups = target.groups;
  drop.last_cap = caller.caps.last_cap;
  for (std::string_view cap : opts.keep_caps) {
    auto c = parse_keep_cap(cap);
    if (!c) {
      return c.error();
    }
    drop.keep_caps |= cap_bit(*c);
  }
  std::string name = shown_name(spec, target);
  drop.how = plan_switch_kind(spec, target, caller, drop.keep_caps, name, refusals);
  plan_switch_caps(drop, caller, name, refusals);
  drop.no_new_privs = !opts.allow_new_privs && target.uid != 0;
  // The bounding set is emptied (but for kept capabilities) under no_new_privs, as a second
  // wall. With --allow-new-privs it is left whole: that option exists so setuid programs
  // (su, sudo) can work, and they need the capabilities the bounding set would remove.
  // Without CAP_SETPCAP (docker --cap-drop SETPCAP, Kubernetes drop: [ALL]) it cannot be
  // changed at all; no_new_privs alone then stops setuid files and file capabilities.
  drop.drop_bounding = drop.how == Switch::kDrop && drop.no_new_privs &&
                       (caller.caps.effective & cap_bit(kCapSetpcap)) != 0;
  return drop;
}

// --chown: the roots gather opened, and the capability the changes need.
void plan_chown(const Options& opts, const Facts& facts, Plan& plan, Refusals& refusals) {
  const CapMask effective = facts.caller.caps.effective;
  plan.chown = opts.chown;
  // Without CAP_CHOWN in the effective set every change below PATH would fail with EPERM
  // (chown(2)); say so now, before anything happened.
  if (!opts.chown.empty() && (effective & cap_bit(kCapChown)) == 0) {
    refusals.push_back("--chown " + shell_quote(opts.chown.front()) +
                       ": missing capability CAP_CHOWN; run unroot as root or add it to the "
                       "container (e.g. --cap-add CHOWN)");
  }
  for (const Result<ChownRoot>& root : facts.chown_roots) {
    if (!root) {
      refusals.push_back(error_line(root.error()));
    }
  }
  // A directory only its owner may enter (0700, another uid) needs CAP_DAC_READ_SEARCH (or
  // DAC_OVERRIDE), which Kubernetes' minimal set and --cap-drop ALL leave out (capabilities(7)).
  constexpr CapMask kDac = cap_bit(kCapDacOverride) | cap_bit(kCapDacReadSearch);
  if ((effective & kDac) == 0) {
    plan.hints.chown_denied =
        "permission denied, and unroot lacks capability CAP_DAC_READ_SEARCH; add it or make the "
        "directory readable by root";
  }
}

// --listen: the grammar of every argument and the backlog. Checked first, so that a typo in an
// address is reported as itself, whoever runs unroot.
Status plan_listen(const Options& opts, Plan& plan) {
  auto listen = parse_listen_all(opts.listen);
  if (!listen) {
    return listen.error();
  }
  if (opts.backlog >= 0 && listen->empty()) {
    return Error{"--backlog has no effect without --listen"};
  }
  plan.listen = std::move(*listen);
  plan.backlog = opts.backlog < 0 ? kDefaultBacklog : opts.backlog;
  return Ok{};
}

// --listen: the socket files' owner, and the capability low ports need.
void plan_listen_caps(const Facts& facts, Plan& plan) {
  plan.socket_owner = SocketOwner{plan.identity.uid, plan.identity.gid};
  // bind(2): EACCES for a port below net.ipv4.ip_unprivileged_port_start without
  // CAP_NET_BIND_SERVICE (capabilities(7)), as after docker run --cap-drop NET_BIND_SERVICE.
  if ((facts.caller.caps.effective & cap_bit(kCapNetBindService)) != 0) {
    return;
  }
  plan.hints.bind_denied = missing_capability(kCapNetBindService) + " or use a port from " +
                           std::to_string(facts.unprivileged_port_start) + " up";
  // A real run tries the bind anyway (a policy unroot cannot see may allow it) and explains a
  // refusal with the hint; --dry-run warns now.
  for (const ListenSpec& l : plan.listen) {
    if (plan.dry_run && l.transport != Transport::kUnix && l.port < facts.unprivileged_port_start) {
      plan.notes.push_back("a real run would fail: --listen '" + l.arg + "': port " +
                           std::to_string(l.port) +
                           " needs capability CAP_NET_BIND_SERVICE (ports below " +
                           std::to_string(facts.unprivileged_port_start) + ")");
    }
  }
}

// The environment: everything inherited, HOME set for the target user (gosu does the same; a
// root HOME left in place sends the user's dotfiles to /root), and socket activation's
// LISTEN_* variables (sd_listen_fds(3)).
void plan_env(char* const* envp, const Facts& facts, Plan& plan) {
  plan.env = env_from(envp);
  set_env(plan.env, "HOME", plan.identity.home);
  bool had_pidfdid = find_env(plan.env, "LISTEN_PIDFDID").has_value();
  plan.env = with_listen_env(std::move(plan.env), plan.listen, facts.caller.pid);
  if (!plan.listen.empty() && had_pidfdid) {
    plan.notes.push_back(
        "env: LISTEN_PIDFDID removed (it names the process an outer systemd started, not "
        "these sockets)");
  }
  // After a fork the command has a PID of its own, which sd_listen_fds(3) checks. Only a value
  // naming unroot moves to the child: set above for --listen, or by a supervisor that started
  // unroot. LISTEN_PIDFDID identifies unroot's process too and cannot be made true for the
  // child, so it goes (sd_listen_fds then checks the PID alone).
  if (plan.session.fork && find_env(plan.env, "LISTEN_PID") == std::to_string(facts.caller.pid)) {
    plan.session.listen_pid_to_child = true;
    unset_env(plan.env, "LISTEN_PIDFDID");
  }
}

Result<SessionPlan> plan_session(const Options& opts, const Caller& caller) {
  if (!opts.init && (opts.init_group || opts.init_wait >= 0)) {
    return Error{std::string(opts.init_group ? "--init-group" : "--init-wait") +
                 " has no effect without --init"};
  }
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
    s.grace_seconds = opts.init_wait < 0 ? 0 : opts.init_wait;
    // Docker, Kubernetes and tini report a command killed by signal N as 128 + N; PID 1 could
    // not die of most signals anyway. --setsid alone keeps dying of the signal, as a shell
    // expects of a command it started (a ^C'd loop stops).
    s.exit = ExitRule::kSignalAs128;
  }
  return s;
}

}  // namespace

Result<Plan> make_plan(const Options& opts, const Facts& facts, char* const* envp) {
  Plan plan;
  Refusals refusals;
  plan.dry_run = opts.dry_run;
  plan.verbose = opts.verbose;
  if (auto s = plan_listen(opts, plan); !s) {
    return s.error();
  }
  auto spec = parse_user_spec(opts.user_spec);
  if (!spec) {
    return spec.error();
  }
  auto id = plan_identity(*spec, facts, opts.dry_run);
  if (!id) {
    return id.error();
  }
  plan.identity = std::move(*id);
  auto drop = plan_drop(opts, *spec, plan.identity, facts.caller, refusals);
  if (!drop) {
    return drop.error();
  }
  plan.drop = std::move(*drop);
  plan_user_namespace(*spec, facts, plan, refusals);
  auto session = plan_session(opts, facts.caller);
  if (!session) {
    return session.error();
  }
  plan.session = *session;
  plan_chown(opts, facts, plan, refusals);
  plan_listen_caps(facts, plan);
  if (!refusals.empty() && !opts.dry_run) {
    return Error{refusals.front()};  // a real run stops at the first; --dry-run notes them all
  }
  for (const std::string& r : refusals) {
    plan.notes.push_back("a real run would fail: " + r);
  }
  plan_env(envp, facts, plan);
  plan.command = plan_command(opts.command.front(), find_env(plan.env, "PATH"));
  plan.argv = opts.command;
  plan.argv.push_back(nullptr);
  return plan;
}

}  // namespace unroot
