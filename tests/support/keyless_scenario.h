// A delete-only policy on a table without a key, the same on every SQL store: Coop's
// `invitations_equipes` (no primary key, UNIQUE (email, coordinateur_id)). The test creates the
// table in its dialect and names the store (support/sql_store.h); the scenario fills it, runs the
// binary and checks what it did.
#pragma once

#include <functional>
#include <string>

#include "support/sql_store.h"
#include "support/temp_dir.h"

namespace retentiond::testing {

// On an empty table invitations_equipes (email, coordinateur_id, creation NOT NULL, acceptee),
// with no key: `check` passes a policy that only deletes and names, at file:line, one with
// `also:`; `plan` counts every expired row and says why it shows no samples; a hold by key stops
// the pass before anything changes; `enforce` deletes exactly the 1,201 expired unaccepted rows
// (over several batches) and keeps the row at the cut-off, the one a second after, the future
// one and the accepted one. Clock pinned at 2028-03-01T00:00:00Z, cut-off 2027-03-01T00:00:00Z.
void keyless_table_scenario(const TempDir& dir, const SqlStore& store);

}  // namespace retentiond::testing
