#include "connectors/sympa/connection.h"

#include <pqxx/pqxx>

#include "connectors/mysql/connection.h"
#include "connectors/postgresql/connection.h"
#include "connectors/postgresql/error_text.h"
#include "connectors/sqlite/connection.h"

namespace retentiond::connectors::sympa {
namespace {

// `?` -> `$1`, `$2`, ... (our statements hold no `?` in literals).
std::string numbered(const std::string& sql) {
  std::string out;
  int n = 0;
  for (char c : sql) {
    if (c == '?')
      out += "$" + std::to_string(++n);
    else
      out += c;
  }
  return out;
}

class SqliteDatabase : public SympaDatabase {
 public:
  explicit SqliteDatabase(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}

  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& values) override {
    try {
      auto st = prepared(sql, values);
      std::vector<Row> rows;
      while (st.step()) {
        Row row;
        const int columns = st.column_count();
        for (int i = 0; i < columns; ++i)
          row.push_back(st.is_null(i) ? std::nullopt : std::optional<std::string>(st.text(i)));
        rows.push_back(std::move(row));
      }
      return rows;
    } catch (const sqlite::SqliteError& e) {
      throw DatabaseError(e.what());
    }
  }

  long long change(const std::vector<Change>& statements,
                   const std::function<void(long long)>& before_commit) override {
    try {
      return sqlite::in_transaction(*db_, [&] {
        long long n = 0;
        for (const auto& c : statements) {
          auto st = prepared(c.sql, c.values);
          st.step();
          n += db_->changes();
        }
        if (before_commit) before_commit(n);
        return n;
      });
    } catch (const std::exception& e) {
      throw DatabaseError(e.what());
    }
  }

  std::optional<std::string> compile_error(const std::string& sql) override {
    try {
      db_->prepare(sql);
      return std::nullopt;
    } catch (const sqlite::SqliteError& e) {
      return std::string(e.what());
    }
  }

  bool has_table(const std::string& table) override {
    return !query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", {table}).empty();
  }

 private:
  sqlite::Statement prepared(const std::string& sql, const std::vector<std::string>& values) {
    auto st = db_->prepare(sql);
    for (size_t i = 0; i < values.size(); ++i) st.bind(static_cast<int>(i + 1), values[i]);
    return st;
  }
  std::unique_ptr<sqlite::Database> db_;
};

class PostgresDatabase : public SympaDatabase {
 public:
  explicit PostgresDatabase(std::unique_ptr<pqxx::connection> c, bool read_only)
      : conn_(std::move(c)), read_only_(read_only) {}

  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& values) override {
    try {
      pqxx::nontransaction t(*conn_);
      return rows(t.exec_params(numbered(sql), pqxx::prepare::make_dynamic_params(values)));
    } catch (const std::exception& e) {
      throw DatabaseError(postgresql::safe_message(e));
    }
  }

  long long change(const std::vector<Change>& statements,
                   const std::function<void(long long)>& before_commit) override {
    if (read_only_) throw DatabaseError("the connection is read-only");
    try {
      pqxx::work t(*conn_);
      long long n = 0;
      for (const auto& c : statements)
        n += static_cast<long long>(
            t.exec_params(numbered(c.sql), pqxx::prepare::make_dynamic_params(c.values))
                .affected_rows());
      if (before_commit) before_commit(n);
      t.commit();
      return n;
    } catch (const std::exception& e) {
      throw DatabaseError(postgresql::safe_message(e));
    }
  }

  std::optional<std::string> compile_error(const std::string& sql) override {
    try {
      pqxx::work t(*conn_);
      t.exec0("PREPARE rd_sympa_probe AS " + numbered(sql));
      t.exec0("DEALLOCATE rd_sympa_probe");
      return std::nullopt;
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  }

  bool has_table(const std::string& table) override {
    return !query(
                "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
                "c.relnamespace "
                "WHERE c.relname = ? AND c.relkind IN ('r', 'p') AND "
                "pg_catalog.pg_table_is_visible(c.oid)",
                {table})
                .empty();
  }

 private:
  static std::vector<Row> rows(const pqxx::result& r) {
    std::vector<Row> out;
    for (const auto& row : r) {
      Row one;
      for (const auto& field : row)
        one.push_back(field.is_null() ? std::nullopt : std::optional<std::string>(field.c_str()));
      out.push_back(std::move(one));
    }
    return out;
  }
  std::unique_ptr<pqxx::connection> conn_;
  bool read_only_;
};

class MysqlDatabase : public SympaDatabase {
 public:
  explicit MysqlDatabase(std::unique_ptr<mysql::Client> c) : client_(std::move(c)) {}

  std::vector<Row> query(const std::string& sql, const std::vector<std::string>& values) override {
    try {
      return client_->query(sql, bound(values));
    } catch (const mysql::MysqlError& e) {
      throw DatabaseError(e.what());
    }
  }

  long long change(const std::vector<Change>& statements,
                   const std::function<void(long long)>& before_commit) override {
    try {
      client_->exec("START TRANSACTION");
      long long n = 0;
      for (const auto& c : statements) {
        client_->query(c.sql, bound(c.values));
        n += client_->affected();
      }
      if (before_commit) before_commit(n);
      client_->exec("COMMIT");
      return n;
    } catch (const std::exception& e) {
      try {
        client_->exec("ROLLBACK");
      } catch (const mysql::MysqlError&) {
      }
      throw DatabaseError(e.what());
    }
  }

  std::optional<std::string> compile_error(const std::string& sql) override {
    return client_->compile_error(sql);
  }

  bool has_table(const std::string& table) override {
    return !query(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND "
                "table_name = ?",
                {table})
                .empty();
  }

 private:
  static std::vector<mysql::Value> bound(const std::vector<std::string>& values) {
    std::vector<mysql::Value> out;
    for (const auto& v : values) out.push_back(mysql::Value{v, false});
    return out;
  }
  std::unique_ptr<mysql::Client> client_;
};

}  // namespace

Result<std::unique_ptr<SympaDatabase>> SympaDatabase::connect(const policies::StoreConfig& store,
                                                              AccessMode mode) {
  if (store.type == "sqlite") {
    sqlite::OpenOptions options;
    options.mode = mode;
    options.busy_timeout_ms = 10000;
    options.date_functions = false;
    options.what = "Sympa's SQLite database";
    auto db = sqlite::open_database(store.name, store.path("path"), options);
    if (!db) return db.error();
    return std::unique_ptr<SympaDatabase>(std::make_unique<SqliteDatabase>(std::move(db.value())));
  }
  if (store.type == "postgresql") {
    auto c = postgresql::connect(store, mode);
    if (!c) return c.error();
    return std::unique_ptr<SympaDatabase>(
        std::make_unique<PostgresDatabase>(std::move(c.value()), mode == AccessMode::ReadOnly));
  }
  auto c = mysql::Client::connect(store, mode);
  if (!c) return c.error();
  return std::unique_ptr<SympaDatabase>(std::make_unique<MysqlDatabase>(std::move(c.value())));
}

}  // namespace retentiond::connectors::sympa
