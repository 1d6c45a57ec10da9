// `check` scenarios that read the same on every SQL store: the test names the store and says how
// its configuration file is written, the scenario runs the binary and checks what it reports.
#pragma once

#include <functional>
#include <string>

#include "support/temp_dir.h"

namespace retentiond::testing {

// Writes a configuration holding `policies` (starting at line 5) for store `store`; returns its path.
using WriteConfig = std::function<std::string(const std::string& policies)>;

// On a database holding users (id, last_login, email) and follows (id, user_id, notes): `check`
// names a missing `also:` table, a missing column it anonymises and a missing notify e-mail
// column at their file:line:column, and, with every name right, an `also:` `on` that does not compile.
void check_reports_also_and_notify_names(const TempDir& dir, const std::string& store, const WriteConfig& write);

}  // namespace retentiond::testing
