// SPDX-License-Identifier: MIT
// act: the root phase (s6-applyuidgid's half of the job, before the drop).
#include "act.hpp"

#include <cerrno>

#include "sockets.hpp"

namespace unroot {
namespace {

// --chown walks, still as root. Fail closed: the first error stops the walk and the command is
// not started (a volume handed over halfway is reported, not run with).
Status walk_all(const Plan& plan, const Facts& facts, ActReport& report) {
  for (const Result<ChownRoot>& root : facts.chown_roots) {
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

Result<ActReport> act_as_root(const Plan& plan, Facts& facts) {
  ActReport report;
  // --listen first: a taken port fails fast, before a long --chown walk.
  auto sockets =
      bind_listen_sockets(plan.listen, plan.backlog, plan.socket_owner, plan.hints.bind_denied);
  if (!sockets) {
    return sockets.error();
  }
  if (auto s = walk_all(plan, facts, report); !s) {
    return s.error();
  }
  facts.chown_roots.clear();  // closes the PATH descriptors before fds 3.. are filled
  auto placed = place_listen_fds(std::move(*sockets), facts.inherited);
  if (!placed) {
    return placed.error();
  }
  report.moved = std::move(*placed);
  return report;
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
