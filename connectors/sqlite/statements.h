// The SQL the sqlite store runs for a policy, built from the policy alone (plus its resolved key
// and whether operator holds apply), so that `plan` shows exactly what `enforce` executes.
// Dates are compared as epoch seconds through rd_epoch() and rd_latest() (functions.h).
//
// Bindings: ?1 the cut-off in epoch seconds; ?2 the batch size (select) or the batch's last key
// (action); ?3 the previous batch's last key; ?4 a JSON array of keys under an operator's hold;
// ?5 the pass's moment (plan); ?6 the keys whose notice went out long enough ago (notify);
// from ?10 on, the named parameters of anonymisation
// (sql/anonymise.h), in the order of `named`.
#pragma once

#include <string>
#include <vector>

#include "policies/policy.h"

namespace retentiond::connectors::sqlite {

struct SqliteStatements {
  std::string table;  // quoted table
  std::string key;    // quoted key column (or rowid)
  std::string basis;  // the latest known date, epoch seconds
  bool holds = false; // whether ?4 / hold_where take part

  std::string plan;          // total, matched, held, oldest, undated, future (?5 = now)
  std::string first_batch;   // last key and count of the first batch
  std::string next_batch;    // same, after ?3
  std::string samples;       // keys of the first ?2 records the action would touch (plan --samples)
  std::string first_action;  // delete (or anonymise) up to ?2, re-checking everything
  std::string next_action;   // the same in (?3, ?2]
  // The expired records left in the action's range (holds and notices aside): counted before
  // a batch commits and again after a crash, it tells whether the batch committed (reconcile).
  std::string first_count;
  std::string next_count;
  // `also:` rules, run before the action on the same range, in the same transaction.
  std::vector<std::string> first_also;
  std::vector<std::string> next_also;
  std::vector<std::string> named;  // parameter names bound as ?10, ?11, ...
  // With `notify:`: key, basis (epoch) and address of the records expired at ?1 (the notice
  // cut-off); every other statement then only touches the keys in ?6 (a JSON array).
  std::string notice_candidates;
};

// `key_column` is the unquoted key column, or "rowid". `operator_holds`: some keys of this
// policy are under an operator's hold (binds ?4).
SqliteStatements build_statements(const policies::Policy& policy, const std::string& key_column,
                                  bool operator_holds);

// rd_epoch("column"[, 'format']) for one basis term (a related term is a subquery).
std::string term_expression(const policies::BasisTerm& term);

}  // namespace retentiond::connectors::sqlite
