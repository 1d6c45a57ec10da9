// The partitions of a MariaDB/MySQL table with `partitions: drop` or `detach`: whether the table
// is partitioned in a way the policy can use (RANGE COLUMNS on its `since` column, or RANGE on
// TO_DAYS() or UNIX_TIMESTAMP() of it), its partitions and their upper bounds from
// information_schema.PARTITIONS, the tables earlier passes detached, and the statements that drop
// (ALTER TABLE ... DROP PARTITION) or detach (ALTER TABLE ... CONVERT PARTITION ... TO TABLE,
// MariaDB 10.7+) one. ALTER TABLE commits on its own: a pass announces the partition before, and
// reconcile asks the catalog afterwards whether it is gone.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/mysql/connection.h"
#include "connectors/partition_step.h"
#include "connectors/sql/partition_plan.h"
#include "policies/planner.h"
#include "policies/policy.h"

namespace retentiond::connectors::mysql {

// How a partition's PARTITION_DESCRIPTION reads as a date.
enum class BoundKind { Columns, ToDays, UnixTimestamp };

// The kind of bound, and the column, of a partitioning: RANGE COLUMNS on one column ("`ts`"), or
// RANGE on "to_days(`d`)" or "unix_timestamp(`ts`)"; nullopt for anything else.
std::optional<std::pair<BoundKind, std::string>> range_key(std::string_view method,
                                                           std::string_view expression);
// A partition's upper bound: "'2027-10-01'", "'2027-10-01 00:00:00'" (Columns), a day number
// (ToDays) or epoch seconds (UnixTimestamp), in UTC; nullopt for MAXVALUE and what is unreadable:
// such a partition is never dropped whole.
std::optional<policies::TimePoint> partition_upper_bound(BoundKind kind,
                                                         std::string_view description);

// The table a detach makes: "<table>_<partition>_rd_detached_<yyyymmdd>" (of `at`), at most 64
// characters (the partition's name is shortened first).
std::string detached_table_name(const std::string& table, const std::string& partition,
                                policies::TimePoint at, int variant = 1);
// The first of detached_table_name()'s variants that no table of the policy's schema bears (one
// detached under it earlier that day and kept, an operator's), or nullopt when all are taken.
std::optional<std::string> free_detached_table_name(Client& c, const policies::Policy& policy,
                                                    const std::string& partition,
                                                    policies::TimePoint at);

// Why the policy's table cannot go partition by partition, or nullopt.
std::optional<std::string> partitioning_problem(Client& c, const policies::Policy& policy);
// The privileges a pass's partitions need that the session's account lacks: ALTER and DROP on
// the table for `drop`; CREATE, INSERT, ALTER and DROP on its whole database for `detach` (each
// partition becomes a table of its own there, commented, then dropped after the grace); with
// `lock_tables`, LOCK TABLES on the database (it closes the instant between a pass's last look
// at partitions and their ALTER TABLE, and is not required).
struct MissingPrivileges {
  std::string account;   // user@host
  std::string database;  // the table's
  std::vector<std::string> names;
  bool on_database = false;  // needed on the database, not only on the table
};
MissingPrivileges missing_privileges(Client& c, const policies::Policy& policy,
                                     bool lock_tables = false);

// What a look for undated rows in a partition needs to know of the policy's date column, read
// from the catalog once per pass (the connector keeps it).
struct UndatedLook {
  std::string column;        // quoted
  bool nullable = true;      // IS_NULLABLE
  bool zero_in_date = true;  // DATE or DATETIME: '2027-00-10' and '2027-03-00' fit
  bool indexed = false;      // an index starts with the column
};
UndatedLook undated_look(Client& c, const policies::Policy& policy);
// What a pass at `cutoff` does with each partition, and with the tables earlier passes detached:
// the units first (detached tables past their grace, then expired partitions, oldest first),
// then the others. Never changes data. `look` is read from the catalog when empty (its query
// costs milliseconds: a pass reads it once).
std::vector<PartitionStep> partition_steps(Client& c, const policies::Policy& policy,
                                           const policies::Cutoff& cutoff,
                                           std::optional<UndatedLook>& look);

// The most partitions one ALTER TABLE ... DROP PARTITION drops: each such statement rebuilds the
// table's definition, so dropping them together costs about what dropping one does.
inline constexpr size_t kUnitsPerAlter = 32;
// ALTER TABLE ... DROP PARTITION of units[begin, end) (Drop steps).
std::string drop_statement(const policies::Policy& policy, const std::vector<PartitionStep>& units,
                           size_t begin, size_t end);
// The table's partitions as information_schema states them now, by name: their upper bound
// (nullopt for MAXVALUE and what is unreadable) and the rows it estimates (TABLE_ROWS).
struct PartitionNow {
  std::optional<policies::TimePoint> upper;
  long long rows = 0;
  bool lowest = false;  // the first partition: the one holding NULL keys and zero dates
  std::optional<BoundKind> kind;
};
std::map<std::string, PartitionNow> partitions_now(Client& c, const policies::Policy& policy);

// The statements that act on one unit, as plan shows them and the pass runs them. Only the first
// changes the partitioned table; those after it (a detached table's COMMENT) touch the detached
// table alone, so the pass releases the partitioned table's lock before them.
std::vector<std::string> unit_statements(const policies::Policy& policy, const PartitionStep& step,
                                         policies::TimePoint now);

// The partition's upper bound as the catalog states it now, or nullopt when it is gone (or has
// none).
std::optional<policies::TimePoint> current_upper_bound(Client& c, const policies::Policy& policy,
                                                       const std::string& partition);
// Replaces the statistics' estimate in `step.rows` (information_schema's TABLE_ROWS) by a count
// of the partition's rows when it is small (kCountPartitionsBelow, within `budget`);
// `step.estimated` says which.
void count_if_small(Client& c, const policies::Policy& policy, PartitionStep& step,
                    CountBudget& budget);
// Whether the partition holds a record that rows mode keeps as undated, so that it must not go
// whole. MariaDB puts NULL keys, zero dates ('0000-00-00', which a NOT NULL column takes unless
// sql_mode has NO_ZERO_DATE) and, partitioned on TO_DAYS(), dates with a zero month or day in
// the lowest partition; partitioned by RANGE COLUMNS, a date with a zero month or day
// ('2027-00-10', '2027-03-00', accepted unless sql_mode has NO_ZERO_IN_DATE) sorts among the
// dates, into any partition. With an index on the column the look probes the few ranges such
// values sort in; without one it reads the partition once (docs/connectors/mysql.md). Several
// partitions are looked at together (`lowest`: the first of them is the lowest) where the index
// makes that a few probes; otherwise it returns true, and the caller looks at each.
bool holds_undated(Client& c, const policies::Policy& policy, const UndatedLook& look,
                   BoundKind kind, const std::vector<std::string>& partitions, bool lowest);
using sql::HeldLook;
// Whether any of the partitions (unquoted names) holds a record under a legal hold: they must
// then not go whole. One read of them, done only while the policy has held keys.
bool holds_held(Client& c, const policies::Policy& policy, const HeldLook& held,
                const std::vector<std::string>& partitions);
// The records of the partitions `names` (quoted, comma-separated) that rows mode keeps as
// undated (NULL, zero dates, zero months or days), counted through the index on the date column:
// IS NULL, < '0001-01-01' and the zero-day ranges between the partitions' first and last values,
// which select exactly what the guard refuses. nullopt without such an index (or when the
// ranges would be too many): the plan then counts with the guard itself, which reads them.
std::optional<long long> count_undated(Client& c, const policies::Policy& policy,
                                       const UndatedLook& look, const std::string& names);
// The ranges where dates with a zero month or day sort between the values `min` and `max`
// ("YYYY-MM-DD..." as MariaDB prints them): for each month from min's to max's, ["YYYY-MM-00",
// "YYYY-MM-01"), January's from "YYYY-00-00" (month zero of its year); nullopt when they would
// be more than 1,200 (a look then reads the partition).
std::optional<std::vector<std::pair<std::string, std::string>>> zero_in_date_ranges(
    std::string_view min, std::string_view max);
// When an earlier pass detached the table `name` (its comment), or nullopt.
std::optional<policies::TimePoint> detached_at(Client& c, const policies::Policy& policy,
                                               const std::string& name);

}  // namespace retentiond::connectors::mysql
