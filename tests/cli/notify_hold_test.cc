// Notices and holds together, on SQLite, PostgreSQL and MariaDB: a hold (operator `hold add` or
// the policy's `hold_where`) placed after a notice was sent keeps that notice in the state, so the
// end of the hold brings no second notice with a later date and the record is acted on as the
// first notice said. A record held before any notice gets none while the hold lasts, and its
// notice period starts when the hold ends.
#include <algorithm>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/smtp_server.h"
#include "support/sql_store.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

std::vector<std::string> recipients(const SmtpServer& smtp) {
  std::vector<std::string> out;
  for (const auto& m : smtp.messages())
    for (const auto& to : m.to) out.push_back(to);
  std::sort(out.begin(), out.end());
  return out;
}

void hold_scenario(const TempDir& dir, const SqlStore& store) {
  SmtpServer smtp;
  store.db.exec(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100), last_seen DATE, "
      "keep INTEGER NOT NULL DEFAULT 0)");
  // 1 gets an operator hold after its notice, 2 a hold_where hold after its notice, 3 is held by
  // hold_where before any notice, 4 is never held.
  store.db.exec(
      "INSERT INTO users (id, email, last_seen, keep) VALUES (1, 'one@example.org', "
      "'2020-01-01', 0), (2, 'two@example.org', '2020-01-01', 0), (3, 'three@example.org', "
      "'2020-01-01', 1), (4, 'four@example.org', '2020-01-01', 0)");
  dir.write("notice.txt", "Your account goes on {date}.\n");
  const std::string config = store.write(R"(  - name: inactive
    store: )" + store.name + R"(
    table: users
    key: id
    expire_after: 1y
    since: last_seen
    hold_where: keep = 1
    notify: {before: 30d, email: email, template: notice.txt, subject: "Account"}
    max_affected: 100%
smtp: {host: 127.0.0.1, port: )" + std::to_string(smtp.port()) +
                                         ", starttls: false, from: dpo@example.org}\n");
  auto enforce = [&](const std::string& at) {
    auto r = run_retentiond({"enforce", "-c", config, "--at", at, "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return policy_in(json::parse(r.out), "inactive");
  };

  auto first = enforce("2028-03-01T00:00:00Z");
  CHECK(first.at("notices") == 3);
  CHECK(recipients(smtp) ==
        std::vector<std::string>{"four@example.org", "one@example.org", "two@example.org"});

  auto held = run_retentiond(
      {"hold", "add", "-c", config, "--policy", "inactive", "1", "--reason", "litigation"},
      dir.path());
  INFO(held.out << held.err);
  REQUIRE(held.exit_code == 0);
  store.db.exec("UPDATE users SET keep = 1 WHERE id = 2");

  // Under hold: nothing sent, nothing acted on; the notices already sent stay in the state.
  smtp.clear();
  auto during = enforce("2028-04-05T00:00:00Z");
  CHECK(during.at("notices") == 0);
  CHECK(during.at("affected") == 1);  // 4: noticed on 1 March, not held
  CHECK(smtp.messages().empty());
  CHECK(store.db.column("SELECT id FROM users ORDER BY id") ==
        std::vector<std::string>{"1", "2", "3"});

  auto released =
      run_retentiond({"hold", "remove", "-c", config, "--policy", "inactive", "1"}, dir.path());
  INFO(released.out << released.err);
  REQUIRE(released.exit_code == 0);
  store.db.exec("UPDATE users SET keep = 0");

  // After the holds: 1 and 2 were noticed on 1 March and go now, with no second notice; 3 gets
  // its first notice and stays for its notice period.
  auto after = enforce("2028-04-10T00:00:00Z");
  CHECK(after.at("affected") == 2);
  CHECK(after.at("notices") == 1);
  CHECK(recipients(smtp) == std::vector<std::string>{"three@example.org"});
  CHECK(store.db.column("SELECT id FROM users ORDER BY id") == std::vector<std::string>{"3"});
  smtp.clear();
  CHECK(enforce("2028-05-09T00:00:00Z").at("affected") == 0);  // 29 days after its notice
  CHECK(enforce("2028-05-10T00:00:00Z").at("affected") == 1);
  CHECK(smtp.messages().empty());
}

}  // namespace

TEST_CASE("notify under hold on SQLite: a hold keeps the notice sent, its end sends no other",
          "[cli][notify][hold][sqlite]") {
  TempDir dir;
  hold_scenario(dir, sqlite_store(dir));
}

TEST_CASE("notify under hold on PostgreSQL: a hold keeps the notice sent, its end sends no other",
          "[cli][notify][hold][postgresql]") {
  PgDatabase pg;
  TempDir dir;
  hold_scenario(dir, postgresql_store(dir, pg));
}

TEST_CASE("notify under hold on MariaDB: a hold keeps the notice sent, its end sends no other",
          "[cli][notify][hold][mysql]") {
  MysqlDatabase my;
  TempDir dir;
  hold_scenario(dir, mysql_store(dir, my));
}
