// The SQL the postgresql store runs for a policy, built from the policy and the catalog, so that
// `plan` shows exactly what `enforce` executes: the shared statements (sql/statements.h) in
// PostgreSQL's dialect, its one-statement plan, and its block walk. Dates are compared as
// timestamptz in a UTC session: date and timestamp columns directly (their indexes stay usable),
// epoch integers against the cut-off in seconds, text through pg_temp.rd_ts(). Placeholders are
// numbered ($1, $2); values are bound by name (see sql/params.h), the walk's as lo and hi.
#pragma once

#include <string>

#include "connectors/sql/statements.h"
#include "policies/policy.h"

namespace retentiond::connectors::postgresql {

struct PgStatements : sql::PolicyStatements {
  // total, matched, held, oldest (epoch), undated, future; with block_walk also the first and
  // last block holding a matched row (NULL when none).
  sql::Sql plan;
  sql::Sql tally;  // matched, held, oldest: PassContext::counts_only (status)
  // With block_walk: the same counts over the blocks [lo, hi) only, for a plan counted in parts
  // (a throttled store: PassContext::pace between the parts), and the number of blocks of the
  // table (of its largest partition), which the parts cover.
  sql::Sql plan_part;
  sql::Sql blocks;
  // A policy that only deletes (no `also:`) walks the table's blocks in physical order instead
  // of its key: each batch is one DELETE of a range of blocks, as cheap per row as a plain
  // DELETE's scan. Anonymising rewrites rows to new places, so those policies walk the key.
  bool block_walk = false;
  sql::Sql walk_action;          // DELETE of the rows in blocks [lo, hi) that are expired
  sql::Sql walk_action_limited;  // the same, at most `limit` rows; returns how many went
};

// Throws std::invalid_argument with a sentence when a basis column's type cannot hold a date
// (e.g. a boolean), or its format does not fit its type (format: date on an integer).
// `stored_table`: the policy's table keeps its rows in blocks of its own (a table or a
// partitioned table, not a view) and the session may read all of it, so that a block walk is
// possible. `partitioned`: the table is a partitioned one, whose rows' ctids repeat from one
// partition to the next.
PgStatements build_pg_statements(const policies::Policy& policy, const std::string& key_column,
                                 const sql::CategoryOf& category_of, bool operator_holds,
                                 bool stored_table = true, bool partitioned = false);

}  // namespace retentiond::connectors::postgresql
