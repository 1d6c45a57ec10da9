#include "connectors/mysql/partitions.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "connectors/mysql/show_grants.h"
#include "connectors/sql/partition_plan.h"
#include "connectors/sql/quote.h"

namespace retentiond::connectors::mysql {
namespace {

using policies::TimePoint;

constexpr std::string_view kDetachedMark = "retentiond: detached from ";
constexpr long long kDaysToEpoch = 719528;  // TO_DAYS('1970-01-01')
const std::string kSchema = "TABLE_SCHEMA = IF(? = '', DATABASE(), ?)";
// The table's partitions, in their order, with the rows the statistics give each (summed over
// its sub-partitions). Bound with table_values.
const std::string kPartitionsQuery =
    "SELECT PARTITION_NAME, PARTITION_METHOD, PARTITION_EXPRESSION, PARTITION_DESCRIPTION, "
    "SUM(TABLE_ROWS) FROM information_schema.PARTITIONS WHERE " +
    kSchema +
    " AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL GROUP BY PARTITION_NAME, "
    "PARTITION_METHOD, PARTITION_EXPRESSION, PARTITION_DESCRIPTION, PARTITION_ORDINAL_POSITION "
    "ORDER BY PARTITION_ORDINAL_POSITION";

std::vector<Value> schema_values(const policies::Policy& p) {
  return {{p.table->schema}, {p.table->schema}};
}

std::vector<Value> table_values(const policies::Policy& p) {
  auto v = schema_values(p);
  v.push_back({p.table->name});
  return v;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

// The mark a detached table's comment starts with.
std::string mark_of(const policies::Policy& p) {
  return std::string(kDetachedMark) + p.table->str() + " partition ";
}

std::string quoted_in_schema(const policies::Policy& p, const std::string& name) {
  return p.table->schema.empty()
             ? sql::quote_identifier(name, '`')
             : sql::quote_identifier(p.table->schema, '`') + "." + sql::quote_identifier(name, '`');
}

// When the table `name`, whose comment is `comment`, was detached from the policy's table: the
// time in the comment; or, for a table without a comment (a pass detached it but was killed
// before it could comment it), the end of the day its name carries (never earlier than the
// detach). nullopt when neither, and
// for a table whose name is no longer a detached one: the operator renamed it to keep it.
// `others`: the schema's other tables whose names start with this table's and '_'
// (`log_archive` beside `log`): a detached name starting with one of them followed by '_' is
// that table's (`log_archive_p1_rd_detached_...`), never this one's.
std::optional<TimePoint> detach_time(const policies::Policy& p, const std::string& name,
                                     const std::string& comment,
                                     const std::vector<std::string>& others) {
  if (!sql::has_detached_name(name)) return std::nullopt;
  if (comment.rfind(mark_of(p), 0) == 0) {
    const auto at = comment.rfind(" at ");
    if (at == std::string::npos) return std::nullopt;
    return policies::parse_timestamp(comment.substr(at + 4));
  }
  // Another table's detached partition (its comment names that table), or a table whose comment
  // is someone else's (an operator's copy under a detached name): never this policy's. Only a
  // table without a comment is known by its name alone.
  if (!comment.empty()) return std::nullopt;
  constexpr std::string_view kSuffix = "_rd_detached_";
  const std::string prefix = p.table->name + "_";
  if (name.size() < prefix.size() + kSuffix.size() + 8 || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - 8 - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
    return std::nullopt;
  for (const auto& other : others)
    if (name.rfind(other + "_", 0) == 0) return std::nullopt;
  const std::string day = name.substr(name.size() - 8);
  if (!all_digits(day)) return std::nullopt;
  auto start =
      policies::parse_timestamp(day.substr(0, 4) + "-" + day.substr(4, 2) + "-" + day.substr(6, 2));
  if (!start) return std::nullopt;
  return *start + std::chrono::hours(24);
}

// A LIKE pattern matching `text` literally.
std::string like_literal(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }

  return out;
}

// The schema's tables (not detached ones) whose names start with the policy's table's and '_'
// (`log_archive` beside `log`): detach_time()'s `others`.
std::vector<std::string> tables_named_beyond(Client& c, const policies::Policy& policy) {
  auto named = schema_values(policy);
  named.push_back({like_literal(policy.table->name + "_") + "%"});
  std::vector<std::string> out;
  for (const auto& row : c.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE " +
                                     kSchema + " AND TABLE_NAME LIKE ?",
                                 named))
    if (row[0] && !sql::has_detached_name(*row[0])) out.push_back(*row[0]);
  return out;
}

}  // namespace

std::optional<std::pair<BoundKind, std::string>> range_key(std::string_view method,
                                                           std::string_view expression) {
  std::string e;
  for (char c : expression)
    if (c != '`' && c != ' ') e += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto inside = [&](std::string_view fn) -> std::optional<std::string> {
    if (e.size() > fn.size() + 2 && e.rfind(fn, 0) == 0 && e[fn.size()] == '(' && e.back() == ')')
      return e.substr(fn.size() + 1, e.size() - fn.size() - 2);
    return std::nullopt;
  };
  auto plain = [](const std::string& s) {
    return !s.empty() && s.find_first_of("(),") == std::string::npos;
  };
  if (method == "RANGE COLUMNS" && plain(e)) return std::pair{BoundKind::Columns, e};
  if (method != "RANGE") return std::nullopt;
  if (auto col = inside("to_days"); col && plain(*col)) return std::pair{BoundKind::ToDays, *col};
  if (auto col = inside("unix_timestamp"); col && plain(*col))
    return std::pair{BoundKind::UnixTimestamp, *col};
  return std::nullopt;
}

std::optional<TimePoint> partition_upper_bound(BoundKind kind, std::string_view description) {
  if (kind == BoundKind::Columns) {
    if (description.size() < 2 || description.front() != '\'' || description.back() != '\'')
      return std::nullopt;  // MAXVALUE, or several columns
    return sql::upper_bound_time(
        std::string(description.substr(1, description.size() - 2)),
        [](const std::string& literal) { return policies::parse_timestamp(literal); });
  }
  if (!all_digits(description) || description.size() > 15) return std::nullopt;
  const long long n = std::stoll(std::string(description));
  if (kind == BoundKind::UnixTimestamp) return policies::from_epoch_seconds(n);
  return policies::from_epoch_seconds((n - kDaysToEpoch) * 86400);
}

std::string detached_table_name(const std::string& table, const std::string& partition,
                                TimePoint at, int variant) {
  // MariaDB: 64 characters
  return sql::detached_table_name(table + "_" + partition, at, 64, variant);
}

std::optional<std::string> free_detached_table_name(Client& c, const policies::Policy& policy,
                                                    const std::string& partition, TimePoint at) {
  for (int variant = 1; variant <= sql::kDetachedNameVariants; ++variant) {
    std::string name = detached_table_name(policy.table->name, partition, at, variant);
    auto values = schema_values(policy);
    values.push_back({name});
    const auto taken = c.query(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE " + kSchema + " AND TABLE_NAME = ?",
        values);
    if (!taken.empty() && taken[0][0] && *taken[0][0] == "0") return name;
  }
  return std::nullopt;
}

std::optional<std::string> partitioning_problem(Client& c, const policies::Policy& policy) {
  const std::string table = "table '" + policy.table->str() + "'";
  auto rows = c.query(
      "SELECT PARTITION_METHOD, PARTITION_EXPRESSION, SUBPARTITION_METHOD FROM "
      "information_schema.PARTITIONS WHERE " +
          kSchema + " AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL LIMIT 1",
      table_values(policy));
  if (rows.empty() || !rows[0][0]) return table + " is not partitioned";
  const std::string method = *rows[0][0];
  const std::string expression = rows[0][1].value_or("");
  if (method != "RANGE" && method != "RANGE COLUMNS")
    return table + " is partitioned by " + method + ", not by RANGE or RANGE COLUMNS";
  auto key = range_key(method, expression);
  if (!key && method == "RANGE" && expression.find('(') == std::string::npos)
    return table + " is partitioned by RANGE (" + expression +
           "), on an integer, which is no date: retentiond reads the bounds of RANGE COLUMNS "
           "(a date column), RANGE (TO_DAYS(column)) or RANGE (UNIX_TIMESTAMP(column))";
  if (!key)
    return table + " is partitioned by " + method + " (" + expression +
           "), which is not one column, TO_DAYS(column) or UNIX_TIMESTAMP(column)";
  const std::string since = policy.since.terms.front().column;
  std::string lowered = since;
  for (auto& ch : lowered) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (key->second != lowered)
    return table + " is partitioned by '" + key->second + "', not by its 'since' column '" + since +
           "'";
  // The bounds are compared as dates: a text key (RANGE COLUMNS allows one) sorts '2027-03-14
  // junk' and '2027-02-30' among the dates, records rows mode keeps as undated.
  auto values = table_values(policy);
  values.push_back({since});
  auto type = c.query("SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE " + kSchema +
                          " AND TABLE_NAME = ? AND COLUMN_NAME = ?",
                      values);
  const std::string data_type = type.empty() ? "" : type[0][0].value_or("");
  if (data_type != "date" && data_type != "datetime" && data_type != "timestamp")
    return table + " is partitioned by '" + since + "', a column of type " +
           (data_type.empty() ? std::string("unknown") : data_type) +
           ", not a date: its bounds and values cannot be compared as dates";
  // MariaDB cannot CONVERT a partition that has sub-partitions to a table.
  if (rows[0][2] && policy.partitions == policies::PartitionMode::Detach)
    return table + " is sub-partitioned (SUBPARTITION BY " + *rows[0][2] +
           "), and MariaDB cannot convert such a partition to a table: 'partitions: detach' "
           "cannot keep it; 'partitions: drop' can drop it";
  return std::nullopt;
}

MissingPrivileges missing_privileges(Client& c, const policies::Policy& policy, bool lock_tables) {
  MissingPrivileges out;
  auto who = c.query("SELECT CURRENT_USER(), IF(? = '', DATABASE(), ?)", schema_values(policy));
  if (!who.empty()) {
    out.account = who[0][0].value_or("");
    out.database = who[0][1].value_or("");
  }
  const auto at = out.account.rfind('@');
  const std::string grantee = at == std::string::npos ? out.account
                                                      : "'" + out.account.substr(0, at) + "'@'" +
                                                            out.account.substr(at + 1) + "'";
  auto more = table_values(policy);
  std::vector<Value> all = {{grantee}, {grantee}, more[0], more[1],
                            {grantee}, more[0],   more[1], more[2]};
  std::vector<std::string> on_database, on_table;  // global grants count as the database's
  for (const auto& row :
       c.query("SELECT PRIVILEGE_TYPE, 1 FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ? "
               "UNION SELECT PRIVILEGE_TYPE, 1 FROM information_schema.SCHEMA_PRIVILEGES "
               "WHERE GRANTEE = ? AND " +
                   kSchema +
                   " UNION SELECT PRIVILEGE_TYPE, 0 FROM information_schema.TABLE_PRIVILEGES "
                   "WHERE GRANTEE = ? AND " +
                   kSchema + " AND TABLE_NAME = ?",
               all))
    if (row[0]) (row[1] == std::string("1") ? on_database : on_table).push_back(*row[0]);
  // What the account's roles grant, which information_schema does not show its sessions.
  std::vector<std::string> shown;
  for (const auto& row : c.query("SHOW GRANTS"))
    if (row[0]) shown.push_back(*row[0]);
  auto by_role = grants_on_table(shown, out.database, policy.table->name);
  on_database.insert(on_database.end(), by_role.on_database.begin(), by_role.on_database.end());
  on_table.insert(on_table.end(), by_role.on_table.begin(), by_role.on_table.end());
  // `detach` makes each partition a table of its own in the database, comments it, and drops
  // it after the grace: grants on the partitioned table alone do not reach it.
  std::vector<std::string> needed = {"ALTER", "DROP"};
  out.on_database = policy.partitions == policies::PartitionMode::Detach || lock_tables;
  if (policy.partitions == policies::PartitionMode::Detach)
    needed = {"CREATE", "INSERT", "ALTER", "DROP"};
  if (lock_tables) needed = {"LOCK TABLES"};
  const auto held = [&](const std::string& n) {
    const auto has = [&](const std::vector<std::string>& v) {
      return std::find(v.begin(), v.end(), n) != v.end();
    };
    return has(on_database) || (!out.on_database && has(on_table));
  };
  for (const auto& n : needed)
    if (!held(n)) out.names.push_back(n);
  return out;
}

std::vector<PartitionStep> partition_steps(Client& c, const policies::Policy& policy,
                                           const policies::Cutoff& cutoff,
                                           std::optional<UndatedLook>& look) {
  std::vector<PartitionStep> units, kept;
  // Tables earlier passes detached from this one: by the mark in their comment, or by their
  // name when a pass was stopped between the detach and the comment.
  const std::string mark = mark_of(policy);
  auto values = schema_values(policy);
  values.insert(values.end(), {{mark},
                               {mark},
                               {like_literal(policy.table->name + "_") + "%" +
                                like_literal("_rd_detached_") + "________"}});
  const auto found =
      c.query("SELECT TABLE_NAME, TABLE_COMMENT, TABLE_ROWS FROM information_schema.TABLES WHERE " +
                  kSchema +
                  " AND TABLE_TYPE = 'BASE TABLE' AND (LEFT(TABLE_COMMENT, CHAR_LENGTH(?)) = ? OR "
                  "TABLE_NAME LIKE ?) ORDER BY TABLE_NAME",
              values);
  const auto others = tables_named_beyond(c, policy);
  for (const auto& row : found) {
    PartitionStep step;
    step.table = row[0].value_or("");
    step.name = quoted_in_schema(policy, step.table);
    auto at = detach_time(policy, step.table, row[1].value_or(""), others);
    if (!at) continue;
    step.detached_at = policies::format_timestamp(*at);
    step.rows = std::stoll(row[2].value_or("0"));
    const bool due = policy.grace.after(*at) <= cutoff.now;
    step.kind = due ? PartitionStep::Kind::DropDetached : PartitionStep::Kind::KeepDetached;
    (due ? units : kept).push_back(std::move(step));
  }
  // The partitions (their sub-partitions summed), in their order, which is their bounds' order.
  std::optional<BoundKind> kind;
  struct Part {
    PartitionStep step;
    std::optional<TimePoint> upper;
  };
  std::vector<Part> parts;
  CountBudget budget;
  for (const auto& row : c.query(kPartitionsQuery, table_values(policy))) {
    if (!kind) {
      auto key = range_key(row[1].value_or(""), row[2].value_or(""));
      if (!key) return {};
      kind = key->first;
    }
    Part part;
    part.step.table = row[0].value_or("");
    part.step.name = sql::quote_identifier(part.step.table, '`');
    const std::string description = row[3].value_or("");
    part.step.bounds = "VALUES LESS THAN (" + description + ")";
    part.step.rows = std::stoll(row[4].value_or("0"));
    part.upper = partition_upper_bound(*kind, description);
    // TO_DAYS() and UNIX_TIMESTAMP() bounds are numbers: their date, for people.
    if (*kind != BoundKind::Columns && part.upper)
      part.step.bounds += ", before " + policies::format_timestamp(*part.upper);
    parts.push_back(std::move(part));
  }
  if (kind && !look) look = undated_look(c, policy);
  // The expired partitions (the first ones, ranges ascending) looked at together first, where
  // an index makes that a few probes: each one alone only if one of them holds an undated record.
  std::vector<std::string> expired;
  for (const auto& part : parts)
    if (part.upper && *part.upper <= cutoff.cutoff) expired.push_back(part.step.table);
  const bool look_each =
      !expired.empty() && (!look->indexed || holds_undated(c, policy, *look, *kind, expired,
                                                           expired.front() == parts[0].step.table));
  for (size_t i = 0; i < parts.size(); ++i) {
    auto& part = parts[i];
    // A partition's range starts where the one before it ends; the first one's is open below,
    // and holds the rows whose key is NULL.
    const std::optional<TimePoint> lower = i == 0 ? std::nullopt : parts[i - 1].upper;
    if (lower && *lower >= cutoff.cutoff)
      part.step.range = *lower > cutoff.now                       ? PartitionStep::Range::Future
                        : part.upper && *part.upper <= cutoff.now ? PartitionStep::Range::Unexpired
                                                                  : PartitionStep::Range::Unknown;
    const bool whole =
        part.upper && *part.upper <= cutoff.cutoff &&
        !(look_each && holds_undated(c, policy, *look, *kind, {part.step.table}, i == 0));
    if (whole || part.step.range != PartitionStep::Range::Unknown)
      count_if_small(c, policy, part.step, budget);
    if (whole) {
      part.step.kind = policy.partitions == policies::PartitionMode::Detach
                           ? PartitionStep::Kind::Detach
                           : PartitionStep::Kind::Drop;
      units.push_back(std::move(part.step));
    } else {
      kept.push_back(std::move(part.step));
    }
  }
  units.insert(units.end(), kept.begin(), kept.end());
  return units;
}

std::vector<std::string> unit_statements(const policies::Policy& policy, const PartitionStep& step,
                                         TimePoint now) {
  const std::string table = sql::quote_table(*policy.table, '`');
  switch (step.kind) {
    case PartitionStep::Kind::Drop:
      return {"ALTER TABLE " + table + " DROP PARTITION " + step.name};
    case PartitionStep::Kind::Detach: {
      // The plan shows the first name; the pass gives the one free then (free_detached_table_name).
      const std::string detached =
          quoted_in_schema(policy, step.detached_as.empty()
                                       ? detached_table_name(policy.table->name, step.table, now)
                                       : step.detached_as);
      return {"ALTER TABLE " + table + " CONVERT PARTITION " + step.name + " TO TABLE " + detached,
              "ALTER TABLE " + detached + " COMMENT = " +
                  sql::quote_literal(mark_of(policy) + step.table + " at " +
                                     policies::format_timestamp(now))};
    }
    case PartitionStep::Kind::DropDetached:
      return {"DROP TABLE " + step.name};
    case PartitionStep::Kind::KeepDetached:
    case PartitionStep::Kind::Rows:
      break;
  }
  return {};
}

std::string drop_statement(const policies::Policy& policy, const std::vector<PartitionStep>& units,
                           size_t begin, size_t end) {
  std::string names;
  for (size_t i = begin; i < end; ++i) names += (names.empty() ? "" : ", ") + units[i].name;
  return "ALTER TABLE " + sql::quote_table(*policy.table, '`') + " DROP PARTITION " + names;
}

std::map<std::string, PartitionNow> partitions_now(Client& c, const policies::Policy& policy) {
  std::map<std::string, PartitionNow> out;
  for (const auto& row : c.query(kPartitionsQuery, table_values(policy))) {
    PartitionNow now;
    if (auto key = range_key(row[1].value_or(""), row[2].value_or(""))) {
      now.upper = partition_upper_bound(key->first, row[3].value_or(""));
      now.kind = key->first;
    }
    now.rows = row[4] ? std::stoll(*row[4]) : 0;
    now.lowest = out.empty();
    out.emplace(row[0].value_or(""), now);
  }
  return out;
}

std::optional<TimePoint> current_upper_bound(Client& c, const policies::Policy& policy,
                                             const std::string& partition) {
  auto all = partitions_now(c, policy);
  auto it = all.find(partition);
  return it == all.end() ? std::nullopt : it->second.upper;
}

void count_if_small(Client& c, const policies::Policy& policy, PartitionStep& step,
                    CountBudget& budget) {
  step.estimated = !budget.take(step.rows);
  if (step.estimated) return;
  auto counted = c.query("SELECT COUNT(*) FROM " + sql::quote_table(*policy.table, '`') +
                         " PARTITION (" + sql::quote_identifier(step.table, '`') + ")");
  step.rows = std::stoll(counted.at(0)[0].value_or("0"));
}

UndatedLook undated_look(Client& c, const policies::Policy& policy) {
  UndatedLook look;
  const std::string& name = policy.since.terms.front().column;
  look.column = sql::quote_identifier(name, '`');
  auto values = table_values(policy);
  values.push_back({name});
  auto rows = c.query(
      "SELECT c.IS_NULLABLE, LOWER(c.DATA_TYPE), EXISTS (SELECT 1 FROM "
      "information_schema.STATISTICS "
      "s WHERE s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME AND s.COLUMN_NAME = "
      "c.COLUMN_NAME AND s.SEQ_IN_INDEX = 1) FROM information_schema.COLUMNS c WHERE c." +
          kSchema + " AND c.TABLE_NAME = ? AND c.COLUMN_NAME = ?",
      values);
  if (rows.empty()) return look;  // unknown: look for everything, by reading
  look.nullable = rows[0][0].value_or("YES") != "NO";
  const std::string type = rows[0][1].value_or("");
  look.zero_in_date = type == "date" || type == "datetime";
  look.indexed = rows[0][2].value_or("0") == "1";
  return look;
}

std::optional<std::vector<std::pair<std::string, std::string>>> zero_in_date_ranges(
    std::string_view min, std::string_view max) {
  auto year_month = [](std::string_view v) -> std::optional<std::pair<int, int>> {
    if (v.size() < 7 || !all_digits(v.substr(0, 4)) || v[4] != '-' || !all_digits(v.substr(5, 2)))
      return std::nullopt;
    return std::pair{std::stoi(std::string(v.substr(0, 4))),
                     std::max(1, std::stoi(std::string(v.substr(5, 2))))};
  };
  const auto from = year_month(min), to = year_month(max);
  if (!from || !to) return std::nullopt;
  const long long months = (to->first - from->first) * 12LL + (to->second - from->second) + 1;
  if (months > 1200) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> out;
  char low[16], high[16];
  int y = from->first, m = from->second;
  for (long long i = 0; i < months; ++i) {
    std::snprintf(low, sizeof low, "%04d-%02d-00", y, m == 1 ? 0 : m);
    std::snprintf(high, sizeof high, "%04d-%02d-01", y, m);
    out.emplace_back(low, high);
    if (++m == 13) {
      ++y;
      m = 1;
    }
  }
  return out;
}

namespace {

// Appends to `terms` and `values` the index ranges where the zero-month and zero-day dates among
// the rows `from` reads sort, between their first and last values (which the index gives at
// once). false when ranges cannot tell: a first value of the year 0, or too many months;
// true, adding nothing, when no dated value is there.
bool add_zero_day_ranges(Client& c, const std::string& col, const std::string& from,
                         std::vector<std::string>& terms, std::vector<Value>& values) {
  auto ends =
      c.query("SELECT CAST(MIN(" + col + ") AS CHAR), CAST(MAX(" + col + ") AS CHAR)" + from);
  if (ends.empty() || !ends[0][0] || !ends[0][1]) return true;
  if (ends[0][0]->rfind("0000", 0) == 0) return false;
  auto ranges = zero_in_date_ranges(*ends[0][0], *ends[0][1]);
  if (!ranges) return false;
  for (const auto& [low, high] : *ranges) {
    terms.push_back("(" + col + " >= ? AND " + col + " < ?)");
    values.push_back({low});
    values.push_back({high});
  }
  return true;
}

std::string any_of(const std::vector<std::string>& terms) {
  std::string out;
  for (const auto& t : terms) out += (out.empty() ? "" : " OR ") + t;
  return out;
}

}  // namespace

std::optional<long long> count_undated(Client& c, const policies::Policy& policy,
                                       const UndatedLook& look, const std::string& names) {
  if (!look.indexed) return std::nullopt;
  const std::string from =
      " FROM " + sql::quote_table(*policy.table, '`') + " PARTITION (" + names + ")";
  const std::string& col = look.column;
  std::vector<std::string> terms{col + " < '0001-01-01'"};
  if (look.nullable) terms.push_back(col + " IS NULL");
  std::vector<Value> values;
  if (look.zero_in_date && !add_zero_day_ranges(c, col, from, terms, values)) return std::nullopt;
  auto rows = c.query("SELECT COUNT(*)" + from + " WHERE " + any_of(terms), values);
  return rows.empty() ? 0 : std::stoll(rows[0][0].value_or("0"));
}

bool holds_undated(Client& c, const policies::Policy& policy, const UndatedLook& look,
                   BoundKind kind, const std::vector<std::string>& partitions, bool lowest) {
  // Zero-month and zero-day dates sort among the others under RANGE COLUMNS; TO_DAYS() of one
  // is NULL, which goes to the lowest partition.
  const bool zero_in_date = look.zero_in_date && (lowest || kind == BoundKind::Columns);
  if (!lowest && !zero_in_date) return false;
  std::string names;
  for (const auto& partition : partitions)
    names += (names.empty() ? "" : ", ") + sql::quote_identifier(partition, '`');
  const std::string from =
      " FROM " + sql::quote_table(*policy.table, '`') + " PARTITION (" + names + ")";
  const std::string& col = look.column;
  std::vector<std::string> terms;
  std::vector<Value> values;
  if (lowest && look.nullable) terms.push_back(col + " IS NULL");
  if (lowest) terms.push_back(col + " < '0001-01-01'");  // zero dates, and the year 0
  // Without an index, or where ranges cannot tell, the functions read the partition; several
  // partitions are then looked at one by one instead (true: "look at each").
  if (zero_in_date && !(look.indexed && add_zero_day_ranges(c, col, from, terms, values))) {
    if (partitions.size() > 1) return true;
    terms.push_back("MONTH(" + col + ") = 0 OR DAYOFMONTH(" + col + ") = 0");
  }
  if (terms.empty()) return false;
  return !c.query("SELECT 1" + from + " WHERE " + any_of(terms) + " LIMIT 1", values).empty();
}

bool holds_held(Client& c, const policies::Policy& policy, const HeldLook& held,
                const std::vector<std::string>& partitions) {
  if (!held.any() || partitions.empty()) return false;
  std::string names;
  for (const auto& partition : partitions)
    names += (names.empty() ? "" : ", ") + sql::quote_identifier(partition, '`');
  // As the batches' key_among() compares them (connectors/mysql/statements.cc).
  return !c.query("SELECT 1 FROM " + sql::quote_table(*policy.table, '`') + " PARTITION (" + names +
                      ") WHERE JSON_CONTAINS(?, JSON_QUOTE(CAST(" +
                      sql::quote_identifier(held.key_column, '`') + " AS CHAR))) LIMIT 1",
                  {Value{held.keys_json}})
              .empty();
}

std::optional<TimePoint> detached_at(Client& c, const policies::Policy& policy,
                                     const std::string& name) {
  auto values = schema_values(policy);
  values.push_back({name});
  auto rows = c.query("SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE " + kSchema +
                          " AND TABLE_NAME = ?",
                      values);
  if (rows.empty()) return std::nullopt;
  return detach_time(policy, name, rows[0][0].value_or(""), tables_named_beyond(c, policy));
}

}  // namespace retentiond::connectors::mysql
