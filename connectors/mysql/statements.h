// The SQL the mysql store runs for a policy, built from the policy and the catalog, so that
// `plan` shows exactly what `enforce` executes. Dates compare as DATETIME in a UTC session:
// date, datetime and timestamp columns directly (their indexes stay usable), epoch integers
// against the cut-off in seconds, ISO text through a guarded CAST. Placeholders are positional
// ('?'); each statement lists the names of its values in order (see sql/params.h): cutoff,
// cutoff_epoch, cutoff_epoch_ms, now, limit, after, last, held.
#pragma once

#include <functional>
#include <map>
#include <vector>
#include <optional>
#include <string>

#include "connectors/sql/params.h"
#include "policies/policy.h"

namespace retentiond::connectors::mysql {

struct MyStatements {
  std::string key;
  // The plan's counts, one statement each: simple counts let an index on the date answer most
  // of them (one scan computing them all is several times slower on InnoDB).
  sql::Sql plan_total;    // COUNT(*) of the records the policy selects
  sql::Sql plan_matched;  // matched count, oldest (epoch), first and last matched key
  sql::Sql plan_held;     // expired but held; empty text when no hold applies
  sql::Sql plan_undated;  // selected records without a usable date
  sql::Sql plan_future;   // selected records dated after the pass's moment
  // A policy that only deletes (no `also:`), on an integer key, walks spans of the key: each
  // batch is one DELETE of the expired rows of a key span, in key order, at most `limit` of
  // them. In InnoDB the key is the table's physical order, so a batch scans like a plain DELETE.
  bool key_walk = false;
  sql::Sql walk_action;  // values: after (span start, exclusive), upto (span end), limit
  // A table without a key (delete-only policies): each batch deletes at most `limit` expired
  // rows, whichever the server finds first, until a batch finds fewer. The other statements,
  // which follow records by key, are left empty.
  bool keyless = false;
  sql::Sql keyless_action;  // values: the conditions', then limit
  sql::Sql first_batch;
  sql::Sql next_batch;
  sql::Sql samples;  // keys (text) of the first `limit` records the action would touch
  sql::Sql first_action;  // DELETE, or UPDATE for anonymise, of the batch's key range
  sql::Sql next_action;
  // The expired records (holds and notices aside) left in a batch's range, counted before it
  // commits and again after a crash to tell whether it did (Connector::reconcile). Ranges:
  // (-, last], (after, last] (a key span's end is its `last`), the whole table when key-less.
  sql::Sql first_count;
  sql::Sql next_count;
  sql::Sql table_count;
  std::vector<sql::Sql> first_also;  // `also:` rules, before the action, same range
  std::vector<sql::Sql> next_also;
  // With `notify:`: key, basis (epoch) and address of the records expired at `cutoff` (bound to
  // the notice cut-off); every other statement then only touches the keys in `noticed`.
  sql::Sql notice_candidates;
};

using CategoryOf = std::function<char(const std::optional<policies::QualifiedName>& related,
                                      const std::string& column)>;

// Throws std::invalid_argument with a sentence when a basis column cannot hold a date.
// An empty `key_column`: the table has no key (see MyStatements::keyless).
MyStatements build_my_statements(const policies::Policy& policy, const std::string& key_column, bool integer_key,
                                 const CategoryOf& category_of, bool operator_holds);

// " -- ?1 = ..., ?2 = ..." describing the values of `s`, in order.
std::string my_bindings_note(const sql::Sql& s, const std::string& cutoff_text, long long cutoff_epoch,
                             const std::map<std::string, std::string>& literals);

}  // namespace retentiond::connectors::mysql
