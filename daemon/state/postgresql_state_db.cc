#include "daemon/state/postgresql_state_db.h"

#include <cstdlib>
#include <vector>

#include <libpq-fe.h>

#include "connectors/postgresql/connection.h"
#include "policies/printable.h"

namespace retentiond::daemon {

struct PgSession::Result {
  explicit Result(PGresult* r) : res(r) {}
  ~Result() { PQclear(res); }
  PGresult* res;
};

namespace {

// The audit chain's advisory lock key ("rtnd" + 1): appends wait for each other on it.
constexpr long long kAuditChainLock = 0x72746e6400000001LL;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

using connectors::postgresql::conninfo_value;

class PgStatement : public StateStatementImpl {
 public:
  PgStatement(PostgresqlStateDb& db, std::string sql) : db_(db), sql_(std::move(sql)) {}

  void bind(int index, long long value) override { set(index, std::to_string(value)); }
  void bind(int index, const std::string& value) override { set(index, value); }
  void bind_null(int index) override { set(index, std::nullopt); }
  bool step() override {
    if (!result_) {
      result_ = db_.session().run(sql_, params_, /*reconnect=*/!db_.in_transaction());
      const char* tuples = PQcmdTuples(result_->res);
      db_.set_changes(tuples && *tuples ? std::atoll(tuples) : 0);
      row_ = -1;
    }
    return ++row_ < PQntuples(result_->res);
  }
  void reset() override {
    result_.reset();
    params_.clear();
  }
  bool is_null(int column) const override { return PQgetisnull(result_->res, row_, column); }
  long long integer(int column) const override {
    if (is_null(column)) return 0;
    const char* v = PQgetvalue(result_->res, row_, column);
    if (v[0] == 't' && v[1] == '\0') return 1;  // a boolean
    if (v[0] == 'f' && v[1] == '\0') return 0;
    return std::atoll(v);
  }
  std::string text(int column) const override {
    if (is_null(column)) return "";
    return std::string(PQgetvalue(result_->res, row_, column),
                       static_cast<size_t>(PQgetlength(result_->res, row_, column)));
  }

 private:
  void set(int index, std::optional<std::string> value) {
    if (index < 1) throw StateError("parameter ?" + std::to_string(index) + " does not exist");
    if (params_.size() < static_cast<size_t>(index)) params_.resize(index);
    params_[index - 1] = std::move(value);
  }

  PostgresqlStateDb& db_;
  std::string sql_;
  std::vector<std::optional<std::string>> params_;
  std::shared_ptr<PgSession::Result> result_;
  int row_ = -1;
};

}  // namespace

std::string dollar_placeholders(const std::string& sql) {
  std::string out;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '?' && i + 1 < sql.size() &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      out += '$';
      continue;
    }
    out += c;
  }
  return out;
}

std::string state_conninfo(const std::string& dsn, const std::optional<std::string>& password) {
  std::string out = dsn;
  auto add = [&](const std::string& key, const std::string& value) {
    if (dsn.find(key) == std::string::npos) out += " " + key + "=" + conninfo_value(value);
  };
  add("application_name", "retentiond");
  add("connect_timeout", "10");
  // A lease is a session advisory lock: a host lost without closing its socket must lose its
  // session, and so its leases, within about a minute (docs/deployment.md, "Several hosts").
  add("keepalives", "1");
  add("keepalives_idle", "20");
  add("keepalives_interval", "10");
  add("keepalives_count", "3");
  add("tcp_user_timeout", "60000");
  if (password) out += " password=" + conninfo_value(*password);
  return out;
}

PgSession::PgSession(std::string conninfo, std::string label)
    : conninfo_(std::move(conninfo)), label_(std::move(label)) {
  open();
}

PgSession::~PgSession() {
  if (conn_) PQfinish(conn_);
}

bool PgSession::ok() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

void PgSession::open() {
  if (conn_) PQfinish(conn_);
  conn_ = PQconnectdb(conninfo_.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string why = policies::one_line(trimmed(PQerrorMessage(conn_)));
    PQfinish(conn_);
    conn_ = nullptr;
    throw StateError("cannot connect to " + label_ + ": " + why);
  }
  // CREATE ... IF NOT EXISTS tells NOTICEs that libpq would print on stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  run("SET client_min_messages = warning", {});
  run("SET client_encoding = 'UTF8'", {});
  run("SET standard_conforming_strings = on", {});
  run("SET idle_in_transaction_session_timeout = '60s'", {});
  // The server must notice a lost host too, since it is the server that releases the host's
  // leases: the same keepalives on its side of the socket (no effect over a Unix socket).
  // Best effort: a server older than PostgreSQL 12 has no tcp_user_timeout.
  for (const char* setting : {"SET tcp_keepalives_idle = 20", "SET tcp_keepalives_interval = 10",
                              "SET tcp_keepalives_count = 3", "SET tcp_user_timeout = 60000"})
    PQclear(PQexec(conn_, setting));
}

std::shared_ptr<PgSession::Result> PgSession::run(
    const std::string& sql, const std::vector<std::optional<std::string>>& params, bool reconnect) {
  if (reconnect && !ok()) open();
  if (!conn_) throw StateError("the session with " + label_ + " is closed");
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string text = dollar_placeholders(sql);
  PGresult* r = params.empty() ? PQexec(conn_, text.c_str())
                               : PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()),
                                              nullptr, values.data(), nullptr, nullptr, 0);
  auto result = std::make_shared<Result>(r);
  const ExecStatusType status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string why = trimmed(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_));
    if (why.empty()) why = trimmed(PQerrorMessage(conn_));
    if (reconnect && PQstatus(conn_) != CONNECTION_OK) {
      result.reset();
      open();
      return run(sql, params, /*reconnect=*/false);
    }
    throw StateError(label_ + ": " + why);
  }
  return result;
}

std::string PgSession::value(const std::string& sql) {
  auto r = run(sql, {});
  if (PQntuples(r->res) < 1 || PQnfields(r->res) < 1) return "";
  return PQgetvalue(r->res, 0, 0);
}

PostgresqlStateDb::PostgresqlStateDb(std::string conninfo, std::string label)
    : conninfo_(std::move(conninfo)), session_(conninfo_, std::move(label)) {}

PostgresqlStateDb::~PostgresqlStateDb() = default;

void PostgresqlStateDb::exec(const std::string& sql) {
  auto r = session_.run(sql, {}, /*reconnect=*/!in_transaction_);
  const char* tuples = PQcmdTuples(r->res);
  changes_ = tuples && *tuples ? std::atoll(tuples) : 0;
}

StateStatement PostgresqlStateDb::prepare(const std::string& sql) {
  return StateStatement(std::make_unique<PgStatement>(*this, sql));
}

void PostgresqlStateDb::begin() {
  session_.run("BEGIN", {}, /*reconnect=*/true);
  in_transaction_ = true;
}

void PostgresqlStateDb::commit() {
  in_transaction_ = false;
  session_.run("COMMIT", {});
}

void PostgresqlStateDb::rollback() noexcept {
  in_transaction_ = false;
  if (session_.ok()) PQclear(PQexec(session_.handle(), "ROLLBACK"));
}

void PostgresqlStateDb::lock_audit_chain() {
  session_.run("SELECT pg_advisory_xact_lock(" + std::to_string(kAuditChainLock) + ")", {});
}

// From the catalog, which every user sees whole: information_schema shows only the tables the
// user has a privilege on, so a user without grants would take a filled state for an empty one
// ("no pass recorded") instead of being refused by the server.
bool PostgresqlStateDb::has_table(const std::string& name) {
  auto st = prepare(
      "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = "
      "c.relnamespace WHERE n.nspname = current_schema() AND c.relname = ?1 AND c.relkind IN "
      "('r', 'p')");
  st.bind(1, name);
  return st.step();
}

bool PostgresqlStateDb::has_column(const std::string& table, const std::string& column) {
  auto st = prepare(
      "SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
      "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "
      "current_schema() AND c.relname = ?1 AND a.attname = ?2 AND a.attnum > 0 AND NOT "
      "a.attisdropped");
  st.bind(1, table).bind(2, column);
  return st.step();
}

}  // namespace retentiond::daemon
