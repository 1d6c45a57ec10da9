#include "connectors/postgresql/connector.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "connectors/batch_evidence.h"
#include "connectors/postgresql/anonymised_values.h"
#include "connectors/postgresql/catalog.h"
#include "connectors/postgresql/connection.h"
#include "connectors/postgresql/error_text.h"
#include "connectors/postgresql/partitions.h"
#include "connectors/postgresql/privileges.h"
#include "connectors/sql/anonymise.h"
#include "connectors/sql/batch_bound.h"
#include "connectors/sql/bindings_note.h"
#include "connectors/sql/check.h"
#include "connectors/sql/partition_plan.h"
#include "connectors/sql/related.h"

namespace retentiond::connectors::postgresql {
namespace {

using policies::Diagnostic;

// The block number of a tid's text form, "(12,3)" -> 12.
long long block_of(const std::string& tid) { return std::stoll(tid.substr(1)); }

pqxx::result run(pqxx::transaction_base& t, const sql::Sql& s,
                 const std::map<std::string, std::string>& values) {
  auto params = s.values(values);
  return t.exec_params(s.text, pqxx::prepare::make_dynamic_params(params));
}

// A part of a plan counted in parts: 1024 blocks (8 MiB), a few tens of milliseconds to scan.
constexpr long long kPlanPartBlocks = 1024;

// Adds one plan row (over the whole table, or a part of it) to `stats`; with a block walk
// (columns 6 and 7: the first and last matched tid) widens `walk` to the blocks it matched in.
void add_plan_row(const pqxx::row& row, bool block_walk, PlanStats& stats, sql::Walk& walk) {
  stats.total += row[0].as<long long>();
  stats.matched += row[1].as<long long>();
  stats.held += row[2].as<long long>();
  if (!row[3].is_null()) {
    const auto oldest = policies::from_epoch_seconds(row[3].as<long long>());
    if (!stats.oldest || oldest < *stats.oldest) stats.oldest = oldest;
  }
  stats.undated += row[4].as<long long>();
  stats.future += row[5].as<long long>();
  if (!block_walk || row[6].is_null()) return;
  const long long first = block_of(row[6].c_str()), last = block_of(row[7].c_str());
  if (walk.first > walk.last) {
    walk.first = first;
    walk.last = last;
  } else {
    walk.first = std::min(walk.first, first);
    walk.last = std::max(walk.last, last);
  }
}

// Server-side PREPARE parses and plans a statement without running it: unknown columns, bad
// `where` or `on` SQL and type errors surface here.
std::optional<std::string> compile_error(pqxx::connection& c, const std::string& text) {
  try {
    pqxx::nontransaction t(c);
    t.exec("PREPARE retentiond_check AS " + text);
    t.exec("DEALLOCATE retentiond_check");
    return std::nullopt;
  } catch (const pqxx::sql_error& e) {
    return first_line(e.what());
  }
}

}  // namespace

Result<void> PostgresqlConnector::connect(AccessMode mode) {
  auto c = postgresql::connect(store_, mode);
  if (!c) return c.error();
  conn_ = std::move(c.value());
  return success();
}

Result<PostgresqlConnector::Prepared> PostgresqlConnector::prepared(const Policy& policy,
                                                                    bool operator_holds) {
  auto cache_key = std::make_pair(policy.name, operator_holds);
  if (auto it = prepared_.find(cache_key); it != prepared_.end()) return it->second;
  const std::string where = error_prefix(store_.name, policy.name);
  try {
    std::optional<PgTable> table;
    {
      pqxx::nontransaction t(*conn_);
      table = describe_table(t, *policy.table);
    }
    if (!table)
      return Error{ErrorKind::SchemaMismatch,
                   where + "table '" + policy.table->str() + "' does not exist"};
    // A block walk reads `ctid`: it needs a table (not a view) and SELECT on all of it.
    const bool stored_table = (table->kind == 'r' || table->kind == 'p') && table->select_granted;
    auto key = sql::choose_key(
        policy, *table, operator_holds, where,
        stored_table ? ""
                     : "'" + policy.table->str() +
                           "' has no single-column primary key and is not a table whose "
                           "blocks can be walked; set 'key:' to a unique column");
    if (!key) return key.error();
    auto tables = sql::PolicyTables::describe(policy, *table, catalog(*conn_), where);
    if (!tables) return tables.error();
    // A value its column cannot hold, or holds otherwise: every batch fails, or every pass
    // changes and counts the same records again. Said before anything changes.
    if (auto values = anonymised_value_problems(*conn_, policy); !values.empty())
      return Error{ErrorKind::Config,
                   where + values.front().location.str() + ": " + values.front().message};
    auto category_of = [&](const std::optional<policies::QualifiedName>& related,
                           const std::string& column) { return tables->category(related, column); };
    Prepared p;
    // Without a key, a delete-only policy walks the blocks, and `ctid` (stable while the row
    // lives) stands in for the key within a batch.
    p.statements =
        build_pg_statements(sql::keyed_by(policy, key.value()), key->keyless ? "ctid" : key->column,
                            category_of, operator_holds, stored_table, table->kind == 'p');
    p.integer_key = key->integer;
    p.keyless = key->keyless;
    p.table_oid = table->oid;
    p.key_column = key->keyless ? "ctid" : key->column;
    p.stored_table = stored_table;
    p.tables = std::make_shared<const sql::PolicyTables>(tables.value());
    prepared_.emplace(cache_key, p);
    return p;
  } catch (const std::invalid_argument& e) {
    return Error{ErrorKind::SchemaMismatch, where + e.what()};
  } catch (const std::exception& e) {
    return query_error(policy, e);
  }
}

std::map<std::string, std::string> PostgresqlConnector::bindings(const Policy& policy,
                                                                 const PassContext& ctx) const {
  long long epoch = policies::epoch_seconds(ctx.cutoff.cutoff);
  nlohmann::json held = ctx.held_keys;
  auto values = sql::anonymisation_values(policy, ctx.anonymisation_key,
                                          policies::format_timestamp(ctx.cutoff.now));
  values.insert({{"cutoff", policies::format_timestamp(ctx.cutoff.cutoff)},
                 {"cutoff_epoch", std::to_string(epoch)},
                 {"cutoff_epoch_ms", std::to_string(epoch * 1000)},
                 {"now", policies::format_timestamp(ctx.cutoff.now)},
                 {"held", held.dump()},  // always UTF-8 (daemon/holds.h)
                 // A key that is not UTF-8 becomes U+FFFD and matches no row: the record is kept.
                 {"noticed", nlohmann::json(ctx.noticed_keys)
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)}});
  return values;
}

Result<std::vector<NoticeCandidate>> PostgresqlConnector::notice_candidates(
    const Policy& policy, const PassContext& ctx, policies::TimePoint notice_cutoff) {
  auto p = prepared(policy, !ctx.held_keys.empty());
  if (!p) return p.error();
  std::vector<NoticeCandidate> out;
  try {
    auto values = bindings(policy, ctx);
    long long epoch = policies::epoch_seconds(notice_cutoff);
    values["cutoff"] = policies::format_timestamp(notice_cutoff);
    values["cutoff_epoch"] = std::to_string(epoch);
    values["cutoff_epoch_ms"] = std::to_string(epoch * 1000);
    pqxx::work t(*conn_);
    for (const auto& row : run(t, p.value().statements.notice_candidates, values)) {
      NoticeCandidate c;
      c.key = row[0].c_str();
      if (!row[1].is_null()) c.basis = policies::from_epoch_seconds(row[1].as<long long>());
      c.email = row[2].is_null() ? "" : row[2].c_str();
      c.held = !row[3].is_null() && row[3].as<long long>() != 0;
      out.push_back(std::move(c));
    }
    t.commit();
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const pqxx::failure*>(&e)) return query_error(policy, e);
    return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) + e.what()};
  } catch (const std::exception& e) {
    return query_error(policy, e);
  }
  return out;
}

Result<std::optional<std::string>> PostgresqlConnector::find_key(const Policy& policy,
                                                                 const std::string& key) {
  auto p = prepared(policy, false);
  if (!p) return p.error();
  if (p.value().keyless) return Connector::find_key(policy, key);
  try {
    pqxx::read_transaction t(*conn_);
    auto rows = run(t, p.value().statements.key_lookup, {{"key", key}});
    if (rows.empty()) return std::optional<std::string>();
    return std::optional<std::string>(rows[0][0].c_str());
  } catch (const pqxx::sql_error& e) {
    // Text the key's type cannot read ('abc' for an integer key): no record has it.
    if (e.sqlstate().rfind("22", 0) == 0) return std::optional<std::string>();
    return query_error(policy, e);
  } catch (const std::exception& e) {
    return query_error(policy, e);
  }
}

Error PostgresqlConnector::query_error(const Policy& policy, const std::exception& e) const {
  std::string where = error_prefix(store_.name, policy.name);
  if (dynamic_cast<const pqxx::broken_connection*>(&e))
    return Error{ErrorKind::StoreUnreachable,
                 where + "lost the connection to PostgreSQL: " + first_line(e.what())};
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string state = sql->sqlstate();
    if (state == "55P03")
      return Error{ErrorKind::QueryFailed,
                   where +
                       "a lock held by another session was not released within "
                       "lock_timeout; nothing of this batch changed"};
    if (state == "57014")
      return Error{ErrorKind::Interrupted,
                   where + "the statement was cancelled; nothing of this batch changed"};
    if (state.rfind("08", 0) == 0 || state.rfind("57P", 0) == 0)
      return Error{ErrorKind::StoreUnreachable,
                   where + "lost the connection to PostgreSQL: " + first_line(e.what())};
    // A data exception's values, and what a trigger or function wrote itself, withheld.
    return Error{ErrorKind::QueryFailed, where + safe_message(e)};
  }
  return Error{ErrorKind::QueryFailed, where + first_line(e.what())};
}

Result<std::vector<Diagnostic>> PostgresqlConnector::check(const Policy& policy) {
  try {
    sql::CheckHooks hooks;
    hooks.catalog = catalog(*conn_);
    hooks.quote = '"';
    hooks.compile_error = [&](const std::string& text) { return compile_error(*conn_, text); };
    hooks.statements = [&](bool holds) -> Result<sql::StatementTexts> {
      auto p = prepared(policy, holds);
      if (!p) return p.error();
      const auto& s = p->statements;
      sql::StatementTexts out{s.texts(), p->keyless};
      out.texts.insert(out.texts.begin(), s.plan.text);
      if (s.block_walk)
        out.texts.insert(out.texts.end(), {s.walk_action.text, s.walk_action_limited.text});
      return out;
    };
    auto diagnostics = sql::check_policy(policy, store_.name, hooks);
    auto partitions = check_partitions(policy);
    diagnostics.insert(diagnostics.end(), partitions.begin(), partitions.end());
    auto values = anonymised_value_problems(*conn_, policy);
    diagnostics.insert(diagnostics.end(), values.begin(), values.end());
    pqxx::nontransaction t(*conn_);
    auto missing = missing_privileges(t, policy);
    diagnostics.insert(diagnostics.end(), missing.begin(), missing.end());
    return diagnostics;
  } catch (const std::exception& e) {
    return query_error(policy, e);
  }
}

Result<PlanStats> PostgresqlConnector::plan(const Policy& policy, const PassContext& ctx) {
  const bool holds = !ctx.held_keys.empty();
  auto p = prepared(policy, holds);
  if (!p) return p.error();
  const auto& s = p.value().statements;
  PlanStats stats;
  std::map<std::string, std::string> values;
  try {
    values = bindings(policy, ctx);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) + e.what()};
  }
  if (ctx.counts_only) return tally(policy, s.tally, values);
  try {
    sql::Walk walk;
    std::optional<std::vector<PartitionStep>> steps;
    if (policy.partitions != policies::PartitionMode::Rows)
      steps = partition_layout(policy, ctx, p.value(), stats);
    auto stopped = steps ? count_partitions(policy, ctx, p.value(), values, *steps, stats, walk)
                         : count_rows(policy, s, values, ctx, stats, walk);
    if (stopped) return *stopped;
    if (s.block_walk) {
      walk.matched = stats.matched;
      if (steps)  // the walk meets only the rows of the partitions that do not go whole
        for (const auto& step : *steps)
          if (acts_as_unit(step) && step.kind != PartitionStep::Kind::DropDetached)
            walk.matched -= step.rows;
      stats.start = Cursor::walking(Cursor::Kind::Block, walk.first, walk);
    }
    if (ctx.samples > 0 && p.value().keyless) {
      stats.warnings.push_back(sql::keyless_samples_message(policy));
    } else if (ctx.samples > 0) {
      pqxx::work t(*conn_);
      auto with_limit = values;
      with_limit["limit"] = std::to_string(ctx.samples);
      for (const auto& r : run(t, s.samples, with_limit)) stats.samples.push_back(r[0].c_str());
      t.commit();
    }
    if (steps) {
      const std::string parent = [&] {
        pqxx::nontransaction t(*conn_);
        return qualified_name(t, p.value().table_oid);
      }();
      sql::plan_partition_units(
          std::move(*steps),
          [&](const PartitionStep& step) {
            // A detach shows the name it would take now (the first free one).
            PartitionStep shown = step;
            if (step.kind == PartitionStep::Kind::Detach) {
              pqxx::nontransaction t(*conn_);
              try {
                shown.detached_as = free_detached_name(t, step, ctx.cutoff.now);
              } catch (const std::runtime_error&) {
                // All taken: the pass says so; the plan shows the first.
              }
            }
            return unit_statements(policy, parent, shown, ctx.cutoff.now);
          },
          stats);
    }
  } catch (const std::exception& e) {
    return query_error(policy, e);
  }
  const sql::NoteValues notes{sql::Placeholders::Style::Numbered,
                              policies::format_timestamp(ctx.cutoff.cutoff),
                              policies::epoch_seconds(ctx.cutoff.cutoff), values};
  // A block walk runs its walk_action_limited only for a range that holds more than the batch
  // may touch (rolled back, then cut).
  const std::vector<const sql::Sql*> shown =
      s.block_walk ? std::vector<const sql::Sql*>{&s.walk_action, &s.walk_action_limited}
                   : s.shown();
  // The units' statements (plan_partitions) come first, as the pass runs them.
  for (const sql::Sql* st : shown) stats.statements.push_back(sql::shown(*st, notes));
  return stats;
}

Result<PlanStats> PostgresqlConnector::tally(const Policy& policy, const sql::Sql& tally,
                                             const std::map<std::string, std::string>& values) {
  PlanStats stats;
  try {
    pqxx::work t(*conn_);
    const auto row = run(t, tally, values)[0];
    stats.matched = row[0].as<long long>();
    stats.held = row[1].as<long long>();
    if (!row[2].is_null()) stats.oldest = policies::from_epoch_seconds(row[2].as<long long>());
    t.commit();
  } catch (const std::exception& e) {
    return query_error(policy, e);
  }
  return stats;
}

std::optional<Error> PostgresqlConnector::count_rows(
    const Policy& policy, const PgStatements& s, const std::map<std::string, std::string>& values,
    const PassContext& ctx, PlanStats& stats, sql::Walk& walk) {
  if (ctx.pace && s.block_walk) return plan_in_parts(policy, s, values, ctx, stats, walk);
  pqxx::work t(*conn_);
  add_plan_row(run(t, s.plan, values)[0], s.block_walk, stats, walk);
  t.commit();
  return std::nullopt;
}

std::optional<Error> PostgresqlConnector::plan_in_parts(
    const Policy& policy, const PgStatements& s, const std::map<std::string, std::string>& values,
    const PassContext& ctx, PlanStats& stats, sql::Walk& walk) {
  long long blocks = 0;
  {
    pqxx::work t(*conn_);
    blocks = t.exec(s.blocks.text)[0][0].as<long long>();
    t.commit();
  }
  auto part = values;
  // Rows added past the end while counting are not counted: the next pass sees them.
  for (long long lo = 0; lo <= blocks; lo += kPlanPartBlocks) {
    if (lo > 0)
      if (auto stop = ctx.pace()) return stop;
    part["lo"] = "(" + std::to_string(lo) + ",0)";
    part["hi"] = "(" + std::to_string(lo + kPlanPartBlocks) + ",0)";
    pqxx::work t(*conn_);
    add_plan_row(run(t, s.plan_part, part)[0], true, stats, walk);
    t.commit();
  }
  spdlog::info("policy '{}': counted in {} {} of {} blocks, pacing between them", policy.name,
               blocks / kPlanPartBlocks + 1, blocks < kPlanPartBlocks ? "part" : "parts",
               kPlanPartBlocks);
  return std::nullopt;
}

Result<BatchResult> PostgresqlConnector::walk_batch(const Policy& policy, const PassContext& ctx,
                                                    const PgStatements& s,
                                                    std::map<std::string, std::string> values,
                                                    const Cursor& from, long long limit) {
  const sql::Walk& walk = from.walk;
  const long long lo = from.position;
  if (lo > walk.last) return BatchResult{0, from, true};
  // At most limit/4 blocks: a batch through a stretch with few expired rows stays short.
  const long long hi = walk.batch_end(lo, limit, std::max<long long>(1, limit / 4)) + 1;
  values["lo"] = "(" + std::to_string(lo) + ",0)";
  values["hi"] = "(" + std::to_string(hi) + ",0)";
  values["limit"] = std::to_string(limit);
  return with_retry(policy, [&](bool& announced) -> BatchResult {
    {
      pqxx::work t(*conn_);
      const long long deleted = run(t, s.walk_action, values).affected_rows();
      if (deleted <= limit) {
        announce_and_commit(t, ctx, deleted, announced);
        return BatchResult{deleted, from.advanced(hi, deleted), hi > walk.last};
      }
    }  // more than `limit`: the transaction rolls back, nothing changed
    // Denser than expected: the same range again, cut at `limit` rows. The next batch starts
    // over at `lo` (the rows deleted now are gone from it).
    spdlog::debug("policy '{}': blocks [{}, {}) hold more than {} expired rows; cut at {}",
                  policy.name, lo, hi, limit, limit);
    pqxx::work t(*conn_);
    const long long deleted = run(t, s.walk_action_limited, values)[0][0].as<long long>();
    sql::check_batch_bound(deleted, limit, "DELETE", sql::Bound::Limit);  // else rolled back
    announce_and_commit(t, ctx, deleted, announced);
    return BatchResult{deleted, from.advanced(lo, deleted), false};
  });
}

void PostgresqlConnector::announce_and_commit(pqxx::work& t, const PassContext& ctx,
                                              long long affected, bool& announced,
                                              const std::vector<PartitionStep>& units) {
  if (ctx.journal) {
    const std::string xid = t.exec1("SELECT txid_current()::text")[0].c_str();
    ctx.journal->before_commit({affected, transaction_evidence(xid), {}, units});
    announced = true;
  }
  t.commit();
}

Result<BatchResult> PostgresqlConnector::with_retry(
    const Policy& policy, const std::function<BatchResult(bool& announced)>& batch) {
  for (int attempt = 0;; ++attempt) {
    bool announced = false;
    try {
      return batch(announced);
    } catch (const RelatedStoreFailed& e) {
      return e.error();  // another store failed (its own retries are its own); rolled back here
    } catch (const UnitOverLimit& e) {
      // Not a failure: the guard stopped the pass before a partition it could not take whole.
      return Error{ErrorKind::RefusedByGuard, error_prefix(store_.name, policy.name) + e.what()};
    } catch (const std::exception& e) {
      // A lost connection (or a server shutting the session down, 57P01) took the batch's
      // transaction with it: nothing of it is half-done, and the retried statements re-check
      // expiry, so retrying is safe; unless it was lost during COMMIT.
      Error error = query_error(policy, e);
      if (error.kind != ErrorKind::StoreUnreachable || announced || attempt >= 1) return error;
      if (!reconnect()) return gave_up(policy, error);
    }
  }
}

Result<BatchResult> PostgresqlConnector::apply_batch(const Policy& policy, const PassContext& ctx,
                                                     const Cursor& from, long long limit) {
  watch(ctx);
  const bool holds = !ctx.held_keys.empty();
  auto p = prepared(policy, holds);
  if (!p) return p.error();
  const auto& s = p.value().statements;
  std::map<std::string, std::string> values;
  try {
    values = bindings(policy, ctx);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config,
                 error_prefix(store_.name, policy.name) + e.what() + "; nothing was changed"};
  }
  if (from.kind == Cursor::Kind::Partitions) return unit_batch(policy, ctx, p.value(), from, limit);
  // A block walk needs the bounds a plan() found (its cursor carries them); without them the
  // policy walks its key, which needs none.
  if (s.block_walk && from.kind == Cursor::Kind::Block)
    return walk_batch(policy, ctx, s, std::move(values), from, limit);
  const std::optional<KeyValue> after = from.last_key();
  values["limit"] = std::to_string(limit);
  if (after) values["after"] = key_text(*after);
  return with_retry(policy, [&](bool& announced) -> BatchResult {
    pqxx::work t(*conn_);
    auto row = run(t, after ? s.next_batch : s.first_batch, values)[0];
    if (row[0].is_null()) {
      t.commit();
      return BatchResult{0, from, true};
    }
    std::string last_text = row[0].c_str();
    long long selected = row[1].as<long long>();
    values["last"] = last_text;
    auto related = sql::read_related(policy, ctx, store_.name, [&](size_t rule) {
      std::vector<std::string> out;
      for (const auto& r : run(t, (after ? s.next_related : s.first_related)[rule], values))
        if (!r[0].is_null()) out.push_back(r[0].c_str());
      return out;
    });
    for (const auto& a : after ? s.next_also : s.first_also) run(t, a, values);
    const long long changed =
        run(t, after ? s.next_action : s.first_action, values).affected_rows();
    // Never more than the batch selected (sql/batch_bound.h): the throw leaves `t` uncommitted,
    // before the batch announces itself (and before another store changes anything).
    sql::check_batch_bound(changed, selected,
                           policy.action == policies::Action::Anonymise ? "UPDATE" : "DELETE",
                           sql::Bound::Selected);
    sql::hand_to_other_stores(policy, ctx, related, [&](size_t rule, const std::string& json) {
      std::vector<std::string> out;
      auto with = values;
      with["related"] = json;
      for (const auto& r : run(t, s.related_kept[rule], with))
        if (!r[0].is_null()) out.push_back(r[0].c_str());
      return out;
    });
    announce_and_commit(t, ctx, changed, announced);
    KeyValue last = p.value().integer_key ? KeyValue{std::stoll(last_text)} : KeyValue{last_text};
    return BatchResult{changed, Cursor::after(last), selected < limit};
  });
}

Result<long long> PostgresqlConnector::reconcile(const Policy& policy, const PassContext& ctx,
                                                 const BatchIntent& intent) {
  watch(ctx);
  auto xid = parse_transaction_evidence(intent.evidence);
  const std::string where = error_prefix(store_.name, policy.name);
  if (!xid)
    return Error{ErrorKind::Io, where + "the state file's record of the last batch is unreadable"};
  // A backend whose client died may take a moment to notice and abort: ask for a while.
  for (int attempt = 0; attempt < 40; ++attempt) {
    std::optional<std::string> status;
    try {
      if (!conn_ || !conn_->is_open()) {
        if (!reconnect())
          return gave_up(
              policy, Error{ErrorKind::StoreUnreachable, where + "the server cannot be reached"});
      }
      pqxx::nontransaction t(*conn_);
      auto row = t.exec_params1("SELECT txid_status($1::bigint)", *xid);
      if (!row[0].is_null()) status = row[0].c_str();
    } catch (const std::exception& e) {
      Error error = query_error(policy, e);
      if (error.kind != ErrorKind::StoreUnreachable) return error;
      if (!reconnect()) return gave_up(policy, error);
      continue;
    }
    if (!status)
      return Error{ErrorKind::QueryFailed,
                   where + "the server no longer knows transaction " + *xid};
    if (*status == "committed") return intent.expected;
    if (*status == "aborted") return 0LL;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return Error{ErrorKind::QueryFailed,
               where + "transaction " + *xid + " of the last batch is still in progress"};
}

}  // namespace retentiond::connectors::postgresql
