// SPDX-License-Identifier: MIT
// act: the root phase (s6-applyuidgid's half of the job, before the drop).
#include "act.hpp"

#include <cerrno>

#include "sockets.hpp"

namespace unroot {
namespace {

// --chown walks, still as root. Fail closed: the first error stops the walk and the command is
// not started; the roots handed over before it are in `report` (reported, not run with).
Status walk_all(const Plan& plan, const Facts& facts, ActReport& report) {
  for (const Result<ChownRoot>& root : facts.chown_roots) {
    if (!root) {
      return root.error();  // plan refuses these already; never walk what was not opened
    }
    ChownRequest req{plan.identity.uid, plan.identity.gid, false};
    auto stats = chown_tree(*root, req);
    if (!stats) {
      Error e = stats.error();
      if (e.sys_errno == EACCES && !plan.hints.chown_denied.empty()) {
        e = Error{e.what + ": " + plan.hints.chown_denied};
      }
      return e;
    }
    report.chown.emplace_back(root->path, *stats);
  }
  return Ok{};
}

}  // namespace

Status act_as_root(const Plan& plan, Facts& facts, ActReport& report) {
  // --listen first: a taken port fails fast, before a long --chown walk.
  auto sockets =
      bind_listen_sockets(plan.listen, plan.backlog, plan.socket_owner, plan.hints.bind_denied);
  if (!sockets) {
    return sockets.error();
  }
  if (auto s = walk_all(plan, facts, report); !s) {
    // The command will not run: its socket files go (nothing half-done is left behind); the
    // volumes handed over so far stay in `report`, for main to say so.
    remove_socket_files(plan.listen, *sockets, plan.socket_owner);
    return s.error();
  }
  facts.chown_roots.clear();  // closes the PATH descriptors before fds 3.. are filled
  sockets->dirs.clear();      // and the socket directories
  auto placed = place_listen_fds(std::move(sockets->fds), facts.inherited);
  if (!placed) {
    return placed.error();
  }
  report.moved = std::move(*placed);
  report.placed = true;
  return Ok{};
}

std::vector<ChownSurvey> survey_chown(const Plan& plan, const Facts& facts) {
  std::vector<ChownSurvey> out;
  for (std::size_t i = 0; i < facts.chown_roots.size(); ++i) {
    const Result<ChownRoot>& root = facts.chown_roots[i];
    if (!root) {
      continue;  // plan noted why
    }
    ChownRequest req{plan.identity.uid, plan.identity.gid, true};
    out.push_back(ChownSurvey{root->path, chown_tree(*root, req)});
  }
  return out;
}

}  // namespace unroot
