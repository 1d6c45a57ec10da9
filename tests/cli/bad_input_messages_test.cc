// Issue 17, items 10 and 11 through the real binary: a configuration that is a FIFO or a device,
// a state file that cannot be written (named, and the report kept when it fails mid-pass),
// `--at ''` and years out of range, and control characters never echoed raw.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/report.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/sqlite_installation.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2027-03-01T00:00:00Z";

const std::string kPolicies =
    "policies:\n"
    "  - name: old-users\n    store: app\n    table: users\n    expire_after: 1y\n"
    "    since: seen\n    max_affected: 100%\n"
    "  - name: older-users\n    store: app\n    table: users\n    expire_after: 2y\n"
    "    since: seen\n    max_affected: 100%\n";

struct Store : SqliteInstallation {
  Store()
      : SqliteInstallation(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, seen TEXT);"
            "INSERT INTO users VALUES (1, '2020-01-01'), (2, '2020-02-01'), (3, '2028-01-01');",
            "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n" + kPolicies) {}
};

}  // namespace

TEST_CASE("issue 17: a configuration that is a FIFO or a device is refused at once", "[cli]") {
  TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo.yaml").c_str(), 0600) == 0);
  for (const auto& [path, why] : std::vector<std::pair<std::string, std::string>>{
           {dir.file("fifo.yaml"), "it is not a regular file (a FIFO)"},       // used to hang
           {"/dev/zero", "it is not a regular file (a character device)"}}) {  // used to abort
    INFO(path);
    auto r = run_retentiond({"check", "--offline", "-c", path});
    CHECK(r.exit_code == 1);
    CHECK(r.err == path + ": error: cannot read the configuration file: " + why + "\n" + path +
                       ": 1 error\n");
  }
}

TEST_CASE("issue 17: a state file that cannot grow is named, and nothing is done", "[cli][state]") {
  Store s;
  REQUIRE(s.run({"enforce", "--at", "2020-06-01"}).exit_code == 0);  // creates the state file
  // A file size limit makes every write past it fail with EFBIG (SIGXFSZ ignored), as a full
  // disk fails with ENOSPC, and needs no privilege.
  auto r = run_program({"/bin/sh", "-c", "trap '' XFSZ; ulimit -f 0; exec \"$0\" \"$@\"",
                        RETENTIOND_BINARY, "enforce", "-c", s.config, "--at", kAt},
                       s.dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err == "retentiond: critical: cannot write the state file '" + s.state +
                     "': File too large (SQLite: disk I/O error); no policy was run\n");
  CHECK(sqlite_int(s.db, "SELECT count(*) FROM users") == 3);
}

TEST_CASE(
    "issue 17: a state file that fails mid-pass still gives a report, and the next pass records "
    "the batch",
    "[cli][state]") {
  Store s;
  REQUIRE(s.run({"enforce", "--at", "2020-06-01"}).exit_code == 0);
  // The state file fails when the pass records a batch its store has committed.
  sqlite_exec(s.state,
              "CREATE TRIGGER full BEFORE UPDATE ON pass_in_progress "
              "BEGIN SELECT RAISE(FAIL, 'no room left (test)'); END;");
  auto r = s.run({"enforce", "--at", kAt, "--format", "json", "--policy", "old-users"});
  CHECK(r.exit_code == 1);
  INFO(r.err);
  json report;
  REQUIRE_NOTHROW(report = json::parse(r.out));
  CHECK(policy_in(report, "old-users").at("affected") == 2);
  CHECK(
      policy_in(report, "old-users").at("warnings") ==
      json::array(
          {"1 selected row has a date after 2027-03-01T00:00:00Z; kept",
           "error (io): cannot record a committed batch in the state file '" + s.state +
               "': no room left (test); the pass stops here, the next pass records this batch and "
               "finishes the work"}));
  CHECK(sqlite_int(s.db, "SELECT count(*) FROM users") == 1);
  // With the state file well again, the next pass asks the store about that batch.
  sqlite_exec(s.state, "DROP TRIGGER full");
  CHECK(s.run({"enforce", "--at", kAt, "--policy", "old-users"}).exit_code == 0);
  CHECK(sqlite_int(s.state, "SELECT sum(affected) FROM audit WHERE policy = 'old-users'") == 2);
  CHECK(sqlite_int(
            s.state,
            "SELECT count(*) FROM audit WHERE policy = 'old-users' AND outcome = 'interrupted'") ==
        1);
}

TEST_CASE("issue 17: --at must be a time in years 1000 to 9999", "[cli]") {
  Store s;
  for (const char* command : {"plan", "enforce"}) {
    INFO(command);
    auto empty = s.run({command, "--at", ""});  // used to mean "now"
    CHECK(empty.exit_code == 2);
    CHECK(empty.err ==
          std::string("retentiond ") + command +
              ": --at is empty: give an ISO-8601 time (e.g. 2027-03-01T00:00:00Z or "
              "2027-03-01), or leave --at out to use the current time\nTry 'retentiond " +
              command + " --help'.\n");
    auto year0 = s.run({command, "--at", "0000-01-01"});  // its cut-offs printed as "-001-01-01"
    CHECK(year0.exit_code == 2);
    CHECK(year0.err == std::string("retentiond ") + command +
                           ": --at '0000-01-01' is out of range: the year must be between 1000 and "
                           "9999\nTry 'retentiond " +
                           command + " --help'.\n");
  }
  CHECK(sqlite_int(s.db, "SELECT count(*) FROM users") == 3);
  auto lowest = s.run({"plan", "--at", "1000-01-01", "--format", "json"});
  CHECK(lowest.exit_code == 0);
  CHECK(policy_in(json::parse(lowest.out), "older-users").at("cutoff") == "0998-01-01T00:00:00Z");
}

TEST_CASE("issue 17: control characters are escaped in usage errors and logs", "[cli]") {
  Store s;
  auto usage = s.run({"plan", "--policy", "\x1b[2Jgone"});
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.find('\x1b') == std::string::npos);
  CHECK(usage.err.rfind("retentiond plan: no policy named '\\x1b[2Jgone' in ", 0) == 0);

  // A store error quoting a path with an escape sequence and a newline (a forged log line).
  std::string config = s.dir.write("esc.yaml",
                                   "state: state.db\nstores:\n"
                                   "  app: {type: sqlite, path: \"no\\e[31m\\nwhere/app.db\"}\n" +
                                       kPolicies);
  auto logged = run_retentiond({"plan", "-c", config, "--at", kAt}, s.dir.path());
  CHECK(logged.exit_code == 1);
  CHECK(logged.err.find('\x1b') == std::string::npos);
  CHECK(logged.err.find("no\\x1b[31m\\nwhere/app.db") != std::string::npos);
  CHECK(logged.out.find("no\\x1b[31m\\nwhere/app.db") !=
        std::string::npos);  // the report's warning
}
