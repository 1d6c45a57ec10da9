#include "support/pg_server.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include <pqxx/pqxx>

#include "support/run.h"

namespace retentiond::testing {

std::string pg_server_dsn(const std::string& database) {
  return "host=" + server_env("RETENTIOND_TEST_PG_HOST") +
         " port=" + server_env("RETENTIOND_TEST_PG_PORT") +
         " user=" + server_env("RETENTIOND_TEST_PG_USER") + " dbname=" + database;
}

PgDatabase::PgDatabase() {
  static std::atomic<int> counter{0};
  name_ = "rd_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++);
  pqxx::connection c(pg_server_dsn("postgres"));
  pqxx::nontransaction t(c);
  t.exec("DROP DATABASE IF EXISTS " + name_);
  t.exec("CREATE DATABASE " + name_);
}

PgDatabase::~PgDatabase() {
  try {
    pqxx::connection c(pg_server_dsn("postgres"));
    pqxx::nontransaction t(c);
    t.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
  }
}

std::string PgDatabase::dsn() const { return pg_server_dsn(name_); }

std::string PgDatabase::store_yaml() const { return "{type: postgresql, dsn: \"" + dsn() + "\"}"; }

policies::StoreConfig PgDatabase::state_config() const {
  policies::StoreConfig store;
  store.name = "state";
  store.type = "postgresql";
  store.options.emplace("dsn", policies::StoreOption{dsn(), {}});
  return store;
}

PgRole::PgRole(const PgDatabase& db, const std::string& suffix)
    : db_(db), name_(db.name() + suffix) {
  db_.exec("CREATE ROLE " + name_ + " LOGIN");
}

PgRole::~PgRole() {
  try {
    db_.exec("DROP OWNED BY " + name_ + "; DROP ROLE " + name_);
  } catch (const std::exception&) {
  }
}

std::string PgRole::dsn() const { return db_.dsn() + " user=" + name_; }

void PgRole::grant_table_writer() const {
  db_.exec("GRANT USAGE ON SCHEMA public TO " + name_ +
           "; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO " + name_ +
           "; GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO " + name_);
}

void PgDatabase::exec(const std::string& sql) const {
  pqxx::connection c(dsn());
  pqxx::nontransaction t(c);
  t.exec(sql);
}

std::vector<std::string> PgDatabase::column(const std::string& sql) const {
  pqxx::connection c(dsn());
  pqxx::nontransaction t(c);
  std::vector<std::string> out;
  for (const auto& row : t.exec(sql)) out.push_back(row[0].is_null() ? "NULL" : row[0].c_str());
  return out;
}

long long PgDatabase::integer(const std::string& sql) const {
  auto values = column(sql);
  if (values.empty()) throw std::runtime_error("no row for: " + sql);
  return std::stoll(values.front());
}

}  // namespace retentiond::testing
