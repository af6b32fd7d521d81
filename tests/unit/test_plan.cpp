// SPDX-License-Identifier: MIT
// Unit tests for plan: resolution rules, refusals, environment. Callers are plain structs.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "describe.hpp"
#include "idmap.hpp"
#include "plan.hpp"

using namespace unroot;

namespace {

constexpr std::string_view kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "node:x:1000:1000::/home/node:/bin/sh\n"
    "0day:x:1500:1500::/home/0day:/bin/sh\n"
    "evil:x:abc:0::/:/bin/sh\n"
    "nohome:x:1600:1600:::/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
constexpr std::string_view kGroup =
    "root:x:0:\n"
    "sudo:x:27:node\n"
    "node:x:1000:\n"
    "docker:x:999:alice,node\n"
    "0day:x:1500:\n"
    "www:x:33:\n"
    "nogroup:x:65534:\n";

Facts facts_of(const Caller& caller, std::string_view passwd, std::string_view group,
                bool exist = true) {
  Facts f;
  f.caller = caller;
  f.passwd_file = FileText{exist, std::string(passwd)};
  f.group_file = FileText{exist, std::string(group)};
  return f;
}

Caller root_caller() {
  Caller c;
  c.groups = {0};
  c.caps.effective = c.caps.permitted = c.caps.bounding = (CapMask{1} << 41) - 1;
  c.caps.last_cap = 40;
  c.pid = 1;
  return c;
}

struct Run {
  std::vector<std::string> args;
  std::vector<char*> argv;
  Options opts;
};

/// A caller and the user namespace it runs in.
struct InNs {
  Caller caller;
  UserNamespace ns;
};

Result<Plan> plan_in(std::vector<std::string> args, const InNs& who,
                     std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=/root"},
                     std::string_view passwd = kPasswd, std::string_view group = kGroup) {
  static Run run;  // keeps argv alive for the Plan's views
  run.args = std::move(args);
  run.args.insert(run.args.begin(), "unroot");
  run.argv.clear();
  for (auto& a : run.args) {
    run.argv.push_back(a.data());
  }
  run.argv.push_back(nullptr);
  auto opts = parse_args(static_cast<int>(run.args.size()), run.argv.data());
  REQUIRE(opts);
  run.opts = *opts;
  static std::vector<std::string> env_store;
  static std::vector<char*> envp;
  env_store = std::move(env);
  envp.clear();
  for (auto& e : env_store) {
    envp.push_back(e.data());
  }
  envp.push_back(nullptr);
  static Facts facts;  // the Plan's views point into its texts
  facts = facts_of(who.caller, passwd, group);
  facts.user_namespace = who.ns;
  return make_plan(run.opts, facts, envp.data());
}

Result<Plan> plan_for(std::vector<std::string> args, const Caller& caller = root_caller(),
                      std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=/root"},
                      std::string_view passwd = kPasswd, std::string_view group = kGroup) {
  return plan_in(std::move(args), InNs{caller, {}}, std::move(env), passwd, group);
}

}  // namespace

TEST_CASE("a name never falls back to root", "[plan]") {
  auto p = plan_for({"nosuch", "id"});
  REQUIRE_FALSE(p);
  CHECK(p.error().what == "unknown user 'nosuch': no entry in /etc/passwd");
}

TEST_CASE("a malformed entry for the requested user is an error naming file and line", "[plan]") {
  auto p = plan_for({"evil", "id"});
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().what, Catch::Contains("/etc/passwd line 4"));
}

TEST_CASE("a numeric uid without entry and without group is refused", "[plan]") {
  auto p = plan_for({"4242", "id"});
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().what, Catch::Contains("4242:4242"));
  CHECK_THAT(p.error().what, Catch::Contains("4242:0"));
}

TEST_CASE("a numeric uid without entry but with a group runs with exactly that group", "[plan]") {
  auto p = plan_for({"--dry-run", "4242:0", "id"});
  REQUIRE(p);
  CHECK(p->identity.uid == 4242u);
  CHECK(p->identity.gid == 0u);
  CHECK(p->identity.groups == std::vector<std::uint32_t>{0});
  CHECK(p->identity.home == "/");
  CHECK(describe_identity(p->identity) == "uid=4242 gid=0(root) groups=0(root) home=/");
}

TEST_CASE("a user gets the primary gid first, then every group listing it", "[plan]") {
  auto p = plan_for({"--dry-run", "node", "id"});
  REQUIRE(p);
  CHECK(describe_identity(p->identity) ==
        "uid=1000(node) gid=1000(node) groups=1000(node),27(sudo),999(docker) home=/home/node");
  CHECK(p->drop.how == Switch::kDrop);
  CHECK(p->drop.no_new_privs);
  auto real = plan_for({"node", "id"});  // without --dry-run the names are not looked up
  REQUIRE(real);
  CHECK(describe_identity(real->identity) ==
        "uid=1000(node) gid=1000 groups=1000,27,999 home=/home/node");
}

TEST_CASE("a numeric uid with an entry behaves like its name", "[plan]") {
  auto p = plan_for({"1000", "id"});
  REQUIRE(p);
  CHECK(p->identity.user_name == "node");
  CHECK(p->identity.groups == std::vector<std::uint32_t>{1000, 27, 999});
}

TEST_CASE("user:group means exactly that group", "[plan]") {
  auto p = plan_for({"node:www", "id"});
  REQUIRE(p);
  CHECK(p->identity.gid == 33u);
  CHECK(p->identity.groups == std::vector<std::uint32_t>{33});
  auto n = plan_for({"node:5555", "id"});
  REQUIRE(n);
  CHECK(n->identity.groups == std::vector<std::uint32_t>{5555});
  auto bad = plan_for({"node:nosuch", "id"});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().what == "unknown group 'nosuch': no entry in /etc/group");
}

TEST_CASE("user: is the same as user", "[plan]") {
  auto a = plan_for({"node:", "id"});
  auto b = plan_for({"node", "id"});
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->identity.groups == b->identity.groups);
}

TEST_CASE(":group means the caller's own uid with that group", "[plan]") {
  auto p = plan_for({":www", "id"});
  REQUIRE(p);
  CHECK(p->identity.uid == 0u);
  CHECK(p->identity.gid == 33u);
  CHECK(p->drop.how == Switch::kRootGroups);
}

TEST_CASE("an empty USER never plans a run as the root caller", "[plan]") {
  for (const char* spec : {"", ":"}) {
    CAPTURE(spec);
    auto e = plan_for({spec, "id"});
    REQUIRE_FALSE(e);
    CHECK_THAT(e.error().what, Catch::Contains("unset variable"));
    auto dry = plan_for({"--dry-run", spec, "id"});
    CHECK_FALSE(dry);
  }
}

TEST_CASE("0day resolves as a name", "[plan]") {
  auto p = plan_for({"0day", "id"});
  REQUIRE(p);
  CHECK(p->identity.uid == 1500u);
}

TEST_CASE("an empty home field becomes /", "[plan]") {
  auto p = plan_for({"nohome:www", "id"});
  REQUIRE(p);
  CHECK(p->identity.home == "/");
}

TEST_CASE("missing files read as empty databases and say so", "[plan]") {
  std::string a0 = "unroot", a1 = "node", a2 = "id";
  char* argv[] = {a0.data(), a1.data(), a2.data(), nullptr};
  auto opts = parse_args(3, argv);
  REQUIRE(opts);
  char* envp[] = {nullptr};
  Facts missing = facts_of(root_caller(), "", "", false);
  auto p = make_plan(*opts, missing, envp);
  REQUIRE_FALSE(p);
  CHECK(p.error().what ==
        "unknown user 'node': no entry in /etc/passwd (/etc/passwd does not exist)");
  a1 = "1000:1000";
  argv[1] = a1.data();
  auto numeric_opts = parse_args(3, argv);
  REQUIRE(numeric_opts);
  auto q = make_plan(*numeric_opts, missing, envp);
  REQUIRE(q);
  CHECK(describe_identity(q->identity) == "uid=1000 gid=1000 groups=1000 home=/");
}

TEST_CASE("HOME is replaced and nothing else in the environment changes", "[plan]") {
  auto p = plan_for({"node", "id"}, root_caller(),
                    {"A=1", "HOME=/root", "PATH=/bin", "HOME=/again", "B=x=y", "NOEQUALS"});
  REQUIRE(p);
  CHECK(p->env ==
        std::vector<std::string>{"A=1", "HOME=/home/node", "PATH=/bin", "B=x=y", "NOEQUALS"});
  auto q = plan_for({"node", "id"}, root_caller(), {"A=1"});
  REQUIRE(q);
  CHECK(q->env == std::vector<std::string>{"A=1", "HOME=/home/node"});
}

TEST_CASE("a non-root caller that is not the target is refused with what to do", "[plan]") {
  Caller c;
  c.ruid = c.euid = c.suid = 1000;
  c.rgid = c.egid = c.sgid = 1000;
  c.groups = {1000};
  auto p = plan_for({"nobody", "id"}, c);
  REQUIRE_FALSE(p);
  CHECK(p.error().what ==
        "cannot switch to user 'nobody': started as uid 1000, not root; run the container as "
        "root or drop the unroot call");
}

TEST_CASE("a non-root caller that already is the target just execs", "[plan]") {
  Caller c;
  c.ruid = c.euid = c.suid = 1000;
  c.rgid = c.egid = c.sgid = 1000;
  c.groups = {999, 27, 1000};
  auto p = plan_for({"node", "id"}, c);
  REQUIRE(p);
  CHECK(p->drop.how == Switch::kNone);
  c.caps.permitted = cap_bit(kCapNetBindService);  // but holding a capability is not "exactly"
  CHECK_FALSE(plan_for({"node", "id"}, c));
}

TEST_CASE("dry-run as non-root reports the refusal instead of failing", "[plan]") {
  Caller c;
  c.ruid = c.euid = c.suid = 1000;
  auto p = plan_for({"--dry-run", "nobody", "id"}, c);
  REQUIRE(p);
  CHECK_THAT(describe_plan(*p, {}), Catch::Contains("a real run would fail: cannot switch"));
  CHECK_THAT(describe_plan(*p, {}),
             Catch::StartsWith("uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup) "
                               "home=/nonexistent\ncommand: id\n"));
}

TEST_CASE("a missing CAP_SETUID or CAP_SETGID is named", "[plan]") {
  Caller c = root_caller();
  c.caps.effective &= ~cap_bit(kCapSetgid);
  auto p = plan_for({"nobody", "id"}, c);
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().what, Catch::Contains("missing capability CAP_SETGID"));
}

TEST_CASE("without CAP_SETPCAP the bounding set is left and dry-run says so", "[plan]") {
  Caller c = root_caller();
  c.caps.effective &= ~cap_bit(kCapSetpcap);
  auto p = plan_for({"--dry-run", "nobody", "id"}, c);
  REQUIRE(p);
  CHECK_FALSE(p->drop.drop_bounding);
  CHECK_THAT(describe_plan(*p, {}), Catch::Contains("bounding set: left as is"));
}

TEST_CASE("--keep-cap is parsed into the plan and --allow-new-privs turns off no_new_privs",
          "[plan]") {
  auto p = plan_for({"--keep-cap", "cap_net_bind_service", "--allow-new-privs", "nobody", "id"});
  REQUIRE(p);
  CHECK(p->drop.keep_caps == cap_bit(kCapNetBindService));
  CHECK_FALSE(p->drop.no_new_privs);
  CHECK_FALSE(plan_for({"--keep-cap", "setuid", "nobody", "id"}));
}

TEST_CASE("the command line is shown quoted for a shell", "[plan]") {
  auto p = plan_for({"--dry-run", "nobody", "sh", "-c", "echo 'hi' $HOME", "a\nb"});
  REQUIRE(p);
  CHECK_THAT(describe_plan(*p, {}),
             Catch::Contains("command: sh -c 'echo '\\''hi'\\'' $HOME' $'a\\nb'\n"));
}

TEST_CASE("--chown without CAP_CHOWN is refused up front, naming the capability", "[plan]") {
  Caller c = root_caller();
  c.caps.effective &= ~cap_bit(kCapChown);
  auto p = plan_for({"--chown", "/data", "node", "id"}, c);
  REQUIRE_FALSE(p);
  CHECK(p.error().what ==
        "--chown /data: missing capability CAP_CHOWN; run unroot as root or add it to the "
        "container (e.g. --cap-add CHOWN)");
  CHECK(plan_for({"node", "id"}, c));  // without --chown the capability is not needed
}

TEST_CASE("--chown paths are kept in order and dry-run lists them with the target ids", "[plan]") {
  auto p = plan_for({"--dry-run", "-c", "/data", "--chown", "/var/log/app", "node", "id"});
  REQUIRE(p);
  REQUIRE(p->chown.size() == 2);
  CHECK(p->chown[0] == "/data");
  CHECK(p->chown[1] == "/var/log/app");
  CHECK_THAT(describe_plan(*p, {}), Catch::Contains("chown: /data to 1000:1000 ("));
  CHECK_THAT(describe_plan(*p, {}), Catch::Contains("chown: /var/log/app to 1000:1000 ("));
}

TEST_CASE("dry-run reports a missing CAP_CHOWN instead of failing", "[plan]") {
  Caller c = root_caller();
  c.caps.effective &= ~cap_bit(kCapChown);
  auto p = plan_for({"--dry-run", "--chown", "/data", "node", "id"}, c);
  REQUIRE(p);
  CHECK_THAT(describe_plan(*p, {}), Catch::Contains("a real run would fail: --chown /data: missing "
                                                "capability CAP_CHOWN"));
}

TEST_CASE("the group set counts the egid, so no supplementary list equals [gid]", "[plan]") {
  Caller c;
  c.ruid = c.euid = c.suid = 1000;
  c.rgid = c.egid = c.sgid = 1000;
  c.groups = {};  // some runtimes start --user processes with no supplementary groups
  auto p = plan_for({"1000:1000", "id"}, c);
  REQUIRE(p);
  CHECK(p->drop.how == Switch::kNone);
}

TEST_CASE("target root without a group simply execs whatever root's groups are", "[plan]") {
  Caller c = root_caller();
  c.groups = {};  // root in /etc/group's sudo list or not: nothing is changed
  auto p = plan_for({"root", "id"}, c);
  REQUIRE(p);
  CHECK(p->drop.how == Switch::kNone);
  CHECK_FALSE(p->drop.no_new_privs);
  auto g = plan_for({"root:www", "id"}, c);
  REQUIRE(g);
  CHECK(g->drop.how == Switch::kRootGroups);
  CHECK_FALSE(plan_for({"--keep-cap", "NET_BIND_SERVICE", "root", "id"}, c));
}

TEST_CASE("--allow-new-privs leaves the bounding set whole and dry-run says why", "[plan]") {
  auto p = plan_for({"--dry-run", "--allow-new-privs", "nobody", "id"});
  REQUIRE(p);
  CHECK_FALSE(p->drop.drop_bounding);
  CHECK_THAT(describe_plan(*p, {}), Catch::Contains("setuid programs in the image can make the "
                                                "command root again"));
  auto q = plan_for({"nobody", "id"});
  REQUIRE(q);
  CHECK(q->drop.drop_bounding);
}

TEST_CASE("--setsid is in the plan and dry-run says the command's PID will differ", "[plan]") {
  auto p = plan_for({"--setsid", "--dry-run", "node", "id"});
  REQUIRE(p);
  CHECK(p->session.new_session);
  CHECK_THAT(describe_plan(*p, {}), Catch::Contains("session: new (setsid in a child; unroot waits "
                                                "and forwards signals, so the command's PID is "
                                                "not unroot's)"));
  auto q = plan_for({"--dry-run", "node", "id"});
  REQUIRE(q);
  CHECK_FALSE(q->session.new_session);
  CHECK_THAT(describe_plan(*q, {}), !Catch::Contains("session:"));
}

TEST_CASE("a bad --listen is reported before the user is looked up", "[plan][listen]") {
  auto p = plan_for({"--listen", "localhost:80", "no-such-user", "x"});
  REQUIRE_FALSE(p);
  CHECK(p.error().what ==
        "--listen 'localhost:80': host names are not resolved; use a numeric address such as "
        "127.0.0.1 or [::1]");
}

TEST_CASE("--backlog without --listen is an error, with it the plan carries it", "[plan][listen]") {
  auto lone = plan_for({"--backlog", "64", "node", "x"});
  REQUIRE_FALSE(lone);
  CHECK(lone.error().what == "--backlog has no effect without --listen");
  auto p = plan_for({"--backlog", "64", "--listen", "80", "node", "x"});
  REQUIRE(p);
  CHECK(p->backlog == 64);
  auto d = plan_for({"--listen", "80", "node", "x"});
  REQUIRE(d);
  CHECK(d->backlog == 4096);
}

TEST_CASE("--listen sets the socket-activation environment for unroot's own pid",
          "[plan][listen]") {
  Caller c = root_caller();
  c.pid = 4321;
  auto p = plan_for({"-l", "http=127.0.0.1:80", "-l", "unix:/run/a.sock", "node", "x"}, c,
                    {"PATH=/bin", "LISTEN_FDS=5", "LISTEN_PIDFDID=7", "LISTEN_PID=1"});
  REQUIRE(p);
  REQUIRE(p->listen.size() == 2);
  CHECK(p->listen[0].name == "http");
  CHECK(p->listen[1].path == "/run/a.sock");
  CHECK(find_env(p->env, "LISTEN_FDS") == "2");
  CHECK(find_env(p->env, "LISTEN_PID") == "4321");
  CHECK(find_env(p->env, "LISTEN_FDNAMES") == "http:unknown");
  CHECK_FALSE(find_env(p->env, "LISTEN_PIDFDID"));
  std::string shown = describe_plan(*p, {});
  CHECK_THAT(shown, Catch::Contains("listen: fd 3 name=http: tcp 127.0.0.1:80\n"));
  CHECK_THAT(shown, Catch::Contains("listen: fd 4 name=unknown: unix /run/a.sock (owner "
                                    "1000:1000, mode 0660)\n"));
  CHECK_THAT(shown, Catch::Contains("env: LISTEN_FDS=2\nenv: LISTEN_PID=4321\n"
                                    "env: LISTEN_FDNAMES=http:unknown\n"));
  CHECK_THAT(shown, Catch::Contains("env: LISTEN_PIDFDID removed"));
}

// ---------------------------------------------------------------------------------------------
// User namespaces: a target that is root in the parent namespace

namespace {

InNs userns_caller(std::string uid_map, std::string gid_map) {
  return InNs{root_caller(), UserNamespace{IdMaps::kRead, std::move(uid_map), std::move(gid_map),
                                           KernelNs::kUnknown, std::nullopt}};
}

constexpr const char* kEvilMap =
    "         0     100000          1\n      1000          0          1\n";

}  // namespace

TEST_CASE("a target uid that is uid 0 in the parent user namespace is refused, naming the line",
          "[plan][userns]") {
  auto p = plan_in({"node", "id"}, userns_caller(kEvilMap, "0 100000 65536\n"));
  REQUIRE_FALSE(p);
  CHECK(p.error().what ==
        "refusing user 'node': uid 1000 is uid 0 in the parent user namespace "
        "(/proc/self/uid_map line '1000 0 1'), so the command would own root's files; map it "
        "to an unprivileged id");
  // By number, and as the caller's own uid (":group") alike.
  auto numeric = plan_in({"1000:1000", "id"}, userns_caller(kEvilMap, "0 100000 65536\n"));
  REQUIRE_FALSE(numeric);
  CHECK_THAT(numeric.error().what, Catch::StartsWith("refusing user '1000': uid 1000 is uid 0"));
}

TEST_CASE("a primary or supplementary gid that is gid 0 in the parent is refused",
          "[plan][userns]") {
  const char* uids = "0 100000 65536\n";
  auto primary = plan_in({"node", "id"}, userns_caller(uids, "0 100000 1000\n1000 0 1\n"));
  REQUIRE_FALSE(primary);
  CHECK(primary.error().what ==
        "refusing user 'node': gid 1000 is gid 0 in the parent user namespace "
        "(/proc/self/gid_map line '1000 0 1'), so the command would have root's group on every "
        "file; map it to an unprivileged id");
  // node's supplementary groups are 27 (sudo) and 999 (docker).
  auto supplementary = plan_in({"node", "id"}, userns_caller(uids, "0 100000 27\n27 0 1\n"));
  REQUIRE_FALSE(supplementary);
  CHECK_THAT(supplementary.error().what, Catch::Contains("gid 27 is gid 0 in the parent"));
  // An explicit group 0 that is the parent's gid 0 as well.
  auto explicit_root = plan_in({"node:0", "id"}, userns_caller(uids, "0 0 1\n1 100001 65535\n"));
  REQUIRE_FALSE(explicit_root);
  CHECK_THAT(explicit_root.error().what, Catch::Contains("gid 0 is gid 0 in the parent"));
}

TEST_CASE("harmless maps, the identity map and unmapped ids pass the user namespace check",
          "[plan][userns]") {
  CHECK(plan_in({"node", "id"}, userns_caller("0 100000 65536\n", "0 100000 65536\n")));
  // The initial namespace: gid 0 asked for is plainly gid 0, as on any host.
  const char* identity = "         0          0 4294967295\n";
  CHECK(plan_in({"node:0", "id"}, userns_caller(identity, identity)));
  // Unmapped: left to setresuid(2), which fails with EINVAL and its own message.
  CHECK(plan_in({"nobody", "id"}, userns_caller("0 0 1\n", "0 0 1\n")));
}

TEST_CASE("target root is not checked: the caller already is whatever root is here",
          "[plan][userns]") {
  auto p = plan_in({"root", "id"}, userns_caller("0 0 1\n", "0 0 1\n"));
  REQUIRE(p);
  CHECK(p->drop.how == Switch::kNone);
}

TEST_CASE("a non-root caller that already is a disguised root is refused too", "[plan][userns]") {
  InNs c = userns_caller(kEvilMap, "0 100000 65536\n");
  c.caller.ruid = c.caller.euid = c.caller.suid = 1000;
  c.caller.rgid = c.caller.egid = c.caller.sgid = 1000;
  c.caller.groups = {999, 27, 1000};
  c.caller.caps = CapState{};
  auto p = plan_in({"node", "id"}, c);
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().what, Catch::StartsWith("refusing user 'node': uid 1000 is uid 0"));
}

TEST_CASE("a map unroot cannot parse is refused, and dry-run reports it", "[plan][userns]") {
  auto p = plan_in({"node", "id"}, userns_caller("0 0 1\n0 5 1\n", "0 0 1\n"));
  REQUIRE_FALSE(p);
  CHECK(p.error().what ==
        "/proc/self/uid_map line 2: overlaps the range '0 0 1'; refusing to guess what user "
        "'node' is outside this user namespace");
  auto dry = plan_in({"--dry-run", "node", "id"}, userns_caller(kEvilMap, "0 100000 65536\n"));
  REQUIRE(dry);
  CHECK_THAT(describe_plan(*dry, {}),
             Catch::Contains("a real run would fail: refusing user 'node': uid 1000 is uid 0"));
}

TEST_CASE("without /proc: refused only when the kernel says this is a user namespace",
          "[plan][userns]") {
  InNs hidden{root_caller(),
              UserNamespace{IdMaps::kHiddenUser, "", "", KernelNs::kUnknown, std::nullopt}};
  auto p = plan_in({"node", "id"}, hidden);
  REQUIRE_FALSE(p);
  CHECK(p.error().what ==
        "refusing user 'node': this is a user namespace (the kernel says so) but "
        "/proc/self/uid_map cannot be read, so unroot cannot check that the user is not root "
        "outside it; mount /proc");
  CHECK(plan_in({"root", "id"}, hidden));
  InNs unknown{root_caller(),
               UserNamespace{IdMaps::kUnknown, "", "", KernelNs::kUnknown, std::nullopt}};
  auto u = plan_in({"--dry-run", "node", "id"}, unknown);
  REQUIRE(u);
  CHECK_THAT(describe_plan(*u, {}), Catch::Contains("user namespace: not checked"));
  CHECK(plan_in({"node", "id"}, unknown));
  InNs initial{root_caller(),
               UserNamespace{IdMaps::kInitial, "", "", KernelNs::kUnknown, std::nullopt}};
  CHECK(plan_in({"node", "id"}, initial));
}

TEST_CASE("--init as PID 1 kills what is left with kill(-1) and exits 128+N", "[plan][init]") {
  auto p = plan_for({"--init", "nobody", "id"});
  REQUIRE(p);
  CHECK(p->session.fork);
  CHECK_FALSE(p->session.new_session);
  CHECK_FALSE(p->session.subreaper);  // PID 1 gets the orphans anyway
  CHECK(p->session.kill_rest == KillRest::kEveryoneSeen);
  CHECK(p->session.exit == ExitRule::kSignalAs128);
  CHECK(p->session.grace_seconds == 0);
  CHECK_FALSE(p->session.signal_group);
  std::string shown = describe_session(p->session);
  CHECK_THAT(shown, Catch::Contains("init: PID 1: reaps every orphan"));
  CHECK_THAT(shown, Catch::Contains("SIGKILL to the children still running, at once"));
  CHECK_THAT(shown, !Catch::Contains("session: new"));
}

TEST_CASE("--init elsewhere is a subreaper and lists its children to end them", "[plan][init]") {
  Caller c = root_caller();
  c.pid = 4321;
  auto p = plan_for({"--init", "--init-group", "--init-wait", "7", "--setsid", "nobody", "id"}, c);
  REQUIRE(p);
  CHECK(p->session.subreaper);
  CHECK(p->session.kill_rest == KillRest::kChildList);
  CHECK(p->session.new_session);  // --setsid composes: the same one fork
  CHECK(p->session.signal_group);
  CHECK(p->session.grace_seconds == 7);
  std::string shown = describe_plan(*p, {});
  CHECK_THAT(shown, Catch::Contains("init: not PID 1 (pid 4321): a child subreaper "
                                    "(PR_SET_CHILD_SUBREAPER)"));
  CHECK_THAT(shown, Catch::Contains("to the command's process group (--init-group)"));
  CHECK_THAT(shown, Catch::Contains("get 7 s (--init-wait), then SIGKILL"));
  CHECK_THAT(shown, Catch::Contains("session: new"));
}

TEST_CASE("--setsid alone keeps dying of the command's signal", "[plan][init]") {
  auto p = plan_for({"--setsid", "nobody", "id"});
  REQUIRE(p);
  CHECK(p->session.exit == ExitRule::kReraise);
  CHECK(p->session.kill_rest == KillRest::kNone);
  CHECK_FALSE(p->session.subreaper);
}

TEST_CASE("--init-group and --init-wait need --init", "[plan][init]") {
  auto g = plan_for({"--init-group", "nobody", "id"});
  REQUIRE_FALSE(g);
  CHECK(g.error().what == "--init-group has no effect without --init");
  auto w = plan_for({"--setsid", "--init-wait", "3", "nobody", "id"});
  REQUIRE_FALSE(w);
  CHECK(w.error().what == "--init-wait has no effect without --init");
}

TEST_CASE("--init --listen: LISTEN_PID moves to the child, dry-run says so", "[plan][init]") {
  Caller c = root_caller();
  c.pid = 4321;
  auto p = plan_for({"--dry-run", "--init", "--listen", "80", "nobody", "id"}, c,
                    {"PATH=/bin", "LISTEN_PIDFDID=7"});
  REQUIRE(p);
  CHECK(p->session.listen_pid_to_child);
  CHECK(find_env(p->env, "LISTEN_PID") == "4321");  // the child replaces it with its own PID
  CHECK_FALSE(find_env(p->env, "LISTEN_PIDFDID"));
  CHECK_THAT(
      describe_plan(*p, {}),
      Catch::Contains("env: LISTEN_PID=(the command's PID, set in the child after the fork)"));
  // An inherited LISTEN_PID naming another process is not ours to move.
  auto q = plan_for({"--init", "nobody", "id"}, c, {"PATH=/bin", "LISTEN_PID=99", "LISTEN_FDS=1"});
  REQUIRE(q);
  CHECK_FALSE(q->session.listen_pid_to_child);
  // Without a fork, the command keeps unroot's PID.
  auto r = plan_for({"--listen", "80", "nobody", "id"}, c);
  REQUIRE(r);
  CHECK_FALSE(r->session.listen_pid_to_child);
}

namespace {

InNs nested_caller(std::string uid_map, std::string gid_map, HostRoot host_root) {
  InNs c = userns_caller(std::move(uid_map), std::move(gid_map));
  c.ns.kernel = KernelNs::kNested;
  c.ns.host_root = host_root;
  return c;
}

constexpr const char* kHarmlessMap = "0 0 65536\n";

}  // namespace

TEST_CASE("a target that is the host's root two namespaces out is refused", "[plan][userns]") {
  // One level up node's uid 1000 is 5000, harmless; procfs says 1000 is the host's root.
  auto uid = plan_in({"node", "id"},
                     nested_caller("0 0 1000\n1000 5000 1\n", kHarmlessMap, HostRoot{1000, 65534}));
  REQUIRE_FALSE(uid);
  CHECK(uid.error().what ==
        "refusing user 'node': uid 1000 is the host's uid 0 (it owns /proc/sys/kernel), so the "
        "command would own root's files; map it to an unprivileged id");
  // node's supplementary group 27 is the host's gid 0.
  auto gid = plan_in({"node", "id"}, nested_caller(kHarmlessMap, "0 0 27\n27 5000 1\n28 28 1000\n",
                                                   HostRoot{65534, 27}));
  REQUIRE_FALSE(gid);
  CHECK_THAT(gid.error().what,
             Catch::StartsWith("refusing user 'node': gid 27 is the host's gid 0 (it owns"));
  // The one-level check names the map line first when both apply.
  auto both = plan_in({"node", "id"},
                      nested_caller("0 100000 1000\n1000 0 1\n", kHarmlessMap, HostRoot{1000, 0}));
  REQUIRE_FALSE(both);
  CHECK_THAT(both.error().what, Catch::Contains("(/proc/self/uid_map line '1000 0 1')"));
}

TEST_CASE("the overflow id as the host's root is ambiguous and leaves the one-level check",
          "[plan][userns]") {
  // procfs shows 65534 when the host's root is not mapped here: nobody is not refused for it.
  CHECK(plan_in({"nobody", "id"},
                nested_caller(kHarmlessMap, kHarmlessMap, HostRoot{kOverflowId, kOverflowId})));
  CHECK(plan_in({"node", "id"},
                nested_caller(kHarmlessMap, kHarmlessMap, HostRoot{kOverflowId, kOverflowId})));
  // The host's root at an id no target has: no refusal.
  CHECK(plan_in({"node", "id"}, nested_caller(kHarmlessMap, kHarmlessMap, HostRoot{0, 0})));
}

TEST_CASE("an empty map is refused: the runtime could still write it before the drop",
          "[plan][userns]") {
  auto gid = plan_in({"node", "id"}, userns_caller(kHarmlessMap, ""));
  REQUIRE_FALSE(gid);
  CHECK(gid.error().what == "user namespace maps not written yet (/proc/self/gid_map is empty)");
  auto uid = plan_in({"node", "id"}, userns_caller("", kHarmlessMap));
  REQUIRE_FALSE(uid);
  CHECK(uid.error().what == "user namespace maps not written yet (/proc/self/uid_map is empty)");
}

TEST_CASE("identity maps the kernel contradicts are refused; the host's own pass",
          "[plan][userns]") {
  const char* identity = "0 0 4294967295\n";
  auto p = plan_in({"node", "id"}, nested_caller(identity, identity, HostRoot{0, 0}));
  REQUIRE_FALSE(p);
  CHECK(p.error().what ==
        "refusing user 'node': the maps are the identity, but the kernel says this is a nested "
        "user namespace");
  InNs host = nested_caller(identity, identity, HostRoot{0, 0});
  host.ns.kernel = KernelNs::kInitial;
  CHECK(plan_in({"node:0", "id"}, host));  // gid 0 asked for on the host is plainly gid 0
  host.ns.kernel = KernelNs::kUnknown;
  CHECK(plan_in({"node:0", "id"}, host));
}
