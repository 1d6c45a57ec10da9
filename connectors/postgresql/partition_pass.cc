// The partition side of the postgresql store's passes (`partitions: drop` or `detach`): what
// check says about the table, what plan adds, and the batch that acts on one partition as a unit.
// The rows of the other partitions (the boundary, the default) are deleted through the parent by
// the ordinary batches, after the units: the rows of a partition that went whole are gone by
// then, so no row is counted twice.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "connectors/postgresql/catalog.h"
#include "connectors/postgresql/connector.h"
#include "connectors/postgresql/partitions.h"
#include "connectors/sql/partition_plan.h"

namespace retentiond::connectors::postgresql {
namespace {

// The sentence naming what the role lacks to drop the table's partitions, or nullopt.
std::optional<std::string> ownership_problem(pqxx::transaction_base& t,
                                             const std::string& table_oid) {
  std::string role;
  auto others = not_owned(t, table_oid, role);
  if (others.empty()) return std::nullopt;
  std::string names;
  for (const auto& n : others) names += (names.empty() ? "'" : ", '") + n + "'";
  return "dropping or detaching a partition needs its owner's rights, and role '" + role +
         "' does not own " + names + " (ALTER TABLE ... OWNER TO " + role +
         ", or GRANT the owner's role to it)";
}

}  // namespace

std::vector<policies::Diagnostic> PostgresqlConnector::check_partitions(const Policy& policy) {
  std::vector<policies::Diagnostic> out;
  // Rows mode, and the shapes the loader already refused or warned about.
  if (policy.partitions == policies::PartitionMode::Rows ||
      policies::partitions_forced_to_rows(policy) || policies::partition_basis_problem(policy))
    return out;
  pqxx::nontransaction t(*conn_);
  auto table = describe_table(t, *policy.table);
  if (!table) return out;  // check_policy() said so
  const std::string what = sql::partition_mode_words(policy) + " in policy '" + policy.name + "': ";
  if (auto problem = partitioning_problem(t, policy, table->oid)) {
    out.push_back({policies::Severity::Error, policy.partitions_location,
                   what + *problem + "; a pass deletes its expired rows in batches instead"});
    return out;
  }
  if (auto problem = ownership_problem(t, table->oid))
    out.push_back({policies::Severity::Error, policy.partitions_location,
                   what + *problem + "; a pass deletes the expired rows in batches instead"});
  return out;
}

void PostgresqlConnector::plan_partitions(pqxx::transaction_base& t, const Policy& policy,
                                          const PassContext& ctx, const std::string& table_oid,
                                          PlanStats& stats) {
  auto rows_instead = [&](const std::string& why) {
    stats.warnings.push_back(sql::partition_mode_words(policy) + " has no effect: " + why +
                             "; every expired row is deleted in batches");
  };
  if (auto why = sql::partitions_rows_only(policy, ctx)) return rows_instead(*why);
  if (auto problem = partitioning_problem(t, policy, table_oid)) return rows_instead(*problem);
  if (auto problem = ownership_problem(t, table_oid)) return rows_instead(*problem);
  auto steps = partition_steps(t, policy, table_oid, ctx.cutoff);
  const std::string parent = qualified_name(t, table_oid);
  sql::plan_partition_units(
      std::move(steps),
      [&](const PartitionStep& step) {
        return unit_statements(policy, parent, step, ctx.cutoff.now);
      },
      stats);
}

Result<BatchResult> PostgresqlConnector::unit_batch(const Policy& policy, const PassContext& ctx,
                                                    const std::string& table_oid,
                                                    const Cursor& from, long long limit) {
  if (from.position >= static_cast<long long>(from.units.size()))
    return BatchResult{0, from.after_unit(), false};
  const PartitionStep& step = from.units[from.position];
  const std::string action(partition_step_name(step.kind));
  return with_retry(policy, [&](bool& announced) -> BatchResult {
    pqxx::work t(*conn_);
    auto rows = act_on_unit(t, policy, table_oid, step, ctx.cutoff, limit);
    if (!rows) {
      // Gone, moved or no longer expired since the plan: its rows, if any, are the batches'.
      spdlog::info("policy '{}': partition {} changed since the plan; left to the batches",
                   policy.name, step.name);
      return BatchResult{0, from.after_unit(), false};
    }
    announce_and_commit(t, ctx, *rows, announced);
    spdlog::info("policy '{}': {} {} ({} rows)", policy.name, action, step.name, *rows);
    BatchResult result{*rows, from.after_unit(), false};
    result.unit = step;
    result.unit->rows = *rows;
    result.unit->estimated = false;
    return result;
  });
}

}  // namespace retentiond::connectors::postgresql
