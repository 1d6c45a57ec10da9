// plan --samples N: the keys (file paths, addresses) of the first N expired records a policy would
// act on, in key order, on every store; holds and boundaries respected; no samples anywhere
// unless asked, and never from enforce.
#include <sys/time.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/mysql_server.h"
#include "support/pg_server.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const char* kPolicy = R"(policies:
  - name: visits
    store: db
    table: visits
    expire_after: 30d
    since: seen
    max_affected: 100%
)";

// Rows 1, 3, 4, 6 expired at --at 2028-03-01 (cut-off 2028-01-31); 2 and 5 are recent.
const char* kRows =
    "CREATE TABLE visits (id integer PRIMARY KEY, ip varchar(40), seen varchar(30));"
    "INSERT INTO visits VALUES (1, '192.0.2.1', '2027-01-01 00:00:00'), (2, '192.0.2.2', "
    "'2028-02-20 00:00:00'),"
    "(3, '192.0.2.3', '2027-06-01 00:00:00'), (4, '192.0.2.4', '2028-01-30 23:59:59'),"
    "(5, '192.0.2.5', '2028-02-29 00:00:00'), (6, '192.0.2.6', '2026-01-01 00:00:00');";

json plan(const std::string& config, const std::string& dir, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"plan",     "-c",  config, "--at", "2028-03-01T00:00:00Z",
                                "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_retentiond(args, dir);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out).at("policies").at(0);
}

void check_samples(const std::string& store_yaml, const std::string& password = "") {
  TempDir dir;
  if (!password.empty()) dir.write("my.password", password + "\n");
  std::string config =
      dir.write("r.yaml", "state: state.db\nstores:\n  db: " + store_yaml + "\n" + kPolicy);
  auto none = plan(config, dir.path());
  CHECK(none.at("matched") == 4);
  CHECK(!none.contains("samples"));
  auto two = plan(config, dir.path(), {"--samples", "2"});
  CHECK(two.at("samples") == json::array({"1", "3"}));
  auto all = plan(config, dir.path(), {"--samples", "10"});
  CHECK(all.at("samples") == json::array({"1", "3", "4", "6"}));
  // A held record is no sample: it will not be touched.
  auto hold = run_retentiond(
      {"hold", "add", "-c", config, "--policy", "visits", "3", "--reason", "court order"},
      dir.path());
  INFO(hold.out << hold.err);
  REQUIRE(hold.exit_code == 0);
  CHECK(plan(config, dir.path(), {"--samples", "10"}).at("samples") ==
        json::array({"1", "4", "6"}));
  auto text = run_retentiond(
      {"plan", "-c", config, "--at", "2028-03-01T00:00:00Z", "--samples", "1"}, dir.path());
  CHECK(text.out.find("samples:") != std::string::npos);
  // enforce has no samples: its reports and logs never list records.
  auto enforce = run_retentiond({"enforce", "-c", config, "--samples", "1"}, dir.path());
  CHECK(enforce.exit_code == 2);
  auto bad = run_retentiond({"plan", "-c", config, "--samples", "-1"}, dir.path());
  CHECK(bad.exit_code == 2);
}

}  // namespace

TEST_CASE("plan --samples on sqlite", "[cli][samples][sqlite]") {
  TempDir data;
  sqlite_exec(data.file("app.db"), kRows);
  check_samples("{type: sqlite, path: " + data.file("app.db") + "}");
}

TEST_CASE("plan --samples on postgresql", "[cli][samples][postgresql]") {
  PgDatabase db;
  db.exec(kRows);
  check_samples("{type: postgresql, dsn: \"" + db.dsn() + "\"}");
}

TEST_CASE("plan --samples on mariadb", "[cli][samples][mysql]") {
  MysqlDatabase db;
  db.exec(kRows);
  check_samples(db.store_yaml("my.password"), MysqlDatabase::password());
}

TEST_CASE("plan --samples on files: paths relative to the root, only when asked",
          "[cli][samples][files]") {
  TempDir dir;
  for (const char* f : {"site-b/access.log-1", "site-a/access.log-2", "site-a/access.log-3"}) {
    std::string path = dir.write(std::string("logs/") + f, "x");
    struct timeval old[2] = {{1'700'000'000, 0}, {1'700'000'000, 0}};
    REQUIRE(::utimes(path.c_str(), old) == 0);
  }
  dir.write("logs/site-a/access.log-new", "x");
  std::string config =
      dir.write("r.yaml",
                "state: state.db\nstores:\n  logs: {type: files, root: logs}\n"
                "policies:\n  - {name: logs, store: logs, files: \"*/access.log-*\", "
                "expire_after: 52d, max_affected: 100%}\n");
  auto none = run_retentiond({"plan", "-c", config, "--format", "json"}, dir.path());
  REQUIRE(none.exit_code == 0);
  CHECK(none.out.find("site-a") == std::string::npos);
  auto some =
      run_retentiond({"plan", "-c", config, "--format", "json", "--samples", "2"}, dir.path());
  REQUIRE(some.exit_code == 0);
  CHECK(json::parse(some.out).at("policies").at(0).at("samples") ==
        json::array({"site-a/access.log-2", "site-a/access.log-3"}));
}

TEST_CASE("plan --samples on files: the root's files and subtrees in walk order",
          "[cli][samples][files]") {
  TempDir dir;
  for (const char* f : {"t/c/y.log", "t/b.log", "t/a/x.log", "t/a/z.log", "t/d.log"}) {
    std::string path = dir.write(f, "x");
    struct timeval old[2] = {{1'700'000'000, 0}, {1'700'000'000, 0}};
    REQUIRE(::utimes(path.c_str(), old) == 0);
  }
  std::string config =
      dir.write("r.yaml",
                "state: state.db\nstores:\n  t: {type: files, root: t}\n"
                "policies:\n  - {name: t, store: t, files: [\"*.log\", \"*/*.log\"], "
                "expire_after: 52d, max_affected: 100%}\n");
  auto some =
      run_retentiond({"plan", "-c", config, "--format", "json", "--samples", "4"}, dir.path());
  INFO(some.out << some.err);
  REQUIRE(some.exit_code == 0);
  auto p = json::parse(some.out).at("policies").at(0);
  CHECK(p.at("matched") == 5);
  CHECK(p.at("samples") == json::array({"a/x.log", "a/z.log", "b.log", "c/y.log"}));
  auto enforce = run_retentiond({"enforce", "-c", config, "--format", "json"}, dir.path());
  REQUIRE(enforce.exit_code == 0);
  CHECK(json::parse(enforce.out).at("policies").at(0).at("affected") == 5);
}
