// The sympa store through the real binary, on Sympa's real schema on SQLite (as Debian's sympa
// package creates it), PostgreSQL and MariaDB (../shared/schemas/sympa_*.sql), found through a
// sympa.conf: users left without any subscription (Sympa's own departure records, retentiond's
// first sightings, listmasters, owners, a user who subscribes again), the tables without primary
// key, sessions, tickets and notifications on their boundaries; and, on SQLite, archives,
// bounces and spools on disk. The clock is pinned with --at; T0 = 2028-03-01T00:00:00Z.
#include <sys/stat.h>
#include <sys/time.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

constexpr long long kT0 = 1835481600;  // 2028-03-01T00:00:00Z
constexpr long long kDay = 86400;
constexpr long long kYearCut = kT0 - 366 * kDay;  // 1y before T0: 2027-03-01 (2028 is a leap year)

std::string at(long long days_after_t0) {
  long long t = kT0 + days_after_t0 * kDay;
  time_t tt = static_cast<time_t>(t);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
  return text;
}

std::string n(long long v) { return std::to_string(v); }

struct Backend {
  std::string name;
  std::string conf_db;  // sympa.conf's db_* lines
  std::function<void(const std::string&)> exec;
  std::function<std::vector<std::string>(const std::string&)> column;
};

const char* kPolicies = R"(policies:
  - name: orphans
    store: lists
    sympa: unsubscribed_users
    expire_after: 7d
    max_affected: 100%
  - name: logs
    store: lists
    sympa: logs
    expire_after: 1y
    max_affected: 100%
  - name: sessions
    store: lists
    sympa: sessions
    expire_after: 2d
    max_affected: 100%
  - name: tickets
    store: lists
    sympa: one_time_tickets
    expire_after: 10d
    max_affected: 100%
  - name: notifications
    store: lists
    sympa: notifications
    expire_after: 90d
    max_affected: 100%
  - name: stats
    store: lists
    sympa: stats
    expire_after: 1y
    max_affected: 100%
)";

void seed(const Backend& b) {
  const std::string robot = "'lists.example.org'";
  std::string sql;
  // Users: a subscribes, b owns a list, lm and lm2 are listmasters (sympa.conf, robot.conf);
  // c, d, h left (Sympa recorded when), e and g left unrecorded, f left after a recorded
  // re-subscription (so its recorded departure is not its last one).
  for (const char* u : {"a", "b", "lm", "lm2", "c", "d", "e", "f", "g", "h"})
    sql += std::string("INSERT INTO user_table (email_user, gecos_user) VALUES ('") + u +
           "@example.net', 'Name " + u + "');";
  sql +=
      "INSERT INTO subscriber_table (user_subscriber, list_subscriber, robot_subscriber, "
      "date_epoch_subscriber, "
      "number_messages_subscriber) VALUES ('a@example.net', 'list1', " +
      robot + ", " + n(kT0 - 900 * kDay) + ", 0);";
  sql +=
      "INSERT INTO admin_table (user_admin, list_admin, robot_admin, role_admin, date_epoch_admin) "
      "VALUES "
      "('b@example.net', 'list1', " +
      robot + ", 'owner', " + n(kT0 - 900 * kDay) + ");";
  auto stat = [&](const std::string& who, const std::string& op, long long when) {
    sql +=
        "INSERT INTO stat_table (date_stat, email_stat, operation_stat, list_stat, robot_stat, "
        "read_stat, "
        "daemon_stat) VALUES (" +
        n(when) + ", '" + who + "@example.net', '" + op + "', 'list1', " + robot + ", 0, 'sympa');";
  };
  stat("c", "add_or_subscribe", kT0 - 100 * kDay);
  stat("c", "del", kT0 - 30 * kDay);
  stat("d", "signoff", kT0 - 3 * kDay);
  stat("f", "del", kT0 - 30 * kDay);
  stat("f", "add_or_subscribe", kT0 - 20 * kDay);
  stat("a", "add_or_subscribe", kYearCut - 5);  // older than a year: the stats policy deletes it
  sql +=
      "INSERT INTO exclusion_table (list_exclusion, robot_exclusion, user_exclusion, "
      "family_exclusion, "
      "date_exclusion) VALUES ('list1', " +
      robot + ", 'h@example.net', '', " + n(kT0 - 30 * kDay) + ");";
  // The action log has no primary key: three rows in the same second, boundaries either side.
  for (long long when :
       {kYearCut - 100, kYearCut - 100, kYearCut - 100, kYearCut - 1, kYearCut, kYearCut + 1})
    sql +=
        "INSERT INTO logs_table (date_logs, action_logs, status_logs, daemon_logs, "
        "user_email_logs, "
        "target_email_logs) VALUES (" +
        n(when) +
        ", 'del', 'success', 'wwsympa', 'x@example.net', "
        "'c@example.net');";
  // And 1,200 older rows, three a second, as Sympa writes them: a batch (500 rows at first) ends
  // inside a second, and takes the whole of it.
  sql +=
      "INSERT INTO logs_table (date_logs, action_logs, status_logs, daemon_logs, user_email_logs, "
      "target_email_logs) VALUES ";
  for (int i = 0; i < 1200; ++i)
    sql += std::string(i ? ", " : "") + "(" + n(kYearCut - 10000 - i / 3) +
           ", 'add', 'success', 'sympa', NULL, NULL)";
  sql += ";";
  auto session = [&](const std::string& id, long long last_use) {
    sql +=
        "INSERT INTO session_table (id_session, start_date_session, date_session, email_session, "
        "remote_addr_session) VALUES ('" +
        id + "', " + n(last_use - kDay) + ", " + n(last_use) + ", 'a@example.net', '192.0.2.1');";
  };
  session("s-old", kT0 - 2 * kDay - 1);
  session("s-edge", kT0 - 2 * kDay);
  session("s-now", kT0);
  sql +=
      "INSERT INTO one_time_ticket_table (ticket_one_time_ticket, date_one_time_ticket, "
      "email_one_time_ticket) "
      "VALUES ('t-old', " +
      n(kT0 - 10 * kDay - 1) + ", 'a@example.net'), ('t-new', " + n(kT0 - kDay) +
      ", 'a@example.net');";
  sql +=
      "INSERT INTO notification_table (pk_notification, date_notification, recipient_notification, "
      "list_notification, robot_notification) VALUES (1, " +
      n(kT0 - 90 * kDay - 1) + ", 'a@example.net', 'list1', " + robot + "), (2, " +
      n(kT0 - 90 * kDay) + ", 'a@example.net', 'list1', " + robot + ");";
  b.exec(sql);
}

// Sorted here: the servers' collations need not agree on '2' and '@'.
std::vector<std::string> users(const Backend& b) {
  auto out = b.column("SELECT email_user FROM user_table");
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> names(std::initializer_list<const char*> letters) {
  std::vector<std::string> out;
  for (const char* l : letters) out.push_back(std::string(l) + "@example.net");
  std::sort(out.begin(), out.end());
  return out;
}

json enforce(const std::string& config, const std::string& dir, const std::string& when,
             const std::string& policy = "") {
  std::vector<std::string> args{"enforce", "-c", config, "--at", when, "--format", "json"};
  if (!policy.empty()) args.insert(args.end(), {"--policy", policy});
  auto r = run_retentiond(args, dir);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("@example.net") == std::string::npos);  // no address in any report
  CHECK(r.err.find("@example.net") == std::string::npos);
  return json::parse(r.out);
}

void run_scenario(const Backend& b) {
  INFO("database: " << b.name);
  seed(b);
  TempDir dir;
  dir.write("etc/lists.example.org/robot.conf", "# a virtual host\nlistmaster  LM2@example.net\n");
  std::string conf = dir.write("etc/sympa/sympa.conf",
                               "# Sympa's configuration\ndomain\tlists.example.org\n"
                               "listmaster\tsomeone@example.org, LM@example.net\n" +
                                   b.conf_db + "etc\t" + dir.file("etc") + "\n");
  std::string config =
      dir.write("r.yaml", "state: state.db\nstores:\n  lists: {type: sympa, config: " + conf +
                              "}\n" + kPolicies);
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  REQUIRE(check.exit_code == 0);
  // Sympa's tables are batched by their date: no warning of a key the operator never wrote.
  CHECK(check.err.find("not declared unique") == std::string::npos);

  // plan reads, and remembers nothing: no state file appears.
  auto plan = run_retentiond(
      {"plan", "-c", config, "--at", at(0), "--format", "json", "--policy", "orphans"}, dir.path());
  INFO(plan.err);
  REQUIRE(plan.exit_code == 0);
  auto planned = policy_in(json::parse(plan.out), "orphans");
  CHECK(planned.at("matched") == 2);  // c and h: Sympa recorded their departure 30 days ago
  CHECK(!std::filesystem::exists(dir.file("state.db")));

  // status says the same, and reads only: no schedule, so no lateness: due is overdue.
  auto before = run_retentiond({"status", "-c", config, "--at", at(0), "--format", "json",
                                "--policy", "orphans", "--policy", "sessions"},
                               dir.path());
  INFO(before.out << before.err);
  CHECK(before.exit_code == 3);
  auto statuses = json::parse(before.out).at("policies");
  REQUIRE(statuses.size() == 2);
  CHECK(statuses.at(0).at("overdue") == 2);
  CHECK(statuses.at(0).at("oldest_overdue") == at(-30));
  CHECK(statuses.at(1).at("due") == 1);  // s-old
  CHECK(statuses.at(1).at("overdue") == 1);
  CHECK(before.out.find("@example.net") == std::string::npos);
  CHECK(!std::filesystem::exists(dir.file("state.db")));

  // Pass 1 at T0: c and h go (recorded departures, already orphans when retentiond first
  // looked). d left 3 days ago; e, f, g are seen for the first time.
  auto p1 = enforce(config, dir.path(), at(0), "orphans");
  CHECK(policy_in(p1, "orphans").at("affected") == 2);
  CHECK(users(b) == names({"a", "b", "d", "e", "f", "g", "lm", "lm2"}));
  // (c and h, deleted, leave the sightings at once: d, e, f, g stay.)
  CHECK(sqlite_int(dir.file("state.db"),
                   "SELECT count(*) FROM sightings WHERE policy = 'orphans'") == 4);
  CHECK(sqlite_column(dir.file("state.db"),
                      "SELECT count(*) FROM sightings WHERE key_hash LIKE '%@%'") ==
        std::vector<std::string>{"0"});

  // g subscribes again before pass 2, which forgets it; d's 7 days are over.
  b.exec(
      "INSERT INTO subscriber_table (user_subscriber, list_subscriber, robot_subscriber, "
      "date_epoch_subscriber, "
      "number_messages_subscriber) VALUES ('g@example.net', 'list1', 'lists.example.org', " +
      n(kT0 + kDay) + ", 0)");
  // c comes back the next day (a new web account under the same address): a new orphan,
  // counted from its new sighting, not from the departure Sympa recorded for the one who left.
  b.exec("INSERT INTO user_table (email_user) VALUES ('c@example.net')");
  auto p2 = enforce(config, dir.path(), at(5), "orphans");
  CHECK(policy_in(p2, "orphans").at("affected") == 1);
  CHECK(users(b) == names({"a", "b", "c", "e", "f", "g", "lm", "lm2"}));

  // g leaves again, unrecorded: its 7 days start at the pass that sees it. e and f, first seen
  // at T0, are due at T0 + 8 days.
  b.exec("DELETE FROM subscriber_table WHERE user_subscriber = 'g@example.net'");
  auto p3 = enforce(config, dir.path(), at(8), "orphans");
  CHECK(policy_in(p3, "orphans").at("affected") == 2);
  CHECK(users(b) == names({"a", "b", "c", "g", "lm", "lm2"}));
  auto p4 = enforce(config, dir.path(), at(14), "orphans");
  CHECK(policy_in(p4, "orphans").at("affected") == 1);  // c, seen again at T0 + 5 days
  CHECK(users(b) == names({"a", "b", "g", "lm", "lm2"}));
  auto p5 = enforce(config, dir.path(), at(16), "orphans");
  CHECK(policy_in(p5, "orphans").at("affected") == 1);
  CHECK(users(b) == names({"a", "b", "lm", "lm2"}));
  // Subscriptions and list roles are never touched.
  CHECK(b.column("SELECT user_subscriber FROM subscriber_table") == names({"a"}));
  CHECK(b.column("SELECT user_admin FROM admin_table") == names({"b"}));

  // The tables: logs (no primary key, ties in one second), sessions, tickets, notifications.
  auto tables = enforce(config, dir.path(), at(0));
  CHECK(policy_in(tables, "logs").at("affected") == 1204);
  CHECK(b.column("SELECT date_logs FROM logs_table ORDER BY date_logs") ==
        std::vector<std::string>{n(kYearCut), n(kYearCut + 1)});
  CHECK(policy_in(tables, "sessions").at("affected") == 1);
  CHECK(b.column("SELECT id_session FROM session_table ORDER BY id_session") ==
        std::vector<std::string>{"s-edge", "s-now"});
  CHECK(policy_in(tables, "tickets").at("affected") == 1);
  CHECK(b.column("SELECT ticket_one_time_ticket FROM one_time_ticket_table") ==
        std::vector<std::string>{"t-new"});
  CHECK(policy_in(tables, "notifications").at("affected") == 1);
  CHECK(b.column("SELECT pk_notification FROM notification_table") ==
        std::vector<std::string>{"2"});
  CHECK(policy_in(tables, "stats").at("affected") == 1);
  CHECK(b.column("SELECT count(*) FROM stat_table") == std::vector<std::string>{"5"});
  // A second pass finds nothing.
  auto again = enforce(config, dir.path(), at(0));
  for (const auto& p : again.at("policies")) CHECK(p.at("affected") == 0);
  auto kept = run_retentiond({"status", "-c", config, "--at", at(0), "--format", "json", "--policy",
                              "sessions", "--policy", "logs"},
                             dir.path());
  INFO(kept.out << kept.err);
  CHECK(kept.exit_code == 0);
  const json kept_report = json::parse(kept.out);
  REQUIRE_FALSE(kept_report.at("policies").empty());
  for (const auto& p : kept_report.at("policies")) {
    CHECK(p.at("overdue") == 0);
    CHECK(p.at("last_outcome") == "ok");
  }

  // The audit trail holds counts only.
  auto history = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  CHECK(history.exit_code == 0);
  CHECK(history.out.find("@example") == std::string::npos);
}

void set_mtime(const std::string& path, long long epoch) {
  struct timeval times[2] = {{static_cast<time_t>(epoch), 0}, {static_cast<time_t>(epoch), 0}};
  REQUIRE(::utimes(path.c_str(), times) == 0);
}

}  // namespace

TEST_CASE("sympa store on sqlite: orphans, tables without key, sessions, tickets",
          "[cli][sympa][sqlite]") {
  TempDir data;
  const std::string path = data.file("sympa.db");
  sqlite_exec(path, read_file(source_dir() + "/tests/fixtures/sympa_sqlite.sql"));
  run_scenario({"sqlite", "db_type\tSQLite\ndb_name\t" + path + "\n",
                [&](const std::string& sql) { sqlite_exec(path, sql); },
                [&](const std::string& sql) { return sqlite_column(path, sql); }});
}

TEST_CASE("sympa store: a departure Sympa dated outside the years 1 to 9999 is no date",
          "[cli][sympa][dates]") {
  TempDir data;
  const std::string path = data.file("sympa.db");
  sqlite_exec(path, read_file(source_dir() + "/tests/fixtures/sympa_sqlite.sql"));
  // c left 30 days ago; z's departure is dated near -2^63 (year -292 billion).
  sqlite_exec(path,
              "INSERT INTO user_table (email_user) VALUES ('c@example.net'), ('z@example.net');"
              "INSERT INTO stat_table (date_stat, email_stat, operation_stat, list_stat, "
              "robot_stat, read_stat, "
              "daemon_stat) VALUES (" +
                  n(kT0 - 30 * kDay) +
                  ", 'c@example.net', 'del', 'list1', 'x', 0, 's'), "
                  "(-9000000000000000000, 'z@example.net', 'del', 'list1', 'x', 0, 's')");
  TempDir dir;
  std::string conf = dir.write(
      "sympa.conf", "domain\tlists.example.org\ndb_type\tSQLite\ndb_name\t" + path + "\n");
  std::string config =
      dir.write("r.yaml", "state: state.db\nstores:\n  lists: {type: sympa, config: " + conf +
                              "}\n" + kPolicies);
  auto plan = run_retentiond(
      {"plan", "-c", config, "--at", at(0), "--format", "json", "--policy", "orphans"}, dir.path());
  INFO(plan.err);
  REQUIRE(plan.exit_code == 0);
  auto planned = policy_in(json::parse(plan.out), "orphans");
  CHECK(planned.at("matched") == 1);  // z is dated from its first sighting, as if unrecorded
  CHECK(planned.at("oldest") == at(-30));
}

TEST_CASE("sympa store on postgresql: orphans, tables without key, sessions, tickets",
          "[cli][sympa][postgresql]") {
  PgDatabase db;
  db.exec(read_file(shared_dir() + "/schemas/sympa_pg.sql"));
  const std::string host = server_env("RETENTIOND_TEST_PG_HOST");
  const std::string port = server_env("RETENTIOND_TEST_PG_PORT");
  const std::string user = server_env("RETENTIOND_TEST_PG_USER");
  run_scenario({"postgresql",
                std::string("db_type\tPg\ndb_name\t") + db.name() + "\ndb_host\t" + host +
                    "\ndb_port\t" + port + "\ndb_user\t" + user + "\n",
                [&](const std::string& sql) { db.exec(sql); },
                [&](const std::string& sql) { return db.column(sql); }});
}

TEST_CASE("sympa store on mariadb: orphans, tables without key, sessions, tickets",
          "[cli][sympa][mysql]") {
  MysqlDatabase db;
  db.exec(read_file(shared_dir() + "/schemas/sympa_mysql.sql"));
  const std::string host = server_env("RETENTIOND_TEST_MYSQL_HOST");
  const std::string port = server_env("RETENTIOND_TEST_MYSQL_PORT");
  const std::string user = server_env("RETENTIOND_TEST_MYSQL_USER");
  run_scenario({"mysql",
                std::string("db_type\tmysql\ndb_name\t") + db.name() + "\ndb_host\t" + host +
                    "\ndb_port\t" + port + "\ndb_user\t" + user + "\ndb_passwd\t" +
                    MysqlDatabase::password() + "\n",
                [&](const std::string& sql) { db.exec(sql); },
                [&](const std::string& sql) { return db.column(sql); }});
}

TEST_CASE("sympa store: archives by month, stored bounces and stuck spool messages",
          "[cli][sympa][files]") {
  TempDir dir;
  const std::string db = dir.file("sympa.db");
  sqlite_exec(db, read_file(source_dir() + "/tests/fixtures/sympa_sqlite.sql"));
  const std::string s = dir.path();
  std::string conf = dir.write(
      "sympa.conf", "db_type SQLite\ndb_name " + db + "\narc_path " + s + "/arc\n" +
                        "bounce_path " + s + "/bounce\nspool " + s + "/spool\nqueue " + s +
                        "/spool/msg\nqueuemod " + s + "/spool/moderation\nqueuetask " + s +
                        "/spool/task\nqueuedigest " + s + "/spool/digest\ntmpdir /elsewhere/tmp\n");
  const std::string arc = "arc/list1@lists.example.org/";
  for (const char* f : {"2027-01/arctxt/1", "2027-01/arctxt/2", "2027-01/index", "2027-02/arctxt/1",
                        "2028-02/arctxt/1"})
    dir.write(arc + f, "From: someone\n\nhello\n");
  dir.write("arc/list1@lists.example.org/config.txt", "not under a month\n");
  set_mtime(dir.write("bounce/list1@lists.example.org/old@example.net", "bounce"), kT0 - 40 * kDay);
  set_mtime(dir.write("bounce/list1@lists.example.org/new@example.net", "bounce"), kT0 - 5 * kDay);
  set_mtime(dir.write("spool/msg/bad/stuck", "m"), kT0 - 40 * kDay);
  set_mtime(dir.write("spool/msg/in-flight", "m"), kT0 - 40 * kDay);
  set_mtime(dir.write("spool/moderation/held", "m"), kT0 - 40 * kDay);
  set_mtime(dir.write("spool/moderation/recent", "m"), kT0 - 5 * kDay);
  set_mtime(dir.write("spool/task/old-task", "t"), kT0 - 400 * kDay);
  set_mtime(dir.write("spool/digest/old-digest", "d"), kT0 - 400 * kDay);
  std::filesystem::create_symlink("/etc/hostname", dir.file("spool/moderation/link"));
  std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  lists: {type: sympa, config: " + conf + "}\n" +
                    R"(policies:
  - {name: archives, store: lists, sympa: archives, expire_after: 1y, max_affected: 100%}
  - {name: bounces, store: lists, sympa: bounces, expire_after: 30d, max_affected: 100%}
  - {name: spools, store: lists, sympa: spools, expire_after: 30d, max_affected: 100%}
)");
  auto plan = run_retentiond({"plan", "-c", config, "--at", at(0), "--format", "json"}, dir.path());
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  auto planned = json::parse(plan.out);
  CHECK(plan.out.find("old@example.net") == std::string::npos);
  // tmpdir lies outside the spool directory: left alone, and said so.
  CHECK(policy_in(planned, "spools").at("warnings").dump().find("tmpdir") != std::string::npos);

  auto report = enforce(config, dir.path(), at(0));
  // Archives: a month counts from its end; January 2027 ended before the cut-off (2027-03-01),
  // February 2027 ends exactly on it and stays.
  CHECK(policy_in(report, "archives").at("affected") == 3);
  namespace fs = std::filesystem;
  CHECK(!fs::exists(dir.file(arc + "2027-01/arctxt/1")));
  CHECK(!fs::exists(dir.file(arc + "2027-01/index")));
  CHECK(fs::exists(dir.file(arc + "2027-02/arctxt/1")));
  CHECK(fs::exists(dir.file(arc + "2028-02/arctxt/1")));
  CHECK(fs::exists(dir.file("arc/list1@lists.example.org/config.txt")));
  CHECK(policy_in(report, "bounces").at("affected") == 1);
  CHECK(!fs::exists(dir.file("bounce/list1@lists.example.org/old@example.net")));
  CHECK(fs::exists(dir.file("bounce/list1@lists.example.org/new@example.net")));
  CHECK(policy_in(report, "spools").at("affected") == 2);
  CHECK(!fs::exists(dir.file("spool/msg/bad/stuck")));
  CHECK(!fs::exists(dir.file("spool/moderation/held")));
  for (const char* kept : {"spool/msg/in-flight", "spool/moderation/recent", "spool/task/old-task",
                           "spool/digest/old-digest"})
    CHECK(fs::exists(dir.file(kept)));
  CHECK(fs::is_symlink(dir.file("spool/moderation/link")));

  // A sympa.conf whose tmpdir is the spool root and whose queueauth is the incoming queue: those
  // parts are left alone (they would take every spool, the task and digest ones too), and said.
  dir.write("sympa.conf",
            read_file(conf) + "tmpdir " + s + "/spool\nqueueauth " + s + "/spool/msg\n");
  auto risky =
      run_retentiond({"plan", "-c", config, "--at", at(0), "--format", "json"}, dir.path());
  INFO(risky.out << risky.err);
  const std::string warned = policy_in(json::parse(risky.out), "spools").at("warnings").dump();
  CHECK(warned.find("tmpdir (" + s + "/spool) is the spool directory itself") != std::string::npos);
  CHECK(warned.find("queueauth (" + s + "/spool/msg) is also queue") != std::string::npos);
  enforce(config, dir.path(), at(0));
  for (const char* kept : {"spool/msg/in-flight", "spool/moderation/recent", "spool/task/old-task",
                           "spool/digest/old-digest"})
    CHECK(fs::exists(dir.file(kept)));
}

TEST_CASE("sympa store: a broken sympa.conf or database is a clear error", "[cli][sympa]") {
  TempDir dir;
  std::string config =
      dir.write("r.yaml",
                "state: state.db\nstores:\n  lists: {type: sympa, config: sympa.conf}\n"
                "policies:\n  - {name: o, store: lists, sympa: unsubscribed_users, "
                "expire_after: 7d}\n");
  auto missing = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(missing.exit_code != 0);
  CHECK(missing.err.find("sympa.conf") != std::string::npos);
  CHECK(missing.err.find("lists") != std::string::npos);

  dir.write("sympa.conf", "domain lists.example.org\ndb_type Oracle\ndb_name sympa\n");
  auto oracle = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(oracle.exit_code != 0);
  CHECK(oracle.err.find("sympa.conf:2") != std::string::npos);
  CHECK(oracle.err.find("Oracle") != std::string::npos);

  // A database that is not there: the store and the file are named.
  dir.write("sympa.conf", "db_type SQLite\ndb_name " + dir.file("missing.db") + "\n");
  auto missing_db = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(missing_db.exit_code != 0);
  CHECK(missing_db.err.find("store 'lists'") != std::string::npos);
  CHECK(missing_db.err.find("missing.db") != std::string::npos);
  auto enforce = run_retentiond({"enforce", "-c", config, "--format", "json"}, dir.path());
  CHECK(enforce.exit_code == 1);
  CHECK(enforce.out.find("missing.db") != std::string::npos);

  // The password the sympa store passes on internally is no YAML option.
  std::string yaml_password = dir.write("p.yaml",
                                        "state: state.db\nstores:\n  db: {type: sqlite, path: "
                                        "x.db, password: secret}\npolicies: []\n");
  auto refused = run_retentiond({"check", "--offline", "-c", yaml_password}, dir.path());
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("password") != std::string::npos);

  // A database without Sympa's tables.
  sqlite_exec(dir.file("empty.db"), "CREATE TABLE t (x int)");
  dir.write("sympa.conf", "db_type SQLite\ndb_name " + dir.file("empty.db") + "\n");
  auto empty = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(empty.exit_code != 0);
  CHECK(empty.err.find("user_table") != std::string::npos);
}
