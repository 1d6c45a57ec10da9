// The SQL the mysql store runs for a policy, built from the policy and the catalog, so that
// `plan` shows exactly what `enforce` executes: the shared statements (sql/statements.h) in
// MySQL's dialect, its plan's separate counts, its key walk and its batches on a table without a
// key. Dates compare as DATETIME in a UTC session: date, datetime and timestamp columns directly
// (their indexes stay usable), epoch integers against the cut-off in seconds, ISO text through a
// guarded CAST. Placeholders are positional ('?'); each statement lists the names of its values
// in order (see sql/params.h).
#pragma once

#include <string>

#include "connectors/sql/statements.h"
#include "policies/policy.h"

namespace retentiond::connectors::mysql {

struct MyStatements : sql::PolicyStatements {
  // The plan's counts, one statement each: simple counts let an index on the date answer most
  // of them (one scan computing them all is several times slower on InnoDB).
  sql::Sql plan_total;    // COUNT(*) of the records the policy selects
  sql::Sql plan_matched;  // matched count, oldest (epoch), first and last matched key
  sql::Sql plan_held;     // expired but held; empty text when no hold applies
  sql::Sql plan_undated;  // selected records without a usable date
  sql::Sql plan_future;   // selected records dated after the pass's moment
  // On an integer key, the same counts within one span of the key (values: after, the span's
  // start, exclusive; upto, its end), in one statement, for a plan counted in parts on a
  // throttled store, paced between them: total, matched, oldest (epoch), first and last
  // matched key, held, undated, future. key_bounds finds the span to cover. Empty texts without
  // such a key.
  sql::Sql key_bounds;
  sql::Sql part_counts;
  // A policy that only deletes (no `also:`), on an integer key, walks spans of the key: each
  // batch is one DELETE of the expired rows of a key span, in key order, at most `limit` of
  // them. In InnoDB the key is the table's physical order, so a batch scans like a plain DELETE.
  bool key_walk = false;
  sql::Sql walk_action;  // values: after (span start, exclusive), upto (span end), limit
  // The first key after `after` of a row a batch may touch (NULL when none): where the walk
  // goes on after an empty span, so that keys far apart are not walked span by span.
  sql::Sql walk_next;
  // The `limit`-th key after `after` of a row a batch may touch, or the last one (NULL when
  // none): a span's end once the walk is sparse (sql::Walk::sparse).
  sql::Sql walk_bound;
  // A table without a key (delete-only policies): each batch deletes at most `limit` expired
  // rows, whichever the server finds first, until a batch finds fewer. The statements that
  // follow records by key are left empty.
  bool keyless = false;
  sql::Sql keyless_action;  // values: the conditions', then limit
  // The expired records left in the whole table (holds and notices aside), to reconcile a
  // keyless batch.
  sql::Sql table_count;
};

// Throws std::invalid_argument with a sentence when a basis column cannot hold a date.
// An empty `key_column`: the table has no key (see MyStatements::keyless).
MyStatements build_my_statements(const policies::Policy& policy, const std::string& key_column,
                                 bool integer_key, const sql::CategoryOf& category_of,
                                 bool operator_holds);

}  // namespace retentiond::connectors::mysql
