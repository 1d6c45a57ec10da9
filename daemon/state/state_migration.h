// `retentiond state migrate`: a SQLite state file copied into a PostgreSQL state, its rows as
// they are (audit entries with their ids, timestamps' text and hashes; holds, notices, sightings,
// secrets, passes in progress), so that the chain verifies there as it did in the file.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "daemon/state/state.h"

namespace retentiond::daemon {

struct MigrationResult {
  long long entries = 0;                                // audit entries copied
  std::string head;                                     // the chain's head, the same on both sides
  std::vector<std::pair<std::string, long long>> rows;  // rows copied, by table, in copy order
};

// Copies `from` (a state file) into `to` (a PostgreSQL state whose audit trail, holds, notices
// and secrets are empty), in one transaction, and verifies the copied chain against the
// file's before committing. Throws StateError, saying why nothing was copied: the file's chain
// is broken, `to` is not empty, a row cannot be written, or the copy does not verify.
MigrationResult migrate_state(StateFile& from, StateFile& to);

}  // namespace retentiond::daemon
