#include "connectors/sql/partition_plan.h"

#include <algorithm>

namespace retentiond::connectors::sql {

std::string partition_mode_words(const policies::Policy& policy) {
  return "'partitions: " + std::string(policies::partition_mode_name(policy.partitions)) + "'";
}

std::optional<std::string> partitions_rows_only(const policies::Policy& policy,
                                                const PassContext& ctx) {
  if (auto why = policies::partitions_forced_to_rows(policy)) return "the policy's " + *why;
  if (auto why = policies::partition_basis_problem(policy)) return *why;
  if (!ctx.held_keys.empty()) return "records of this policy are under a legal hold";
  return std::nullopt;
}

void plan_partition_units(
    std::vector<PartitionStep> steps,
    const std::function<std::vector<std::string>(const PartitionStep&)>& statements_of,
    PlanStats& stats) {
  std::vector<PartitionStep> units;
  for (const auto& step : steps) {
    if (!acts_as_unit(step)) continue;
    units.push_back(step);
    for (auto& s : statements_of(step)) stats.statements.push_back(std::move(s));
  }
  stats.start = Cursor::partitions_first(std::move(units), stats.start);
  stats.partitions = std::move(steps);
}

}  // namespace retentiond::connectors::sql
