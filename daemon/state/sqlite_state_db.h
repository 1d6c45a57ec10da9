// The state in a SQLite file (lib/sqlite): one host, its writers serialised by BEGIN IMMEDIATE.
#pragma once

#include <memory>

#include "daemon/state/state_db.h"
#include "lib/sqlite/database.h"

namespace retentiond::daemon {

class SqliteStateDb : public StateDb {
 public:
  explicit SqliteStateDb(std::unique_ptr<lib::sqlite::Database> db) : db_(std::move(db)) {}

  StateBackend backend() const override { return StateBackend::Sqlite; }
  void exec(const std::string& sql) override { db_->exec(sql); }
  StateStatement prepare(const std::string& sql) override;
  long long changes() const override { return db_->changes(); }
  void begin() override { db_->exec("BEGIN IMMEDIATE"); }
  void commit() override { db_->exec("COMMIT"); }
  void rollback() noexcept override;
  void lock_audit_chain() override {}
  bool has_table(const std::string& name) override;
  bool has_column(const std::string& table, const std::string& column) override;
  std::string insertion_order() const override { return "rowid"; }

  lib::sqlite::Database& sqlite() { return *db_; }

 private:
  std::unique_ptr<lib::sqlite::Database> db_;
};

}  // namespace retentiond::daemon
