// The HTML report a DPO reads (`plan`, `enforce`, `status`, `history` and `register` with
// `--format html`), through the real binary: the histogram's bars and the forecast carry exactly
// the counts seeded around their edges on SQLite, PostgreSQL, MariaDB, a files store and Sympa's
// action log, every page shares one self-contained style, nothing personal appears unless --samples
// asks, and headless Chromium renders the page (a drawn screenshot, the bars read back from its
// DOM, no console message: no script error, no request its security policy refused).
#include <regex>

#include <catch2/catch.hpp>

#include "support/chromium.h"
#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/png_image.h"
#include "support/run.h"
#include "support/sql_store.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

const std::map<std::string, std::string> kUtc = {{"TZ", "UTC"}};
const char* kAt = "2028-03-01T00:00:00Z";

// 1y at 2028-03-01: the bins start 0, 3, 6, 9, 12 (the promise), 18, 24 and 36 months back, and
// a record exactly on an edge is not older than it. Keys are e-mail addresses: personal data.
const char* kRows = R"sql(
INSERT INTO hits VALUES
 ('a@example.org', '2028-02-15 00:00:00'), ('b@example.org', '2028-01-01 00:00:00'),
 ('c@example.org', '2027-10-15 00:00:00'),
 ('d@example.org', '2027-06-01 00:00:00'), ('e@example.org', '2027-07-15 00:00:00'),
 ('f@example.org', '2027-08-31 23:59:59'),
 ('g@example.org', '2027-03-01 00:00:00'), ('h@example.org', '2027-05-10 00:00:00'),
 ('i@example.org', '2027-02-28 23:59:59'), ('j@example.org', '2026-12-01 00:00:00'),
 ('k@example.org', '2026-09-01 00:00:00'), ('l@example.org', '2026-10-10 00:00:00'),
 ('m@example.org', '2026-05-05 00:00:00'),
 ('n@example.org', '2024-12-31 00:00:00'), ('zoe@example.org', '2020-01-01 00:00:00'),
 ('u@example.org', NULL);
)sql";
const std::vector<long long> kBins = {2, 1, 3, 2, 4, 1, 0, 2};
// Records reaching their year in each month after 2028-03-01: March 2027's g, May's h, ...
const std::vector<long long> kForecast = {1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 1, 1};

std::vector<long long> data_counts(const std::string& html) {
  static const std::regex count("data-count=\"([0-9]+)\"");
  std::vector<long long> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), count);
       it != std::sregex_iterator(); ++it)
    out.push_back(std::stoll((*it)[1]));
  return out;
}

std::vector<long long> slice(const std::vector<long long>& v, size_t from, size_t n) {
  if (v.size() < from + n) return v;
  return std::vector<long long>(v.begin() + from, v.begin() + from + n);
}

std::string policy_text(const std::string& store) {
  return "  - name: hits\n    description: Web hits\n    store: " + store +
         "\n    table: hits\n    key: email\n    expire_after: 1y\n    since: ts\n"
         "    max_affected: 100%\n    schedule: daily 03:00\n";
}

// Seeds `store`, plans it as HTML and checks the bars.
void histogram_scenario(const SqlStore& store, const std::string& dir,
                        const std::string& timestamp_type) {
  store.db.exec("CREATE TABLE hits (email varchar(100) PRIMARY KEY, ts " + timestamp_type +
                " NULL);");
  store.db.exec(kRows);
  const std::string config = store.write(policy_text(store.name));
  auto page = run_retentiond({"status", "-c", config, "--at", kAt, "--format", "html"}, dir, kUtc);
  INFO(page.err);
  CHECK(page.exit_code == 3);  // records overdue
  const auto counts = data_counts(page.out);
  REQUIRE(counts.size() == kBins.size() + kForecast.size());
  CHECK(slice(counts, 0, kBins.size()) == kBins);
  CHECK(slice(counts, kBins.size(), kForecast.size()) == kForecast);
  CHECK(page.out.find("0 of 1 promise kept; 1 overdue") != std::string::npos);
  CHECK(page.out.find("example.org") == std::string::npos);
}

bool no_external_reference(const std::string& html) {
  static const std::regex reference(R"((src|href|xlink:href|action)\s*=\s*["']?([^"' >]*))",
                                    std::regex::icase);
  for (auto it = std::sregex_iterator(html.begin(), html.end(), reference);
       it != std::sregex_iterator(); ++it) {
    const std::string target = (*it)[2];
    if (target.rfind("#", 0) != 0 && target.rfind("data:", 0) != 0) return false;
  }
  return html.find("url(") == std::string::npos && html.find("@import") == std::string::npos &&
         html.find("<script") == std::string::npos && html.find("<link") == std::string::npos &&
         html.find("<iframe") == std::string::npos;
}

const char* kSecurityPolicy =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
    "'unsafe-inline'; img-src data:;";

std::string style_of(const std::string& html) {
  const size_t from = html.find("<style>"), to = html.find("</style>");
  if (from == std::string::npos || to == std::string::npos) return "";
  return html.substr(from, to - from);
}

}  // namespace

TEST_CASE("html report: the age histogram and the forecast count the seeded records on sqlite",
          "[cli][html][sqlite]") {
  TempDir dir;
  histogram_scenario(sqlite_store(dir), dir.path(), "text");
}

TEST_CASE("html report: the age histogram and the forecast on postgresql",
          "[cli][html][postgresql]") {
  TempDir dir;
  PgDatabase db;
  histogram_scenario(postgresql_store(dir, db), dir.path(), "timestamp");
}

TEST_CASE("html report: the age histogram and the forecast on mariadb", "[cli][html][mysql]") {
  TempDir dir;
  MysqlDatabase db;
  histogram_scenario(mysql_store(dir, db), dir.path(), "datetime");
}

TEST_CASE("html report: the age histogram of a files store", "[cli][html][files]") {
  TempDir dir;
  // 365d: bins from 0, 91, 183, 274, 365 (the promise), 548, 730 and 1095 days.
  const std::vector<std::pair<std::string, std::string>> files = {{"logs/a.log-1", "10 days ago"},
                                                                  {"logs/b.log-2", "400 days ago"},
                                                                  {"logs/c.log-3", "800 days ago"},
                                                                  {"logs/d.log-4", "801 days ago"}};
  for (const auto& [name, age] : files) {
    dir.write(name, "x\n");
    REQUIRE(run_program({"/usr/bin/touch", "-d", age, dir.file(name)}).exit_code == 0);
  }
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  logs: {type: files, root: " + dir.file("logs") +
                    "}\npolicies:\n  - {name: logs, store: logs, files: \"*.log-*\", "
                    "expire_after: 365d, since: mtime, max_affected: 100%}\n");
  auto page = run_retentiond({"plan", "-c", config, "--format", "html"}, dir.path(), kUtc);
  INFO(page.err);
  REQUIRE(page.exit_code == 0);
  CHECK(slice(data_counts(page.out), 0, 8) == std::vector<long long>{1, 0, 0, 0, 1, 0, 2, 0});
  CHECK(page.out.find("365–548 d") != std::string::npos);
}

TEST_CASE("html report: every page shares the style, holds nothing personal, speaks French",
          "[cli][html][sqlite]") {
  TempDir dir;
  SqlStore store = sqlite_store(dir);
  store.db.exec("CREATE TABLE hits (email text PRIMARY KEY, ts text);");
  store.db.exec(kRows);
  const std::string config =
      store.write(policy_text("app") +
                  "  - name: ancient\n    store: app\n    table: hits\n    key: email\n"
                  "    expire_after: 10y\n    since: ts\n");
  run_retentiond_ok(
      {"hold", "add", "-c", config, "--policy", "hits", "zoe@example.org", "--reason", "court"},
      dir.path());
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"-c", config});
    auto r = run_retentiond(args, dir.path(), kUtc);
    INFO(args[0] << ": " << r.err);
    CHECK((r.exit_code == 0 || (args[0] == "status" && r.exit_code == 3)));
    return r.out;
  };
  const std::string plan = run({"plan", "--at", kAt, "--format", "html"});
  const std::string status = run({"status", "--at", kAt, "--format", "html"});
  CHECK(plan.find("1 of 2 promises kept; 1 overdue") != std::string::npos);
  CHECK(status.find("1 of 2 promises kept; 1 overdue") != std::string::npos);
  // The held record is in the histogram (the oldest bin), not among what a pass removes.
  CHECK(slice(data_counts(status), 0, 8) == kBins);
  // Keys only when asked for.
  const std::string samples = run({"plan", "--at", kAt, "--format", "html", "--samples", "2"});
  CHECK(samples.find("@example.org") != std::string::npos);
  const std::string enforce = run({"enforce", "--at", kAt, "--format", "html"});
  // After the pass, only the held record is past the promise.
  CHECK(slice(data_counts(enforce), 0, 8) == std::vector<long long>{2, 1, 3, 2, 0, 0, 0, 1});
  // 'hits' runs daily, and --at is long after the pass (made at the real time): no recent pass.
  CHECK(enforce.find("1 of 2 promises kept; 1 without a recent pass") != std::string::npos);
  const std::string history = run({"history", "--format", "html"});
  const std::string register_page = run({"register", "--format", "html"});
  CHECK(history.find("<th scope=\"col\" class=\"n\">Matched</th>") != std::string::npos);

  const std::string style = style_of(plan);
  REQUIRE(style.size() > 100);
  for (const auto* page : {&plan, &status, &enforce, &history, &register_page}) {
    CHECK(style_of(*page) == style);
    CHECK(page->find(kSecurityPolicy) != std::string::npos);
    CHECK(page->find("@media print") != std::string::npos);
    CHECK(no_external_reference(*page));
    CHECK(page->find("example.org") == std::string::npos);  // no key, no address
  }
  // The last passes, from the audit trail, in a real table.
  const std::string after = run({"status", "--at", kAt, "--format", "html"});
  CHECK(after.find("Last passes, newest first") != std::string::npos);
  CHECK(std::regex_search(after, std::regex("<th scope=\"row\">[0-9T:-]+Z</th><td>ok</td>")));

  const std::string french = run({"status", "--at", kAt, "--format", "html", "--language", "fr"});
  CHECK(french.find("<html lang=\"fr\">") != std::string::npos);
  CHECK(french.find("Âge des enregistrements") != std::string::npos);
  CHECK(french.find("1 promesse tenue sur 2 ; 1 sans exécution récente") != std::string::npos);
  CHECK(french.find("échéance : 1 an") != std::string::npos);
  CHECK(style_of(french) == style);
  // A French plan page says its outcomes and actions in French.
  const std::string french_plan =
      run({"plan", "--at", kAt, "--format", "html", "--language", "fr"});
  CHECK(french_plan.find("<td>simulée</td>") != std::string::npos);
  CHECK(french_plan.find("<td>suppression</td>") != std::string::npos);
  CHECK(french_plan.find("<td>planned</td>") == std::string::npos);
  CHECK(run_retentiond({"status", "-c", config, "--format", "html", "--language", "de"}, dir.path())
            .exit_code == 2);
}

TEST_CASE(
    "html report: headless chromium draws the page, its bars hold the counts, and its "
    "console stays silent",
    "[cli][html][chromium][sqlite]") {
  TempDir dir;
  SqlStore store = sqlite_store(dir);
  store.db.exec("CREATE TABLE hits (email text PRIMARY KEY, ts text);");
  store.db.exec(kRows);
  const std::string config = store.write(policy_text("app"));
  auto status =
      run_retentiond({"status", "-c", config, "--at", kAt, "--format", "html"}, dir.path(), kUtc);
  REQUIRE(status.exit_code == 3);
  const std::string page = dir.write("status.html", status.out);
  const std::string profile = dir.file("chromium-profile");

  // The DOM Chromium built: the bars read back hold the seeded counts.
  ChromiumPage opened = chromium_dump_dom(page, profile);
  INFO(opened.run.err);
  const auto counts = data_counts(opened.dom);
  REQUIRE(counts.size() == kBins.size() + kForecast.size());
  CHECK(slice(counts, 0, kBins.size()) == kBins);
  CHECK(slice(counts, kBins.size(), kForecast.size()) == kForecast);
  CHECK(opened.dom.find("role=\"img\"") != std::string::npos);
  // No console message at all: no script error, no request the security policy refused.
  CHECK(opened.console.empty());

  // The screenshot is drawn: many colours (text is anti-aliased), the bars' blue and the red of
  // those past the promise; an empty page's screenshot has one colour.
  const std::string png = dir.file("status.png");
  chromium_screenshot(page, png, profile);
  const PngImage shot = read_png(png);
  CHECK(shot.width == 1024);
  CHECK(distinct_colours(shot) > 20);
  CHECK(pixels_near(shot, 0x4a78b5, 6) > 200);
  CHECK(pixels_near(shot, 0xb00020, 6) > 200);
  const std::string empty = dir.write("empty.html", "<!DOCTYPE html><html><body></body></html>");
  chromium_screenshot(empty, dir.file("empty.png"), profile);
  CHECK(distinct_colours(read_png(dir.file("empty.png"))) == 1);

  // The checks can fail: a script error and a request are both seen on the console.
  const std::string bad_script =
      dir.write("bad.html", "<html><body><script>undefined_function();</script></body></html>");
  CHECK(!chromium_dump_dom(bad_script, profile).console.empty());
  const std::string leaking = dir.write(
      "leak.html", std::string("<html><head>") + kSecurityPolicy +
                       "\"></head><body><img src=\"http://example.org/x.png\"></body></html>");
  CHECK(!chromium_dump_dom(leaking, profile).console.empty());
  CHECK_FALSE(no_external_reference(read_file(leaking)));
}

TEST_CASE("html report: a store that cannot be read is an unknown promise, exit 1",
          "[cli][html][sqlite]") {
  TempDir dir;
  const std::string config =
      dir.write("broken.yaml",
                "state: state.db\nstores:\n  app: {type: sqlite, path: missing/app.db}\npolicies:\n"
                "  - {name: hits, store: app, table: hits, expire_after: 1y, since: ts}\n");
  auto page = run_retentiond({"status", "-c", config, "--format", "html"}, dir.path(), kUtc);
  CHECK(page.exit_code == 1);
  CHECK(page.out.find("<p class=\"summary broken\">0 of 1 promise kept; 1 unknown</p>") !=
        std::string::npos);
  CHECK(page.out.find("No figures: store 'app'") != std::string::npos);
  CHECK(data_counts(page.out).empty());
}

TEST_CASE("html report: the age histogram of Sympa's action log", "[cli][html][sympa][sqlite]") {
  TempDir dir;
  const std::string db = dir.file("sympa.sqlite");
  sqlite_exec(db, read_file(source_dir() + "/tests/fixtures/sympa_sqlite.sql"));
  constexpr long long kT0 = 1835481600;           // 2028-03-01T00:00:00Z
  constexpr long long kYear = kT0 - 366 * 86400;  // 2027-03-01: 1y before (2028 is leap)
  std::string sql;
  // Epoch dates: 10 days, exactly a year (the younger bin), a year and a second, 800 days.
  for (long long when : {kT0 - 10 * 86400, kYear, kYear - 1, kT0 - 800 * 86400})
    sql +=
        "INSERT INTO logs_table (date_logs, action_logs, status_logs, daemon_logs, "
        "user_email_logs, target_email_logs) VALUES (" +
        std::to_string(when) +
        ", 'del', 'success', 'wwsympa', 'x@example.net', "
        "'c@example.net');";
  sqlite_exec(db, sql);
  const std::string conf = dir.write("etc/sympa/sympa.conf",
                                     "domain\tlists.example.org\nlistmaster\tlm@example.org\n"
                                     "db_type\tSQLite\ndb_name\t" +
                                         db + "\netc\t" + dir.file("etc") + "\n");
  const std::string config = dir.write(
      "r.yaml", "state: state.db\nstores:\n  lists: {type: sympa, config: " + conf +
                    "}\npolicies:\n  - {name: logs, store: lists, sympa: logs, expire_after: 1y, "
                    "max_affected: 100%}\n");
  auto page =
      run_retentiond({"status", "-c", config, "--at", kAt, "--format", "html"}, dir.path(), kUtc);
  INFO(page.err);
  CHECK(page.exit_code == 3);
  const auto counts = data_counts(page.out);
  REQUIRE(counts.size() == 20);
  CHECK(slice(counts, 0, 8) == std::vector<long long>{1, 0, 0, 1, 1, 0, 1, 0});
  CHECK(slice(counts, 8, 12) == std::vector<long long>{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(page.out.find("example.net") == std::string::npos);
}

TEST_CASE("html: enforce's promise row counts the pass the page reports, however long it took",
          "[cli][html]") {
  // A pass of a few seconds ends in a later second than it began: the promise figures, read
  // as of its start, once left it out ("Last pass" showed the one before).
  TempDir dir;
  sqlite_exec(dir.file("app.db"),
              "CREATE TABLE hits (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL);"
              "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) "
              "INSERT INTO hits SELECT i, 1500000000 FROM n;");
  const std::string config = dir.write(
      "r.yaml",
      "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
      "  - {name: hits, store: app, table: hits, expire_after: 52d, since: {column: ts, format: "
      "epoch}, max_affected: 100%,\n"
      // A slow condition (a 20 kB blob per row) makes the pass last about two seconds.
      "     where: \"length(hex(zeroblob(20000 + id % 2))) > 0\"}\n");
  const auto page = run_retentiond_ok({"enforce", "-c", config, "--format", "html"}, dir.path());
  const auto history =
      run_retentiond_ok({"history", "-c", config, "--format", "json"}, dir.path()).out;
  const auto at = history.find("\"finished\": \"");
  REQUIRE(at != std::string::npos);
  const std::string finished = history.substr(at + 13, 20);
  INFO(finished);
  CHECK(page.out.find("ok (" + finished + ")") != std::string::npos);
}

TEST_CASE("reports: a store that cannot be read is 'not counted' in every form, not 0",
          "[cli][report][html]") {
  // A plan of a policy whose store refuses the connection: its zeros would read as "nothing
  // expired". The text, Markdown and HTML forms say it was not counted, in the table too.
  TempDir dir;
  const std::string config =
      dir.write("r.yaml",
                "state: state.db\nstores:\n  gone: {type: postgresql, dsn: \"host=127.0.0.1 port=1 "
                "dbname=x user=x connect_timeout=2\"}\npolicies:\n  - name: lost\n    store: gone\n"
                "    table: t\n    since: ts\n    expire_after: 1y\n");
  auto text = run_retentiond({"plan", "-c", config}, dir.path());
  CHECK(text.exit_code == 1);
  CHECK(text.out.find("matched:    not counted") != std::string::npos);
  auto markdown = run_retentiond({"plan", "-c", config, "--format", "markdown"}, dir.path());
  INFO(markdown.out);
  CHECK(markdown.exit_code == 1);
  CHECK(markdown.out.find(" | not counted | 0 | - | failed |") != std::string::npos);
  CHECK(markdown.out.find("- Selected: not counted") != std::string::npos);
  auto html = run_retentiond({"plan", "-c", config, "--format", "html"}, dir.path());
  INFO(html.out);
  CHECK(html.exit_code == 1);
  CHECK(html.out.find(">not counted<") != std::string::npos);
  CHECK(html.out.find("Selected: not counted") != std::string::npos);
  CHECK(html.out.find("Selected: 0 rows") == std::string::npos);
}
