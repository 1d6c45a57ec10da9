#include "connectors/mysql/connector.h"

#include <mysqld_error.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <functional>
#include <future>
#include <limits>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "connectors/mysql/catalog.h"
#include "connectors/sql/anonymise.h"
#include "connectors/sql/batch_bound.h"
#include "connectors/sql/bindings_note.h"
#include "connectors/sql/check.h"
#include "connectors/sql/related.h"

namespace retentiond::connectors::mysql {
namespace {

using policies::Diagnostic;

// A plan counted in parts (plan_in_parts): spans of at least this many keys, about this many
// spans at most; a span reads about as much as a batch of the default size.
constexpr long long kPlanPartKeys = 50000;
constexpr long long kPlanParts = 1000;

// A key walk over [first, last], or nullopt when the keys do not fit a signed 64-bit walk
// (unsigned BIGINT near its top): the policy then walks keyset ranges.
std::optional<sql::Walk> key_walk(const std::string& first, const std::string& last,
                                  long long matched) {
  try {
    sql::Walk walk;
    walk.first = std::stoll(first);
    walk.last = std::stoll(last);
    walk.matched = matched;
    if (walk.first == std::numeric_limits<long long>::min())
      return std::nullopt;  // `after` is first - 1
    return walk;
  } catch (const std::logic_error&) {
    return std::nullopt;
  }
}

// An anonymised value a column could not store as given: the batch is rolled back.
class ValueNotStored : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// After an UPDATE on `table` that assigned `columns` their values: throws ValueNotStored when
// the server kept another value than the policy gives in a column (a non-strict session, which
// retentiond needs to read dates from text, truncates or clips with a warning only). Such rows
// would not hold what the policy promises, and would look unanonymised to every later pass. One
// conversion is what the policy means: `value: false` in a BOOLEAN (an integer) column is 0.
void refuse_values_not_stored(Client& client, const std::string& table,
                              const std::vector<policies::ColumnAnonymisation>& columns) {
  auto false_given = [&](const std::string& column) {
    for (const auto& c : columns)
      if (c.strategy.kind == policies::AnonymiseStrategy::Kind::Value && c.column == column)
        return c.strategy.text == "false" || c.strategy.text == "False" ||
               c.strategy.text == "FALSE";
    return false;
  };
  std::string names;
  int count = 0;
  for (const auto& [column, code] : client.columns_not_stored_as_given()) {
    if (code == Client::kWarningsNotListed)
      throw ValueNotStored(
          "the UPDATE on table '" + table +
          "' left more warnings than the server lists (max_error_count, 65535): whether it "
          "stored every anonymised value as the policy gives it cannot be told. Most are dates "
          "the policy cannot read, in rows between two of the batch's keys: correct them, or "
          "leave those rows out with 'where:'");
    if (code == ER_TRUNCATED_WRONG_VALUE_FOR_FIELD && false_given(column)) continue;
    names += (names.empty() ? "'" : ", '") + column + "'";
    ++count;
  }
  if (count == 0) return;
  throw ValueNotStored(
      "the server could not store the anonymised value of " +
      std::string(count == 1 ? "column " : "columns ") + names + " of table '" + table +
      "' as the policy gives it (it truncated, rounded or clipped it, or it is no value of the "
      "column's type: 1 for true in a BOOLEAN, null for a BIT); give a value the column's type "
      "holds exactly (docs/anonymisation.md)");
}

// A key read back as text; integer keys stay integers unless they exceed the signed range
// (unsigned BIGINT near its top), which keep their text and are bound as unsigned integers.
KeyValue key_value(const std::string& text, bool integer_key) {
  if (!integer_key) return text;
  try {
    return std::stoll(text);
  } catch (const std::out_of_range&) {
    return text;
  }
}

// "2027-03-01 00:00:00": the DATETIME literal of a UTC instant.
std::string datetime_text(policies::TimePoint t) { return policies::format_sql_datetime(t); }

// A count read from a result cell (NULL: none).
long long count_cell(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0LL; }

// A date read from a cell the statements fill with seconds since the epoch (a DECIMAL).
policies::TimePoint epoch_cell(const std::string& v) {
  return policies::from_epoch_seconds(static_cast<long long>(std::floor(std::stod(v))));
}

}  // namespace

Result<void> MysqlConnector::connect(AccessMode mode) {
  auto c = Client::connect(store_, mode);
  if (!c) return c.error();
  client_ = std::move(c.value());
  return success();
}

std::map<std::string, std::string> MysqlConnector::anonymise_values(const Policy& policy,
                                                                    const PassContext& ctx) const {
  return sql::anonymisation_values(policy, ctx.anonymisation_key, datetime_text(ctx.cutoff.now));
}

Result<std::vector<NoticeCandidate>> MysqlConnector::notice_candidates(
    const Policy& policy, const PassContext& ctx, policies::TimePoint notice_cutoff) {
  auto p = prepared(policy, !ctx.held_keys.empty());
  if (!p) return p.error();
  std::vector<NoticeCandidate> out;
  try {
    auto named = anonymise_values(policy, ctx);
    PassContext at_notice = ctx;
    at_notice.cutoff.cutoff = notice_cutoff;
    const auto& s = p.value().statements.notice_candidates;
    for (const auto& row :
         client_->query(s.text, values_for(s, at_notice, p.value().integer_key, named))) {
      NoticeCandidate c;
      c.key = row[0].value_or("");
      if (row[1]) c.basis = epoch_cell(*row[1]);
      c.email = row[2].value_or("");
      c.held = row[3].value_or("0") != "0";
      out.push_back(std::move(c));
    }
  } catch (const MysqlError& e) {
    return query_error(policy, e);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) + e.what()};
  }
  return out;
}

Error MysqlConnector::query_error(const Policy& policy, const MysqlError& e) const {
  std::string where = error_prefix(store_.name, policy.name);
  if (e.connection_lost())
    return Error{ErrorKind::StoreUnreachable,
                 where + "lost the connection to the server: " + e.what()};
  if (e.number() == ER_LOCK_WAIT_TIMEOUT)
    return Error{ErrorKind::QueryFailed,
                 where +
                     "a lock held by another session was not released within 5 s "
                     "(innodb_lock_wait_timeout, lock_wait_timeout); nothing of this batch "
                     "changed"};
  if (e.number() == ER_LOCK_DEADLOCK)
    return Error{ErrorKind::QueryFailed,
                 where + "deadlock with another session; nothing of this batch changed"};
  return Error{ErrorKind::QueryFailed, where + e.what()};
}

Result<MysqlConnector::Prepared> MysqlConnector::prepared(const Policy& policy,
                                                          bool operator_holds) {
  auto cache_key = std::make_pair(policy.name, operator_holds);
  if (auto it = prepared_.find(cache_key); it != prepared_.end()) return it->second;
  const std::string where = error_prefix(store_.name, policy.name);
  try {
    auto table = describe_table(*client_, *policy.table);
    if (!table)
      return Error{ErrorKind::SchemaMismatch,
                   where + "table '" + policy.table->str() + "' does not exist"};
    // Without a key, a delete-only policy deletes expired rows LIMIT n at a time.
    auto key = sql::choose_key(policy, *table, operator_holds, where, "");
    if (!key) return key.error();
    auto tables = sql::PolicyTables::describe(policy, *table, catalog(*client_), where);
    if (!tables) return tables.error();
    auto category_of = [&](const std::optional<policies::QualifiedName>& related,
                           const std::string& column) { return tables->category(related, column); };
    Prepared p{build_my_statements(sql::keyed_by(policy, key.value()), key->column, key->integer,
                                   category_of, operator_holds),
               key->integer, key->column};
    prepared_.emplace(cache_key, p);
    return p;
  } catch (const std::invalid_argument& e) {
    return Error{ErrorKind::SchemaMismatch, where + e.what()};
  } catch (const MysqlError& e) {
    return query_error(policy, e);
  }
}

std::vector<Value> MysqlConnector::values_for(
    const sql::Sql& s, const PassContext& ctx, bool integer_key,
    const std::map<std::string, std::string>& extra) const {
  const long long epoch = policies::epoch_seconds(ctx.cutoff.cutoff);
  std::vector<Value> out;
  for (const auto& name : s.params) {
    if (name == "cutoff")
      out.push_back({datetime_text(ctx.cutoff.cutoff)});
    else if (name == "cutoff_epoch")
      out.push_back({std::to_string(epoch), true});
    else if (name == "cutoff_epoch_ms")
      out.push_back({std::to_string(epoch * 1000), true});
    else if (name == "now")
      out.push_back({datetime_text(ctx.cutoff.now)});
    else if (name == "held")
      out.push_back({nlohmann::json(ctx.held_keys).dump()});  // UTF-8 (daemon/holds.h)
    // A key that is not UTF-8 becomes U+FFFD and matches no row: the noticed record is kept.
    else if (name == "noticed")
      out.push_back({nlohmann::json(ctx.noticed_keys)
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
    else if (name == "limit")
      out.push_back({extra.at(name), true});
    else if (name.rfind("an_", 0) == 0 || name == "related")
      out.push_back({extra.at(name)});
    else
      out.push_back({extra.at(name), integer_key});  // after, last: keys
  }
  return out;
}

Result<std::vector<Diagnostic>> MysqlConnector::check(const Policy& policy) {
  sql::CheckHooks hooks;
  hooks.catalog = catalog(*client_);
  hooks.quote = '`';
  hooks.compile_error = [&](const std::string& text) { return client_->compile_error(text); };
  hooks.statements = [&](bool holds) -> Result<sql::StatementTexts> {
    auto p = prepared(policy, holds);
    if (!p) return p.error();
    const auto& s = p->statements;
    sql::StatementTexts out{
        {s.plan_total.text, s.plan_matched.text, s.plan_undated.text, s.plan_future.text},
        s.keyless};
    auto& texts = out.texts;
    if (s.keyless)
      texts.push_back(s.keyless_action.text);
    else
      for (auto& text : s.texts()) texts.push_back(std::move(text));
    if (!s.plan_held.text.empty()) texts.push_back(s.plan_held.text);
    if (s.key_walk) texts.push_back(s.walk_action.text);
    return out;
  };
  try {
    auto diagnostics = sql::check_policy(policy, store_.name, hooks);
    auto partitions = check_partitions(policy);
    diagnostics.insert(diagnostics.end(), partitions.begin(), partitions.end());
    return diagnostics;
  } catch (const MysqlError& e) {
    return query_error(policy, e);
  }
}

namespace {

// Whether MySQL's answer to `key = 'given'` is the record meant: MySQL reads 'abc' as the
// number 0 and '5abc' as 5, so a match counts only when the texts are equal but for letter case
// (the column's collation) or both are the same whole number ('05', ' 5', '+5' and 5).
bool same_key(const std::string& given, const std::string& found) {
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  if (lower(given) == lower(found)) return true;
  auto whole_number = [](const std::string& s) -> std::optional<std::string> {
    size_t i = s.find_first_not_of(' ');
    size_t end = s.find_last_not_of(' ');
    if (i == std::string::npos) return std::nullopt;
    bool negative = false;
    if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
    std::string digits = s.substr(i, end + 1 - i);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
    return (negative && digits != "0" ? "-" : "") + digits;
  };
  auto a = whole_number(given), b = whole_number(found);
  return a && b && *a == *b;
}

}  // namespace

Result<std::optional<std::string>> MysqlConnector::find_key(const Policy& policy,
                                                            const std::string& key) {
  auto p = prepared(policy, false);
  if (!p) return p.error();
  const auto& s = p.value().statements;
  if (s.keyless) return Connector::find_key(policy, key);
  try {
    // The record written exactly so first: a `key:` column in a case-insensitive collation may
    // hold 'x' and 'X' (it should be unique; check cannot always tell).
    std::vector<std::string> found;
    for (const auto& row : client_->query(s.key_lookup.text, {Value{key, false}}))
      if (row[0] && same_key(key, *row[0])) found.push_back(*row[0]);
    for (const auto& f : found)
      if (f == key) return std::optional<std::string>(f);
    if (found.size() == 1) return std::optional<std::string>(found.front());
    return std::optional<std::string>();  // none, or several and none written so
  } catch (const MysqlError& e) {
    return query_error(policy, e);
  }
}

Result<PlanStats> MysqlConnector::plan(const Policy& policy, const PassContext& ctx) {
  auto p = prepared(policy, !ctx.held_keys.empty());
  if (!p) return p.error();
  PlanStats stats;
  std::map<std::string, std::string> named;
  try {
    named = anonymise_values(policy, ctx);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) + e.what()};
  }
  try {
    // `partitions: drop|detach`: the counts read only the partitions whose bounds do not tell
    // all; the others are the statistics' (partition_layout).
    std::optional<std::vector<PartitionStep>> steps;
    if (policy.partitions != policies::PartitionMode::Rows && !ctx.counts_only)
      steps = partition_layout(policy, ctx, sql::held_look(p.value().key_column, ctx), stats);
    const MyStatements& s =
        steps ? reading_partitions(policy, p.value().statements, *steps) : p.value().statements;
    auto first_row = [&](const sql::Sql& stmt) {
      auto rows = client_->query(stmt.text, values_for(stmt, ctx, p.value().integer_key, named));
      return rows.at(0);
    };
    std::optional<std::string> first_key, last_key;  // matched
    bool counted = false;
    if (ctx.pace && !steps && !ctx.counts_only && !s.key_bounds.text.empty()) {
      auto in_parts =
          plan_in_parts(policy, ctx, s, p.value().integer_key, named, stats, first_key, last_key);
      if (!in_parts) return in_parts.error();
      counted = in_parts.value();
    }
    if (!counted) {
      // Counting every selected record and counting the matched ones are the plan's two long
      // scans: a second, read-only session runs the first meanwhile, and closes when it is done;
      // on a throttled store (ctx.pace) they run one after the other, paced between them.
      std::future<long long> total;
      if (ctx.counts_only || s.plan_total.text.empty())  // status: matched and held answer it,
                                                         // from the date's index
        total = std::async(std::launch::deferred, [] { return 0LL; });
      else if (ctx.pace)
        total = std::async(std::launch::deferred,
                           [&] { return count_cell(first_row(s.plan_total)[0]); });
      else if (auto other = Client::connect(store_, AccessMode::ReadOnly))
        total = std::async(std::launch::async, [client = std::move(other.value()), &s] {
          return count_cell(client->query(s.plan_total.text).at(0)[0]);
        });
      else
        total = std::async(std::launch::deferred,
                           [&] { return count_cell(first_row(s.plan_total)[0]); });
      const auto matched =
          s.plan_matched.text.empty() ? Row(4) : first_row(s.plan_matched);  // nothing to read
      stats.matched = count_cell(matched[0]);
      if (matched[1]) stats.oldest = epoch_cell(*matched[1]);
      if (!s.plan_held.text.empty()) stats.held = count_cell(first_row(s.plan_held)[0]);
      if (!ctx.counts_only && !s.plan_undated.text.empty()) {
        // The read partitions' undated records through the date's index, where there is one.
        std::optional<long long> undated;
        if (steps) undated = undated_in_read_partitions(policy, *steps);
        stats.undated = undated ? *undated : count_cell(first_row(s.plan_undated)[0]);
        stats.future = count_cell(first_row(s.plan_future)[0]);
      }
      if (ctx.pace)
        if (auto stop = ctx.pace()) return *stop;
      stats.total = total.get();
      first_key = matched[2];
      last_key = matched[3];
    }
    if (steps) add_partition_estimates(policy, *steps, stats);
    if (s.key_walk && first_key && last_key)
      if (auto walk = key_walk(*first_key, *last_key, stats.matched))
        stats.start = Cursor::walking(Cursor::Kind::Span, walk->first - 1, *walk);
    // (the walk meets only the matched rows read above: the units' are not in its partitions)
    if (ctx.samples > 0 && s.keyless) {
      stats.warnings.push_back(sql::keyless_samples_message(policy));
    } else if (ctx.samples > 0) {
      auto with_limit = named;
      with_limit["limit"] = std::to_string(ctx.samples);
      for (const auto& r : client_->query(
               s.samples.text, values_for(s.samples, ctx, p.value().integer_key, with_limit)))
        if (r[0]) stats.samples.push_back(*r[0]);
    }
    if (steps) plan_partition_units(policy, ctx, std::move(*steps), stats);
  } catch (const MysqlError& e) {
    return query_error(policy, e);
  } catch (const std::logic_error& e) {  // reading_partitions: a statement of an unknown shape
    return Error{ErrorKind::QueryFailed, error_prefix(store_.name, policy.name) + e.what()};
  }
  const sql::NoteValues notes{sql::Placeholders::Style::Positional,
                              datetime_text(ctx.cutoff.cutoff),
                              policies::epoch_seconds(ctx.cutoff.cutoff), named};
  const auto& s = p.value().statements;
  std::vector<const sql::Sql*> shown = s.shown();
  if (s.key_walk) shown = {&s.walk_action};
  if (s.keyless) shown = {&s.keyless_action};
  for (const sql::Sql* st : shown) stats.statements.push_back(sql::shown(*st, notes));
  return stats;
}

Result<bool> MysqlConnector::plan_in_parts(const Policy& policy, const PassContext& ctx,
                                           const MyStatements& s, bool integer_key,
                                           const std::map<std::string, std::string>& named,
                                           PlanStats& stats, std::optional<std::string>& first_key,
                                           std::optional<std::string>& last_key) {
  const auto bounds = client_->query(s.key_bounds.text).at(0);
  if (!bounds[0] || !bounds[1]) return true;  // no row: every count 0
  long long lowest = 0, highest = 0;
  try {
    lowest = std::stoll(*bounds[0]);
    highest = std::stoll(*bounds[1]);
  } catch (const std::out_of_range&) {
    return false;  // unsigned keys past the signed range: counted whole
  }
  if (lowest == std::numeric_limits<long long>::min()) return false;  // `after` is lowest - 1
  // About kPlanParts spans at most, however sparse the key (128 bits: no overflow).
  const __int128 span =
      std::max<__int128>(kPlanPartKeys, (static_cast<__int128>(highest) - lowest) / kPlanParts + 1);
  auto values = named;
  long long parts = 0;
  // Rows added past the highest key while counting are not counted: the next pass sees them.
  for (__int128 after = lowest - 1; after < highest;) {
    if (parts++ > 0)
      if (auto stop = ctx.pace()) return *stop;
    const __int128 upto = std::min<__int128>(after + span, highest);
    values["after"] = std::to_string(static_cast<long long>(after));
    values["upto"] = std::to_string(static_cast<long long>(upto));
    after = upto;
    const auto row =
        client_->query(s.part_counts.text, values_for(s.part_counts, ctx, integer_key, values))
            .at(0);
    stats.total += count_cell(row[0]);
    stats.matched += count_cell(row[1]);
    if (row[2]) {
      const auto oldest = epoch_cell(*row[2]);
      if (!stats.oldest || oldest < *stats.oldest) stats.oldest = oldest;
    }
    // Spans go up the key: the first span with a matched row holds the first matched key.
    if (row[3] && !first_key) first_key = row[3];
    if (row[4]) last_key = row[4];
    stats.held += count_cell(row[5]);
    stats.undated += count_cell(row[6]);
    stats.future += count_cell(row[7]);
  }
  spdlog::info("policy '{}': counted in {} {} of {} keys, pacing between them", policy.name, parts,
               parts == 1 ? "part" : "parts", static_cast<long long>(span));
  return true;
}

Result<BatchResult> MysqlConnector::apply_batch(const Policy& policy, const PassContext& ctx,
                                                const Cursor& from, long long limit) {
  watch(ctx);
  auto p = prepared(policy, !ctx.held_keys.empty());
  if (!p) return p.error();
  const auto& s = p.value().statements;
  std::map<std::string, std::string> extra;
  try {
    extra = anonymise_values(policy, ctx);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config,
                 error_prefix(store_.name, policy.name) + e.what() + "; nothing was changed"};
  }
  if (from.kind == Cursor::Kind::Partitions)
    return unit_batch(policy, ctx, from, limit, sql::held_look(p.value().key_column, ctx));
  // A key walk needs the bounds a plan() found (its cursor carries them); without them (or with
  // keys a walk cannot hold) the policy walks keyset ranges, which need none.
  if (s.key_walk && from.kind == Cursor::Kind::Span)
    return walk_batch(policy, ctx, s, std::move(extra), from, limit);
  if (s.keyless) return keyless_batch(policy, ctx, s, std::move(extra), limit);
  return keyset_batch(policy, ctx, s, p.value().integer_key, std::move(extra), from, limit);
}

Result<BatchResult> MysqlConnector::keyset_batch(const Policy& policy, const PassContext& ctx,
                                                 const MyStatements& s, bool integer_key,
                                                 std::map<std::string, std::string> extra,
                                                 const Cursor& from, long long limit) {
  const std::optional<KeyValue> after = from.last_key();
  extra["limit"] = std::to_string(limit);
  if (after) extra["after"] = key_text(*after);

  return in_transaction(policy, [&]() -> BatchResult {
    const sql::Sql& select = after ? s.next_batch : s.first_batch;
    auto rows = client_->query(select.text, values_for(select, ctx, integer_key, extra));
    if (rows.empty() || !rows[0][0]) return BatchResult{0, from, true};
    std::string last_text = *rows[0][0];
    long long selected = std::stoll(rows[0][1].value_or("0"));
    extra["last"] = last_text;
    auto related = sql::read_related(policy, ctx, store_.name, [&](size_t rule) {
      const sql::Sql& read = (after ? s.next_related : s.first_related)[rule];
      std::vector<std::string> out;
      for (const auto& r : client_->query(read.text, values_for(read, ctx, integer_key, extra)))
        if (r[0]) out.push_back(*r[0]);
      return out;
    });
    const auto& also = after ? s.next_also : s.first_also;
    for (size_t rule = 0; rule < also.size(); ++rule) {
      client_->query(also[rule].text, values_for(also[rule], ctx, integer_key, extra));
      if (policy.also[rule].action == policies::Action::Anonymise)
        refuse_values_not_stored(*client_, policy.also[rule].table.str(),
                                 policy.also[rule].anonymise);
    }
    const sql::Sql& remove = after ? s.next_action : s.first_action;
    client_->query(remove.text, values_for(remove, ctx, integer_key, extra));
    // Never more than the batch selected (sql/batch_bound.h): in_transaction rolls back, before
    // the batch announces itself (and before another store changes anything).
    const long long affected = client_->affected();
    if (policy.action == policies::Action::Anonymise) {
      const long long matched = client_->rows_matched().value_or(affected);  // before SHOW
      refuse_values_not_stored(*client_, policy.table->str(), policy.anonymise);
      tell_unchanged(policy, matched - affected);
    }
    sql::check_batch_bound(affected, selected,
                           policy.action == policies::Action::Anonymise ? "UPDATE" : "DELETE",
                           sql::Bound::Selected);
    sql::hand_to_other_stores(policy, ctx, related, [&](size_t rule, const std::string& json) {
      std::vector<std::string> out;
      auto with = extra;
      with["related"] = json;
      const sql::Sql& kept = s.related_kept[rule];
      for (const auto& r : client_->query(kept.text, values_for(kept, ctx, integer_key, with)))
        if (r[0]) out.push_back(*r[0]);
      return out;
    });
    const KeyValue last = key_value(last_text, integer_key);
    announce(ctx, after ? s.next_count : s.first_count, integer_key, extra, affected,
             {after, last});
    return BatchResult{affected, Cursor::after(last), selected < limit};
  });
}

Result<BatchResult> MysqlConnector::keyless_batch(const Policy& policy, const PassContext& ctx,
                                                  const MyStatements& s,
                                                  std::map<std::string, std::string> extra,
                                                  long long limit) {
  extra["limit"] = std::to_string(limit);
  const std::string cutoff = datetime_text(ctx.cutoff.cutoff);
  std::optional<long long> known;  // the expired records left before this batch
  if (keyless_remaining_ && keyless_remaining_->policy == policy.name &&
      keyless_remaining_->cutoff == cutoff)
    known = keyless_remaining_->remaining;
  keyless_remaining_.reset();
  auto result = in_transaction(policy, [&]() -> BatchResult {
    client_->query(s.keyless_action.text, values_for(s.keyless_action, ctx, false, extra));
    const long long deleted = client_->affected();
    sql::check_batch_bound(deleted, limit, "DELETE", sql::Bound::Limit);
    const long long left = known ? std::max(0LL, *known - deleted)
                                 : announce(ctx, s.table_count, false, extra, deleted, {});
    if (known) announce_remaining(ctx, deleted, left);
    keyless_remaining_ = KeylessRemaining{policy.name, cutoff, left};
    // Fewer than `limit`: no expired row was left when the statement ran.
    return BatchResult{deleted, Cursor{}, deleted < limit};
  });
  if (!result) keyless_remaining_.reset();
  return result;
}

Result<BatchResult> MysqlConnector::in_transaction(const Policy& policy,
                                                   const std::function<BatchResult()>& batch) {
  for (int attempt = 0;; ++attempt) {
    announced_ = false;
    try {
      client_->exec("START TRANSACTION");
      BatchResult result = batch();
      client_->exec("COMMIT");
      return result;
    } catch (const sql::BatchOverrun& e) {
      try {
        client_->exec("ROLLBACK");
      } catch (const MysqlError&) {
      }
      return Error{ErrorKind::QueryFailed, error_prefix(store_.name, policy.name) + e.what()};
    } catch (const ValueNotStored& e) {
      try {
        client_->exec("ROLLBACK");
      } catch (const MysqlError&) {
      }
      return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) + e.what() +
                                          "; the batch was rolled back"};
    } catch (const RelatedStoreFailed& e) {
      try {
        client_->exec("ROLLBACK");
      } catch (const MysqlError&) {
      }
      return e.error();
    } catch (const MysqlError& e) {
      if (!e.connection_lost()) {
        try {
          client_->exec("ROLLBACK");
        } catch (const MysqlError&) {
        }
        return query_error(policy, e);
      }
      // The transaction died with the connection, so InnoDB rolled it back, and the retried
      // statements re-check expiry: retrying is safe; unless it was lost during COMMIT.
      if (announced_ || attempt >= 1) return query_error(policy, e);
      if (!reconnect()) return gave_up(policy, query_error(policy, e));
    } catch (const std::exception& e) {
      // The intent could not be recorded (the state file): the batch must not commit.
      try {
        client_->exec("ROLLBACK");
      } catch (const MysqlError&) {
      }
      return Error{ErrorKind::Io, error_prefix(store_.name, policy.name) + e.what() +
                                      "; the batch was rolled back"};
    }
  }
}

void MysqlConnector::tell_unchanged(const Policy& policy, long long rows) {
  if (rows <= 0 || !told_unchanged_.insert(policy.name).second) return;
  spdlog::warn(
      "policy '{}': {} rows matched by one batch already held the anonymised values as their "
      "columns store them (a FLOAT, a DOUBLE or a DATETIME rounds the value given), although they "
      "read as "
      "different: every pass matches them again and counts them as left to do; give values the "
      "columns store exactly (docs/anonymisation.md)",
      policy.name, rows);
}

long long MysqlConnector::announce(const PassContext& ctx, const sql::Sql& count, bool integer_key,
                                   const std::map<std::string, std::string>& extra,
                                   long long affected, KeyRange range) {
  if (!ctx.journal) return 0;
  auto values = extra;
  if (range.after) values["after"] = key_text(*range.after);
  if (range.last) values["last"] = key_text(*range.last);
  auto rows = client_->query(count.text, values_for(count, ctx, integer_key, values));
  range.remaining = rows.empty() ? 0 : std::stoll(rows[0][0].value_or("0"));
  ctx.journal->before_commit({affected, range_evidence(range), {}});
  announced_ = true;
  return range.remaining;
}

void MysqlConnector::announce_remaining(const PassContext& ctx, long long affected,
                                        long long remaining) {
  if (!ctx.journal) return;
  KeyRange range;
  range.remaining = remaining;
  ctx.journal->before_commit({affected, range_evidence(range), {}});
  announced_ = true;
}

Result<long long> MysqlConnector::reconcile(const Policy& policy, const PassContext& ctx,
                                            const BatchIntent& intent) {
  watch(ctx);
  if (auto change = parse_partition_evidence(intent.evidence))
    return reconcile_partition(policy, *change, intent.expected);
  auto range = parse_range_evidence(intent.evidence);
  if (!range)
    return Error{ErrorKind::Io, error_prefix(store_.name, policy.name) +
                                    "the state file's record of the last batch is unreadable"};
  auto p = prepared(policy, !ctx.held_keys.empty());
  if (!p) return p.error();
  const auto& s = p.value().statements;
  const sql::Sql& count = !range->last   ? s.table_count
                          : range->after ? s.next_count
                                         : s.first_count;
  std::map<std::string, std::string> values;
  try {
    values = anonymise_values(policy, ctx);
  } catch (const std::runtime_error& e) {
    return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) + e.what()};
  }
  if (range->after) values["after"] = key_text(*range->after);
  if (range->last) values["last"] = key_text(*range->last);
  for (int attempt = 0;; ++attempt) {
    try {
      auto rows = client_->query(count.text, values_for(count, ctx, p.value().integer_key, values));
      return changed_from_remaining(*range, intent.expected,
                                    rows.empty() ? 0 : std::stoll(rows[0][0].value_or("0")));
    } catch (const MysqlError& e) {
      if (!e.connection_lost() || attempt >= 1) return query_error(policy, e);
      if (!reconnect()) return gave_up(policy, query_error(policy, e));
    }
  }
}

Result<BatchResult> MysqlConnector::walk_batch(const Policy& policy, const PassContext& ctx,
                                               const MyStatements& s,
                                               std::map<std::string, std::string> extra,
                                               const Cursor& from, long long limit) {
  const sql::Walk& walk = from.walk;
  // `after` is the end of the last span done (exclusive start of the next).
  const long long after = from.position;
  if (after >= walk.last) return BatchResult{0, from, true};
  // One key of a row a batch may touch, read by `statement` from `from_key` on (exclusive);
  // nullopt when none lies within the walk's stretch (an unsigned key beyond the signed range
  // included).
  auto key_ahead = [&](const sql::Sql& statement, long long from_key) -> std::optional<long long> {
    auto values = extra;
    values["after"] = std::to_string(from_key);
    values["limit"] = std::to_string(limit);
    const auto rows = client_->query(statement.text, values_for(statement, ctx, true, values));
    const std::string text = rows.empty() || !rows[0][0] ? "" : *rows[0][0];
    long long key = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), key);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || key > walk.last)
      return std::nullopt;
    return key;
  };
  // At most 64 keys per row the batch may touch: bounds a span through sparse keys; once the
  // keys ahead are known to be sparse, the span ends at the limit-th of them instead.
  long long upto = walk.batch_end(after + 1, limit, limit * 64);
  extra["limit"] = std::to_string(limit);
  auto result = in_transaction(policy, [&]() -> BatchResult {
    if (walk.sparse) {
      auto bound = key_ahead(s.walk_bound, after);
      if (!bound) return BatchResult{0, from.advanced(walk.last, 0), true};
      upto = *bound;
    }
    extra["after"] = std::to_string(after);
    extra["upto"] = std::to_string(upto);
    client_->query(s.walk_action.text, values_for(s.walk_action, ctx, true, extra));
    const long long deleted = client_->affected();
    sql::check_batch_bound(deleted, limit, "DELETE", sql::Bound::Limit);
    announce(ctx, s.next_count, true, extra, deleted, {KeyValue{after}, KeyValue{upto}});
    // Cut at `limit`: rows of the span may remain, so the next batch starts over at `after`.
    if (deleted >= limit) return BatchResult{deleted, from.advanced(after, deleted), false};
    Cursor next = from.advanced(upto, deleted);
    if (upto >= walk.last) return BatchResult{deleted, next, true};
    if (!walk.sparse && deleted < limit / 2) {
      // A short span: keys far apart (1, then 10^11; Sympa's logs) would take billions of spans
      // to reach. The walk goes on just before the next key a batch may touch (or ends without
      // one), and, when that jumps a gap, bounds its spans by the keys from then on.
      const auto key = key_ahead(s.walk_next, upto);
      if (!key) return BatchResult{deleted, from.advanced(walk.last, deleted), true};
      next.position = *key - 1;
      if (*key - 1 > upto) next.walk.sparse = true;
    }
    return BatchResult{deleted, next, false};
  });
  if (!result) return result;
  // Key values are never logged (they may identify a person): only the fact.
  if (result->affected >= limit)
    spdlog::debug("policy '{}': a key span held at least {} expired rows; cut at {}", policy.name,
                  limit, limit);
  return result;
}

}  // namespace retentiond::connectors::mysql
