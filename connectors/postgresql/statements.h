// The SQL the postgresql store runs for a policy, built from the policy and the catalog, so that
// `plan` shows exactly what `enforce` executes. Dates are compared as timestamptz in a UTC session:
// date and timestamp columns directly (their indexes stay usable), epoch integers against the
// cut-off in seconds, text through pg_temp.rd_ts(). Values are bound by name (see sql/params.h):
// cutoff, cutoff_epoch, cutoff_epoch_ms, now, limit, after (the previous batch's last key),
// last (this batch's last key), held (a JSON array of keys under an operator's hold), and the
// an_* parameters of anonymisation (sql/anonymise.h).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <vector>
#include <string>

#include "connectors/sql/params.h"
#include "policies/policy.h"

namespace retentiond::connectors::postgresql {

struct PgStatements {
  std::string key;       // quoted key column
  // total, matched, held, oldest (epoch), undated, future; with block_walk also the first and
  // last block holding a matched row (NULL when none).
  sql::Sql plan;
  // A policy that only deletes (no `also:`) walks the table's blocks in physical order instead
  // of its key: each batch is one DELETE of a range of blocks, as cheap per row as a plain
  // DELETE's scan. Anonymising rewrites rows to new places, so those policies walk the key.
  bool block_walk = false;
  sql::Sql walk_action;          // DELETE of the rows in blocks [lo, hi) that are expired
  sql::Sql walk_action_limited;  // the same, at most `limit` rows; returns how many went
  sql::Sql first_batch;  // last key (text) and count of the first batch
  sql::Sql next_batch;   // same, after `after`
  sql::Sql samples;      // keys (text) of the first `limit` records the action would touch
  sql::Sql first_action;  // DELETE, or UPDATE for anonymise, of the batch's key range
  sql::Sql next_action;
  std::vector<sql::Sql> first_also;  // `also:` rules, before the action, same range
  std::vector<sql::Sql> next_also;
  // With `notify:`: key, basis (epoch) and address of the records expired at `cutoff` (bound to
  // the notice cut-off); every other statement then only touches the keys in `noticed`.
  sql::Sql notice_candidates;
};

// The type category ('D', 'N', 'S', ...) of a column of the policy's table (related empty) or of
// a related table; 0 when unknown.
using CategoryOf = std::function<char(const std::optional<policies::QualifiedName>& related,
                                      const std::string& column)>;

// Throws std::invalid_argument with a sentence when a basis column's type cannot hold a date
// (e.g. a boolean), or its format does not fit its type (format: date on an integer).
// `stored_table`: the policy's table keeps its rows in blocks of its own (a table or a
// partitioned table, not a view) and the session may read all of it, so that a block walk is
// possible.
PgStatements build_pg_statements(const policies::Policy& policy, const std::string& key_column,
                                 const CategoryOf& category_of, bool operator_holds, bool stored_table = true);

// " -- $1 = ... (cut-off ...), $2 = ..." describing the bindings of `s`.
std::string pg_bindings_note(const sql::Sql& s, const std::string& cutoff_text,
                             long long cutoff_epoch, const std::map<std::string, std::string>& literals);

}  // namespace retentiond::connectors::postgresql
