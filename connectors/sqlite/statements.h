// The SQL the sqlite store runs for a policy, built from the policy alone (plus its resolved key
// and whether operator holds apply), so that `plan` shows exactly what `enforce` executes: the
// shared statements (sql/statements.h) in SQLite's dialect and its one-statement plan. Dates are
// compared as epoch seconds through rd_epoch() (functions.h). Placeholders are numbered (?1, ?2),
// each statement its own; values are bound by name (see sql/params.h): cutoff_epoch, now_epoch,
// limit, after, last, held, noticed (JSON arrays of keys) and the an_* of anonymisation.
#pragma once

#include <string>

#include "connectors/sql/statements.h"
#include "policies/policy.h"

namespace retentiond::connectors::sqlite {

struct SqliteStatements : sql::PolicyStatements {
  sql::Sql plan;   // total, matched, held, oldest (epoch), undated, future
  sql::Sql tally;  // matched, held, oldest: PassContext::counts_only (status)
};

// `key_column` is the unquoted key column, or "rowid". `operator_holds`: some keys of this
// policy are under an operator's hold (binds `held`).
SqliteStatements build_statements(const policies::Policy& policy, const std::string& key_column,
                                  bool operator_holds);

}  // namespace retentiond::connectors::sqlite
