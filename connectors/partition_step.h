// What a pass of a policy with `partitions: drop` or `detach` does with each partition of its
// table: drops or detaches it whole, drops a table it detached earlier once its grace has passed,
// or leaves its rows to the batched row deletion. Plan lists them; the pass acts on them first.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace retentiond::connectors {

struct PartitionStep {
  enum class Kind {
    Drop,          // a partition whose whole range is before the cut-off: dropped
    Detach,        // the same, detached and renamed; dropped once the policy's grace has passed
    DropDetached,  // a table detached by an earlier pass, whose grace has passed: dropped
    KeepDetached,  // a table detached by an earlier pass, still within its grace: kept
    Rows,          // the boundary, later and default partitions: rows deleted in batches
  };
  Kind kind = Kind::Rows;
  std::string name;    // the partition (or detached table), schema-qualified and quoted as needed
  std::string schema;  // its schema, quoted as needed ("public"); empty where the store has none
  std::string table;   // its own name, unquoted (detach renames it)
  std::string schema_name;  // its schema, unquoted (PostgreSQL)
  std::string bounds;       // as the store states them ("FROM ('2027-01-01') TO ('2027-02-01')")
  // Drop, Detach: the rows it holds, as the store's statistics estimate them (plan); the pass
  // counts them exactly when it acts. Rows: its rows, estimated likewise.
  long long rows = 0;
  bool estimated = true;    // `rows` is the statistics' estimate, not a count
  std::string detached_at;  // DropDetached, KeepDetached: when (ISO-8601)
  std::string detached_as;  // Detach, once done: the table it became (unquoted), for the audit
  // Rows: what its bounds alone say of its rows. Unknown: it may hold expired or undated rows
  // (the boundary, DEFAULT, an unbounded or unreadable range), so the plan reads it. Unexpired:
  // every row dated from the cut-off on and before now; Future: every row dated after now. The
  // plan takes those two from the statistics (`rows`, `estimated`) instead of reading them.
  enum class Range { Unknown, Unexpired, Future };
  Range range = Range::Unknown;
  // Rows: a wholly expired partition that holds a record under an operator's legal hold, so it
  // goes through the batches (which keep the held record) instead of going whole.
  bool held = false;
};

// A partition whose statistics estimate fewer rows than this is counted exactly wherever its
// rows are needed (plan, audit): reading it costs little. A larger one keeps the estimate, marked
// as one, so that a whole partition goes without a scan of its rows.
inline constexpr long long kCountPartitionsBelow = 50'000;
// And a plan, or one batch of units, reads at most this many rows to count small partitions: a
// table of many small partitions (a day each) is not read whole to count those that go.
inline constexpr long long kCountedRowsAtMost = 200'000;

// What is left of kCountedRowsAtMost.
struct CountBudget {
  long long rows = kCountedRowsAtMost;
  // Whether a partition the statistics put at `estimate` rows is counted; if so, it is taken from
  // the budget.
  bool take(long long estimate) {
    if (estimate >= kCountPartitionsBelow || estimate > rows) return false;
    rows -= estimate;
    return true;
  }
};

// "drop", "detach", "drop-detached", "keep-detached", "rows".
std::string_view partition_step_name(PartitionStep::Kind kind);
// Whether a count over these steps includes the statistics' estimate of a whole partition's rows
// (one dropped or detached uncounted): reports then say "about".
bool any_unit_estimated(const std::vector<PartitionStep>& steps);

// Whether the pass changes the store for this step (drop, detach, drop-detached).
inline bool acts_as_unit(const PartitionStep& step) {
  return step.kind == PartitionStep::Kind::Drop || step.kind == PartitionStep::Kind::Detach ||
         step.kind == PartitionStep::Kind::DropDetached;
}

}  // namespace retentiond::connectors
