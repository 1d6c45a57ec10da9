// Seed 000 (Le PIC) end to end: policies/examples/000-le-pic.yaml as shipped (guards raised for a
// few rows), on Sympa's real SQLite schema and a member register. Zoé Tracemark, the contact of an
// association that stopped paying in mid-2026, is written wherever Sympa and the register keep a
// subscriber: user (with her name), subscription to pic-adherents, action log, statistics, web
// session, one-time ticket, delivery receipt, and her contact row. Past the promises (one year
// after the lapse, a few days after leaving every list, Sympa's own durations for its tables)
// neither her name nor her address is in any column of any table, nor in retentiond's state file;
// the contact of an association that renewed keeps every row; her last bounce and a message of
// hers held for a moderator go after 30 days.
#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/example_file.h"
#include "support/report.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"
#include "support/trace_search.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const char* kMembers = R"sql(
CREATE TABLE associations (id INTEGER PRIMARY KEY, name TEXT, membership_paid_until TEXT);
CREATE TABLE contacts (id INTEGER PRIMARY KEY, association_id INTEGER REFERENCES associations(id),
  role TEXT, first_name TEXT, last_name TEXT, postal_address TEXT, email TEXT);
INSERT INTO associations VALUES (1, 'Les Amis du Four', '2026-06-30'),
  (2, 'Jardins Partagés', '2028-12-31');
INSERT INTO contacts VALUES
  (1, 1, 'admin', 'Zoé', 'Tracemark', '3 rue du Four, Pau', 'zoe.tracemark@assoc1.example'),
  (2, 2, 'tech', 'Basile', 'Keepwell', '9 allée des Jardins, Pau', 'basile.keepwell@assoc2.example');
)sql";

// Sympa's rows for one person, each dated as given (epoch seconds).
std::string sympa_rows(const std::string& email, const std::string& name, long long logged,
                       long long session, long long ticket, long long receipt) {
  const std::string e = "'" + email + "'", robot = "'le-pic.org'";
  auto n = [](long long v) { return std::to_string(v); };
  return "INSERT INTO user_table (email_user, gecos_user) VALUES (" + e + ", '" + name + "');" +
         "INSERT INTO subscriber_table (user_subscriber, list_subscriber, robot_subscriber, "
         "date_epoch_subscriber, number_messages_subscriber) VALUES (" +
         e + ", 'pic-adherents', " + robot + ", 1700000000, 0);" +
         "INSERT INTO logs_table (date_logs, action_logs, status_logs, daemon_logs, "
         "user_email_logs, target_email_logs, client_logs) VALUES (" +
         n(logged) + ", 'set', 'success', 'wwsympa', " + e + ", " + e + ", '192.0.2.7');" +
         "INSERT INTO stat_table (date_stat, email_stat, operation_stat, list_stat, robot_stat, "
         "read_stat, daemon_stat, user_ip_stat) VALUES (" +
         n(logged) + ", " + e + ", 'login', 'pic-adherents', " + robot +
         ", 0, 'wwsympa', '192.0.2.7');" +
         "INSERT INTO session_table (id_session, start_date_session, date_session, email_session, "
         "remote_addr_session) VALUES ('s-" +
         email.substr(0, 3) + "', " + n(session - 3600) + ", " + n(session) + ", " + e +
         ", '192.0.2.7');" +
         "INSERT INTO one_time_ticket_table (ticket_one_time_ticket, date_one_time_ticket, "
         "email_one_time_ticket) VALUES ('t-" +
         email.substr(0, 3) + "', " + n(ticket) + ", " + e + ");" +
         "INSERT INTO notification_table (pk_notification, date_notification, "
         "recipient_notification, list_notification, robot_notification) VALUES (" +
         n(receipt % 100000) + ", " + n(receipt) + ", " + e + ", 'pic-adherents', " + robot + ");";
}

void enforce_all(const std::string& config, const std::string& dir, const std::string& at) {
  auto r = run_retentiond({"enforce", "-c", config, "--at", at, "--format", "json"}, dir);
  INFO(at << "\n" << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("racemark") == std::string::npos);  // no name or address in the report
  CHECK(r.err.find("racemark") == std::string::npos);
}

}  // namespace

TEST_CASE("seed 000: Le PIC's lapsed contact leaves no trace in Sympa or the member register",
          "[cli][sympa][examples][seeds][sqlite]") {
  TempDir dir;
  const std::string sympa = dir.file("sympa.db"), members = dir.file("adherents.db");
  sqlite_exec(sympa, read_file(source_dir() + "/tests/fixtures/sympa_sqlite.sql"));
  sqlite_exec(members, kMembers);
  sqlite_exec(sympa,
              "INSERT INTO list_table (name_list, robot_list, status_list, family_list) VALUES "
              "('pic-adherents', 'le-pic.org', 'open', '');");
  // Zoé: action log and statistics of 15 December 2027, a session of 27 February 2028, a ticket
  // of 20 February 2028, a delivery receipt of 20 December 2027. Basile: all on 19 March 2028.
  sqlite_exec(sympa, sympa_rows("zoe.tracemark@assoc1.example", "Zoé Tracemark", 1828828800,
                                1835222400, 1834617600, 1829260800) +
                         sympa_rows("basile.keepwell@assoc2.example", "Basile Keepwell", 1837036800,
                                    1837036800, 1837036801, 1837036802));
  // Sympa's bounces and spools in the test's directory (never the machine's own), with Zoé's
  // last bounce and a message of hers held for a moderator, both of 20 February 2028 (past 30
  // days on 22 March), and Basile's of 19 March.
  const std::string s = dir.path();
  const std::string conf = dir.write(
      "sympa.conf", "domain le-pic.org\ndb_type SQLite\ndb_name " + sympa + "\nbounce_path " + s +
                        "/bounce\nspool " + s + "/spool\nqueuemod " + s + "/spool/moderation\n");
  auto file_of = [&](const std::string& rel, long long epoch) {
    const std::string path = dir.write(rel, "From: someone\n");
    struct timespec times[2] = {{epoch, 0}, {epoch, 0}};
    REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  };
  file_of("bounce/pic-adherents@le-pic.org/zoe.tracemark@assoc1.example", 1834617600);
  file_of("spool/moderation/pic-adherents@le-pic.org_zoe.tracemark", 1834617600);
  file_of("bounce/pic-adherents@le-pic.org/basile.keepwell@assoc2.example", 1837036800);
  dir.write("empty/.keep", "");
  const std::string config = dir.write(
      "pic.yaml", without_guards(example_with_stores(
                      "000-le-pic.yaml",
                      "  lists: {type: sympa, config: " + conf +
                          "}\n  member-sites-logs: {type: files, root: " + dir.file("empty") +
                          "}\n  all-sites-traces: {type: files, root: " + dir.file("empty") +
                          "}\n  backups: {type: files, root: " + dir.file("empty") +
                          "}\n  members: {type: sqlite, path: " + members + "}\n")));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  REQUIRE(check.exit_code == 0);

  // 1 March 2028, more than a year after the lapse: the contact goes and leaves pic-adherents;
  // her Sympa user is first seen without a list. 9 March: a few days later, it goes. 20 March:
  // her log, statistics and receipt are past Sympa's 3 months and 90 days.
  enforce_all(config, dir.path(), "2028-03-01T00:00:00Z");
  CHECK(sqlite_int(members, "SELECT count(*) FROM contacts WHERE id = 1") == 0);
  enforce_all(config, dir.path(), "2028-03-09T00:00:00Z");
  enforce_all(config, dir.path(), "2028-03-20T00:00:00Z");
  // 22 March: her bounce and held message are 30 days old (only those two policies run: Basile's
  // session of the 19th would be past its two days).
  auto spooled = run_retentiond({"enforce", "-c", config, "--at", "2028-03-22T00:00:00Z",
                                 "--policy", "sympa-bounces", "--policy", "sympa-spooled-messages"},
                                dir.path());
  INFO(spooled.out << spooled.err);
  CHECK(spooled.exit_code == 0);
  CHECK(spooled.out.find("racemark") == std::string::npos);
  namespace fs = std::filesystem;
  CHECK_FALSE(fs::exists(dir.file("bounce/pic-adherents@le-pic.org/zoe.tracemark@assoc1.example")));
  CHECK_FALSE(fs::exists(dir.file("spool/moderation/pic-adherents@le-pic.org_zoe.tracemark")));
  CHECK(fs::exists(dir.file("bounce/pic-adherents@le-pic.org/basile.keepwell@assoc2.example")));

  for (const std::string trace : {"tracemark", "Zoé"}) {
    INFO(trace);
    CHECK(sqlite_tables_holding(sympa, trace) == std::vector<std::string>{});
    CHECK(sqlite_tables_holding(members, trace) == std::vector<std::string>{});
    CHECK(sqlite_tables_holding(dir.file("state.db"), trace) == std::vector<std::string>{});
  }
  // The association itself is no personal data and stays; Basile keeps every row.
  CHECK(sqlite_int(members, "SELECT count(*) FROM associations") == 2);
  CHECK(sqlite_tables_holding(members, "keepwell") == std::vector<std::string>{"contacts"});
  CHECK(sqlite_tables_holding(sympa, "keepwell") ==
        std::vector<std::string>{"logs_table", "notification_table", "one_time_ticket_table",
                                 "session_table", "stat_table", "subscriber_table", "user_table"});
  CHECK(sqlite_int(members,
                   "SELECT count(*) FROM contacts c JOIN associations a ON a.id = "
                   "c.association_id") == 1);
}
