// What `check` verifies of a table policy on a SQL store, the same on SQLite, PostgreSQL and
// MySQL: the table, the related and `also:` tables and every column the policy names exist (with
// a "did you mean" for typos), the key is usable, the SQL fragments from the YAML (`where`,
// `hold_where`, every `on`) compile, and so does every statement a pass would run. Statements are
// only prepared, never executed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "connectors/result.h"
#include "connectors/sql/catalog.h"
#include "policies/diagnostics.h"
#include "policies/policy.h"

namespace retentiond::connectors::sql {

// What of `policy` needs a key column to follow its records (anonymising, `also:`, `notify:`:
// batches, related rows and notices are tied to records by key), or nullopt: a policy that only
// deletes can walk a table without one, since each batch re-reads the expiry condition itself.
std::optional<std::string> key_needed_for(const policies::Policy& policy);

// "table 't' has no single-column primary key; anonymising needs one: set 'key:' to a unique
// column".
std::string missing_key_message(const policies::Policy& policy, const std::string& why);

// Notices are recorded per key: when two records could share one, the second would be deleted on
// the first one's notice. So a policy with `notify:` needs a key its table declares unique.
std::string non_unique_notify_message(const policies::Policy& policy, const std::string& key);

// Operator holds name records by key: a policy on a table without one refuses to act while any
// of its records are held (the hold could not be honoured).
std::string keyless_holds_message(const policies::Policy& policy);

// Samples name records by key: for a table without one, plan shows none and says why.
std::string keyless_samples_message(const policies::Policy& policy);

// The statements a pass may run, as `check` compiles them.
struct StatementTexts {
  std::vector<std::string> texts;
  bool keyless = false;  // a table without a key, whose records cannot be held by key
};

// How `check` asks one store.
struct CheckHooks {
  CatalogLookup catalog;
  char quote = '"';  // the dialect's identifier quote
  // Prepares `sql` without running it: the server's message, or nullopt when it compiles.
  std::function<std::optional<std::string>(const std::string& sql)> compile_error;
  // Every statement a pass may run, with or without operator holds (asked with holds only when
  // the table has a key); an Error says why they cannot be built.
  std::function<Result<StatementTexts>(bool operator_holds)> statements;
};

// Every problem `check` finds with `policy` in store `store_name`, at the policy's fields: missing
// tables and columns, an unusable key, the fragments that do not compile (but not the `on` of a
// missing table), and only when all that is sound, the generated statements that do not compile
// or cannot be built. Store errors (exceptions) pass through, for the connector to report.
std::vector<policies::Diagnostic> check_policy(const policies::Policy& policy,
                                               const std::string& store_name,
                                               const CheckHooks& hooks);

}  // namespace retentiond::connectors::sql
