// Scenarios of `plan` and `enforce` that read the same on every SQL store: the test creates the
// tables in its dialect and names the store (support/sql_store.h), the scenario fills them where
// the SQL is the same everywhere, runs the binary and checks what it did. The clock is pinned at
// 2028-03-01T00:00:00Z; with 1y the cut-off is 2027-03-01T00:00:00Z.
#pragma once

#include <string>

#include "support/sql_store.h"
#include "support/temp_dir.h"

namespace retentiond::testing {

// On `table` (id, label and date columns), filled by the test with rows labelled old
// (2020-01-01), minus-1s, exact and plus-1s (around the cut-off), null, future and
// `unreadable_label` (later dates, and a text no date can be read from), with `since` naming one
// of its date columns: `check` passes, `plan` matches old and minus-1s and changes nothing,
// `enforce` deletes exactly those two.
void cut_off_boundary_scenario(const TempDir& dir, const SqlStore& store, const std::string& table,
                               const std::string& since, const std::string& unreadable_label);

// On empty tables adherents (id, nom, date_de_depart), devices (id, mac, adherent_id) and
// membership (uuid, adherent_id, create_at): devices and payments (membership rows) go a year
// after their member left, dated through the member (a related-table basis); a device with no
// member row has no date and stays. `more_policies` are added after those two.
void related_basis_scenario(const TempDir& dir, const SqlStore& store,
                            const std::string& more_policies = "");

// On empty tables members (id, left_on) and devices (id, member_id) whose member_id references
// members ON DELETE CASCADE: the devices of an expired member go with it.
void cascade_scenario(const TempDir& dir, const SqlStore& store);

// On a table logs (id, ts) holding more than 10 rows, all but one expired for 52d: the default
// guard (at most 90% of more than 10 rows) refuses the pass before anything is deleted. Returns
// the configuration's path.
std::string guard_scenario(const TempDir& dir, const SqlStore& store);

}  // namespace retentiond::testing
