// SPDX-License-Identifier: MIT
// act: the root phase, in its fixed order: bind the --listen sockets, walk the --chown trees,
// place the sockets at fds 3, 4, .... Carries out the plan; decides nothing, prints nothing.
#pragma once

#include <vector>

#include "describe.hpp"
#include "facts.hpp"
#include "plan.hpp"
#include "result.hpp"

namespace unroot {

/// Runs the root phase, recording in `report` what it did. Fails closed: the first error stops it
/// (the unix socket files made are removed), and the command must not be started; `report` then
/// says which volumes were already handed over. Consumes the --chown roots of `facts` (their
/// descriptors are closed before the sockets are placed).
Status act_as_root(const Plan& plan, Facts& facts, ActReport& report);

/// --dry-run's part: each --chown tree walked read-only, counting what a real run would change.
std::vector<ChownSurvey> survey_chown(const Plan& plan, const Facts& facts);

}  // namespace unroot
