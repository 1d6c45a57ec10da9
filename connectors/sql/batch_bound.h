// The rule every store's batch keeps, whatever its SQL: a statement on the policy's table never
// changes more rows than its batch selected (keyset batches) or may touch (walks, capped by a
// limit). One that does is rolled back with its whole batch, and the policy's pass fails.
//
// `also:` statements change related tables, where one record may own any number of rows, so no
// count taken from the batch bounds them; they run in the batch's transaction, scoped to its
// records through their `on` condition (validated with the store's lexical rules, see
// policies/sql_fragment.h), and roll back with it.
#pragma once

#include <stdexcept>
#include <string_view>

namespace retentiond::connectors::sql {

// Thrown inside a batch's transaction, which then rolls back; its message says what happened with
// counts only (no row values), for the connector to prefix with the store and policy.
class BatchOverrun : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the bound comes from: the rows the batch selected, or the most a batch may touch.
enum class Bound { Selected, Limit };

// Throws BatchOverrun when `affected` exceeds `allowed`. `statement`: "DELETE" or "UPDATE".
void check_batch_bound(long long affected, long long allowed, std::string_view statement,
                       Bound bound);

}  // namespace retentiond::connectors::sql
