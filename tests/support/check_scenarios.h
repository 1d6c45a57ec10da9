// Scenarios that read the same on every SQL store (`check`'s diagnostics, ...): the test names the
// store and says how its configuration file is written and its database reached, the scenario
// runs the binary and checks what it reports.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace retentiond::testing {

// The test database a scenario works on, in the store's own client: run SQL, read one integer,
// read the first column of every row as text.
struct ScenarioDatabase {
  std::function<void(const std::string& sql)> exec;
  std::function<long long(const std::string& sql)> integer;
  std::function<std::vector<std::string>(const std::string& sql)> column;
};

// A ScenarioDatabase on a PgDatabase or a MysqlDatabase, which must outlive it.
template <typename Database>
ScenarioDatabase scenario_database(const Database& db) {
  return {[&db](const std::string& sql) { db.exec(sql); },
          [&db](const std::string& sql) { return db.integer(sql); },
          [&db](const std::string& sql) { return db.column(sql); }};
}

// Writes a configuration holding `policies` (starting at line 5) for store `store`; returns its
// path.
using WriteConfig = std::function<std::string(const std::string& policies)>;

// On a database holding users (id, last_login, email) and follows (id, user_id, notes): `check`
// names a missing `also:` table, a missing column it anonymises and a missing notify e-mail
// column at their file:line:column, and, with every name right, an `also:` `on` that does not
// compile.
void check_reports_also_and_notify_names(const TempDir& dir, const std::string& store,
                                         const WriteConfig& write);

}  // namespace retentiond::testing
