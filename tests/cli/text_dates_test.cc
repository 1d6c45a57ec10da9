// Dates held as text, on SQLite, PostgreSQL and MariaDB, through the real binary. ISO-8601 with
// an offset is read in UTC on every store (MariaDB's CAST reads none: the offset is taken off and
// applied); a text of digits ('20991231', a basic ISO date; '2099'; '1000000000') is no date
// under `format: auto` or `iso` (kept, counted as undated: reading '20991231' as epoch seconds
// would date it 1970 and delete it) and is read as epoch seconds only with `format: epoch`.
// Clock pinned at 2028-03-01T00:00:00Z; with 1y the cut-off is 2027-03-01T00:00:00Z.
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

const std::string kAt = "2028-03-01T00:00:00Z";

// label, text. Expired: the first three and the last (a lower-case 'z', as RFC 3339 allows) (the
// second is 2027-02-28T23:30Z, the third 2027-02-28T23:59:59Z); at the cut-off or after it in UTC:
// the next two (the first reads 2027-03-01T00:00Z, the second 2027-03-01T01:00Z though its local
// time is the day before); digits: the next three; no offset a clock shows (hours past 23,
// minutes past 59: MariaDB subtracted them, a wrong deletion): the last three, undated.
const char* kRows =
    "('old', '2020-01-01T00:00:00Z'), ('plus-two', '2027-03-01T01:30:00+02:00'),"
    " ('minus-half', '2027-02-28T18:29:59-05:30'), ('at-cutoff', '2027-03-01T02:00:00+02:00'),"
    " ('minus-five', '2027-02-28T20:00:00-05:00'), ('basic-date', '20991231'), ('year', '2099'),"
    " ('epoch', '1000000000'), ('lower-z', '2027-02-28T23:59:59z'),"
    " ('offset-99', '2027-03-02T00:00:00+99:99'), ('offset-25', '2027-03-01T00:00:00+25:00'),"
    " ('minutes-99', '2027-02-28T12:30:00+00:99')";

const std::vector<std::string> kDigits = {"basic-date", "year", "epoch"};

std::string policy(const std::string& store, const std::string& since) {
  return "policies:\n  - name: events\n    store: " + store +
         "\n    table: events\n    expire_after: 1y\n    since: " + since +
         "\n    max_affected: 100%\n";
}

// Plan counts `matched` and `undated`; enforce leaves exactly `left` (labels in id order).
void leaves(const TempDir& dir, const std::string& config, long long matched, long long undated,
            const std::vector<std::string>& left,
            const std::function<std::vector<std::string>()>& labels) {
  auto plan = run_retentiond({"plan", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  INFO(plan.out << plan.err);
  REQUIRE(plan.exit_code == 0);
  auto p = policy_in(json::parse(plan.out), "events");
  CHECK(p.at("matched") == matched);
  if (undated > 0)
    CHECK(p.at("warnings")
              .dump()
              .find(std::to_string(undated) + " selected rows have no usable date") !=
          std::string::npos);
  auto enforce = run_retentiond({"enforce", "-c", config, "--at", kAt}, dir.path());
  INFO(enforce.err);
  REQUIRE(enforce.exit_code == 0);
  CHECK(labels() == left);
}

const std::vector<std::string> kIsoLeft = {"at-cutoff", "minus-five", "basic-date", "year",
                                           "epoch",     "offset-99",  "offset-25",  "minutes-99"};
const std::vector<std::string> kEpochLeft = {"old",       "plus-two",   "minus-half",
                                             "at-cutoff", "minus-five", "lower-z",
                                             "offset-99", "offset-25",  "minutes-99"};

// What each `since` leaves: the ISO rows at or after the cut-off and the digits (auto, iso), or
// the ISO rows (epoch); plan's matched and undated counts with it.
void leaves_for(const std::string& since, const TempDir& dir, const std::string& config,
                const std::function<std::vector<std::string>()>& labels) {
  const bool epoch = since.find("epoch") != std::string::npos;
  leaves(dir, config, epoch ? 3 : 4, epoch ? 9 : 6, epoch ? kEpochLeft : kIsoLeft, labels);
}

const std::vector<std::string> kSinces = {"d", "{column: d, format: iso}",
                                          "{column: d, format: epoch}"};

}  // namespace

TEST_CASE("text dates: offsets read in UTC, digits only as an epoch format",
          "[cli][dates][sqlite][postgresql][mysql]") {
  for (const auto& since : kSinces) {
    INFO("since: " << since);
    SECTION("sqlite, " + since) {
      TempDir dir;
      const std::string db = dir.file("app.db");
      sqlite_exec(db, std::string("CREATE TABLE events (id INTEGER PRIMARY KEY, label TEXT, d "
                                  "TEXT); INSERT INTO events (label, d) VALUES ") +
                          kRows);
      const std::string config =
          dir.write("r.yaml", "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n" +
                                  policy("app", since));
      leaves_for(since, dir, config,
                 [&] { return sqlite_column(db, "SELECT label FROM events ORDER BY id"); });
    }
    SECTION("postgresql, " + since) {
      PgDatabase pg;
      pg.exec(std::string("CREATE TABLE events (id serial PRIMARY KEY, label text, d text);"
                          "INSERT INTO events (label, d) VALUES ") +
              kRows);
      TempDir dir;
      const std::string config =
          dir.write("r.yaml", "state: state.db\nstores:\n  pg: {type: postgresql, dsn: \"" +
                                  pg.dsn() + "\"}\n" + policy("pg", since));
      leaves_for(since, dir, config,
                 [&] { return pg.column("SELECT label FROM events ORDER BY id"); });
    }
    SECTION("mysql, " + since) {
      MysqlDatabase my;
      my.exec(std::string("CREATE TABLE events (id int AUTO_INCREMENT PRIMARY KEY, label "
                          "varchar(20), d varchar(40)); INSERT INTO events (label, d) VALUES ") +
              kRows);
      TempDir dir;
      dir.write("my.password", MysqlDatabase::password() + "\n");
      const std::string config =
          dir.write("r.yaml", "state: state.db\nstores:\n  my: " + my.store_yaml("my.password") +
                                  "\n" + policy("my", since));
      leaves_for(since, dir, config,
                 [&] { return my.column("SELECT label FROM events ORDER BY id"); });
    }
  }
}
