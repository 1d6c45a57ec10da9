#include "connectors/postgresql/catalog.h"

namespace retentiond::connectors::postgresql {
namespace {

bool is_integer_type(const std::string& type) {
  return type == "integer" || type == "bigint" || type == "smallint";
}

std::vector<std::string> table_names(pqxx::transaction_base& t) {
  std::vector<std::string> out;
  pqxx::result r = t.exec(
      "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', "
      "'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'");
  for (const auto& row : r) out.push_back(row[0].c_str());
  return out;
}

}  // namespace

std::optional<PgTable> describe_table(pqxx::transaction_base& t,
                                      const policies::QualifiedName& name) {
  // quote_ident() on bound values: the name is resolved exactly as written, search_path included.
  pqxx::result r =
      name.schema.empty()
          ? t.exec_params(
                "SELECT c.oid, c.relkind, has_table_privilege(c.oid, 'SELECT') FROM pg_class c "
                "WHERE c.oid = to_regclass(quote_ident($1))",
                name.name)
          : t.exec_params(
                "SELECT c.oid, c.relkind, has_table_privilege(c.oid, 'SELECT') FROM pg_class c "
                "WHERE c.oid = to_regclass(quote_ident($1) || '.' || quote_ident($2))",
                name.schema, name.name);
  if (r.empty() || r[0][0].is_null()) return std::nullopt;
  PgTable table;
  table.oid = r[0][0].c_str();
  table.kind = r[0][1].c_str()[0];
  table.select_granted = r[0][2].as<bool>();
  pqxx::result cols = t.exec_params(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), "
      "       (SELECT typcategory FROM pg_type WHERE oid = COALESCE(NULLIF(ty.typbasetype, 0), "
      "ty.oid)), a.attnotnull "
      "FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid "
      "WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      table.oid);
  for (const auto& row : cols) {
    std::string category = row[2].is_null() ? "" : row[2].c_str();
    const std::string type = row[1].c_str();
    table.columns.push_back({row[0].c_str(), type, category.empty() ? '\0' : category[0],
                             is_integer_type(type), row[3].as<bool>()});
  }
  pqxx::result pk = t.exec_params(
      "SELECT a.attname FROM pg_index i "
      "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, pos) ON true "
      "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
      "WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.pos",
      table.oid);
  for (const auto& row : pk) table.primary_key.push_back(row[0].c_str());
  // Valid unique indexes of one plain column, not partial (those leave other rows free).
  pqxx::result unique = t.exec_params(
      "SELECT a.attname FROM pg_index i "
      "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] "
      "WHERE i.indrelid = $1::oid AND i.indisunique AND i.indisvalid AND i.indnkeyatts = 1 "
      "AND i.indpred IS NULL AND i.indexprs IS NULL",
      table.oid);
  for (const auto& row : unique) table.unique_columns.push_back(row[0].c_str());
  return table;
}

sql::CatalogLookup catalog(pqxx::connection& c) {
  return {[&c](const policies::QualifiedName& name) -> std::optional<sql::TableShape> {
            pqxx::nontransaction t(c);
            if (auto table = describe_table(t, name)) return *table;
            return std::nullopt;
          },
          [&c] {
            pqxx::nontransaction t(c);
            return table_names(t);
          }};
}

}  // namespace retentiond::connectors::postgresql
