// What `check` verifies of a table policy on a SQL server, the same on PostgreSQL and MySQL: the
// table, the related and `also:` tables and every column the policy names exist (with a "did you
// mean" for typos), the key is usable, and the SQL fragments from the YAML (`where`,
// `hold_where`, every `on`) compile. Fragments are
// only prepared, never executed.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "policies/diagnostics.h"
#include "policies/policy.h"

namespace retentiond::connectors::sql {

// A table as the server's catalog describes it.
struct TableShape {
  std::vector<std::string> columns;
  std::vector<std::string> primary_key;
};

struct CatalogLookup {
  std::function<std::optional<TableShape>(const policies::QualifiedName&)> describe;  // nullopt: no such table
  std::function<std::vector<std::string>()> table_names;  // for suggestions
};

// What of `policy` needs a key column to follow its records (anonymising, `also:`, `notify:`:
// batches, related rows and notices are tied to records by key), or nullopt: a policy that only
// deletes can walk a table without one, since each batch re-reads the expiry condition itself.
std::optional<std::string> key_needed_for(const policies::Policy& policy);

// "table 't' has no single-column primary key; anonymising needs one: set 'key:' to a unique column".
std::string missing_key_message(const policies::Policy& policy, const std::string& why);

// Operator holds name records by key: a policy on a table without one refuses to act while any
// of its records are held (the hold could not be honoured).
std::string keyless_holds_message(const policies::Policy& policy);

// Samples name records by key: for a table without one, plan shows none and says why.
std::string keyless_samples_message(const policies::Policy& policy);

// The catalog's problems with `policy` in store `store_name`; empty when its table and columns exist.
std::vector<policies::Diagnostic> check_catalog(const policies::Policy& policy, const std::string& store_name,
                                                const CatalogLookup& catalog);

// The fragments of `policy` that do not compile: `compile_error` prepares a statement and
// returns the server's message, or nullopt when it compiles. `quote` is the dialect's
// identifier quote.
std::vector<policies::Diagnostic> check_fragments(
    const policies::Policy& policy, char quote,
    const std::function<std::optional<std::string>(const std::string&)>& compile_error);

}  // namespace retentiond::connectors::sql
