// The state in a PostgreSQL database that several retentiond hosts share (`state: {type:
// postgresql, dsn, password_file}`), through libpq. Statements are the state code's portable SQL
// with ?N rewritten to $N; every value travels as a bound parameter. A session lost between
// transactions (the server restarted) is opened again at the next one. Failures throw StateError
// naming the state's dsn (which never holds the password).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/state/state_db.h"

struct pg_conn;

namespace retentiond::daemon {

// One libpq session with the state's settings: TCP keepalives and tcp_user_timeout on both ends,
// so that a session whose host is lost ends within about a minute, and with it the leases it
// holds (pass_lock.h).
class PgSession {
 public:
  // `conninfo` holds the password: kept in memory only. `label` names the state in messages.
  PgSession(std::string conninfo, std::string label);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  pg_conn* handle() { return conn_; }
  const std::string& label() const { return label_; }
  bool ok() const;
  // Runs `sql` with text parameters (nullopt: NULL); throws StateError on failure. The result
  // is a PGresult*, owned by the caller (see PostgresqlStateDb).
  struct Result;
  // With `reconnect`, a session found lost (the server restarted, the network cut) is opened
  // again and `sql` run once more: only for statements outside a transaction, where running
  // again cannot apply a change twice (BEGIN, reads, upserts).
  std::shared_ptr<Result> run(const std::string& sql,
                              const std::vector<std::optional<std::string>>& params,
                              bool reconnect = false);
  // The first column of the first row of `sql` ("" when no row).
  std::string value(const std::string& sql);

 private:
  void open();

  std::string conninfo_;
  std::string label_;
  pg_conn* conn_ = nullptr;
};

// The conninfo for the state: the configured dsn, the password from `password_file` (or the
// systemd credential `state`), and the keepalive settings unless the dsn sets them.
std::string state_conninfo(const std::string& dsn, const std::optional<std::string>& password);

class PostgresqlStateDb : public StateDb {
 public:
  PostgresqlStateDb(std::string conninfo, std::string label);
  ~PostgresqlStateDb() override;

  StateBackend backend() const override { return StateBackend::Postgresql; }
  void exec(const std::string& sql) override;
  StateStatement prepare(const std::string& sql) override;
  long long changes() const override { return changes_; }
  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  void lock_audit_chain() override;
  bool has_table(const std::string& name) override;
  bool has_column(const std::string& table, const std::string& column) override;
  std::string insertion_order() const override { return "seq"; }

  const std::string& conninfo() const { return conninfo_; }
  const std::string& label() const { return session_.label(); }
  PgSession& session() { return session_; }
  void set_changes(long long n) { changes_ = n; }
  bool in_transaction() const { return in_transaction_; }

 private:
  std::string conninfo_;
  PgSession session_;
  long long changes_ = 0;
  bool in_transaction_ = false;
};

// `?N` placeholders as `$N`, leaving quoted text alone.
std::string dollar_placeholders(const std::string& sql);

}  // namespace retentiond::daemon
