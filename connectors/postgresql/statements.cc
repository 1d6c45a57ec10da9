#include "connectors/postgresql/statements.h"

#include "connectors/sql/quote.h"

namespace retentiond::connectors::postgresql {
namespace {

using policies::DateFormat;
using sql::Placeholders;

// The usable dates (policies/timestamp.h), as PostgreSQL literals: a column may also hold
// 'infinity', '-infinity', BC dates and years past 9999, which are kept as undated.
const std::string kFirstDate = "'0001-01-01 00:00:00+00'::timestamptz";
const std::string kEndDate = "'10000-01-01 00:00:00+00'::timestamptz";  // exclusive

// "column >= first AND column < end" for epoch numbers, in seconds or milliseconds. NaN sorts
// above every number in PostgreSQL, so it is outside too.
std::string epoch_bounds(const std::string& column, long long unit) {
  return column + " >= " + std::to_string(policies::kFirstUsableEpoch * unit) + " AND " + column +
         " < " + std::to_string((policies::kLastUsableEpoch + 1) * unit);
}

std::string format_text(DateFormat f) {
  switch (f) {
    case DateFormat::Epoch:
      return "epoch";
    case DateFormat::EpochMs:
      return "epoch_ms";
    case DateFormat::Auto:
      return "auto";
    default:
      return "iso";
  }
}

std::string cutoff(Placeholders& p) { return p.ref("cutoff", "timestamptz"); }

// How each kind of basis column reads as a timestamptz (sql::server_dialect).
const sql::ServerDates kDates{
    [](const std::string& column, Placeholders& p) -> sql::TermSql {
      return {"CASE WHEN " + column + " >= " + kFirstDate + " AND " + column + " < " + kEndDate +
                  " THEN " + column + "::timestamptz END",
              column + " >= " + kFirstDate + " AND " + column + " < " + cutoff(p)};
    },
    [](const std::string& number, bool ms) {
      return "CASE WHEN " + epoch_bounds(number, ms ? 1000 : 1) + " THEN to_timestamp(" + number +
             (ms ? " / 1000.0" : "") + ") END";
    },
    [](const std::string& column, DateFormat f) {
      return "pg_temp.rd_ts(" + column + "::text, '" + format_text(f) + "')";
    },
    cutoff,
    [](const std::string& column) { return "btrim(" + column + "::text) = ''"; },
};

sql::Dialect dialect(const sql::CategoryOf& category_of) {
  sql::Dialect d = sql::server_dialect('"', Placeholders::Style::Numbered,
                                       sql::postgresql_dialect(), category_of, kDates);
  d.now = [](Placeholders& p) { return p.ref("now", "timestamptz"); };
  d.key_among = [](const std::string& key, Placeholders& p, const std::string& name) {
    return key + "::text IN (SELECT jsonb_array_elements_text(" + p.ref(name, "jsonb") + "))";
  };
  d.key_text = [](const std::string& e) { return e + "::text"; };
  d.email_text = d.key_text;
  d.address_key = [](const std::string& e) {
    // The blanks Perl's \s trims (Sympa's canonical address): space, tab, LF, VT, FF, CR.
    return "lower(btrim(" + e + "::text, E' \\t\\n\\r\\f' || chr(11)))";
  };
  d.epoch_of = [](const std::string& e) { return "extract(epoch FROM " + e + ")::bigint"; };
  d.batch = [](const std::string& keys, bool lock) {
    return "WITH batch AS (" + keys + (lock ? " FOR UPDATE" : "") +
           ") SELECT (SELECT k FROM batch ORDER BY k DESC LIMIT 1)::text, (SELECT count(*) FROM "
           "batch)";
  };
  return d;
}

}  // namespace

PgStatements build_pg_statements(const policies::Policy& policy, const std::string& key_column,
                                 const sql::CategoryOf& category_of, bool operator_holds,
                                 bool stored_table, bool partitioned) {
  const sql::Dialect d = dialect(category_of);
  const sql::StatementBuilder b(policy, sql::quote_identifier(key_column, '"'), operator_holds, d);
  PgStatements s;
  static_cast<sql::PolicyStatements&>(s) = b.statements();
  s.tally = b.tally();
  s.block_walk = stored_table && policy.action == policies::Action::Delete && policy.also.empty() &&
                 policy.also_stores.empty();
  if (!s.block_walk) {
    s.plan = b.plan();
    return s;
  }
  auto walk_bounds = [](const std::string& matched) {
    return ", (min(ctid) FILTER (WHERE " + matched + "))::text, (max(ctid) FILTER (WHERE " +
           matched + "))::text";
  };
  s.plan = b.plan(walk_bounds);
  s.plan_part = b.plan(walk_bounds, [](Placeholders& p) {
    return "ctid >= " + p.ref("lo", "tid") + " AND ctid < " + p.ref("hi", "tid");
  });
  // A plain table's own size, or its largest partition's (pg_partition_tree has no row for a
  // table outside any partitioning).
  std::string table_literal = "'";
  for (char c : b.table()) table_literal += c == '\'' ? std::string("''") : std::string(1, c);
  table_literal += "'::regclass";
  s.blocks = sql::Sql{"SELECT greatest(pg_relation_size(" + table_literal +
                          "), (SELECT coalesce(max(pg_relation_size(relid)), 0) FROM "
                          "pg_partition_tree(" +
                          table_literal + "))) / current_setting('block_size')::bigint",
                      {}};
  // Blocks [lo, hi) as tids: (lo,0) sorts before every row of block lo.
  Placeholders p = b.placeholders();
  std::string range = "ctid >= " + p.ref("lo", "tid");
  range += " AND ctid < " + p.ref("hi", "tid") + " AND ";
  const std::string condition = b.acted(p);
  s.walk_action = sql::Sql{"DELETE FROM " + b.table() + " WHERE " + range + condition, p.order()};
  const std::string limit = p.ref("limit", "bigint");
  if (partitioned) {
    // A ctid names a row only within its partition: the rows picked are named by partition
    // (tableoid) and ctid, and the ctids alone still let each partition fetch them by tid.
    s.walk_action_limited = sql::Sql{
        "WITH picked AS MATERIALIZED (SELECT tableoid, ctid FROM " + b.table() + " WHERE " + range +
            condition + " LIMIT " + limit + "), gone AS (DELETE FROM " + b.table() +
            " WHERE ctid = ANY(ARRAY(SELECT ctid FROM picked)) AND (tableoid, ctid) IN (SELECT "
            "tableoid, ctid FROM picked) AND " +
            condition + " RETURNING 1) SELECT count(*) FROM gone",
        p.order()};
    return s;
  }
  s.walk_action_limited = sql::Sql{
      "WITH gone AS (DELETE FROM " + b.table() + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " +
          b.table() + " WHERE " + range + condition + " LIMIT " + limit + ")) AND " + condition +
          " RETURNING 1) SELECT count(*) FROM gone",
      p.order()};
  return s;
}

}  // namespace retentiond::connectors::postgresql
