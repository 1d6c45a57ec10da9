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
#include "connectors/sql/quote.h"

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

std::optional<std::vector<PartitionStep>> PostgresqlConnector::partition_layout(
    const Policy& policy, const PassContext& ctx, const Prepared& p, PlanStats& stats) {
  const std::string& table_oid = p.table_oid;
  auto rows_instead = [&](const std::string& why) {
    stats.warnings.push_back(sql::partition_mode_words(policy) + " has no effect: " + why +
                             "; every expired row goes through the batches");
    return std::nullopt;
  };
  if (auto why = sql::partitions_rows_only(policy, ctx)) return rows_instead(*why);
  pqxx::work t(*conn_);
  if (auto problem = partitioning_problem(t, policy, table_oid)) return rows_instead(*problem);
  if (auto problem = ownership_problem(t, table_oid)) return rows_instead(*problem);
  auto steps = partition_steps(t, policy, table_oid, ctx.cutoff);
  const HeldLook held = sql::held_look(p.keyless ? "" : p.key_column, ctx);
  sql::keep_held_partitions(
      policy, ctx, steps, [&](const PartitionStep& step) { return holds_held(t, held, step); },
      stats);
  t.commit();
  return steps;
}

PgStatements PostgresqlConnector::partition_statements(const Policy& policy, const Prepared& p,
                                                       bool operator_holds,
                                                       const PartitionStep& step) const {
  Policy on_partition = policy;
  on_partition.table = policies::QualifiedName{step.schema_name, step.table};
  auto category_of = [&](const std::optional<policies::QualifiedName>& related,
                         const std::string& column) { return p.tables->category(related, column); };
  return build_pg_statements(on_partition, p.key_column, category_of, operator_holds,
                             p.stored_table);
}

std::optional<Error> PostgresqlConnector::count_partitions(
    const Policy& policy, const PassContext& ctx, const Prepared& p,
    const std::map<std::string, std::string>& values, std::vector<PartitionStep>& steps,
    PlanStats& stats, sql::Walk& walk) {
  int read = 0;
  for (auto& step : steps) {
    if (sql::add_unread(step, stats)) continue;
    const PgStatements s = partition_statements(policy, p, !ctx.held_keys.empty(), step);
    if (ctx.pace && read++ > 0)
      if (auto stop = ctx.pace()) return stop;
    PlanStats counted;
    if (auto stopped = count_rows(policy, s, values, ctx, counted, walk)) return stopped;
    step.rows = counted.total;
    step.estimated = false;
    stats.total += counted.total;
    stats.matched += counted.matched;
    stats.held += counted.held;
    stats.undated += counted.undated;
    stats.future += counted.future;
    if (counted.oldest && (!stats.oldest || *counted.oldest < *stats.oldest))
      stats.oldest = counted.oldest;
  }
  sql::take_oldest_unit(
      steps,
      [&](const PartitionStep& step) -> std::optional<policies::TimePoint> {
        pqxx::work t(*conn_);
        const auto row = t.exec1("SELECT extract(epoch FROM min(" +
                                 sql::quote_identifier(policy.since.terms.front().column, '"') +
                                 "))::bigint FROM " + step.name);
        t.commit();
        if (row[0].is_null()) return std::nullopt;
        return policies::from_epoch_seconds(row[0].as<long long>());
      },
      stats);
  return std::nullopt;
}

Result<BatchResult> PostgresqlConnector::unit_batch(const Policy& policy, const PassContext& ctx,
                                                    const Prepared& p, const Cursor& from,
                                                    long long limit) {
  const std::string& table_oid = p.table_oid;
  const HeldLook held = sql::held_look(p.keyless ? "" : p.key_column, ctx);
  if (from.position >= static_cast<long long>(from.units.size()))
    return BatchResult{0, from.after_units(), false};
  return with_retry(policy, [&](bool& announced) -> BatchResult {
    // Several units in one transaction: all of them go, or none (a kill, a failed statement);
    // one COMMIT and one record in the state file instead of one per partition.
    pqxx::work t(*conn_);
    BatchResult result{0, from, false};
    CountBudget budget;
    long long handled = 0;
    for (auto i = static_cast<size_t>(from.position);
         i < from.units.size() && handled < kUnitsPerBatch; ++i) {
      const PartitionStep& step = from.units[i];
      std::optional<UnitRows> taken;
      try {
        taken = act_on_unit(t, policy, table_oid, step, ctx.cutoff, limit - result.affected, budget,
                            held);
      } catch (const UnitOverLimit&) {
        if (handled == 0) throw;  // alone over what the guard allows: the pass stops on it
        break;                    // the next batch starts with it
      }
      ++handled;
      if (!taken) {
        // Gone, moved or no longer expired since the plan: its rows, if any, are the batches'.
        spdlog::info("policy '{}': partition {} changed since the plan; left to the batches",
                     policy.name, step.name);
        continue;
      }
      result.affected += taken->rows;
      PartitionStep done = step;
      done.rows = taken->rows;
      done.estimated = taken->estimated;
      done.detached_as = taken->detached_as;
      result.units.push_back(std::move(done));
    }
    announce_and_commit(t, ctx, result.affected, announced, result.units);
    for (const auto& done : result.units)
      spdlog::info("policy '{}': {}", policy.name, sql::unit_done_words(done));
    result.next = from.after_units(handled);
    return result;
  });
}

}  // namespace retentiond::connectors::postgresql
