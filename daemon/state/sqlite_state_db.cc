#include "daemon/state/sqlite_state_db.h"

namespace retentiond::daemon {
namespace {

class SqliteStatement : public StateStatementImpl {
 public:
  explicit SqliteStatement(lib::sqlite::Statement st) : st_(std::move(st)) {}
  void bind(int index, long long value) override { st_.bind(index, value); }
  void bind(int index, const std::string& value) override { st_.bind(index, value); }
  void bind_null(int index) override { st_.bind_null(index); }
  bool step() override { return st_.step(); }
  void reset() override { st_.reset(); }
  bool is_null(int column) const override { return st_.is_null(column); }
  long long integer(int column) const override { return st_.integer(column); }
  std::string text(int column) const override { return st_.text(column); }

 private:
  lib::sqlite::Statement st_;
};

}  // namespace

StateStatement SqliteStateDb::prepare(const std::string& sql) {
  return StateStatement(std::make_unique<SqliteStatement>(db_->prepare(sql)));
}

void SqliteStateDb::rollback() noexcept {
  sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

bool SqliteStateDb::has_table(const std::string& name) {
  auto st = db_->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  st.bind(1, name);
  return st.step();
}

bool SqliteStateDb::has_column(const std::string& table, const std::string& column) {
  auto st = db_->prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2");
  st.bind(1, table).bind(2, column);
  return st.step();
}

}  // namespace retentiond::daemon
