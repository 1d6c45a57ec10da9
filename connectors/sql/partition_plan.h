// What the two server stores share about `partitions: drop|detach` in a plan: the mode in words,
// why a policy's partitions all go through row deletion, and how the partitions acting as units
// join the plan (their statements first, then the walk through the other rows).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "connectors/partition_step.h"

namespace retentiond::connectors::sql {

// The name of a table detached on `at`'s day: `base`_rd_detached_<yyyymmdd>, at most `max_bytes`
// long. A longer `base` is cut (at a character's start) and ends with 8 hex digits of a hash of
// the whole of it, so that partitions whose names share a long start never get the same name.
// `variant` 2, 3, ... gives the names tried when that one is taken ("<base>_2_rd_detached_...").
std::string detached_table_name(const std::string& base, policies::TimePoint at, size_t max_bytes,
                                int variant = 1);
// How many names a detach tries (detached_table_name's variants) before it gives up on a
// partition whose names are all taken.
inline constexpr int kDetachedNameVariants = 20;
// Why `partition` cannot be detached when every name from `first` to `last` is taken.
std::string detached_names_taken(const std::string& partition, const std::string& first,
                                 const std::string& last);
// Whether `name` ends as detached_table_name() ends them (_rd_detached_<8 digits>). A detached
// table is dropped after its grace only while it has such a name: one the operator renamed, to
// keep it or to attach it again, is theirs.
bool has_detached_name(std::string_view name);

// What a pass did with a partition, for its log: "drop `p2027_01` (about 120,000 rows)"; a table
// detached by an earlier pass: "drop-detached `t_p1_rd_detached_20280315` (its rows were counted
// when it was detached)".
std::string unit_done_words(const PartitionStep& step);

// "'partitions: drop'".
std::string partition_mode_words(const policies::Policy& policy);

// Why every expired row of the policy goes through the batches before the catalog is asked (a
// feature that forces rows mode, a basis that is no single date column), or nullopt. Legal holds
// concern only the partitions holding a held record (keep_held_partitions).
std::optional<std::string> partitions_rows_only(const policies::Policy& policy,
                                                const PassContext& ctx);

// The keys under an operator's legal hold, for a look into partitions (holds_held() of each
// server store): the key column (unquoted) and the keys as a JSON array of texts, compared as the
// batches compare them. Empty without held keys or without a key column.
struct HeldLook {
  std::string key_column;
  std::string keys_json;
  bool any() const { return !key_column.empty() && !keys_json.empty(); }
};
HeldLook held_look(const std::string& key_column, const PassContext& ctx);

// Operator holds concern only the partitions holding a held record: each unit (Drop, Detach) for
// which `holds_held` is true becomes a Rows step read by the plan (the batches keep the held
// record and delete the others), with a warning naming it; the other units still go whole.
// Nothing to do without held keys.
void keep_held_partitions(const policies::Policy& policy, const PassContext& ctx,
                          std::vector<PartitionStep>& steps,
                          const std::function<bool(const PartitionStep&)>& holds_held,
                          PlanStats& stats);

// Adds to `stats` what the statistics say of a step the plan does not read: a unit (wholly
// expired; never undated, since NULL keys go to DEFAULT or to a lowest partition that is not a
// unit), or a partition whose bounds settle its rows (PartitionStep::Range). False for the steps
// the plan must read.
bool add_unread(const PartitionStep& step, PlanStats& stats);

// Sets the plan's oldest expired row from the oldest unit that holds rows, read by `oldest_in`
// (nullopt when empty), when it is older than what the partitions read gave. A large unit is not
// read: the oldest is then unknown (reset).
void take_oldest_unit(
    const std::vector<PartitionStep>& steps,
    const std::function<std::optional<policies::TimePoint>(const PartitionStep&)>& oldest_in,
    PlanStats& stats);

// Adds `steps` to `stats`: the statements of those that act as units (`statements_of`), in the
// order the pass runs them, then the cursor that runs them before the walk (whose count of
// expected rows must already leave the units' rows out).
void plan_partition_units(
    std::vector<PartitionStep> steps,
    const std::function<std::vector<std::string>(const PartitionStep&)>& statements_of,
    PlanStats& stats);

// A partition's exclusive upper bound, as the time its literal says, rounded up to the next
// second when it has a fraction ('2027-03-15 12:00:00.9' is 12:00:01): times have whole seconds,
// and a bound floored to 12:00:00 would make a partition holding 12:00:00.5 look expired at a
// 12:00:00 cut-off. `parse` reads the literal without its fraction's effect (it floors).
std::optional<policies::TimePoint> upper_bound_time(
    const std::string& literal,
    const std::function<std::optional<policies::TimePoint>(const std::string&)>& parse);

}  // namespace retentiond::connectors::sql
