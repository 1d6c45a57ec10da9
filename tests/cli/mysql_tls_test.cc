// The mysql store's `tls:` settings against the MariaDB server scripts/test starts with a
// throw-away CA (RETENTIOND_TEST_TLS_CA): an account that requires TLS is reached with `required`
// and `verify`; a plain session, a CA that did not sign the server's certificate and a
// `verify` without its CA are refused with the store named; a client certificate (tls_cert,
// tls_key) reaches an account created REQUIRE SUBJECT.
#include <catch2/catch.hpp>

#include "support/mysql_server.h"
#include "support/run.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";

// A database with one expired and one fresh row, and an account that may only connect over TLS.
struct TlsAccount {
  MysqlDatabase db;
  std::string account = db.name() + "_tls";
  TempDir dir;
  TlsAccount() {
    db.exec(
        "CREATE TABLE hits (id bigint PRIMARY KEY, ts datetime NOT NULL) ENGINE=InnoDB;"
        "INSERT INTO hits VALUES (1, '2020-01-01'), (2, '2030-01-01');"
        "CREATE USER '" +
        account +
        "'@'%' IDENTIFIED BY 'over-tls' REQUIRE SSL;"
        "GRANT SELECT, DELETE ON `" +
        db.name() + "`.* TO '" + account + "'@'%';");
    dir.write("pw", "over-tls\n");
  }
  ~TlsAccount() {
    try {
      db.exec("DROP USER '" + account + "'@'%';");
    } catch (const std::exception&) {
    }
  }
  // A configuration whose store has `tls_settings` (", tls: verify, tls_ca: ...") added.
  std::string config(const std::string& tls_settings) const {
    std::string store = db.store_yaml(dir.file("pw"));
    const std::string own_user = "user: " + server_env("RETENTIOND_TEST_MYSQL_USER");
    store.replace(store.find(own_user), own_user.size(), "user: " + account);
    store.insert(store.size() - 1, tls_settings);
    return dir.write("r.yaml",
                     "state: state.db\nstores:\n  db: " + store +
                         "\npolicies:\n  - {name: hits, store: db, table: hits, expire_after: 1y, "
                         "since: ts, max_affected: 100%}\n");
  }
  RunResult run(const std::string& command, const std::string& tls_settings) const {
    return run_retentiond({command, "-c", config(tls_settings), "--at", kAt}, dir.path());
  }
};

}  // namespace

TEST_CASE("mysql: tls: verify checks the server's certificate against tls_ca", "[mysql][tls]") {
  TlsAccount t;
  auto r = t.run("enforce", ", tls: verify, tls_ca: " + server_env("RETENTIOND_TEST_TLS_CA"));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(t.db.column("SELECT id FROM hits") == std::vector<std::string>{"2"});

  auto stranger = t.run("plan", ", tls: verify, tls_ca: " + server_env("RETENTIOND_TEST_OTHER_CA"));
  INFO(stranger.out << stranger.err);
  CHECK(stranger.exit_code != 0);
  CHECK(stranger.err.find("store 'db': cannot connect to MySQL/MariaDB") != std::string::npos);
}

TEST_CASE("mysql: tls: required encrypts without checking the certificate", "[mysql][tls]") {
  TlsAccount t;
  auto r = t.run("plan", ", tls: required");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("matched:    1 of 2") != std::string::npos);
}

TEST_CASE("mysql: without tls an account that requires it is refused, and settings are checked",
          "[mysql][tls]") {
  TlsAccount t;
  auto plain = t.run("plan", "");
  INFO(plain.out << plain.err);
  CHECK(plain.exit_code != 0);
  CHECK(plain.err.find("store 'db': cannot connect to MySQL/MariaDB") != std::string::npos);

  auto no_ca = t.run("plan", ", tls: verify");
  CHECK(no_ca.exit_code != 0);
  CHECK(no_ca.err.find("store 'db': 'tls: verify' needs 'tls_ca'") != std::string::npos);

  auto ca_without_tls = t.run("plan", ", tls_ca: " + server_env("RETENTIOND_TEST_TLS_CA"));
  CHECK(ca_without_tls.exit_code != 0);
  CHECK(ca_without_tls.err.find("'tls_ca' is set but 'tls' is off") != std::string::npos);

  // Settings that contradict each other are configuration errors: `check --offline` names them
  // at their line without contacting the server.
  for (const char* contradiction :
       {", tls: verify", ", tls: off, tls_ca: ca.pem", ", tls: required, tls_ca: ca.pem"}) {
    auto offline =
        run_retentiond({"check", "--offline", "-c", t.config(contradiction)}, t.dir.path());
    INFO(offline.err);
    CHECK(offline.exit_code == 1);
    CHECK(offline.err.find("r.yaml:3:") != std::string::npos);
    CHECK(offline.err.find("store 'db': 'tls") != std::string::npos);
  }

  auto typo = run_retentiond({"check", "-c", t.config(", tls: yes")}, t.dir.path());
  CHECK(typo.exit_code != 0);
  CHECK(typo.err.find("r.yaml:3:") != std::string::npos);
  CHECK(typo.err.find("'tls' of store 'db' must be one of off, required, verify, not 'yes'") !=
        std::string::npos);
}

TEST_CASE("mysql: tls_cert and tls_key present a client certificate", "[mysql][tls]") {
  TlsAccount t;
  t.db.exec("ALTER USER '" + t.account + "'@'%' REQUIRE SUBJECT '/CN=retentiond client';");
  const std::string verify = ", tls: verify, tls_ca: " + server_env("RETENTIOND_TEST_TLS_CA");
  auto without = t.run("plan", verify);
  INFO(without.out << without.err);
  CHECK(without.exit_code != 0);
  CHECK(without.err.find("store 'db': cannot connect to MySQL/MariaDB") != std::string::npos);

  auto with =
      t.run("enforce", verify + ", tls_cert: " + server_env("RETENTIOND_TEST_TLS_CLIENT_CERT") +
                           ", tls_key: " + server_env("RETENTIOND_TEST_TLS_CLIENT_KEY"));
  INFO(with.out << with.err);
  CHECK(with.exit_code == 0);
  CHECK(t.db.column("SELECT id FROM hits") == std::vector<std::string>{"2"});

  // A certificate without its key, or over a plain session, is a configuration error.
  for (const char* half : {", tls: verify, tls_ca: ca.pem, tls_cert: client.pem",
                           ", tls_cert: c.pem, tls_key: c.key"}) {
    auto offline = run_retentiond({"check", "--offline", "-c", t.config(half)}, t.dir.path());
    INFO(offline.err);
    CHECK(offline.exit_code == 1);
    CHECK(offline.err.find("r.yaml:3:") != std::string::npos);
    CHECK(offline.err.find("store 'db': 'tls_cert' ") != std::string::npos);
  }
}
