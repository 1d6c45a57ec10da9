// The mysql store through the real binary, on the MariaDB server scripts/test starts: every date
// type, UUID keys, qualified tables, related and latest-of bases, cascades, check's diagnostics,
// the guard; what reads the same on every SQL store is written once in support/*_scenarios.h. The
// clock is pinned with --at 2028-03-01T00:00:00Z; with 1y the cut-off is 2027-03-01T00:00:00Z
// (epoch 1803859200).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/check_scenarios.h"
#include "support/enforce_scenarios.h"
#include "support/keyless_scenario.h"
#include "support/mysql_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";

const char* kBoundaryRows = R"sql(
CREATE TABLE hits (id char(36) PRIMARY KEY, ts datetime, d date, tsp timestamp NULL, ep bigint,
                   txt varchar(40), label varchar(20) NOT NULL) ENGINE=InnoDB;
INSERT INTO hits VALUES
 ('00000000-0000-4000-8000-000000000001', '2027-02-28 23:59:59', '2027-02-28', '2027-02-28 23:59:59', 1803859199, '2027-02-28T23:59:59Z', 'minus-1s'),
 ('00000000-0000-4000-8000-000000000002', '2027-03-01 00:00:00', '2027-03-01', '2027-03-01 00:00:00', 1803859200, '2027-03-01T00:00:00Z', 'exact'),
 ('00000000-0000-4000-8000-000000000003', '2027-03-01 00:00:01', '2027-03-02', '2027-03-01 00:00:01', 1803859201, '2027-03-01 00:00:01', 'plus-1s'),
 ('00000000-0000-4000-8000-000000000004', NULL, NULL, NULL, NULL, NULL, 'null'),
 ('00000000-0000-4000-8000-000000000005', '2031-01-01', '2031-01-01', '2031-01-01', 1950000000, '2031-01-01', 'future'),
 ('00000000-0000-4000-8000-000000000006', '2020-01-01', '2020-01-01', '2020-01-01', 1577836800, '2020-01-01', 'old'),
 ('00000000-0000-4000-8000-000000000007', '2030-01-01', '2030-01-01', '2030-01-01', 1900000000, '2027-02-30', 'impossible-text');
)sql";

}  // namespace

TEST_CASE("mysql: every date type compares exactly at the cut-off", "[mysql][cli]") {
  const std::string since =
      GENERATE(as<std::string>{}, "ts", "d", "tsp", "{column: ep, format: epoch}", "txt");
  MysqlDatabase db;
  db.exec("SET time_zone = '+00:00'; " + std::string(kBoundaryRows));
  TempDir dir;
  cut_off_boundary_scenario(dir, mysql_store(dir, db), db.name() + ".hits", since,
                            "impossible-text");
}

TEST_CASE("mysql: ADH6's devices and payments go 1 year after the member left", "[mysql][cli]") {
  MysqlDatabase db;
  db.exec(R"sql(
    CREATE TABLE adherents (id int AUTO_INCREMENT PRIMARY KEY, nom varchar(255), date_de_depart date);
    CREATE TABLE devices (id int AUTO_INCREMENT PRIMARY KEY, mac varchar(255), adherent_id int NOT NULL, KEY (adherent_id));
    CREATE TABLE membership (uuid char(36) PRIMARY KEY, adherent_id int NOT NULL, create_at datetime NOT NULL);
  )sql");
  TempDir dir;
  related_basis_scenario(dir, mysql_store(dir, db),
                         "  - name: identity\n    store: my\n    table: adherents\n"
                         "    expire_after: 5y\n    since: date_de_depart\n");
  CHECK(db.integer("SELECT count(*) FROM adherents") == 4);  // identity is kept 5 years
}

TEST_CASE("mysql: latest-of basis and where", "[mysql][cli]") {
  MysqlDatabase db;
  db.exec(R"sql(
    CREATE TABLE users (id bigint PRIMARY KEY, last_login datetime, created datetime NOT NULL, deleted datetime);
    INSERT INTO users VALUES (1, '2026-12-31 23:59:59', '2020-01-01', NULL), (2, '2027-01-01 00:00:01', '2020-01-01', NULL),
      (3, NULL, '2026-12-01', NULL), (4, NULL, '2027-01-01', NULL), (5, '2020-01-01', '2020-01-01', '2021-01-01');
  )sql");
  TempDir dir;
  std::string config = mysql_store(dir, db).write(
      "  - name: users\n    store: my\n    table: users\n    expire_after: 14mo\n"
      "    since: [last_login, created]\n    where: \"deleted IS NULL\"\n"
      "    max_affected: 100%\n");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(policy_in(json::parse(r.out), "users").at("cutoff") == "2027-01-01T00:00:00Z");
  CHECK(db.column("SELECT id FROM users ORDER BY id") == std::vector<std::string>{"2", "4", "5"});
}

TEST_CASE("mysql: integer keys far apart are reached in a few batches", "[mysql][cli]") {
  // The key walk covers spans of keys; a short span jumps to the next key a batch may touch
  // (it crawled from 1 to 10^11 span by span, for hours), and from then on each span ends at
  // the batch's last expired key: a run of keys 10^9 apart goes in a few batches too (it went
  // in two batches a row).
  MysqlDatabase db;
  db.exec(R"sql(
    CREATE TABLE t (id bigint PRIMARY KEY, d datetime);
    INSERT INTO t VALUES (-9223372036854775808, '2027-06-01'), (-5, '2020-01-01'), (1, '2020-01-01'),
      (100000000000, '2020-01-01'), (150000000000, '2027-06-01'), (200000000000, '2020-01-01'),
      (9223372036854775807, '2020-01-01');
    INSERT INTO t SELECT -seq * 1000000000, '2020-01-01' FROM seq_1_to_3000;
    INSERT INTO t SELECT 1000 + seq, '2020-01-01' FROM seq_1_to_20000;
  )sql");
  TempDir dir;
  std::string config = mysql_store(dir, db).write(
      "  - {name: t, store: my, table: t, key: id, expire_after: 1y, since: d, max_affected: "
      "100%}\n");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path(),
                          {{"RETENTIOND_LOG_LEVEL", "debug"}});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(policy_in(json::parse(r.out), "t").at("affected") == 5 + 3000 + 20000);
  CHECK(db.column("SELECT id FROM t ORDER BY id") ==
        std::vector<std::string>{"-9223372036854775808", "150000000000"});
  // A few dozen batches, not one or two for each of the 3,000 sparse keys.
  size_t batches = 0;
  for (size_t at = 0; (at = r.err.find("': batch ", at)) != std::string::npos; ++at) ++batches;
  CHECK(batches > 0);
  CHECK(batches < 100);
}

TEST_CASE("mysql: ON DELETE CASCADE children go with their parent", "[mysql][cli]") {
  MysqlDatabase db;
  db.exec(R"sql(
    CREATE TABLE members (id int PRIMARY KEY, left_on date) ENGINE=InnoDB;
    CREATE TABLE devices (id int AUTO_INCREMENT PRIMARY KEY, member_id int NOT NULL,
      FOREIGN KEY (member_id) REFERENCES members (id) ON DELETE CASCADE) ENGINE=InnoDB;
  )sql");
  TempDir dir;
  cascade_scenario(dir, mysql_store(dir, db));
}

TEST_CASE("mysql: check names the file, line and column of what the store lacks",
          "[mysql][check]") {
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE users (id int PRIMARY KEY, last_login datetime, flag bit(1));"
      "CREATE TABLE nokey (a int, ts datetime);");
  TempDir dir;
  check_reports_what_the_store_lacks(dir, mysql_store(dir, db));
}

TEST_CASE("mysql: the guard refuses before touching anything, and a wrong password is named",
          "[mysql][guard]") {
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE logs (id bigint AUTO_INCREMENT PRIMARY KEY, ts datetime NOT NULL);"
      "INSERT INTO logs (ts) SELECT '2020-01-01' FROM seq_1_to_50;"
      "INSERT INTO logs (ts) VALUES ('2030-01-01');");
  TempDir dir;
  const std::string config = guard_scenario(dir, mysql_store(dir, db));

  dir.write("my.password", "wrong-password\n");
  auto denied = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(denied.exit_code == 1);
  CHECK(denied.err.find("store 'my'") != std::string::npos);
  CHECK(denied.err.find("wrong-password") == std::string::npos);
}

TEST_CASE("mysql: check names the `also:` tables, their columns and the notice's e-mail column",
          "[mysql][check]") {
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE users (id int PRIMARY KEY, last_login datetime, email varchar(100));"
      "CREATE TABLE follows (id int PRIMARY KEY, user_id int, notes text);");
  TempDir dir;
  check_reports_also_and_notify_names(dir, mysql_store(dir, db));
  check_refuses_null_on_not_null(dir, mysql_store(dir, db));
}

TEST_CASE("mysql: a delete-only policy deletes from a table without a key",
          "[mysql][cli][keyless]") {
  MysqlDatabase db;
  db.exec(
      "CREATE TABLE invitations_equipes (email varchar(100) NOT NULL, coordinateur_id int NOT NULL,"
      " creation datetime(3) NOT NULL, acceptee datetime(3) NULL, UNIQUE (email, coordinateur_id)) "
      "ENGINE=InnoDB");
  TempDir dir;
  keyless_table_scenario(dir, mysql_store(dir, db));
}
