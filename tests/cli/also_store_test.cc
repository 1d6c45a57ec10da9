// `also:` naming another store, through the real binary: Le PIC's lapsed association's contacts
// are deleted from the member database and, in the same pass, unsubscribed from pic-adherents in
// Sympa's database (found through sympa.conf), on SQLite, PostgreSQL and MariaDB (the member
// database on the same server kind as Sympa's). Only the named list on the named robot loses the
// lapsed addresses; other lists, robots and addresses stay. A failure in Sympa's database keeps
// the contacts, reports the error naming the store and exits non-zero; plan changes nothing; a
// second pass touches nothing; no address appears in any report, log or the audit trail.
#include <signal.h>

#include <algorithm>
#include <functional>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lib/sqlite/database.h"
#include "support/child.h"
#include "support/mysql_server.h"
#include "support/pass_progress.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const char* kAt = "2028-03-01T00:00:00Z";  // one year back: 2027-03-01

// One kind of server, holding both Sympa's database and the member database.
struct Backend {
  std::string name;
  std::string sympa_conf_db;  // sympa.conf's db_* lines
  std::string members_store;  // the `stores:` entry of the member database
  std::function<void(const std::string&)> sympa_exec, members_exec;
  std::function<std::vector<std::string>(const std::string&)> sympa_column, members_column;
  std::string refuse_deletes;  // a trigger that makes every DELETE on subscriber_table fail
  std::string allow_deletes;   // drops it
  std::string date_type;       // of membership_paid_until
};

// Association 1 lapsed (paid until mid-2026), association 2 is paid up. Contacts 1, 3 and 4 are
// association 1's (3 written as its owner typed it, 4 without an address), 2 is association 2's.
void seed(const Backend& b) {
  b.members_exec(
      "CREATE TABLE associations (id INTEGER PRIMARY KEY, name VARCHAR(50), "
      "membership_paid_until " +
      b.date_type + ")");
  b.members_exec(
      "CREATE TABLE contacts (id INTEGER PRIMARY KEY, association_id INTEGER, name "
      "VARCHAR(50), email VARCHAR(100))");
  b.members_exec(
      "INSERT INTO associations VALUES (1, 'Lapsed', '2026-06-30'), (2, 'Current', "
      "'2028-12-31')");
  b.members_exec(
      "INSERT INTO contacts VALUES (1, 1, 'Tech', 'tech@lapsed.example'), (2, 2, 'Admin', "
      "'admin@current.example'), (3, 1, 'Admin', ' Admin@Lapsed.EXAMPLE'), (4, 1, 'Nobody', "
      "NULL)");
  b.sympa_exec(
      "INSERT INTO list_table (name_list, robot_list) VALUES ('pic-adherents', "
      "'lists.example.org'), ('pic-infos', 'lists.example.org'), ('pic-adherents', "
      "'other.example')");
  std::string subscriptions;
  for (const auto& [who, list, robot] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"tech@lapsed.example", "pic-adherents", "lists.example.org"},
           {"tech@lapsed.example", "pic-infos", "lists.example.org"},
           {"tech@lapsed.example", "pic-adherents", "other.example"},
           {"admin@lapsed.example", "pic-adherents", "lists.example.org"},
           {"admin@current.example", "pic-adherents", "lists.example.org"},
           {"reader@elsewhere.example", "pic-adherents", "lists.example.org"}})
    subscriptions += std::string(subscriptions.empty() ? "" : ", ") + "('" + who + "', '" + list +
                     "', '" + robot + "', 1700000000, 0)";
  b.sympa_exec(
      "INSERT INTO subscriber_table (user_subscriber, list_subscriber, robot_subscriber, "
      "date_epoch_subscriber, number_messages_subscriber) VALUES " +
      subscriptions);
  b.sympa_exec(
      "INSERT INTO user_table (email_user) VALUES ('tech@lapsed.example'), "
      "('admin@lapsed.example'), ('admin@current.example'), ('reader@elsewhere.example')");
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> subscriptions(const Backend& b) {
  return sorted(b.sympa_column(
      "SELECT " +
      std::string(b.name == "mysql" ? "CONCAT(user_subscriber, ' ', list_subscriber, '@', "
                                      "robot_subscriber)"
                                    : "user_subscriber || ' ' || list_subscriber || '@' || "
                                      "robot_subscriber") +
      " FROM subscriber_table"));
}

std::vector<std::string> contacts(const Backend& b) {
  return b.members_column("SELECT id FROM contacts ORDER BY id");
}

const std::vector<std::string> kAllSubscriptions = {
    "admin@current.example pic-adherents@lists.example.org",
    "admin@lapsed.example pic-adherents@lists.example.org",
    "reader@elsewhere.example pic-adherents@lists.example.org",
    "tech@lapsed.example pic-adherents@lists.example.org",
    "tech@lapsed.example pic-adherents@other.example",
    "tech@lapsed.example pic-infos@lists.example.org"};

// Nothing in `r` names a person.
void no_address(const RunResult& r) {
  for (const char* a : {"lapsed.example", "LAPSED", "current.example", "elsewhere.example"}) {
    CHECK(r.out.find(a) == std::string::npos);
    CHECK(r.err.find(a) == std::string::npos);
  }
}

// sympa.conf's db_* lines for Sympa's database `sympa` on the MariaDB test server.
std::string mysql_sympa_conf(const MysqlDatabase& sympa) {
  return "db_type\tmysql\ndb_name\t" + sympa.name() + "\ndb_host\t" +
         server_env("RETENTIOND_TEST_MYSQL_HOST") + "\ndb_port\t" +
         server_env("RETENTIOND_TEST_MYSQL_PORT") + "\ndb_user\t" +
         server_env("RETENTIOND_TEST_MYSQL_USER") + "\ndb_passwd\t" + MysqlDatabase::password() +
         "\n";
}

void run_scenario(const Backend& b) {
  INFO("databases: " << b.name);
  seed(b);
  TempDir dir;
  std::string conf = dir.write("sympa.conf", "domain\tlists.example.org\n" + b.sympa_conf_db);
  dir.write("my.password", MysqlDatabase::password() + "\n");
  std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  lists: {type: sympa, config: " + conf +
                    "}\n  members: " + b.members_store +
                    "\npolicies:\n"
                    "  - name: contacts-of-former-member-associations\n"
                    "    store: members\n"
                    "    table: contacts\n"
                    "    expire_after: 1y\n"
                    "    since: {related: associations, on: \"associations.id = "
                    "contacts.association_id\", column: membership_paid_until}\n"
                    "    max_affected: 100%\n"
                    "    also:\n"
                    "      - {store: lists, sympa: subscribers, lists: [pic-adherents], robot: "
                    "lists.example.org, email: email}\n");
  const std::string policy = "contacts-of-former-member-associations";
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  REQUIRE(check.exit_code == 0);
  CHECK(check.err.find("warning") == std::string::npos);

  // Online, check reads Sympa's list_table: a misspelt list would unsubscribe no one. The
  // column is the main table's.
  std::string wrong = read_file(config);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"lists: [pic-adherents]", "lists: [pic-adherent]"}, {"email: email}", "email: mail}"}})
    wrong.replace(wrong.find(from), from.size(), to);
  auto misspelt = run_retentiond({"check", "-c", dir.write("misspelt.yaml", wrong)}, dir.path());
  CHECK(misspelt.exit_code == 1);
  CHECK(misspelt.err.find(dir.file("misspelt.yaml") +
                          ":13:51: warning: Sympa (store 'lists') has no list 'pic-adherent' on "
                          "robot 'lists.example.org' (did you mean 'pic-adherents'?); no "
                          "subscription to it is removed\n") != std::string::npos);
  CHECK(misspelt.err.find(dir.file("misspelt.yaml") +
                          ":13:100: error: no column 'mail' in table 'contacts' (did you mean "
                          "'email'?)\n") != std::string::npos);
  // A robot misspelt: the list is there, on another robot.
  std::string robot = read_file(config);
  robot.replace(robot.find("robot: lists.example.org"), 24, "robot: lists.example.com");
  auto on_robot = run_retentiond({"check", "-c", dir.write("robot.yaml", robot)}, dir.path());
  CHECK(on_robot.err.find("has no list 'pic-adherents' on robot 'lists.example.com' (it is a "
                          "list of robot 'lists.example.org', 'other.example')") !=
        std::string::npos);

  // plan says what the other store will do, and changes nothing.
  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt}, dir.path());
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  CHECK(plan.out.find("also:       in store 'lists' (sympa): unsubscribe the e-mail addresses "
                      "(column email) of the 3 rows from list pic-adherents (robot "
                      "lists.example.org)") != std::string::npos);
  CHECK(plan.out.find("DELETE FROM subscriber_table WHERE list_subscriber IN ('pic-adherents') "
                      "AND robot_subscriber = 'lists.example.org' AND user_subscriber IN (?, "
                      "...) -- in store 'lists'") != std::string::npos);
  no_address(plan);
  auto plan_json =
      run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  REQUIRE(plan_json.exit_code == 0);
  auto planned = policy_in(json::parse(plan_json.out), policy);
  CHECK(planned.at("matched") == 3);
  CHECK(planned.at("also_stores") ==
        json::parse(R"([{"store": "lists", "sympa": "subscribers", "lists": ["pic-adherents"],
                         "robot": "lists.example.org", "email": "email"}])"));
  for (const char* format : {"markdown", "html"}) {
    auto other =
        run_retentiond({"plan", "-c", config, "--at", kAt, "--format", format}, dir.path());
    CHECK(other.exit_code == 0);
    CHECK(other.out.find("Also in store 'lists' (sympa): unsubscribe the e-mail addresses "
                         "(column email) of the 3 rows from list pic-adherents") !=
          std::string::npos);
  }
  CHECK(subscriptions(b) == kAllSubscriptions);
  CHECK(contacts(b) == std::vector<std::string>{"1", "2", "3", "4"});

  // Sympa's database refuses the unsubscription: the contacts stay, the pass fails naming the
  // store, and nothing is reported done.
  b.sympa_exec(b.refuse_deletes);
  auto refused =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  no_address(refused);
  auto failed = policy_in(json::parse(refused.out), policy);
  CHECK(failed.at("affected") == 0);
  CHECK(failed.at("also_stores").at(0).at("removed") == 0);
  CHECK(failed.at("warnings").dump().find("store 'lists'") != std::string::npos);
  CHECK(failed.at("warnings")
            .dump()
            .find("the batch was rolled back, its records are kept for "
                  "the next pass") != std::string::npos);
  CHECK(subscriptions(b) == kAllSubscriptions);
  CHECK(contacts(b) == std::vector<std::string>{"1", "2", "3", "4"});
  b.sympa_exec(b.allow_deletes);

  // Sympa's table is missing: the pass fails before it changes anything.
  b.sympa_exec("ALTER TABLE subscriber_table RENAME TO subscriber_table_away");
  auto missing =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(missing.out << missing.err);
  CHECK(missing.exit_code == 1);
  CHECK(policy_in(json::parse(missing.out), policy)
            .at("warnings")
            .dump()
            .find("has no table 'subscriber_table'") != std::string::npos);
  CHECK(contacts(b) == std::vector<std::string>{"1", "2", "3", "4"});
  b.sympa_exec("ALTER TABLE subscriber_table_away RENAME TO subscriber_table");

  // The pass: the lapsed association's contacts go, and their addresses leave pic-adherents on
  // lists.example.org; their other subscriptions, and every other address, stay.
  auto enforce =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(enforce.out << enforce.err);
  REQUIRE(enforce.exit_code == 0);
  no_address(enforce);
  auto done = policy_in(json::parse(enforce.out), policy);
  CHECK(done.at("affected") == 3);
  CHECK(done.at("also_stores").at(0).at("removed") == 2);
  CHECK(enforce.err.find("store 'lists' removed 2 subscriptions (also)") != std::string::npos);
  CHECK(contacts(b) == std::vector<std::string>{"2"});
  CHECK(subscriptions(b) ==
        std::vector<std::string>{"admin@current.example pic-adherents@lists.example.org",
                                 "reader@elsewhere.example pic-adherents@lists.example.org",
                                 "tech@lapsed.example pic-adherents@other.example",
                                 "tech@lapsed.example pic-infos@lists.example.org"});
  // Users stay: the unsubscribed_users target removes them once they have no list left.
  CHECK(b.sympa_column("SELECT count(*) FROM user_table") == std::vector<std::string>{"4"});

  // The text report says what was removed, in counts.
  b.members_exec("INSERT INTO contacts VALUES (5, 1, 'Late', 'late@lapsed.example')");
  auto text = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(text.out << text.err);
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("also:       in store 'lists' (sympa): 0 subscriptions removed from list "
                      "pic-adherents (robot lists.example.org), of the e-mail addresses (column "
                      "email) of the 1 row acted on") != std::string::npos);
  no_address(text);

  // A second pass touches nothing.
  auto again =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  REQUIRE(again.exit_code == 0);
  auto second = policy_in(json::parse(again.out), policy);
  CHECK(second.at("matched") == 0);
  CHECK(second.at("affected") == 0);
  CHECK(second.at("also_stores").at(0).at("removed") == 0);
  CHECK(subscriptions(b).size() == 4);

  // The audit trail keeps what the other store removed, with the pass that removed it, in
  // counts: a DPO can show the unsubscriptions later, not only in the pass's report.
  auto history = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  INFO(history.out << history.err);
  CHECK(history.exit_code == 0);
  no_address(history);
  std::vector<json> with_removals;
  const json trail = json::parse(history.out);
  for (const auto& e : trail.at("entries"))
    if (e.contains("also_stores")) with_removals.push_back(e);
  REQUIRE(with_removals.size() == 1);
  CHECK(with_removals[0].at("affected") == 3);
  CHECK(with_removals[0].at("also_stores") ==
        json::parse(R"([{"store": "lists", "sympa": "subscribers", "lists": ["pic-adherents"],
                         "robot": "lists.example.org", "removed": 2}])"));
  auto history_text = run_retentiond({"history", "-c", config, "--verify"}, dir.path());
  INFO(history_text.out << history_text.err);
  CHECK(history_text.exit_code == 0);
  CHECK(history_text.out.find("also: store 'lists' (sympa subscribers): 2 subscriptions removed "
                              "from list pic-adherents (robot lists.example.org)") !=
        std::string::npos);
  CHECK(history_text.out.find("intact") != std::string::npos);
  for (const char* format : {"markdown", "html"}) {
    auto page = run_retentiond({"history", "-c", config, "--format", format}, dir.path());
    CHECK(page.exit_code == 0);
    CHECK(page.out.find("2 subscriptions removed from list pic-adherents") != std::string::npos);
    no_address(page);
  }

  // One person, contact of the lapsed association and of the current one: the lapsed one's row
  // goes, and the address stays subscribed, since a kept row still holds it; also when the two
  // rows write it differently (case, blanks), as Sympa, which compares it canonical, would
  // otherwise unsubscribe the current contact.
  b.members_exec(
      "INSERT INTO contacts VALUES (6, 1, 'Shared', 'shared@both.example'), (7, 2, 'Shared', "
      "'shared@both.example'), (8, 1, 'Zed', ' Zed@Both.EXAMPLE '), (9, 2, 'Zed', "
      "'zed@both.example')");
  b.sympa_exec(
      "INSERT INTO subscriber_table (user_subscriber, list_subscriber, robot_subscriber, "
      "date_epoch_subscriber, number_messages_subscriber) VALUES ('shared@both.example', "
      "'pic-adherents', 'lists.example.org', 1700000000, 0), ('zed@both.example', "
      "'pic-adherents', 'lists.example.org', 1700000000, 0)");
  auto shared =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(shared.out << shared.err);
  REQUIRE(shared.exit_code == 0);
  auto kept = policy_in(json::parse(shared.out), policy);
  CHECK(kept.at("affected") == 2);
  CHECK(kept.at("also_stores").at(0).at("removed") == 0);
  CHECK(contacts(b) == std::vector<std::string>{"2", "7", "9"});
  CHECK(subscriptions(b).size() == 6);
  CHECK(b.sympa_column("SELECT count(*) FROM subscriber_table WHERE user_subscriber IN "
                       "('shared@both.example', 'zed@both.example')") ==
        std::vector<std::string>{"2"});

  // The current contact's row lapses too: now no row holds the address, and it goes.
  b.members_exec("UPDATE contacts SET association_id = 1 WHERE id = 9");
  auto last =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  REQUIRE(last.exit_code == 0);
  CHECK(policy_in(json::parse(last.out), policy).at("also_stores").at(0).at("removed") == 1);
  CHECK(b.sympa_column("SELECT count(*) FROM subscriber_table WHERE user_subscriber = "
                       "'zed@both.example'") == std::vector<std::string>{"0"});
}

}  // namespace

TEST_CASE("also in a sympa store on sqlite: lapsed contacts unsubscribed in the same pass",
          "[cli][sympa][also_store][sqlite]") {
  TempDir data;
  const std::string sympa = data.file("sympa.db"), members = data.file("members.db");
  sqlite_exec(sympa, read_file(source_dir() + "/tests/fixtures/sympa_sqlite.sql"));
  run_scenario({"sqlite", "db_type\tSQLite\ndb_name\t" + sympa + "\n",
                "{type: sqlite, path: " + members + "}",
                [&](const std::string& sql) { sqlite_exec(sympa, sql); },
                [&](const std::string& sql) { sqlite_exec(members, sql); },
                [&](const std::string& sql) { return sqlite_column(sympa, sql); },
                [&](const std::string& sql) { return sqlite_column(members, sql); },
                "CREATE TRIGGER refuse BEFORE DELETE ON subscriber_table BEGIN SELECT "
                "RAISE(ABORT, 'deletes refused by a test trigger'); END",
                "DROP TRIGGER refuse", "TEXT"});
}

TEST_CASE("also in a sympa store on postgresql: lapsed contacts unsubscribed in the same pass",
          "[cli][sympa][also_store][postgresql]") {
  PgDatabase sympa, members;
  sympa.exec(read_file(shared_dir() + "/schemas/sympa_pg.sql"));
  run_scenario({"postgresql",
                "db_type\tPg\ndb_name\t" + sympa.name() + "\ndb_host\t" +
                    server_env("RETENTIOND_TEST_PG_HOST") + "\ndb_port\t" +
                    server_env("RETENTIOND_TEST_PG_PORT") + "\ndb_user\t" +
                    server_env("RETENTIOND_TEST_PG_USER") + "\n",
                "{type: postgresql, dsn: \"" + members.dsn() + "\"}",
                [&](const std::string& sql) { sympa.exec(sql); },
                [&](const std::string& sql) { members.exec(sql); },
                [&](const std::string& sql) { return sympa.column(sql); },
                [&](const std::string& sql) { return members.column(sql); },
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
                "EXCEPTION 'deletes refused by a test trigger'; END $$; CREATE TRIGGER refuse "
                "BEFORE DELETE ON subscriber_table FOR EACH ROW EXECUTE FUNCTION refuse()",
                "DROP TRIGGER refuse ON subscriber_table", "DATE"});
}

TEST_CASE("also in a sympa store on mariadb: lapsed contacts unsubscribed in the same pass",
          "[cli][sympa][also_store][mysql]") {
  MysqlDatabase sympa, members;
  sympa.exec(read_file(shared_dir() + "/schemas/sympa_mysql.sql"));
  run_scenario({"mysql", mysql_sympa_conf(sympa), members.store_yaml("my.password"),
                [&](const std::string& sql) { sympa.exec(sql); },
                [&](const std::string& sql) { members.exec(sql); },
                [&](const std::string& sql) { return sympa.column(sql); },
                [&](const std::string& sql) { return members.column(sql); },
                "CREATE TRIGGER refuse BEFORE DELETE ON subscriber_table FOR EACH ROW SIGNAL "
                "SQLSTATE '45000' SET MESSAGE_TEXT = 'deletes refused by a test trigger'",
                "DROP TRIGGER refuse", "DATE"});
}

TEST_CASE("also in a sympa store on mariadb: a binary address column and Sympa's collation",
          "[cli][sympa][also_store][mysql]") {
  // The member table keeps its addresses in a VARBINARY column, where LOWER() changes nothing,
  // and Sympa's subscriber_table compares them in a _general_ci collation, where 'rene@' is
  // 'rené@'. A current contact's address, written otherwise by a lapsed one, stays subscribed;
  // a lapsed 'rene@' does not take 'rené@', who is someone else, with it.
  MysqlDatabase sympa, members;
  sympa.exec(read_file(shared_dir() + "/schemas/sympa_mysql.sql"));
  members.exec(
      "CREATE TABLE associations (id INTEGER PRIMARY KEY, paid DATE);"
      "INSERT INTO associations VALUES (1, '2026-06-30'), (2, '2028-12-31');"
      "CREATE TABLE contacts (id INTEGER PRIMARY KEY, association_id INTEGER, email "
      "VARBINARY(100));"
      "INSERT INTO contacts VALUES (1, 1, ' Zed@Ex.org '), (2, 2, 'zed@ex.org'), "
      "(3, 1, 'rene@ex.org'), (4, 1, 'gone@ex.org');");
  sympa.exec(
      "INSERT INTO list_table (name_list, robot_list) VALUES ('l1', 'lists.example.org');"
      "INSERT INTO subscriber_table (user_subscriber, list_subscriber, robot_subscriber, "
      "date_epoch_subscriber, number_messages_subscriber) VALUES "
      "('zed@ex.org', 'l1', 'lists.example.org', 1700000000, 0), "
      "('rené@ex.org', 'l1', 'lists.example.org', 1700000000, 0), "
      "('gone@ex.org', 'l1', 'lists.example.org', 1700000000, 0);");
  TempDir dir;
  dir.write("my.password", MysqlDatabase::password() + "\n");
  const std::string conf =
      dir.write("sympa.conf", "domain\tlists.example.org\n" + mysql_sympa_conf(sympa));
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  lists: {type: sympa, config: " + conf +
                    "}\n  members: " + members.store_yaml("my.password") +
                    "\npolicies:\n  - name: lapsed\n    store: members\n    table: contacts\n"
                    "    expire_after: 1y\n    since: {related: associations, on: "
                    "\"associations.id = contacts.association_id\", column: paid}\n"
                    "    max_affected: 100%\n    also:\n      - {store: lists, sympa: "
                    "subscribers, lists: [l1], robot: lists.example.org, email: email}\n");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json done = policy_in(json::parse(r.out), "lapsed");
  CHECK(done.at("affected") == 3);
  CHECK(done.at("also_stores").at(0).at("removed") == 1);  // gone@ only
  CHECK(sorted(sympa.column("SELECT CONVERT(user_subscriber USING utf8mb4) FROM "
                            "subscriber_table")) ==
        std::vector<std::string>{"rené@ex.org", "zed@ex.org"});
}

namespace {

// `contacts` contacts of a lapsed association, each subscribed to pic-adherents in a SQLite
// Sympa, and a policy that deletes them in small batches (10 ms) and unsubscribes them.
struct LapsedContacts {
  TempDir dir;
  std::string sympa = dir.file("sympa.db"), members = dir.file("members.db");
  std::string state = dir.file("state.db");
  std::string config;
  explicit LapsedContacts(long long contacts) {
    sqlite_exec(sympa, read_file(source_dir() + "/tests/fixtures/sympa_sqlite.sql"));
    const std::string numbers =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
        std::to_string(contacts) + ") ";
    sqlite_exec(sympa,
                "INSERT INTO list_table (name_list, robot_list) VALUES ('pic-adherents', "
                "'lists.example.org'); " +
                    numbers +
                    "INSERT INTO subscriber_table (user_subscriber, list_subscriber, "
                    "robot_subscriber, date_epoch_subscriber, number_messages_subscriber) SELECT "
                    "'c' || i || '@lapsed.example', 'pic-adherents', 'lists.example.org', "
                    "1700000000, 0 FROM n");
    sqlite_exec(members,
                "CREATE TABLE associations (id INTEGER PRIMARY KEY, membership_paid_until TEXT); "
                "INSERT INTO associations VALUES (1, '2026-06-30'); CREATE TABLE contacts (id "
                "INTEGER PRIMARY KEY, association_id INTEGER, email TEXT); " +
                    numbers +
                    "INSERT INTO contacts SELECT i, 1, 'c' || i || '@lapsed.example' FROM n");
    config = dir.write(
        "r.yaml",
        "state: state.db\nstores:\n  lists: {type: sympa, config: " +
            dir.write("sympa.conf",
                      "domain\tlists.example.org\ndb_type\tSQLite\ndb_name\t" + sympa + "\n") +
            "}\n  members: {type: sqlite, path: members.db}\npolicies:\n"
            "  - name: lapsed-contacts\n    store: members\n    table: contacts\n"
            "    expire_after: 1y\n"
            "    since: {related: associations, on: \"associations.id = "
            "contacts.association_id\", column: membership_paid_until}\n"
            "    max_affected: 100%\n    batch_budget: 10ms\n"
            "    also:\n      - {store: lists, sympa: subscribers, lists: "
            "[pic-adherents], email: email}\n");
  }
};

}  // namespace

TEST_CASE("also in a sympa store: a pass killed mid-way has its unsubscriptions audited",
          "[cli][sympa][also_store][sqlite][audit]") {
  // 30,000 contacts of a lapsed association, each subscribed to pic-adherents, deleted in small
  // batches; the pass is killed (-9) between two batches. Every subscription removed, by the
  // dead pass or by the next one, is in the audit trail, exactly once.
  constexpr long long kContacts = 30'000;
  LapsedContacts t(kContacts);
  TempDir& dir = t.dir;
  const std::string &sympa = t.sympa, &members = t.members, &state = t.state, &config = t.config;
  // What the pass's record in the state says the other store removed so far.
  auto recorded_removals = [&] {
    long long n = 0;
    for (const auto& text : sqlite_column(state, "SELECT also_stores FROM pass_in_progress"))
      if (!text.empty())
        for (const auto& r : json::parse(text)) n += r.at("removed").get<long long>();
    return n;
  };
  {
    Child pass({"enforce", "-c", config, "--at", kAt}, dir.path(), dir.file("pass.log"));
    REQUIRE(wait_until([&] { return batch_committed(state); }));
    // Stopped where the record has caught up with Sympa (outside the microseconds between
    // Sympa's commit and the record's write, which the docs name), not writing to the state.
    bool stopped = false;
    for (int attempt = 0; attempt < 1000 && !stopped; ++attempt) {
      pass.signal(SIGSTOP);
      try {
        sqlite_exec(state, "BEGIN IMMEDIATE; ROLLBACK;");
        const long long removed =
            kContacts - sqlite_int(sympa, "SELECT count(*) FROM subscriber_table");
        stopped = removed > 0 && removed == recorded_removals();
      } catch (const std::exception&) {  // a database busy: inside a write
      }
      if (!stopped) {
        pass.signal(SIGCONT);
        std::this_thread::sleep_for(std::chrono::microseconds(300));
      }
    }
    REQUIRE(stopped);
    pass.signal(SIGKILL);
    pass.wait_exit();
  }
  const long long left_after_kill = sqlite_int(sympa, "SELECT count(*) FROM subscriber_table");
  INFO("subscriptions left after the kill: " << left_after_kill);
  CHECK(left_after_kill > 0);
  CHECK(left_after_kill < kContacts);

  auto next = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(next.out << next.err);
  REQUIRE(next.exit_code == 0);
  CHECK(sqlite_int(sympa, "SELECT count(*) FROM subscriber_table") == 0);
  CHECK(sqlite_int(members, "SELECT count(*) FROM contacts") == 0);

  auto history =
      run_retentiond({"history", "-c", config, "--verify", "--format", "json"}, dir.path());
  INFO(history.out << history.err);
  REQUIRE(history.exit_code == 0);
  long long audited_rows = 0, audited_removals = 0, dead_removals = -1;
  const json trail = json::parse(history.out);
  for (const auto& e : trail.at("entries")) {
    audited_rows += e.at("affected").get<long long>();
    long long removed = 0;
    if (e.contains("also_stores"))
      for (const auto& r : e.at("also_stores")) removed += r.at("removed").get<long long>();
    audited_removals += removed;
    if (e.at("outcome") == "interrupted") dead_removals = removed;
  }
  CHECK(audited_rows == kContacts);
  CHECK(audited_removals == kContacts);
  // The dead pass's entry has the removals it made, as its record kept them.
  CHECK(dead_removals == kContacts - left_after_kill);
  CHECK(history.out.find("lapsed.example") == std::string::npos);
}

TEST_CASE("also in a sympa store: a pass killed while the state is busy leaves no silent gap",
          "[cli][sympa][also_store][sqlite][audit]") {
  // Another process holds the state file's lock mid-pass, so the pass blocks on one of its
  // writes (a batch's intent or record, or another store's pending or done removals), and is
  // killed there. Whatever write it was, the trail never counts fewer removals than Sympa lost
  // without saying how many more may be: removed <= lost <= removed + unconfirmed.
  constexpr long long kContacts = 20'000;
  LapsedContacts t(kContacts);
  TempDir& dir = t.dir;
  const std::string &sympa = t.sympa, &state = t.state, &config = t.config;
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    Child pass({"enforce", "-c", config, "--at", kAt}, dir.path(),
               dir.file("pass" + std::to_string(round) + ".log"));
    REQUIRE(wait_until([&] { return batch_committed(state); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(7 * round));
    {
      retentiond::lib::sqlite::Database busy(state, SQLITE_OPEN_READWRITE);
      busy.busy_timeout(10'000);
      busy.exec("BEGIN IMMEDIATE");
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the pass blocks on it
      pass.signal(SIGKILL);
      pass.wait_exit();
      busy.exec("ROLLBACK");
    }
  }
  auto next = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(next.out << next.err);
  REQUIRE(next.exit_code == 0);
  REQUIRE(sqlite_int(sympa, "SELECT count(*) FROM subscriber_table") == 0);
  auto history =
      run_retentiond({"history", "-c", config, "--verify", "--format", "json"}, dir.path());
  INFO(history.out << history.err);
  REQUIRE(history.exit_code == 0);
  long long rows = 0, removed = 0, unconfirmed = 0;
  const json trail = json::parse(history.out);
  for (const auto& e : trail.at("entries")) {
    rows += e.at("affected").get<long long>();
    if (e.contains("also_stores"))
      for (const auto& r : e.at("also_stores")) {
        removed += r.at("removed").get<long long>();
        unconfirmed += r.value("unconfirmed", 0LL);
      }
  }
  CHECK(rows == kContacts);
  CHECK(removed <= kContacts);
  CHECK(kContacts <= removed + unconfirmed);

  // A process that died between Sympa's COMMIT and the record of it (as a kill there leaves the
  // record: 40 removed, 123 announced): its entry says 40 removed and up to 123 more unconfirmed.
  sqlite_exec(state,
              "INSERT INTO pass_in_progress (policy, store, action, cutoff, matched, held, "
              "affected, started, updated, pid, owner, also_stores, also_pending) VALUES "
              "('lapsed-contacts', 'members', 'delete', '2027-03-01T00:00:00Z', 500, 0, 40, "
              "'2028-03-01T00:00:00Z', '2028-03-01T00:00:01Z', 999999, 'gone-host:999999:x', "
              "'[{\"store\":\"lists\",\"sympa\":\"subscribers\",\"lists\":[\"pic-adherents\"],"
              "\"removed\":40}]', "
              "'[{\"store\":\"lists\",\"sympa\":\"subscribers\",\"lists\":[\"pic-adherents\"],"
              "\"removed\":123}]')");
  auto recovering = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(recovering.err);
  REQUIRE(recovering.exit_code == 0);
  const json after =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  const json& dead = after.at("entries").at(after.at("entries").size() - 2);
  CHECK(dead.at("host") == "gone-host");
  CHECK(dead.at("also_stores") ==
        json::parse(R"([{"store": "lists", "sympa": "subscribers", "lists": ["pic-adherents"],
                         "removed": 40, "unconfirmed": 123}])"));
  CHECK(run_retentiond_ok({"history", "-c", config}, dir.path())
            .out.find("40 subscriptions removed from list pic-adherents, and up to 123 more not "
                      "confirmed") != std::string::npos);
}

TEST_CASE("also in a sympa store on postgresql: a COMMIT that fails is audited as unconfirmed",
          "[cli][sympa][also_store][postgresql][audit]") {
  // Sympa's COMMIT fails after the DELETE ran (a deferred constraint): whether it committed is
  // what a lost reply leaves unknown too. The batch is rolled back, the pass fails naming the
  // store, and the report and the trail say "up to N more not confirmed", never a silent gap.
  PgDatabase sympa, members;
  sympa.exec(read_file(shared_dir() + "/schemas/sympa_pg.sql"));
  sympa.exec(
      "INSERT INTO list_table (name_list, robot_list) VALUES ('pic-adherents', "
      "'lists.example.org');"
      "INSERT INTO subscriber_table (user_subscriber, list_subscriber, robot_subscriber, "
      "date_epoch_subscriber, number_messages_subscriber) VALUES ('a@lapsed.example', "
      "'pic-adherents', 'lists.example.org', 1700000000, 0), ('b@lapsed.example', "
      "'pic-adherents', 'lists.example.org', 1700000000, 0);"
      "CREATE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
      "EXCEPTION 'refused at commit by a test trigger'; END $$;"
      "CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER DELETE ON subscriber_table DEFERRABLE "
      "INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit();");
  members.exec(
      "CREATE TABLE associations (id integer PRIMARY KEY, membership_paid_until date);"
      "INSERT INTO associations VALUES (1, '2026-06-30');"
      "CREATE TABLE contacts (id integer PRIMARY KEY, association_id integer, email text);"
      "INSERT INTO contacts VALUES (1, 1, 'a@lapsed.example'), (2, 1, 'b@lapsed.example');");
  TempDir dir;
  const std::string conf =
      dir.write("sympa.conf", "domain\tlists.example.org\ndb_type\tPg\ndb_name\t" + sympa.name() +
                                  "\ndb_host\t" + server_env("RETENTIOND_TEST_PG_HOST") +
                                  "\ndb_port\t" + server_env("RETENTIOND_TEST_PG_PORT") +
                                  "\ndb_user\t" + server_env("RETENTIOND_TEST_PG_USER") + "\n");
  const std::string config =
      dir.write("r.yaml", "state: state.db\nstores:\n  lists: {type: sympa, config: " + conf +
                              "}\n  members: {type: postgresql, dsn: \"" + members.dsn() +
                              "\"}\npolicies:\n"
                              "  - name: lapsed-contacts\n    store: members\n    table: contacts\n"
                              "    expire_after: 1y\n"
                              "    since: {related: associations, on: \"associations.id = "
                              "contacts.association_id\", column: membership_paid_until}\n"
                              "    max_affected: 100%\n"
                              "    also:\n      - {store: lists, sympa: subscribers, lists: "
                              "[pic-adherents], email: email}\n");
  auto r = run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  const json failed = policy_in(json::parse(r.out), "lapsed-contacts");
  CHECK(failed.at("affected") == 0);
  CHECK(failed.at("also_stores").at(0).at("removed") == 0);
  CHECK(failed.at("also_stores").at(0).at("unconfirmed") == 2);
  CHECK(members.integer("SELECT count(*) FROM contacts") == 2);
  CHECK(sympa.integer("SELECT count(*) FROM subscriber_table") == 2);  // it did not commit
  const json trail =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  CHECK(trail.at("entries").at(0).at("outcome") == "failed");
  CHECK(trail.at("entries").at(0).at("also_stores").at(0).at("unconfirmed") == 2);
  CHECK(r.err.find("lapsed.example") == std::string::npos);
}
