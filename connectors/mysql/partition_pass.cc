// The partition side of the mysql store's passes (`partitions: drop` or `detach`): what check
// says about the table, what plan adds, the batch that acts on one partition as a unit, and how
// a pass interrupted around its ALTER TABLE learns whether it happened. The rows of the other
// partitions (the boundary, MAXVALUE) are deleted by the ordinary batches, after the units.
#include <mysqld_error.h>

#include <algorithm>
#include <cmath>
#include <map>

#include <spdlog/spdlog.h>

#include "connectors/mysql/catalog.h"
#include "connectors/mysql/connector.h"
#include "connectors/mysql/partitions.h"
#include "connectors/sql/partition_plan.h"
#include "connectors/sql/quote.h"

namespace retentiond::connectors::mysql {
namespace {

// The partitions whose bounds do not settle their rows, which the plan reads: "`p1`, `p2`".
std::string read_partition_names(const std::vector<PartitionStep>& steps) {
  std::string names;
  for (const auto& step : steps)
    if (step.kind == PartitionStep::Kind::Rows && step.range == PartitionStep::Range::Unknown)
      names += (names.empty() ? "" : ", ") + step.name;
  return names;
}

// The sentence naming the privileges the account lacks, and the GRANT that gives them.
std::string privilege_sentence(const Policy& policy, const MissingPrivileges& missing) {
  std::string names;
  for (const auto& m : missing.names) names += (names.empty() ? "" : ", ") + m;
  if (missing.on_database)
    return "account '" + missing.account + "' lacks " + names + " on database '" +
           missing.database + "' (GRANT " + names + " ON " +
           sql::quote_identifier(missing.database, '`') + ".* TO ...)";
  return "account '" + missing.account + "' lacks " + names + " on table '" + policy.table->str() +
         "' (GRANT " + names + " ON " + policy.table->str() + " TO ...)";
}

// The sentence naming the privileges the pass's partitions need and the account lacks, or
// nullopt.
std::optional<std::string> privilege_problem(Client& c, const Policy& policy) {
  auto missing = missing_privileges(c, policy);
  if (missing.names.empty()) return std::nullopt;
  std::string sentence = privilege_sentence(policy, missing);
  if (policy.partitions == policies::PartitionMode::Detach)
    sentence += " (each detached partition becomes a table of its own in that database)";
  return sentence;
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
  const auto lock = missing_privileges(*client_, policy, /*lock_tables=*/true);
  if (!lock.names.empty())
    out.push_back({policies::Severity::Warning, policy.partitions_location,
                   what + privilege_sentence(policy, lock) +
                       ": partitions go without the lock that keeps other sessions from writing "
                       "into them between the pass's last look and their ALTER TABLE"});
  // Without an index on the date, making sure a partition holds no undated row reads it.
  if (!undated_look(*client_, policy).indexed)
    out.push_back({policies::Severity::Warning, policy.partitions_location,
                   what + "no index of table '" + policy.table->str() + "' starts with column '" +
                       policy.since.terms.front().column +
                       "': before a partition goes whole, each pass reads it once to make sure "
                       "it holds no undated row (NULL, zero or zero-day dates, which are kept); "
                       "an index on that column makes this a few probes"});
  return out;
}

std::optional<std::vector<PartitionStep>> MysqlConnector::partition_layout(const Policy& policy,
                                                                           const PassContext& ctx,
                                                                           const HeldLook& held,
                                                                           PlanStats& stats) {
  auto rows_instead = [&](const std::string& why) {
    stats.warnings.push_back(sql::partition_mode_words(policy) + " has no effect: " + why +
                             "; every expired row goes through the batches");
    return std::nullopt;
  };
  if (auto why = sql::partitions_rows_only(policy, ctx)) return rows_instead(*why);
  if (auto problem = partitioning_problem(*client_, policy)) return rows_instead(*problem);
  if (auto problem = privilege_problem(*client_, policy)) return rows_instead(*problem);
  auto steps = partition_steps(*client_, policy, ctx.cutoff, looks_[policy.name]);
  sql::keep_held_partitions(
      policy, ctx, steps,
      [&](const PartitionStep& step) { return holds_held(*client_, policy, held, {step.table}); },
      stats);
  return steps;
}

MyStatements MysqlConnector::reading_partitions(const Policy& policy, const MyStatements& s,
                                                const std::vector<PartitionStep>& steps) {
  const std::string names = read_partition_names(steps);
  MyStatements out = s;
  const std::string from = " FROM " + sql::quote_table(*policy.table, '`');
  for (sql::Sql* st :
       {&out.plan_total, &out.plan_matched, &out.plan_held, &out.plan_undated, &out.plan_future}) {
    if (st->text.empty()) continue;
    if (names.empty()) {
      st->text.clear();  // every row is in a partition the statistics answer for
      continue;
    }
    // Each counting statement reads the policy's table once (a partitioned table's policy has
    // no related table nor `where:`, which would force rows mode).
    const auto at = st->text.find(from);
    if (at == std::string::npos)
      throw std::logic_error("a plan statement does not read " + policy.table->str());
    st->text.insert(at + from.size(), " PARTITION (" + names + ")");
  }
  return out;
}

std::optional<long long> MysqlConnector::undated_in_read_partitions(
    const Policy& policy, const std::vector<PartitionStep>& steps) {
  const std::string names = read_partition_names(steps);
  if (names.empty()) return std::nullopt;
  auto& look = looks_[policy.name];
  if (!look) look = undated_look(*client_, policy);
  return count_undated(*client_, policy, *look, names);
}

void MysqlConnector::add_partition_estimates(const Policy& policy,
                                             const std::vector<PartitionStep>& steps,
                                             PlanStats& stats) {
  for (const auto& step : steps) sql::add_unread(step, stats);
  // The lowest partition, read when it holds undated rows, may hold older rows than the units.
  sql::take_oldest_unit(
      steps,
      [&](const PartitionStep& step) -> std::optional<policies::TimePoint> {
        auto rows = client_->query("SELECT UNIX_TIMESTAMP(MIN(" +
                                   sql::quote_identifier(policy.since.terms.front().column, '`') +
                                   ")) FROM " + sql::quote_table(*policy.table, '`') +
                                   " PARTITION (" + step.name + ")");
        if (rows.empty() || !rows[0][0]) return std::nullopt;
        return policies::from_epoch_seconds(
            static_cast<long long>(std::floor(std::stod(*rows[0][0]))));
      },
      stats);
}

namespace {

// Whether partitions about to go whole (`first` the first of them, `partitions` all, in order)
// hold undated records now, just before the statement that drops them: the lowest its NULL keys
// and zero dates, which MariaDB puts there; and, through an index on the date, any of them its
// zero-month or zero-day dates, which RANGE COLUMNS sorts among the others (a few probes for the
// whole group). Without such an index the plan's read of the others stands: reading them again
// would double the pass's cost.
bool undated_now(Client& c, const Policy& policy, const PartitionNow& first,
                 const std::vector<std::string>& partitions, std::optional<UndatedLook>& look) {
  if (!first.kind || partitions.empty()) return false;
  if (!look) look = undated_look(c, policy);
  if (look->indexed) return holds_undated(c, policy, *look, *first.kind, partitions, first.lowest);
  return first.lowest &&
         holds_undated(c, policy, *look, *first.kind, {partitions.front()}, /*lowest=*/true);
}

// LOCK TABLES ... WRITE from the last look at a group of partitions to its ALTER TABLE, which
// takes the table's lock only when it starts: no session writes a record into those partitions in
// between (an undated one would go with them; a dated one would go uncounted). Other sessions wait
// for the table during the look (a few index probes) as they do during the ALTER TABLE itself.
// An account without the LOCK TABLES privilege goes on without it: `check` warns, the log says
// so once. UNLOCK TABLES when released or destroyed (a lost session has released it already).
class TableWriteLock {
 public:
  TableWriteLock(Client& c, const Policy& policy, std::set<std::string>& unlocked) : c_(c) {
    if (unlocked.count(policy.name)) return;
    try {
      c_.exec("LOCK TABLES " + sql::quote_table(*policy.table, '`') + " WRITE");
      held_ = true;
    } catch (const MysqlError& e) {
      if (e.number() != ER_DBACCESS_DENIED_ERROR && e.number() != ER_TABLEACCESS_DENIED_ERROR)
        throw;
      unlocked.insert(policy.name);
      spdlog::warn(
          "policy '{}': the account may not LOCK TABLES {}: partitions go without the lock "
          "between the last look at them and the ALTER TABLE (GRANT LOCK TABLES closes that "
          "instant)",
          policy.name, policy.table->str());
    }
  }
  ~TableWriteLock() {
    try {
      release();
    } catch (const MysqlError&) {  // the session is gone, and its lock with it
    }
  }
  TableWriteLock(const TableWriteLock&) = delete;
  TableWriteLock& operator=(const TableWriteLock&) = delete;
  void release() {
    if (held_) {
      held_ = false;
      c_.exec("UNLOCK TABLES");
    }
  }

 private:
  Client& c_;
  bool held_ = false;
};

// The partitions one ALTER TABLE drops: the Drop units from `first` on, at most kUnitsPerAlter.
size_t drop_group_end(const std::vector<PartitionStep>& units, size_t first) {
  size_t end = first;
  while (end < units.size() && end - first < kUnitsPerAlter &&
         units[end].kind == PartitionStep::Kind::Drop)
    ++end;
  return end;
}

}  // namespace

void MysqlConnector::plan_partition_units(const Policy& policy, const PassContext& ctx,
                                          std::vector<PartitionStep> steps, PlanStats& stats) {
  // What each unit runs; the drops that one ALTER TABLE makes together show as that statement,
  // under the first of them.
  std::vector<PartitionStep> units;
  for (const auto& step : steps)
    if (acts_as_unit(step)) units.push_back(step);
  std::map<std::string, std::vector<std::string>> statements;
  for (size_t i = 0; i < units.size();) {
    if (units[i].kind != PartitionStep::Kind::Drop) {
      // A detach shows the name it would take now (the first free one).
      PartitionStep shown = units[i];
      if (shown.kind == PartitionStep::Kind::Detach)
        if (auto name = free_detached_table_name(*client_, policy, shown.table, ctx.cutoff.now))
          shown.detached_as = *name;
      statements[units[i].name] = unit_statements(policy, shown, ctx.cutoff.now);
      ++i;
      continue;
    }
    const size_t end = drop_group_end(units, i);
    statements[units[i].name] = {drop_statement(policy, units, i, end)};
    i = end;
  }
  sql::plan_partition_units(
      std::move(steps),
      [&](const PartitionStep& step) {
        auto it = statements.find(step.name);
        return it == statements.end() ? std::vector<std::string>{} : it->second;
      },
      stats);
}

Result<BatchResult> MysqlConnector::unit_batch(const Policy& policy, const PassContext& ctx,
                                               const Cursor& from, long long limit,
                                               const HeldLook& held) {
  if (from.position >= static_cast<long long>(from.units.size()))
    return BatchResult{0, from.after_units(), false};
  const PartitionStep& step = from.units[from.position];
  if (step.kind == PartitionStep::Kind::Drop) return drop_batch(policy, ctx, from, limit, held);
  const std::string where = error_prefix(store_.name, policy.name);
  for (int attempt = 0;; ++attempt) {
    bool announced = false;
    std::optional<TableWriteLock> lock;
    PartitionStep target = step;  // Detach: with the name it is given
    try {
      long long rows = 0;
      bool estimated = false;
      if (step.kind == PartitionStep::Kind::DropDetached) {
        auto at = detached_at(*client_, policy, step.table);
        if (!at || policy.grace.after(*at) > ctx.cutoff.now)
          return BatchResult{0, from.after_units(), false};
      } else {
        // Still there, still wholly expired: its rows are counted, announced, then it goes.
        lock.emplace(*client_, policy, unlocked_);
        CountBudget budget;
        const auto all = partitions_now(*client_, policy);
        const auto it = all.find(step.table);
        const auto upper = it == all.end() ? std::nullopt : it->second.upper;
        if (!upper || *upper > ctx.cutoff.cutoff ||
            undated_now(*client_, policy, it->second, {step.table}, looks_[policy.name]) ||
            holds_held(*client_, policy, held, {step.table})) {
          spdlog::info("policy '{}': partition {} changed since the plan; left to the batches",
                       policy.name, step.name);
          return BatchResult{0, from.after_unit_left_to_rows(), false};
        }
        PartitionStep now = step;
        now.rows = it->second.rows;
        count_if_small(*client_, policy, now, budget);
        rows = now.rows;
        estimated = now.estimated;
        if (step.kind == PartitionStep::Kind::Detach) {
          auto name = free_detached_table_name(*client_, policy, step.table, ctx.cutoff.now);
          if (!name)
            return Error{
                ErrorKind::QueryFailed,
                where + sql::detached_names_taken(
                            step.name,
                            detached_table_name(policy.table->name, step.table, ctx.cutoff.now),
                            detached_table_name(policy.table->name, step.table, ctx.cutoff.now,
                                                sql::kDetachedNameVariants))};
          target.detached_as = *name;
        }
        if (rows > limit)
          return Error{ErrorKind::RefusedByGuard,
                       where + "partition " + step.name + " holds " + (estimated ? "about " : "") +
                           policies::with_thousands(rows) + " rows, more than the " +
                           policies::with_thousands(limit) +
                           " the guard still allows; it was left whole"};
        if (ctx.journal) {
          PartitionChange change{policy.table->str(), step.table, target.detached_as};
          try {
            PartitionStep counted = step;
            counted.rows = rows;
            counted.estimated = estimated;
            counted.detached_as = change.detached_as;
            ctx.journal->before_commit({rows, partition_evidence(change), {}, {counted}});
          } catch (const std::exception& e) {
            return Error{ErrorKind::Io, where + e.what() + "; the partition was left whole"};
          }
          announced = true;
        }
      }
      // The first statement changes the table, under its lock; the others touch the detached
      // table alone (unit_statements), after UNLOCK TABLES: a table the lock does not name may
      // not be altered under it. A pass stopped in between finds the table by its name.
      const auto statements = unit_statements(policy, target, ctx.cutoff.now);
      for (size_t i = 0; i < statements.size(); ++i) {
        client_->exec(statements[i]);
        if (i == 0 && lock) lock->release();
      }
      BatchResult result{rows, from.after_units(), false};
      result.units = {step};
      result.units.front().rows = rows;
      result.units.front().estimated = estimated;
      result.units.front().detached_as = target.detached_as;
      spdlog::info("policy '{}': {}", policy.name, sql::unit_done_words(result.units.front()));
      return result;
    } catch (const MysqlError& e) {
      // Unlocked on this session now: a reconnection replaces the session the lock refers to.
      lock.reset();
      // Lost before the partition was announced: nothing changed, and the retry reads it again.
      if (!e.connection_lost() || announced || attempt >= 1) return query_error(policy, e);
      if (!reconnect()) return gave_up(policy, query_error(policy, e));
    }
  }
}

Result<BatchResult> MysqlConnector::drop_batch(const Policy& policy, const PassContext& ctx,
                                               const Cursor& from, long long limit,
                                               const HeldLook& held) {
  const std::string where = error_prefix(store_.name, policy.name);
  const auto first = static_cast<size_t>(from.position);
  const size_t end = drop_group_end(from.units, first);
  for (int attempt = 0;; ++attempt) {
    bool announced = false;
    std::optional<TableWriteLock> lock;
    try {
      lock.emplace(*client_, policy, unlocked_);
      // Still there and still wholly expired, each with its rows (counted when small); the
      // group stops before one that is not, or that the guard's room cannot take.
      std::vector<PartitionStep> going;
      long long rows = 0;
      const auto all = partitions_now(*client_, policy);
      CountBudget budget;
      for (size_t i = first; i < end; ++i) {
        PartitionStep now = from.units[i];
        const auto it = all.find(now.table);
        const auto upper = it == all.end() ? std::nullopt : it->second.upper;
        if (!upper || *upper > ctx.cutoff.cutoff) {
          if (i > first) break;
          spdlog::info("policy '{}': partition {} changed since the plan; left to the batches",
                       policy.name, now.name);
          return BatchResult{0, from.after_unit_left_to_rows(), false};
        }
        now.rows = it->second.rows;
        count_if_small(*client_, policy, now, budget);
        if (rows + now.rows > limit) {
          if (i > first) break;
          return Error{ErrorKind::RefusedByGuard,
                       where + "partition " + now.name + " holds " +
                           (now.estimated ? "about " : "") + policies::with_thousands(now.rows) +
                           " rows, more than the " + policies::with_thousands(limit) +
                           " the guard still allows; it was left whole"};
        }
        rows += now.rows;
        going.push_back(std::move(now));
      }
      // Undated records since the plan: the group stops before the first partition holding one
      // (rare; then looked at one by one).
      std::vector<std::string> names;
      for (const auto& unit : going) names.push_back(unit.table);
      auto& look = looks_[policy.name];
      // Likewise a record under a legal hold moved into one since the plan (its date changed).
      auto stays = [&](const std::string& name) {
        return undated_now(*client_, policy, all.at(name), {name}, look) ||
               holds_held(*client_, policy, held, {name});
      };
      if (undated_now(*client_, policy, all.at(names.front()), names, look) ||
          holds_held(*client_, policy, held, names)) {
        size_t keep = 0;
        while (keep < going.size() && !stays(names[keep])) ++keep;
        if (keep == 0) {
          spdlog::info("policy '{}': partition {} changed since the plan; left to the batches",
                       policy.name, going.front().name);
          return BatchResult{0, from.after_unit_left_to_rows(), false};
        }
        going.resize(keep);
        rows = 0;
        for (const auto& unit : going) rows += unit.rows;
      }
      if (ctx.journal) {
        PartitionChange change{policy.table->str(), going.front().table, ""};
        for (size_t i = 1; i < going.size(); ++i) change.more.push_back(going[i].table);
        try {
          ctx.journal->before_commit({rows, partition_evidence(change), {}, going});
        } catch (const std::exception& e) {
          return Error{ErrorKind::Io, where + e.what() + "; the partitions were left whole"};
        }
        announced = true;
      }
      client_->exec(drop_statement(policy, going, 0, going.size()));
      lock->release();
      for (const auto& done : going)
        spdlog::info("policy '{}': {}", policy.name, sql::unit_done_words(done));
      BatchResult result{rows, from.after_units(static_cast<long long>(going.size())), false};
      result.units = std::move(going);
      return result;
    } catch (const MysqlError& e) {
      // Unlocked on this session now: a reconnection replaces the session the lock refers to.
      lock.reset();
      // Lost before the partitions were announced: nothing changed, and the retry reads again.
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
      // One ALTER TABLE drops or converts all its partitions or none (MariaDB's DDL is atomic):
      // the partition gone from the table is the proof. (Not a table of the converted name:
      // one of that name may be older, and the CONVERT may have failed because of it.)
      return current_upper_bound(*client_, policy, change.partition) ? 0LL : expected;
    } catch (const MysqlError& e) {
      if (!e.connection_lost() || attempt >= 1) return query_error(policy, e);
      if (!reconnect()) return gave_up(policy, query_error(policy, e));
    }
  }
}

}  // namespace retentiond::connectors::mysql
