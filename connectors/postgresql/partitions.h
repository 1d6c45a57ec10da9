// The partitions of a PostgreSQL table with `partitions: drop` or `detach`: whether the table is
// partitioned in a way the policy can use (declarative RANGE on its `since` column), its
// partitions and their bounds from the catalog, the tables earlier passes detached, and the one
// transaction that drops or detaches a partition whose whole range is before the cut-off. A
// partition goes in one transaction with its row count (exact for a small one, else the
// statistics' estimate, marked as one: see kCountPartitionsBelow), so that a crash leaves it whole
// or gone and the audit trail counts what it held (the batch announces itself like any other).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "connectors/connector.h"
#include "connectors/partition_step.h"
#include "connectors/sql/partition_plan.h"
#include "policies/policy.h"

namespace retentiond::connectors::postgresql {

// The upper bound of a range partition as pg_get_expr(relpartbound) states it ("FOR VALUES FROM
// ('2027-01-01') TO ('2027-02-01')"), read in the UTC session; nullopt for the DEFAULT partition,
// MAXVALUE, infinity and anything else that is not one date or timestamp: such a partition is
// never dropped whole.
std::optional<policies::TimePoint> partition_upper_bound(std::string_view bound);
// Its lower bound likewise; nullopt for MINVALUE, DEFAULT and what is not one date.
std::optional<policies::TimePoint> partition_lower_bound(std::string_view bound);
// Whether a partition's range is open below (MINVALUE, '-infinity') or starts before the year 1,
// so that it may hold records rows mode keeps as undated ('-infinity', BC dates).
bool open_below(std::string_view bound);
// Whether the partition holds such a record: it must then not go whole. One probe of the date
// column's index, or one read of the partition without an index.
bool holds_undated(pqxx::transaction_base& t, const policies::Policy& policy,
                   const PartitionStep& step);
using sql::HeldLook;
// Whether the partition holds a record under a legal hold (it must then not go whole): one read
// of the partition, done only while the policy has held keys.
bool holds_held(pqxx::transaction_base& t, const HeldLook& held, const PartitionStep& step);
// What the bounds alone say of a partition's rows at `cutoff` (PartitionStep::Range).
PartitionStep::Range range_of(std::string_view bound, const policies::Cutoff& cutoff);
// The bounds without "FOR VALUES ": "FROM ('2027-01-01') TO ('2027-02-01')", "DEFAULT".
std::string bounds_words(std::string_view bound);

// The name a detached partition is given: "<name>_rd_detached_<yyyymmdd>" (of `at`), shortened so
// that it fits PostgreSQL's 63 bytes.
std::string detached_name(const std::string& name, policies::TimePoint at);
// The first of detached_name()'s variants (sql::detached_table_name) that no table or type of
// the partition's schema bears (one detached under it earlier that day and kept, an operator's),
// which the partition can be renamed to; throws std::runtime_error naming them when all are taken.
std::string free_detached_name(pqxx::transaction_base& t, const PartitionStep& step,
                               policies::TimePoint at);

// Why the table `table_oid` cannot go partition by partition for `policy` (not partitioned, not by
// RANGE, not by its `since` column), or nullopt.
std::optional<std::string> partitioning_problem(pqxx::transaction_base& t,
                                                const policies::Policy& policy,
                                                const std::string& table_oid);
// The partitions and detached tables the session's role does not own, which it could not drop
// (empty when it owns them all), and the role's name.
std::vector<std::string> not_owned(pqxx::transaction_base& t, const std::string& table_oid,
                                   std::string& role);

// What a pass at ctx's cut-off does with each partition of `table_oid`, and with the tables
// earlier passes detached from it: the units (in order: detached tables past their grace, then
// expired partitions, oldest first), then those kept. Never changes data.
std::vector<PartitionStep> partition_steps(pqxx::transaction_base& t,
                                           const policies::Policy& policy,
                                           const std::string& table_oid,
                                           const policies::Cutoff& cutoff);

// The statements that act on one unit, as plan shows them and the pass runs them.
std::vector<std::string> unit_statements(const policies::Policy& policy,
                                         const std::string& table_oid_text,
                                         const PartitionStep& step, policies::TimePoint now);

// Thrown by act_on_unit() for a partition holding more rows than the guard still allows.
class UnitOverLimit : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The most units one transaction acts on: each holds a lock on the parent until the COMMIT.
inline constexpr long long kUnitsPerBatch = 16;

// The rows a unit took with it, and whether that is the statistics' estimate.
struct UnitRows {
  long long rows = 0;
  bool estimated = false;
  std::string detached_as;  // Detach: the name the partition was given (unquoted)
};

// Acts on one unit in `t` (not committed): re-reads its bounds (or its detach time) under a lock,
// takes its rows (counted, or estimated when large or past `budget`) and runs unit_statements().
// Returns the rows the table lost (0 for a table detached earlier, whose rows were counted then),
// or nullopt when the unit no longer applies (gone, moved, no longer expired, or holding a
// record under a legal hold in `held`): nothing was changed. Throws UnitOverLimit when the
// partition holds more than `limit` rows (the guard's room), before changing anything.
std::optional<UnitRows> act_on_unit(pqxx::transaction_base& t, const policies::Policy& policy,
                                    const std::string& table_oid, const PartitionStep& step,
                                    const policies::Cutoff& cutoff, long long limit,
                                    CountBudget& budget, const HeldLook& held);

// The parent as the catalog names it, schema-qualified ("public.access_log").
std::string qualified_name(pqxx::transaction_base& t, const std::string& table_oid);

}  // namespace retentiond::connectors::postgresql
