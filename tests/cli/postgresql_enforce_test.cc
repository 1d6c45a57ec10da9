// The postgresql store through the real binary, on the PostgreSQL 15 server scripts/test starts:
// every date type, UUID keys, schema-qualified tables, related and latest-of bases, cascades,
// check's diagnostics, the guard, and the real Decidim schema; what reads the same on every SQL
// store is written once in support/*_scenarios.h. The clock is pinned with --at
// 2028-03-01T00:00:00Z; with 1y the cut-off is 2027-03-01T00:00:00Z (epoch 1803859200).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/check_scenarios.h"
#include "support/config_text.h"
#include "support/decidim_schema.h"
#include "support/enforce_scenarios.h"
#include "support/keyless_scenario.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";

const char* kBoundaryRows = R"sql(
CREATE SCHEMA coop;
CREATE TABLE coop.hits (id uuid PRIMARY KEY, ts timestamp(3), d date, tz timestamptz, ep bigint,
                        txt text, label text NOT NULL);
INSERT INTO coop.hits VALUES
 ('00000000-0000-4000-8000-000000000001', '2027-02-28 23:59:59', '2027-02-28', '2027-03-01 00:59:59+01', 1803859199, '2027-02-28T23:59:59Z', 'minus-1s'),
 ('00000000-0000-4000-8000-000000000002', '2027-03-01 00:00:00', '2027-03-01', '2027-03-01 00:00:00+00', 1803859200, '2027-03-01T00:00:00Z', 'exact'),
 ('00000000-0000-4000-8000-000000000003', '2027-03-01 00:00:01', '2027-03-02', '2027-03-01 01:00:01+01', 1803859201, '2027-03-01T01:00:01+01:00', 'plus-1s'),
 ('00000000-0000-4000-8000-000000000004', NULL, NULL, NULL, NULL, NULL, 'null'),
 ('00000000-0000-4000-8000-000000000005', '2031-01-01', '2031-01-01', '2031-01-01', 1950000000, '2031-01-01', 'future'),
 ('00000000-0000-4000-8000-000000000006', '2020-01-01', '2020-01-01', '2020-01-01', 1577836800, '2020-01-01', 'old'),
 ('00000000-0000-4000-8000-000000000007', '2030-01-01', '2030-01-01', '2030-01-01', 1900000000, 'epoch', 'unreadable-text');
)sql";

}  // namespace

TEST_CASE("postgresql: every date type compares exactly at the cut-off", "[postgresql][cli]") {
  const std::string since = GENERATE(as<std::string>{}, "ts", "{column: d, format: date}", "tz",
                                     "{column: ep, format: epoch}", "txt");
  PgDatabase db;
  db.exec(kBoundaryRows);
  TempDir dir;
  cut_off_boundary_scenario(dir, postgresql_store(dir, db), "coop.hits", since, "unreadable-text");
}

TEST_CASE("postgresql: related-table bases for the devices and payments of departed members",
          "[postgresql][cli]") {
  PgDatabase db;
  db.exec(R"sql(
    CREATE TABLE adherents (id serial PRIMARY KEY, nom varchar(255), date_de_depart date);
    CREATE TABLE devices (id serial PRIMARY KEY, mac varchar(255), adherent_id int NOT NULL);
    CREATE TABLE membership (uuid char(36) PRIMARY KEY, adherent_id int NOT NULL, create_at timestamp);
  )sql");
  TempDir dir;
  related_basis_scenario(dir, postgresql_store(dir, db));
}

TEST_CASE("postgresql: latest-of basis on the real Decidim schema", "[postgresql][cli][decidim]") {
  PgDatabase db;
  load_decidim_schema(db);
  db.exec(R"sql(
    INSERT INTO decidim_users (id, email, name, nickname, type, decidim_organization_id, created_at, updated_at,
                               current_sign_in_at, last_sign_in_at, deleted_at) VALUES
      (1, 'a@example.org', 'absent', 'a', 'Decidim::User', 1, '2020-01-01', now(), '2026-12-31 23:59:59', '2026-06-01', NULL),
      (2, 'b@example.org', 'recent', 'b', 'Decidim::User', 1, '2020-01-01', now(), '2027-01-01 00:00:01', '2026-06-01', NULL),
      (3, 'c@example.org', 'never-signed-in-old', 'c', 'Decidim::User', 1, '2026-12-01', now(), NULL, NULL, NULL),
      (4, 'd@example.org', 'never-signed-in-new', 'd', 'Decidim::User', 1, '2027-01-01 00:00:00', now(), NULL, NULL, NULL),
      (5, '', '', 'e', 'Decidim::User', 1, '2020-01-01', now(), '2020-01-01', NULL, '2021-01-01');
  )sql");
  TempDir dir;
  // 14mo before 2028-03-01 is 2027-01-01.
  std::string config = postgresql_store(dir, db).write(
      "  - name: inactive-participants\n    store: pg\n    table: decidim_users\n"
      "    expire_after: 14mo\n    since: [current_sign_in_at, last_sign_in_at, created_at]\n"
      "    where: \"deleted_at IS NULL\"\n    max_affected: 100%\n");
  run_retentiond_ok({"check", "-c", config}, dir.path());
  auto p = policy_in(json_report("plan", config, kAt, dir.path()), "inactive-participants");
  CHECK(p.at("cutoff") == "2027-01-01T00:00:00Z");
  CHECK(p.at("matched") == 2);
  CHECK(p.at("oldest") == "2026-12-01T00:00:00Z");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(db.column("SELECT name FROM decidim_users ORDER BY id") ==
        std::vector<std::string>{"recent", "never-signed-in-new", ""});
}

TEST_CASE("postgresql: ON DELETE CASCADE children go with their parent", "[postgresql][cli]") {
  PgDatabase db;
  db.exec(R"sql(
    CREATE TABLE members (id bigint PRIMARY KEY, left_on timestamptz);
    CREATE TABLE devices (id serial PRIMARY KEY, member_id bigint NOT NULL REFERENCES members (id) ON DELETE CASCADE);
  )sql");
  TempDir dir;
  cascade_scenario(dir, postgresql_store(dir, db));
}

TEST_CASE("postgresql: check names the file, line and column of what the store lacks",
          "[postgresql][check]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE users (id serial PRIMARY KEY, last_login timestamp, flag boolean);"
      "CREATE TABLE nokey (a int, ts timestamp);");
  TempDir dir;
  check_reports_what_the_store_lacks(dir, postgresql_store(dir, db));
}

TEST_CASE("postgresql: the guard refuses before touching anything", "[postgresql][guard]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE logs (id bigserial PRIMARY KEY, ts timestamp NOT NULL);"
      "INSERT INTO logs (ts) SELECT '2020-01-01'::timestamp + i * interval '1 minute' FROM "
      "generate_series(1, 50) i;"
      "INSERT INTO logs (ts) VALUES ('2030-01-01');");
  TempDir dir;
  guard_scenario(dir, postgresql_store(dir, db));
}

TEST_CASE("postgresql: an unreachable server fails the policy and names the store",
          "[postgresql]") {
  TempDir dir;
  std::string config = dir.write(
      "r.yaml",
      one_store_config("pg",
                       "{type: postgresql, dsn: \"host=127.0.0.1 port=1 dbname=x user=x "
                       "connect_timeout=2\"}",
                       "  - {name: a, store: pg, table: t, expire_after: 1y, since: ts}\n"));
  auto r = run_retentiond({"enforce", "-c", config}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("store 'pg'") != std::string::npos);
  auto h = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  CHECK(h.out.find("store-unreachable") != std::string::npos);
}

TEST_CASE("postgresql: the password comes from a file and never shows", "[postgresql]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (id int PRIMARY KEY, ts timestamp); INSERT INTO t VALUES (1, '2020-01-01');");
  TempDir dir;
  dir.write("pg.password", "s3cret-value\n");
  std::string config =
      dir.write("r.yaml", "state: state.db\nstores:\n  pg: {type: postgresql, dsn: \"" + db.dsn() +
                              "\", password_file: pg.password}\npolicies:\n"
                              "  - {name: a, store: pg, table: t, expire_after: 1y, since: ts}\n");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK((r.out + r.err).find("s3cret") == std::string::npos);
  CHECK(db.integer("SELECT count(*) FROM t") == 0);
}

TEST_CASE(
    "postgresql: check names the `also:` tables, their columns and the notice's e-mail column",
    "[postgresql][check]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE users (id serial PRIMARY KEY, last_login timestamp, email text);"
      "CREATE TABLE follows (id serial PRIMARY KEY, user_id int, notes text);");
  TempDir dir;
  check_reports_also_and_notify_names(dir, postgresql_store(dir, db));
  check_refuses_null_on_not_null(dir, postgresql_store(dir, db));
}

TEST_CASE("postgresql: a delete-only policy walks a table without a key",
          "[postgresql][cli][keyless]") {
  PgDatabase db;
  db.exec(
      "CREATE TABLE invitations_equipes (email text NOT NULL, coordinateur_id int NOT NULL,"
      " creation timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, acceptee timestamp(3),"
      " UNIQUE (email, coordinateur_id))");
  TempDir dir;
  keyless_table_scenario(dir, postgresql_store(dir, db));
}
