#include "connectors/postgresql/partitions.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "connectors/sql/partition_plan.h"
#include "connectors/sql/quote.h"
#include "policies/planner.h"

namespace retentiond::connectors::postgresql {
namespace {

using policies::TimePoint;

constexpr std::string_view kDetachedMark = "retentiond: detached from ";

// The text of the single-quoted literal at the start of `s` (quotes undoubled), or nullopt.
std::optional<std::string> leading_literal(std::string_view s) {
  if (s.empty() || s.front() != '\'') return std::nullopt;
  std::string out;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] != '\'') {
      out += s[i];
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '\'') {
      out += '\'';
      ++i;
      continue;
    }
    return out;
  }
  return std::nullopt;
}

// "2027-02-01 00:00:00+00" as the UTC session prints a timestamptz: the offset gets its minutes,
// which parse_timestamp() needs.
std::string with_full_offset(std::string text) {
  const auto sign = text.find_last_of("+-");
  if (sign != std::string::npos && sign > 10 && text.size() - sign == 3) text += ":00";
  return text;
}

// The comment a detached table carries: what it was detached from, when, and under which name
// (schema included): a table moved to another schema or renamed keeps its comment, and must then
// read as the operator's, not as one of ours to drop.
std::string detached_comment(const std::string& parent, TimePoint at, const std::string& as) {
  return std::string(kDetachedMark) + parent + " at " + policies::format_timestamp(at) + " as " +
         as;
}

// When a detached table's comment (what follows "... at ") says it was detached, if it is still
// the table `current` (its qualified name now) that was: nullopt for another table bearing the
// comment. A comment without " as " (written by earlier versions) names no table, and any place
// counts.
std::optional<TimePoint> detached_when(const std::string& rest, const std::string& current) {
  const auto as = rest.find(" as ");
  if (as != std::string::npos && rest.substr(as + 4) != current) return std::nullopt;
  return policies::parse_timestamp(rest.substr(0, as));
}

// The rows the statistics give for a table, as the planner reckons them: the last ANALYZE's (or
// VACUUM's) rows per page times the pages the table has now, so that rows added since count; for
// a table analysed while empty, the live rows the cumulative statistics count. nullopt when it was
// never analysed. (The live rows are not added to reltuples: a session that inserts then
// analyses reports its inserts after the ANALYZE, and they would count twice.)
const std::string kStatisticsRows =
    "CASE WHEN c.reltuples >= 0 AND c.relpages > 0 THEN c.reltuples / c.relpages * "
    "(pg_relation_size(c.oid) / current_setting('block_size')::float8) WHEN c.reltuples >= 0 "
    "THEN pg_stat_get_live_tuples(c.oid)::float8 END";

// The step's rows: the statistics' estimate, or a count when the table was never analysed or is
// small (kCountPartitionsBelow, within `budget`).
void estimate_rows(pqxx::transaction_base& t, PartitionStep& step, const pqxx::field& estimate,
                   CountBudget& budget) {
  step.estimated =
      !estimate.is_null() && !budget.take(static_cast<long long>(std::ceil(estimate.as<double>())));
  step.rows = step.estimated ? static_cast<long long>(estimate.as<double>())
                             : t.exec1("SELECT count(*) FROM " + step.name)[0].as<long long>();
}

// A step for the table `table` of schema `schema` (both unquoted).
PartitionStep named(const std::string& schema, std::string table) {
  PartitionStep step;
  step.schema_name = schema;
  step.schema = sql::quote_identifier(schema, '"');
  step.name = step.schema + "." + sql::quote_identifier(table, '"');
  step.table = std::move(table);
  return step;
}

}  // namespace

// A bound's literal as a time: nullopt for '-infinity', 'infinity' and BC dates, which
// parse_timestamp() would misread or refuse.
std::optional<TimePoint> bound_time(const std::string& literal) {
  if (literal.size() > 3 && literal.compare(literal.size() - 3, 3, " BC") == 0) return std::nullopt;
  return policies::parse_timestamp(with_full_offset(literal));
}

std::optional<TimePoint> partition_upper_bound(std::string_view bound) {
  const auto to = bound.find(" TO (");
  if (bound.rfind("FOR VALUES FROM (", 0) != 0 || to == std::string_view::npos) return std::nullopt;
  auto literal = leading_literal(bound.substr(to + 5));
  if (!literal) return std::nullopt;  // MAXVALUE, or a number
  return sql::upper_bound_time(*literal, bound_time);
}

std::optional<TimePoint> partition_lower_bound(std::string_view bound) {
  constexpr std::string_view kFrom = "FOR VALUES FROM (";
  if (bound.rfind(kFrom, 0) != 0) return std::nullopt;
  auto literal = leading_literal(bound.substr(kFrom.size()));
  if (!literal) return std::nullopt;  // MINVALUE, or a number
  return bound_time(*literal);
}

bool open_below(std::string_view bound) {
  static const TimePoint kFirstDate = policies::from_epoch_seconds(-62135596800);  // 0001-01-01
  const auto lower = partition_lower_bound(bound);
  return !lower || *lower < kFirstDate;
}

bool holds_undated(pqxx::transaction_base& t, const policies::Policy& policy,
                   const PartitionStep& step) {
  const std::string column = sql::quote_identifier(policy.since.terms.front().column, '"');
  return t
      .exec1("SELECT EXISTS (SELECT 1 FROM " + step.name + " WHERE " + column +
             " < '0001-01-01')")[0]
      .as<bool>();
}

bool holds_held(pqxx::transaction_base& t, const HeldLook& held, const PartitionStep& step) {
  if (!held.any()) return false;
  // As the batches' key_among() compares them (connectors/postgresql/statements.cc).
  return t
      .exec_params1("SELECT EXISTS (SELECT 1 FROM " + step.name + " WHERE " +
                        sql::quote_identifier(held.key_column, '"') +
                        "::text IN (SELECT jsonb_array_elements_text($1::jsonb)))",
                    held.keys_json)[0]
      .as<bool>();
}

PartitionStep::Range range_of(std::string_view bound, const policies::Cutoff& cutoff) {
  auto lower = partition_lower_bound(bound);
  if (!lower || *lower < cutoff.cutoff) return PartitionStep::Range::Unknown;
  if (*lower > cutoff.now) return PartitionStep::Range::Future;
  auto upper = partition_upper_bound(bound);
  if (upper && *upper <= cutoff.now) return PartitionStep::Range::Unexpired;
  return PartitionStep::Range::Unknown;  // holds now: some rows may be dated after it
}

std::string bounds_words(std::string_view bound) {
  constexpr std::string_view kPrefix = "FOR VALUES ";
  if (bound.rfind(kPrefix, 0) == 0) bound.remove_prefix(kPrefix.size());
  return std::string(bound);
}

std::string detached_name(const std::string& name, TimePoint at) {
  return sql::detached_table_name(name, at, 63);  // PostgreSQL: NAMEDATALEN - 1 bytes
}

std::string free_detached_name(pqxx::transaction_base& t, const PartitionStep& step, TimePoint at) {
  for (int variant = 1; variant <= sql::kDetachedNameVariants; ++variant) {
    std::string name = sql::detached_table_name(step.table, at, 63, variant);
    // RENAME fails on a relation or a type (its row type) of that name in the schema.
    if (t.exec_params1("SELECT NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = "
                       "c.relnamespace WHERE n.nspname = $1 AND c.relname = $2) AND NOT EXISTS "
                       "(SELECT 1 FROM pg_type y JOIN pg_namespace n ON n.oid = y.typnamespace "
                       "WHERE n.nspname = $1 AND y.typname = $2)",
                       step.schema_name, name)[0]
            .as<bool>())
      return name;
  }
  throw std::runtime_error(sql::detached_names_taken(
      step.name, detached_name(step.table, at),
      sql::detached_table_name(step.table, at, 63, sql::kDetachedNameVariants)));
}

std::string qualified_name(pqxx::transaction_base& t, const std::string& table_oid) {
  auto row = t.exec_params1(
      "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.oid = $1::oid",
      table_oid);
  return sql::quote_identifier(row[0].c_str(), '"') + "." +
         sql::quote_identifier(row[1].c_str(), '"');
}

std::optional<std::string> partitioning_problem(pqxx::transaction_base& t,
                                                const policies::Policy& policy,
                                                const std::string& table_oid) {
  const std::string table = "table '" + policy.table->str() + "'";
  auto r = t.exec_params(
      "SELECT pt.partstrat, pt.partnatts, a.attname, a.atttypid FROM pg_partitioned_table pt "
      "LEFT JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0] "
      "WHERE pt.partrelid = $1::oid",
      table_oid);
  if (r.empty()) return table + " is not partitioned";
  const std::string strategy = r[0][0].c_str();
  if (strategy != "r")
    return table + " is partitioned by " + (strategy == "l" ? "LIST" : "HASH") + ", not by RANGE";
  if (r[0][1].as<int>() != 1)
    return table + " is partitioned by " + r[0][1].c_str() + " columns, not by its 'since' alone";
  if (r[0][2].is_null()) return table + " is partitioned by an expression, not by a column";
  const std::string key = r[0][2].c_str();
  const std::string since = policy.since.terms.front().column;
  if (key != since)
    return table + " is partitioned by '" + key + "', not by its 'since' column '" + since + "'";
  // The bounds are compared as dates: a text or number key cannot be (through domains, to the
  // base type).
  const std::string type =
      t.exec_params1(
           "WITH RECURSIVE d(oid, base) AS (SELECT oid, typbasetype FROM pg_type WHERE oid = "
           "$1::oid UNION ALL SELECT t.oid, t.typbasetype FROM pg_type t JOIN d ON t.oid = "
           "d.base) SELECT format_type(oid, NULL) FROM d WHERE base = 0",
           r[0][3].c_str())[0]
          .c_str();
  if (type != "date" && type != "timestamp without time zone" && type != "timestamp with time zone")
    return table + " is partitioned by '" + key + "', a column of type " + type +
           ", not a date: its bounds cannot be compared as dates";
  // DROP refuses a partition a foreign key refers to, and DETACH one whose rows are referenced:
  // such a table's rows go through the batches, where ON DELETE rules apply.
  auto referenced = t.exec_params(
      "SELECT c.conname, c.conrelid::regclass::text FROM pg_constraint c WHERE c.contype = 'f' "
      "AND c.conparentid = 0 AND (c.confrelid = $1::oid OR c.confrelid IN (SELECT relid FROM "
      "pg_partition_tree($1::oid::regclass))) ORDER BY 2, 1 LIMIT 1",
      table_oid);
  if (!referenced.empty())
    return table + " is referenced by foreign key '" + std::string(referenced[0][0].c_str()) +
           "' of table '" + referenced[0][1].c_str() +
           "': PostgreSQL drops or detaches no partition another table refers to";
  return std::nullopt;
}

std::vector<std::string> not_owned(pqxx::transaction_base& t, const std::string& table_oid,
                                   std::string& role) {
  role = t.exec1("SELECT current_user")[0].c_str();
  std::vector<std::string> out;
  for (const auto& row :
       t.exec_params("SELECT c.oid::regclass::text FROM pg_class c WHERE (c.oid = $1::oid OR "
                     "c.oid IN (SELECT relid FROM pg_partition_tree($1::oid::regclass))) AND NOT "
                     "pg_has_role(current_user, c.relowner, 'USAGE') ORDER BY c.relname",
                     table_oid))
    out.push_back(row[0].c_str());
  return out;
}

std::vector<PartitionStep> partition_steps(pqxx::transaction_base& t,
                                           const policies::Policy& policy,
                                           const std::string& table_oid,
                                           const policies::Cutoff& cutoff) {
  std::vector<PartitionStep> units, kept;
  CountBudget budget;
  // Tables earlier passes detached, wherever they are now, by the mark in their comment and their
  // name; a table the operator renamed or attached again (a partition once more, its comment
  // kept) is theirs, never dropped as detached.
  const std::string mark = std::string(kDetachedMark) + qualified_name(t, table_oid) + " at ";
  for (const auto& row :
       t.exec_params("SELECT n.nspname, c.relname, substr(d.description, length($1) + 1), "
                     "(" +
                         kStatisticsRows +
                         ")::float8 FROM pg_description d JOIN pg_class c ON c.oid = d.objoid "
                         "JOIN pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE d.classoid = 'pg_class'::regclass AND d.objsubid = 0 "
                         "AND left(d.description, length($1)) = $1 AND c.relkind IN ('r', 'p') "
                         "AND NOT c.relispartition ORDER BY 2, 1",
                     mark)) {
    if (!sql::has_detached_name(row[1].c_str())) continue;
    PartitionStep step = named(row[0].c_str(), row[1].c_str());
    auto at = detached_when(row[2].c_str(), step.name);
    if (!at) continue;  // the comment of a table detached under another name: not this one
    step.detached_at = policies::format_timestamp(*at);
    estimate_rows(t, step, row[3], budget);
    const bool due = at && policy.grace.after(*at) <= cutoff.now;
    step.kind = due ? PartitionStep::Kind::DropDetached : PartitionStep::Kind::KeepDetached;
    (due ? units : kept).push_back(std::move(step));
  }
  // The partitions, with their upper bound in the session's time zone (UTC), oldest first.
  std::vector<std::pair<TimePoint, PartitionStep>> expired;
  std::vector<std::pair<std::optional<TimePoint>, PartitionStep>> kept_partitions;
  for (const auto& row :
       t.exec_params("SELECT n.nspname, c.relname, pg_get_expr(c.relpartbound, c.oid), "
                     "(" +
                         kStatisticsRows +
                         ")::float8, c.relkind FROM pg_inherits i JOIN pg_class c ON c.oid = "
                         "i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                         // Being detached (DETACH ... CONCURRENTLY, maybe cancelled): the
                         // operator's, and its rows no longer read through the table.
                         "WHERE i.inhparent = $1::oid AND NOT i.inhdetachpending "
                         "ORDER BY c.relname",
                     table_oid)) {
    PartitionStep step = named(row[0].c_str(), row[1].c_str());
    const std::string bound = row[2].c_str();
    step.bounds = bounds_words(bound);
    step.range = range_of(bound, cutoff);
    auto upper = partition_upper_bound(bound);
    // Wholly expired, unless open below and holding an undated record (kept by rows mode).
    // A foreign table (another server's) may hold rows outside its bounds, and cannot be locked:
    // its rows go through the batches.
    const bool foreign = row[4].c_str()[0] == 'f';
    const bool whole = !foreign && upper && *upper <= cutoff.cutoff &&
                       !(open_below(bound) && holds_undated(t, policy, step));
    // A partition the plan reads is counted there, not here.
    if (step.range != PartitionStep::Range::Unknown || whole)
      estimate_rows(t, step, row[3], budget);
    if (whole) {
      step.kind = policy.partitions == policies::PartitionMode::Detach ? PartitionStep::Kind::Detach
                                                                       : PartitionStep::Kind::Drop;
      expired.emplace_back(*upper, std::move(step));
    } else {
      kept_partitions.emplace_back(upper, std::move(step));
    }
  }
  std::stable_sort(expired.begin(), expired.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [upper, step] : expired) units.push_back(std::move(step));
  units.insert(units.end(), kept.begin(), kept.end());
  // The others in the order of their bounds too (a name such as t_10 sorts before t_5); the
  // DEFAULT partition and one open above last.
  std::stable_sort(
      kept_partitions.begin(), kept_partitions.end(),
      [](const auto& a, const auto& b) { return a.first && (!b.first || *a.first < *b.first); });
  for (auto& [upper, step] : kept_partitions) units.push_back(std::move(step));
  return units;
}

std::vector<std::string> unit_statements(const policies::Policy& policy, const std::string& parent,
                                         const PartitionStep& step, TimePoint now) {
  switch (step.kind) {
    case PartitionStep::Kind::Drop:
    case PartitionStep::Kind::DropDetached:
      return {"DROP TABLE " + step.name};
    case PartitionStep::Kind::Detach: {
      // The plan shows the first name; the pass gives the one free then (free_detached_name).
      const std::string renamed = sql::quote_identifier(
          step.detached_as.empty() ? detached_name(step.table, now) : step.detached_as, '"');
      const std::string as = step.schema + "." + renamed;
      return {"ALTER TABLE " + parent + " DETACH PARTITION " + step.name,
              "ALTER TABLE " + step.name + " RENAME TO " + renamed,
              "COMMENT ON TABLE " + as + " IS " +
                  sql::quote_literal(detached_comment(parent, now, as))};
    }
    case PartitionStep::Kind::KeepDetached:
    case PartitionStep::Kind::Rows:
      break;
  }
  (void)policy;
  return {};
}

std::optional<UnitRows> act_on_unit(pqxx::transaction_base& t, const policies::Policy& policy,
                                    const std::string& table_oid, const PartitionStep& step,
                                    const policies::Cutoff& cutoff, long long limit,
                                    CountBudget& budget, const HeldLook& held) {
  const std::string parent = qualified_name(t, table_oid);
  if (t.exec_params1("SELECT to_regclass($1) IS NULL", step.name)[0].as<bool>())
    return std::nullopt;  // gone meanwhile
  if (step.kind == PartitionStep::Kind::DropDetached) {
    // Still the table that was detached (not attached again since), and still past its grace.
    t.exec("LOCK TABLE " + step.name + " IN ACCESS EXCLUSIVE MODE");
    auto r = t.exec_params(
        "SELECT substr(d.description, length($2) + 1) FROM pg_description d JOIN pg_class c ON "
        "c.oid = d.objoid WHERE d.classoid = 'pg_class'::regclass AND d.objsubid = 0 AND "
        "d.objoid = $1::regclass AND left(d.description, length($2)) = $2 AND "
        "c.relkind IN ('r', 'p') AND NOT c.relispartition",
        step.name, std::string(kDetachedMark) + parent + " at ");
    if (r.empty()) return std::nullopt;
    auto at = detached_when(r[0][0].c_str(), step.name);
    if (!at || policy.grace.after(*at) > cutoff.now) return std::nullopt;
    for (const auto& s : unit_statements(policy, parent, step, cutoff.now)) t.exec(s);
    return UnitRows{0, false, {}};
  }
  // SHARE: no row comes or goes, and the partition cannot be detached or re-attached elsewhere,
  // while its bounds are read again and its rows counted; readers are not held up.
  t.exec("LOCK TABLE " + step.name + " IN SHARE MODE");
  auto r = t.exec_params(
      "SELECT pg_get_expr(c.relpartbound, c.oid), (" + kStatisticsRows +
          ")::float8 FROM pg_inherits i JOIN pg_class c "
          "ON c.oid = i.inhrelid WHERE i.inhparent = $1::oid AND c.oid = $2::regclass "
          "AND NOT i.inhdetachpending",
      table_oid, step.name);
  if (r.empty() || r[0][0].is_null()) return std::nullopt;
  auto upper = partition_upper_bound(r[0][0].c_str());
  if (!upper || *upper > cutoff.cutoff) return std::nullopt;
  if (open_below(r[0][0].c_str()) && holds_undated(t, policy, step)) return std::nullopt;
  if (holds_held(t, held, step)) return std::nullopt;  // a held record moved in since the plan
  PartitionStep now = step;
  estimate_rows(t, now, r[0][1], budget);
  if (now.rows > limit)
    throw UnitOverLimit(
        "partition '" + step.name + "' holds " + std::string(now.estimated ? "about " : "") +
        policies::with_thousands(now.rows) + " rows, more than the " +
        policies::with_thousands(limit) + " the guard still allows; it was left whole");
  if (step.kind == PartitionStep::Kind::Detach)
    now.detached_as = free_detached_name(t, step, cutoff.now);
  for (const auto& s : unit_statements(policy, parent, now, cutoff.now)) t.exec(s);
  return UnitRows{now.rows, now.estimated, now.detached_as};
}

}  // namespace retentiond::connectors::postgresql
