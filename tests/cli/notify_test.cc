// Notices before action (`notify:`) through the real binary and a real SMTP conversation with a
// test server on loopback: exactly one notice per record and cycle, nothing acted on before its
// notice period is over, a failed send keeps its record (and fails the pass visibly), a returning
// user is kept and noticed again in a later cycle, and the state file never holds an address or
// a key. On SQLite for the exact cycle, and on the real Decidim schema with the Grand Nancy
// example.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "policies/timestamp.h"
#include "support/child.h"
#include "support/decidim_schema.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/smtp_server.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

std::vector<std::string> recipients(const std::vector<ReceivedMail>& mails) {
  std::vector<std::string> out;
  for (const auto& m : mails)
    for (const auto& to : m.to) out.push_back(to);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("notify: one notice per cycle, action only after the notice period",
          "[cli][notify][sqlite]") {
  SmtpServer smtp;
  smtp.reject("bounce@example.org");
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, last_seen TEXT);"
              "INSERT INTO users VALUES (1, 'old@example.org', '2020-01-01'), (2, "
              "'soon@example.org', '2027-03-15'),"
              "(3, 'later@example.org', '2027-06-01'), (4, NULL, '2020-01-01'), (5, "
              "'bounce@example.org', '2020-01-01'),"
              "(6, 'returning@example.org', '2020-01-01');");
  dir.write("notice.txt",
            "Bonjour,\n\n{description}.\nVotre compte sera supprimé le {date}, sauf si vous vous "
            "connectez d'ici là.\n.\nFin.\n");
  std::string config =
      dir.write("r.yaml", "state: state.db\nlanguages: fr\nsmtp: {host: 127.0.0.1, port: " +
                              std::to_string(smtp.port()) +
                              ", starttls: false, from: dpo@example.org}\n"
                              "stores:\n  db: {type: sqlite, path: app.db}\npolicies:\n" +
                              R"(  - name: inactive
    description: Un compte inactif depuis un an est supprimé
    store: db
    table: users
    expire_after: 1y
    since: last_seen
    notify:
      before: 30d
      email: email
      template: notice.txt
      subject: "Votre compte sera supprimé le {date}"
      from: "Équipe Participation <participation@example.org>"
    max_affected: 100%
)");
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  REQUIRE(check.exit_code == 0);

  // 2028-03-01: 1, 5 and 6 are expired, 2 expires on 2028-03-15 (within 30 days), 3 is not due,
  // 4 has no address.
  auto plan = run_retentiond(
      {"plan", "-c", config, "--at", "2028-03-01T00:00:00Z", "--format", "json"}, dir.path());
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  auto p = policy_in(json::parse(plan.out), "inactive");
  CHECK(p.at("notices") == 4);
  CHECK(p.at("waiting") == 4);
  CHECK(p.at("matched") == 0);
  CHECK(smtp.messages().empty());

  auto first = run_retentiond(
      {"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z", "--format", "json"}, dir.path());
  INFO(first.out << first.err);
  CHECK(first.exit_code == 1);  // one notice failed: visible, not silent
  auto f = policy_in(json::parse(first.out), "inactive");
  CHECK(f.at("notices") == 3);
  CHECK(f.at("notices_failed") == 1);
  CHECK(f.at("affected") == 0);
  CHECK(f.at("warnings")
            .dump()
            .find("1 record is due for a notice but has no usable address "
                  "(empty, or not one plain e-mail address); it is never "
                  "acted on") != std::string::npos);
  CHECK(recipients(smtp.messages()) ==
        std::vector<std::string>{"old@example.org", "returning@example.org", "soon@example.org"});
  CHECK(sqlite_int(db, "SELECT count(*) FROM users") == 6);
  const auto mail = smtp.messages().front();
  CHECK(mail.from == "participation@example.org");
  CHECK(mail.data.find("Subject: =?UTF-8?B?") != std::string::npos);
  // The configuration is in French: so is the date.
  CHECK(mail.data.find("Un compte inactif depuis un an est supprimé.\r\nVotre compte sera supprimé "
                       "le 31 mars 2028") != std::string::npos);
  CHECK(mail.data.find("\r\n.\r\nFin.") != std::string::npos);  // a lone dot survives the transfer
  CHECK(first.err.find("old@example.org") == std::string::npos);  // logs hold no address

  // The state file keeps keyed hashes only.
  for (const auto& row : sqlite_column(
           dir.file("state.db"), "SELECT policy || '|' || key_hash || '|' || basis FROM notices")) {
    CHECK(row.find('@') == std::string::npos);
    CHECK(std::regex_match(row, std::regex("inactive\\|[0-9a-f]{64}\\|-?[0-9]+")));
  }
  CHECK(sqlite_int(dir.file("state.db"), "SELECT count(*) FROM notices") == 3);

  // The next day: no duplicate notice, the failed one is retried, nothing acted on.
  smtp.clear();
  auto second = run_retentiond(
      {"enforce", "-c", config, "--at", "2028-03-02T00:00:00Z", "--format", "json"}, dir.path());
  INFO(second.out << second.err);
  CHECK(policy_in(json::parse(second.out), "inactive").at("notices") == 0);
  CHECK(policy_in(json::parse(second.out), "inactive").at("notices_failed") == 1);
  CHECK(smtp.messages().empty());
  CHECK(sqlite_int(db, "SELECT count(*) FROM users") == 6);

  // User 6 signs in on 2028-03-05.
  sqlite_exec(db, "UPDATE users SET last_seen = '2028-03-05 09:00:00' WHERE id = 6");

  // 2028-03-30: 29 days after the notices: still nothing.
  auto early = run_retentiond(
      {"enforce", "-c", config, "--at", "2028-03-30T23:59:59Z", "--format", "json"}, dir.path());
  CHECK(policy_in(json::parse(early.out), "inactive").at("affected") == 0);
  CHECK(sqlite_int(db, "SELECT count(*) FROM users") == 6);

  // 2028-03-31: the notice period is over for 1 and 2. 6 returned; 5 never got its notice.
  auto act = run_retentiond(
      {"enforce", "-c", config, "--at", "2028-03-31T00:00:00Z", "--format", "json"}, dir.path());
  INFO(act.out << act.err);
  CHECK(policy_in(json::parse(act.out), "inactive").at("affected") == 2);
  CHECK(sqlite_column(db, "SELECT id FROM users ORDER BY id") ==
        std::vector<std::string>{"3", "4", "5", "6"});
  CHECK(smtp.messages().empty());

  // 2029-02-10: 6 is due again (its new expiry is 2029-03-05) and gets a new notice; 3 expired
  // without a notice and gets one now. Neither is acted on.
  auto later = run_retentiond(
      {"enforce", "-c", config, "--at", "2029-02-10T00:00:00Z", "--format", "json"}, dir.path());
  INFO(later.out << later.err);
  CHECK(policy_in(json::parse(later.out), "inactive").at("affected") == 0);
  CHECK(recipients(smtp.messages()) ==
        std::vector<std::string>{"later@example.org", "returning@example.org"});
  CHECK(sqlite_column(db, "SELECT id FROM users ORDER BY id") ==
        std::vector<std::string>{"3", "4", "5", "6"});

  // The audit trail counts the notices of each pass (never an address), under its hash.
  auto history =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  const auto& entries = history.at("entries");
  REQUIRE(entries.size() == 5);
  CHECK(entries[0].at("notices") == json{{"sent", 3}, {"failed", 1}, {"no_address", 1}});
  CHECK(entries[1].at("notices") == json{{"sent", 0}, {"failed", 1}, {"no_address", 1}});
  CHECK(entries[4].at("notices").at("sent") == 2);
  auto text = run_retentiond_ok({"history", "-c", config, "--verify"}, dir.path()).out;
  INFO(text);
  CHECK(text.find("notices: 3 notices sent, 1 could not be sent (its record kept), 1 record due "
                  "without a usable address (kept)") != std::string::npos);
  CHECK(text.find('@') == std::string::npos);
  auto markdown =
      run_retentiond_ok({"history", "-c", config, "--format", "markdown"}, dir.path()).out;
  CHECK(markdown.find("- pass 1 (inactive): 3 notices sent") != std::string::npos);
  auto page = run_retentiond_ok({"history", "-c", config, "--format", "html", "--language", "fr"},
                                dir.path())
                  .out;
  CHECK(page.find("3 avis envoyés, 1 n'a pu être envoyé") != std::string::npos);
}

TEST_CASE("notify: an unreachable SMTP server fails the pass and changes nothing",
          "[cli][notify][sqlite]") {
  int port;
  {
    SmtpServer gone;
    port = gone.port();
  }
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, last_seen TEXT);"
              "INSERT INTO users VALUES (1, 'old@example.org', '2020-01-01');");
  dir.write("notice.txt", "{date}\n");
  std::string config = dir.write(
      "r.yaml", "state: state.db\nsmtp: {host: 127.0.0.1, port: " + std::to_string(port) +
                    ", starttls: false, from: dpo@example.org}\n"
                    "stores:\n  db: {type: sqlite, path: app.db}\npolicies:\n"
                    "  - {name: p, store: db, table: users, expire_after: 1y, since: last_seen,\n"
                    "     notify: {before: 30d, email: email, template: notice.txt, subject: s},\n"
                    "     max_affected: 100%}\n");
  for (const char* at : {"2028-03-01T00:00:00Z", "2028-06-01T00:00:00Z"}) {
    auto r = run_retentiond({"enforce", "-c", config, "--at", at, "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("could not be sent") != std::string::npos);
    CHECK(sqlite_int(db, "SELECT count(*) FROM users") == 1);
  }
  auto history = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  CHECK(history.out.find("notice-failed") != std::string::npos);
}

TEST_CASE("notify on the real Decidim schema: the Grand Nancy example",
          "[cli][notify][postgresql][decidim]") {
  SmtpServer smtp;
  PgDatabase db;
  load_decidim_schema(db);
  db.exec(R"sql(
    INSERT INTO decidim_users (id, email, name, nickname, type, decidim_organization_id, created_at, updated_at,
                               current_sign_in_at, deleted_at, admin) VALUES
      (1, 'absent@example.org', 'Absent', 'absent', 'Decidim::User', 1, '2020-01-01', now(), '2026-12-31', NULL, false),
      (2, 'back@example.org', 'Back', 'back', 'Decidim::User', 1, '2020-01-01', now(), '2026-12-31', NULL, false),
      (3, 'active@example.org', 'Active', 'active', 'Decidim::User', 1, '2020-01-01', now(), '2028-02-01', NULL, false);
    INSERT INTO decidim_follows (decidim_user_id, decidim_followable_type, decidim_followable_id, created_at, updated_at) VALUES
      (1, 'Decidim::Proposals::Proposal', 10, now(), now());
  )sql");
  TempDir dir;
  std::string text = read_file(source_dir() + "/policies/examples/003-grand-nancy.yaml");
  text = std::regex_replace(text, std::regex("state: [^\\n]*"), "state: state.db");
  text = std::regex_replace(text, std::regex("stores:\\n  decidim:\\n(    [^\\n]*\\n)+"),
                            "stores:\n  decidim: {type: postgresql, dsn: \"" + db.dsn() + "\"}\n");
  text = std::regex_replace(
      text, std::regex("smtp:\\n(  [^\\n]*\\n)+"),
      "smtp: {host: 127.0.0.1, port: " + std::to_string(smtp.port()) + ", starttls: false}\n");
  text = std::regex_replace(text, std::regex("max_affected: 2%"), "max_affected: 100%");
  std::string config = dir.write("gn.yaml", text);
  // The example's template sits next to the example.
  dir.write("notice-inactive-participant.txt",
            read_file(source_dir() + "/policies/examples/notice-inactive-participant.txt"));
  auto check =
      run_retentiond({"check", "-c", config, "--policy", "inactive-participants"}, dir.path());
  INFO(text << check.out << check.err);
  REQUIRE(check.exit_code == 0);

  const std::vector<std::string> only{"--policy", "inactive-participants", "--format", "json"};
  auto at = [&](const std::string& when) {
    std::vector<std::string> a{"enforce", "-c", config, "--at", when};
    a.insert(a.end(), only.begin(), only.end());
    auto r = run_retentiond(a, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return policy_in(json::parse(r.out), "inactive-participants");
  };
  // 14 months after 2026-12-31 is 2028-02-29; on 2028-02-15 users 1 and 2 are within 30 days.
  auto first = at("2028-02-15T00:00:00Z");
  CHECK(first.at("notices") == 2);
  CHECK(first.at("affected") == 0);
  CHECK(recipients(smtp.messages()) ==
        std::vector<std::string>{"absent@example.org", "back@example.org"});
  // Issue 18 (4): the French notice quotes the French description (the seed's own sentence), not
  // the policy's English one, and gives the date in French: the notice period ends on 16 March.
  const std::string body = smtp.messages().front().data;
  CHECK(body.find("« Au bout de 14 mois d’absence sur le site, le compte est supprimé") !=
        std::string::npos);
  CHECK(body.find("An account absent") == std::string::npos);
  CHECK(body.find("supprimé le 16 mars 2028 si vous") != std::string::npos);
  db.exec("UPDATE decidim_users SET current_sign_in_at = '2028-02-20' WHERE id = 2");
  auto before_end = at("2028-03-15T00:00:00Z");  // expired, but the notice is only 29 days old
  CHECK(before_end.at("affected") == 0);
  auto after = at("2028-03-16T00:00:00Z");
  CHECK(after.at("affected") == 1);
  CHECK(db.column("SELECT concat(id, ':', email, ':', name) FROM decidim_users ORDER BY id") ==
        std::vector<std::string>{"1::", "2:back@example.org:Back", "3:active@example.org:Active"});
  CHECK(db.integer("SELECT count(*) FROM decidim_follows") == 0);
  CHECK(smtp.messages().size() == 2);  // no second notice to anyone
}

TEST_CASE("notify: a pass killed while sending its notices is recorded as interrupted",
          "[cli][notify][sqlite][audit]") {
  // It deleted nothing, but it ran and died: history --verify says so until the next pass
  // records it, as for any pass. At most the notice in flight goes twice; none is lost.
  constexpr int kUsers = 3000;
  SmtpServer smtp;
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE users (id integer PRIMARY KEY, email text, last_seen text);"
              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                  std::to_string(kUsers) +
                  ") INSERT INTO users SELECT i, 'u' || i || '@example.org', '2020-01-01' FROM n;");
  dir.write("notice.txt", "Your account goes on {date}.\n");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nsmtp: {host: 127.0.0.1, port: " + std::to_string(smtp.port()) +
                    ", starttls: false, from: dpo@example.org}\n"
                    "stores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                    "  - name: users\n    store: app\n    table: users\n    expire_after: 1y\n"
                    "    since: last_seen\n    max_affected: 100%\n"
                    "    notify: {before: 30d, email: email, template: notice.txt,"
                    " subject: Your account}\n");
  const std::string at = "2028-03-01T00:00:00Z";
  {
    Child pass({"enforce", "-c", config, "--at", at}, dir.path(), dir.file("pass.log"));
    REQUIRE(wait_until([&] { return smtp.messages().size() >= 10; }));
    pass.signal(SIGKILL);
    pass.wait_exit();
  }
  const size_t sent_before = smtp.messages().size();
  INFO("notices sent before the kill: " << sent_before);
  REQUIRE(sent_before < static_cast<size_t>(kUsers));
  auto verify = run_retentiond({"history", "-c", config, "--verify"}, dir.path());
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 1);
  CHECK(verify.out.find("AUDIT TRAIL INCOMPLETE: 1 pass did not finish") != std::string::npos);

  auto next = run_retentiond({"enforce", "-c", config, "--at", at}, dir.path());
  INFO(next.err);
  CHECK(next.exit_code == 0);
  const json trail =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  REQUIRE(trail.at("entries").size() == 2);
  CHECK(trail.at("entries").at(0).at("outcome") == "interrupted");
  CHECK(trail.at("entries").at(0).at("affected") == 0);
  CHECK(run_retentiond({"history", "-c", config, "--verify"}, dir.path()).exit_code == 0);
  // Every user noticed; only the one in flight at the kill, if any, twice. Nothing deleted
  // (the notice period runs).
  std::set<std::string> noticed;
  for (const auto& m : smtp.messages()) noticed.insert(m.to.at(0));
  CHECK(noticed.size() == static_cast<size_t>(kUsers));
  CHECK(smtp.messages().size() <= static_cast<size_t>(kUsers) + 1);
  CHECK(sqlite_int(dir.file("app.db"), "SELECT count(*) FROM users") == kUsers);
}

TEST_CASE("notify: an address that is not one plain address is never used, a refusal says its code",
          "[cli][notify][sqlite]") {
  SmtpServer smtp;
  smtp.reject("bounce@example.org");
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, last_seen TEXT);"
              "INSERT INTO users VALUES (1, 'ok@example.org', '2020-01-01'),"
              " (2, 'inj@example.org' || char(13) || char(10) || 'Bcc: v@example.net', "
              "'2020-01-01'), (3, 'not-an-email', '2020-01-01'), (4, 'bounce@example.org', "
              "'2020-01-01'), (5, 'a@b@example.org', '2020-01-01');");
  dir.write("notice.txt", "Your account goes on {date}.\n");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nsmtp: {host: 127.0.0.1, port: " + std::to_string(smtp.port()) +
                    ", starttls: false, from: dpo@example.org}\nstores:\n  db: {type: "
                    "sqlite, path: app.db}\npolicies:\n  - {name: inactive, store: db, "
                    "table: users, expire_after: 1y, since: last_seen, max_affected: "
                    "100%, notify: {before: 30d, email: email, template: notice.txt}}\n");
  auto r = run_retentiond(
      {"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z", "--format", "json"}, dir.path());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);  // the refused one
  const auto p = policy_in(json::parse(r.out), "inactive");
  CHECK(p.at("notices") == 1);
  CHECK(p.at("notices_failed") == 1);
  CHECK(p.at("warnings").dump().find("3 records are due for a notice but have no usable address") !=
        std::string::npos);
  CHECK(r.err.find("refused the message (reply 550)") != std::string::npos);
  CHECK(recipients(smtp.messages()) == std::vector<std::string>{"ok@example.org"});
  // No subject configured: a default one, never an empty one.
  REQUIRE(smtp.messages().size() == 1);
  CHECK(smtp.messages().front().data.find("Subject: Your data will be deleted on 31 March 2028") !=
        std::string::npos);
  CHECK(sqlite_int(db, "SELECT count(*) FROM users") == 5);
}

TEST_CASE("notify: a notice sent by enforce --at in the past is served from when it left",
          "[cli][notify][sqlite]") {
  // The pass acts as of 2021-06-01, but the mail leaves now: dated back, its 30 days would be
  // over at once, and the next real pass would delete the record minutes after the person got it.
  SmtpServer smtp;
  TempDir dir;
  const std::string db = dir.file("app.db");
  sqlite_exec(db,
              "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, last_seen TEXT);"
              "INSERT INTO users VALUES (1, 'old@example.org', '2020-01-01');");
  dir.write("notice.txt", "Your account goes on {date}.\n");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nsmtp: {host: 127.0.0.1, port: " + std::to_string(smtp.port()) +
                    ", starttls: false, from: dpo@example.org}\n"
                    "stores:\n  db: {type: sqlite, path: app.db}\npolicies:\n" +
                    R"(  - name: inactive
    store: db
    table: users
    expire_after: 1y
    since: last_seen
    notify: {before: 30d, email: email, template: notice.txt}
    max_affected: 100%
)");
  const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto past = run_retentiond({"enforce", "-c", config, "--at", "2021-06-01T00:00:00Z"}, dir.path());
  INFO(past.out << past.err);
  REQUIRE(past.exit_code == 0);
  CHECK(past.err.find("the pass's moment is in the past; its notices are dated and served from "
                      "now") != std::string::npos);
  REQUIRE(smtp.messages().size() == 1);
  CHECK(smtp.messages().front().data.find("2021") == std::string::npos);
  const auto sent = sqlite_column(dir.file("state.db"), "SELECT sent FROM notices");
  REQUIRE(sent.size() == 1);
  const auto recorded = retentiond::policies::parse_timestamp(sent[0]);
  REQUIRE(recorded);
  CHECK(*recorded >= before);
  // The next real pass: the notice period runs from now, the record stays.
  auto now = run_retentiond({"enforce", "-c", config, "--format", "json"}, dir.path());
  INFO(now.out << now.err);
  REQUIRE(now.exit_code == 0);
  CHECK(policy_in(json::parse(now.out), "inactive").at("affected") == 0);
  CHECK(sqlite_int(db, "SELECT count(*) FROM users") == 1);
}

TEST_CASE("notify: never acted on before the date its notice announced, and never noticed twice",
          "[cli][notify][sqlite]") {
  SmtpServer smtp;
  TempDir dir;
  const std::string db = dir.file("app.db");
  dir.write("notice.txt", "Your account goes on {date}.\n");
  auto config_with = [&](const std::string& extra) {
    return dir.write(
        "r.yaml", "state: state.db\nsmtp: {host: 127.0.0.1, port: " + std::to_string(smtp.port()) +
                      ", starttls: false, from: dpo@example.org}\n"
                      "stores:\n  db: {type: sqlite, path: app.db}\npolicies:\n" +
                      R"(  - name: inactive
    store: db
    table: users
    expire_after: 1y
    since: last_seen
    notify: {before: 14d, email: email, template: notice.txt}
    max_affected: 100%
)" + extra);
  };
  auto enforce = [&](const std::string& config, const std::string& at) {
    auto r = run_retentiond({"enforce", "-c", config, "--at", at, "--format", "json"}, dir.path());
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return policy_in(json::parse(r.out), "inactive").at("affected").get<long long>();
  };
  // Moments well after the test runs: a notice sent at a moment in the past is dated from now.
  SECTION("deadline: strict takes the next pass's cut-off, but waits for the announced date") {
    // Expires 2038-01-13T12:00; the weekly pass of Sunday 2038-01-10 would act on it (the next
    // is after its expiry), but its notice of 2037-12-27 announced 13 January.
    sqlite_exec(db,
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, last_seen TEXT);"
                "INSERT INTO users VALUES (1, 'a@example.org', '2037-01-13T12:00:00Z');");
    const std::string config =
        config_with("    schedule: weekly sun 04:00\n    deadline: strict\n");
    CHECK(enforce(config, "2037-12-27T04:00:00Z") == 0);
    REQUIRE(smtp.messages().size() == 1);
    CHECK(smtp.messages().front().data.find("13 January 2038") != std::string::npos);
    CHECK(enforce(config, "2038-01-10T04:00:00Z") == 0);
    CHECK(sqlite_int(db, "SELECT count(*) FROM users") == 1);
    CHECK(enforce(config, "2038-01-13T12:00:00Z") == 1);
    CHECK(smtp.messages().size() == 1);
  }
  SECTION("a pass at an earlier moment does not forget a notice already sent") {
    sqlite_exec(db,
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, last_seen TEXT);"
                "INSERT INTO users VALUES (1, 'a@example.org', '2030-12-15T00:00:00Z');");
    const std::string config = config_with("");
    CHECK(enforce(config, "2031-12-05T00:00:00Z") == 0);
    REQUIRE(smtp.messages().size() == 1);
    CHECK(enforce(config, "2031-10-01T00:00:00Z") == 0);  // not due then
    CHECK(enforce(config, "2031-12-06T00:00:00Z") == 0);
    CHECK(smtp.messages().size() == 1);
    CHECK(enforce(config, "2031-12-19T00:00:00Z") == 1);
    CHECK(smtp.messages().size() == 1);
  }
}

TEST_CASE(
    "notify: a server that never answers fails every due notice at once, and a stop ends "
    "the wait",
    "[cli][notify][sqlite]") {
  // A listening socket that never accepts: connections complete, no greeting ever comes.
  const int silent = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(silent >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(silent, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(silent, 16) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(silent, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const int port = ntohs(address.sin_port);

  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE users (id integer PRIMARY KEY, email text, last_seen text);"
              "INSERT INTO users VALUES (1, 'a@example.org', '2020-01-01'), (2, 'b@example.org', "
              "'2020-01-01'), (3, 'c@example.org', '2020-01-01');");
  dir.write("notice.txt", "Your account goes on {date}.\n");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nsmtp: {host: 127.0.0.1, port: " + std::to_string(port) +
                    ", starttls: false, from: dpo@example.org}\n"
                    "stores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                    "  - name: users\n    store: app\n    table: users\n    expire_after: 1y\n"
                    "    since: last_seen\n    max_affected: 100%\n"
                    "    notify: {before: 30d, email: email, template: notice.txt}\n");
  Child pass({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z", "--format", "json"},
             dir.path(), dir.file("pass.log"));
  std::this_thread::sleep_for(std::chrono::seconds(2));  // waiting for the greeting
  const auto stopped = std::chrono::steady_clock::now();
  pass.signal(SIGTERM);
  CHECK(pass.wait_exit() == 1);
  CHECK(std::chrono::steady_clock::now() - stopped < std::chrono::seconds(5));
  INFO(pass.output());
  CHECK(pass.output().find("stopped by a signal while sending notices (0 sent)") !=
        std::string::npos);
  CHECK(sqlite_int(dir.file("app.db"), "SELECT count(*) FROM users") == 3);
  const json trail =
      json::parse(run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out);
  REQUIRE(trail.at("entries").size() == 1);
  CHECK(trail.at("entries").at(0).at("outcome") == "interrupted");
  ::close(silent);
}
