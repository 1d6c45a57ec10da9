// Issue 17, items 3 to 6: a claim on a pass is only released by its owner, liveness is the
// owner's lock (never the clock), the audit trail counts every batch the store committed even
// across kill -9, and `history --verify` reports passes that died and are not recorded yet.
// On SQLite stores; tests/faults/ repeats the kills at random moments on every kind of store.
#include <signal.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/child.h"
#include "support/pass_progress.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/sqlite_installation.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";
constexpr long long kExpired = 100'000;
constexpr long long kFresh = 5'000;

// 100,000 expired rows and 5,000 fresh ones, a policy in small batches (10 ms each).
struct BigTable : SqliteInstallation {
  BigTable()
      : SqliteInstallation(
            "CREATE TABLE hits (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL);"
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                std::to_string(kExpired + kFresh) +
                ") INSERT INTO hits SELECT i, CASE WHEN i % 21 = 0 THEN 1900000000 ELSE "
                "1500000000 END FROM n;",
            "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
            "  - name: hits\n    store: app\n    table: hits\n    expire_after: 52d\n"
            "    since: {column: ts, format: epoch}\n    max_affected: 100%\n"
            "    batch_budget: 10ms\n") {}
  long long expired_left() {
    return sqlite_int(db, "SELECT count(*) FROM hits WHERE ts = 1500000000");
  }
  long long fresh_left() {
    return sqlite_int(db, "SELECT count(*) FROM hits WHERE ts = 1900000000");
  }
  long long audited() {
    return sqlite_int(state, "SELECT coalesce(sum(affected), 0) FROM audit WHERE policy = 'hits'");
  }
  // An enforce in the background, stopped with SIGSTOP once it has committed a batch, at a
  // moment when it is not writing to the state file (else it is let go on a little and stopped
  // again): other commands must be able to record what they do meanwhile.
  std::unique_ptr<Child> stopped_pass(const std::string& log) {
    auto child = std::make_unique<Child>(
        std::vector<std::string>{"enforce", "-c", config, "--at", kAt}, dir.path(), dir.file(log));
    stop_between_batches(*child, state);
    return child;
  }
};

}  // namespace

TEST_CASE(
    "issue 17: a pass refused by another's claim leaves that claim, and kill -9 loses no deletion",
    "[issues][issue17][sqlite]") {
  BigTable t;
  auto a = t.stopped_pass("a.log");
  auto b = t.run({"enforce", "--at", kAt, "--format", "json"});
  CHECK(b.exit_code == 1);
  auto refused = json::parse(b.out).at("policies").at(0);
  CHECK(refused.at("warnings")
            .dump()
            .find("is being enforced by another retentiond process (pid " +
                  std::to_string(a->pid()) + ")") != std::string::npos);
  // B recorded its refusal as a lock conflict, and left A's claim where it was.
  CHECK(sqlite_int(t.state,
                   "SELECT count(*) FROM audit WHERE outcome = 'refused' AND error_class = "
                   "'lock-conflict'") == 1);
  CHECK(sqlite_int(t.state, "SELECT count(*) FROM pass_in_progress WHERE policy = 'hits'") == 1);

  a->signal(SIGKILL);
  a->wait_exit();
  auto c = t.run({"enforce", "--at", kAt});
  INFO(c.err);
  CHECK(c.exit_code == 0);
  CHECK(t.expired_left() == 0);
  CHECK(t.fresh_left() == kFresh);
  // Every deletion is in the trail: A's (recorded as interrupted by C) and C's own.
  CHECK(t.audited() == kExpired);
  CHECK(sqlite_int(t.state, "SELECT count(*) FROM audit WHERE outcome = 'interrupted'") == 1);
  CHECK(t.run({"history", "--verify"}).exit_code == 0);
}

TEST_CASE("issue 17: a stopped pass keeps its claim however old its progress looks",
          "[issues][issue17][sqlite]") {
  BigTable t;
  auto a = t.stopped_pass("a.log");
  // As after an hour-long pause, a suspended machine or a clock step: the claim looks stale.
  sqlite_exec(t.state,
              "UPDATE pass_in_progress SET updated = '2000-01-01T00:00:00Z', "
              "started = '2000-01-01T00:00:00Z'");
  auto b = t.run({"enforce", "--at", kAt});
  CHECK(b.exit_code == 1);
  CHECK(b.err.find("is being enforced by another retentiond process") != std::string::npos);
  CHECK(sqlite_int(t.state, "SELECT count(*) FROM audit WHERE outcome = 'interrupted'") == 0);

  a->signal(SIGCONT);
  CHECK(a->wait_exit() == 0);
  CHECK(t.expired_left() == 0);
  CHECK(t.audited() == kExpired);
  CHECK(t.run({"history", "--verify"}).exit_code == 0);
}

TEST_CASE("issue 17: history --verify reports a pass that died until the next pass records it",
          "[issues][issue17][sqlite]") {
  BigTable t;
  auto a = t.stopped_pass("a.log");
  auto running = t.run({"history", "--verify"});
  INFO(running.out + running.err);
  CHECK(running.exit_code == 0);
  CHECK(running.out.find("policy 'hits', pass started") != std::string::npos);
  CHECK(running.out.find("still running (pid " + std::to_string(a->pid()) + ")") !=
        std::string::npos);

  a->signal(SIGKILL);
  a->wait_exit();
  auto dead = t.run({"history", "--verify"});
  CHECK(dead.exit_code == 1);
  CHECK(dead.out.find("Audit chain intact") != std::string::npos);
  CHECK(dead.out.find("AUDIT TRAIL INCOMPLETE: 1 pass did not finish and is not recorded yet.") !=
        std::string::npos);
  CHECK(dead.out.find(
            "it ended without its end being recorded (its process stopped, or could not ") !=
        std::string::npos);
  auto as_json =
      json::parse(t.run({"history", "--verify", "--format", "json"}).out).at("verification");
  CHECK(as_json.at("intact") == true);
  CHECK(as_json.at("complete") == false);
  CHECK(as_json.at("unfinished").at(0).at("alive") == false);

  CHECK(t.run({"enforce", "--at", kAt}).exit_code == 0);
  auto after = t.run({"history", "--verify"});
  CHECK(after.exit_code == 0);
  CHECK(after.out.find("INCOMPLETE") == std::string::npos);
  CHECK(t.audited() == kExpired);
}

TEST_CASE("a pass that died is recorded under the host that ran it, not the one recording it",
          "[issues][issue22][sqlite]") {
  // With a state several hosts share, another host's next pass records the dead one: the entry
  // must still name the host that deleted those rows (its owner token begins with it).
  BigTable t;
  auto a = t.stopped_pass("a.log");
  sqlite_exec(t.state,
              "UPDATE pass_in_progress SET owner = 'host-a' || substr(owner, instr(owner, ':'))");
  a->signal(SIGKILL);
  a->wait_exit();
  auto c = t.run({"enforce", "--at", kAt});
  INFO(c.err);
  CHECK(c.exit_code == 0);
  CHECK(c.err.find("did not finish (its process ended)") != std::string::npos);
  const json trail = json::parse(t.run({"history", "--format", "json"}).out);
  REQUIRE(trail.at("entries").size() == 2);
  CHECK(trail.at("entries").at(0).at("outcome") == "interrupted");
  CHECK(trail.at("entries").at(0).at("host") == "host-a");
  CHECK(trail.at("entries").at(1).at("host") != "host-a");
  CHECK(t.audited() == kExpired);
}
