// The partition side of the mysql store's passes (`partitions: drop` or `detach`): what check
// says about the table, what plan adds, the batch that acts on one partition as a unit, and how
// a pass interrupted around its ALTER TABLE learns whether it happened. The rows of the other
// partitions (the boundary, MAXVALUE) are deleted by the ordinary batches, after the units.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "connectors/mysql/catalog.h"
#include "connectors/mysql/connector.h"
#include "connectors/mysql/partitions.h"
#include "connectors/sql/partition_plan.h"
#include "connectors/sql/quote.h"

namespace retentiond::connectors::mysql {
namespace {

// The sentence naming the privileges the account lacks, or nullopt.
std::optional<std::string> privilege_problem(Client& c, const Policy& policy) {
  std::string account;
  auto missing = missing_privileges(c, policy, account);
  if (missing.empty()) return std::nullopt;
  std::string names;
  for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
  return "account '" + account + "' lacks " + names + " on table '" + policy.table->str() +
         "' (GRANT " + names + " ON " + policy.table->str() + " TO ...)";
}

}  // namespace

std::vector<policies::Diagnostic> MysqlConnector::check_partitions(const Policy& policy) {
  std::vector<policies::Diagnostic> out;
  if (policy.partitions == policies::PartitionMode::Rows ||
      policies::partitions_forced_to_rows(policy) || policies::partition_basis_problem(policy))
    return out;
  if (!describe_table(*client_, *policy.table)) return out;  // check_policy() said so
  const std::string what = sql::partition_mode_words(policy) + " in policy '" + policy.name + "': ";
  if (auto problem = partitioning_problem(*client_, policy)) {
    out.push_back({policies::Severity::Error, policy.partitions_location,
                   what + *problem + "; a pass deletes its expired rows in batches instead"});
    return out;
  }
  if (auto problem = privilege_problem(*client_, policy))
    out.push_back({policies::Severity::Error, policy.partitions_location,
                   what + *problem + "; a pass deletes the expired rows in batches instead"});
  return out;
}

void MysqlConnector::plan_partitions(const Policy& policy, const PassContext& ctx,
                                     PlanStats& stats) {
  auto rows_instead = [&](const std::string& why) {
    stats.warnings.push_back(sql::partition_mode_words(policy) + " has no effect: " + why +
                             "; every expired row is deleted in batches");
  };
  if (auto why = sql::partitions_rows_only(policy, ctx)) return rows_instead(*why);
  if (auto problem = partitioning_problem(*client_, policy)) return rows_instead(*problem);
  if (auto problem = privilege_problem(*client_, policy)) return rows_instead(*problem);
  auto steps = partition_steps(*client_, policy, ctx.cutoff);
  sql::plan_partition_units(
      std::move(steps),
      [&](const PartitionStep& step) { return unit_statements(policy, step, ctx.cutoff.now); },
      stats);
}

Result<BatchResult> MysqlConnector::unit_batch(const Policy& policy, const PassContext& ctx,
                                               const Cursor& from, long long limit) {
  if (from.position >= static_cast<long long>(from.units.size()))
    return BatchResult{0, from.after_unit(), false};
  const PartitionStep& step = from.units[from.position];
  const std::string where = error_prefix(store_.name, policy.name);
  const std::string action(partition_step_name(step.kind));
  for (int attempt = 0;; ++attempt) {
    bool announced = false;
    try {
      long long rows = 0;
      if (step.kind == PartitionStep::Kind::DropDetached) {
        auto at = detached_at(*client_, policy, step.table);
        if (!at || policy.grace.after(*at) > ctx.cutoff.now)
          return BatchResult{0, from.after_unit(), false};
      } else {
        // Still there, still wholly expired: its rows are counted, announced, then it goes.
        auto upper = current_upper_bound(*client_, policy, step.table);
        if (!upper || *upper > ctx.cutoff.cutoff || holds_undated(*client_, policy, step.table)) {
          spdlog::info("policy '{}': partition {} changed since the plan; left to the batches",
                       policy.name, step.name);
          return BatchResult{0, from.after_unit(), false};
        }
        auto counted =
            client_->query("SELECT COUNT(*) FROM " + sql::quote_table(*policy.table, '`') +
                           " PARTITION (" + step.name + ")");
        rows = std::stoll(counted.at(0)[0].value_or("0"));
        if (rows > limit)
          return Error{ErrorKind::QueryFailed, where + "partition " + step.name + " holds " +
                                                   policies::with_thousands(rows) +
                                                   " rows, more than the " +
                                                   policies::with_thousands(limit) +
                                                   " the guard still allows; it was left whole"};
        if (ctx.journal) {
          PartitionChange change{policy.table->str(), step.table, ""};
          if (step.kind == PartitionStep::Kind::Detach)
            change.detached_as =
                detached_table_name(policy.table->name, step.table, ctx.cutoff.now);
          try {
            ctx.journal->before_commit({rows, partition_evidence(change), {}});
          } catch (const std::exception& e) {
            return Error{ErrorKind::Io, where + e.what() + "; the partition was left whole"};
          }
          announced = true;
        }
      }
      for (const auto& s : unit_statements(policy, step, ctx.cutoff.now)) client_->exec(s);
      spdlog::info("policy '{}': {} {} ({} rows)", policy.name, action, step.name, rows);
      BatchResult result{rows, from.after_unit(), false};
      result.unit = step;
      result.unit->rows = rows;
      result.unit->estimated = false;
      return result;
    } catch (const MysqlError& e) {
      // Lost before the partition was announced: nothing changed, and the retry reads it again.
      if (!e.connection_lost() || announced || attempt >= 1) return query_error(policy, e);
      if (!reconnect()) return gave_up(policy, query_error(policy, e));
    }
  }
}

Result<long long> MysqlConnector::reconcile_partition(const Policy& policy,
                                                      const PartitionChange& change,
                                                      long long expected) {
  for (int attempt = 0;; ++attempt) {
    try {
      if (!change.detached_as.empty())
        return table_exists(*client_, policy, change.detached_as) ? expected : 0LL;
      return current_upper_bound(*client_, policy, change.partition) ? 0LL : expected;
    } catch (const MysqlError& e) {
      if (!e.connection_lost() || attempt >= 1) return query_error(policy, e);
      if (!reconnect()) return gave_up(policy, query_error(policy, e));
    }
  }
}

}  // namespace retentiond::connectors::mysql
