// `history --verify`: the chain's verification plus the passes the trail does not hold yet
// (still running, or ended by a killed process and not reconciled), as text and JSON.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/state/audit.h"
#include "daemon/state/pass_journal.h"
#include "daemon/state/state.h"

namespace retentiond::daemon {

struct UnfinishedPass {
  PassRecord record;
  bool alive = false;  // its process holds the policy's lock
  std::string host;    // with a shared state: the host running it (its pid is that host's)
};

struct TrailCheck {
  AuditTrail::Verification chain;
  std::vector<UnfinishedPass> unfinished;

  // Intact, and no dead pass waiting to be recorded.
  bool complete() const;
  long long dead() const;
};

TrailCheck check_trail(StateFile& state, const AuditTrail::ExpectedHead& expected);

// The verdict, a sentence per line, for the text and Markdown formats.
std::string describe(const TrailCheck& check, bool markdown);
nlohmann::json to_json(const TrailCheck& check);

}  // namespace retentiond::daemon
