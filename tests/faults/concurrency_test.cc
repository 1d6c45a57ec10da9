// Passes of one policy that meet: two and three concurrent `enforce`s, `serve` and `enforce`
// with one of them stopped (SIGSTOP) mid-pass, and a state file that cannot grow (a full disk).
// Exactly one pass acts at a time, the others are refused as a lock conflict, and the audit
// trail equals what the store lost.
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/state/audit.h"
#include "daemon/state/state.h"
#include "support/child.h"
#include "support/pass_progress.h"
#include "support/pg_server.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

constexpr long long kExpired = 200'000;

struct Busy {
  TempDir dir;
  std::string db = dir.file("app.db");
  std::string state = dir.file("state.db");
  std::string config;
  explicit Busy(const std::string& extra = "") {
    sqlite_exec(db,
                "CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL);"
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
                    std::to_string(kExpired + 1000) +
                    ") INSERT INTO t SELECT i, CASE WHEN i <= 1000 THEN 1900000000 ELSE 1500000000 "
                    "END FROM n;");
    config = dir.write(
        "c.yaml",
        "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
        "  - name: p\n    store: app\n    table: t\n    since: {column: ts, format: epoch}\n"
        "    expire_after: 52d\n    max_affected: 100%\n    batch_budget: 10ms\n" +
            extra);
  }
  long long audited() {
    return sqlite_int(state, "SELECT coalesce(sum(affected), 0) FROM audit WHERE policy = 'p'");
  }
  long long lost() { return kExpired + 1000 - sqlite_int(db, "SELECT count(*) FROM t"); }
  long long fresh() { return sqlite_int(db, "SELECT count(*) FROM t WHERE ts = 1900000000"); }
  std::unique_ptr<Child> enforce(const std::string& log) {
    return std::make_unique<Child>(std::vector<std::string>{"enforce", "-c", config}, dir.path(),
                                   dir.file(log));
  }
  // Stops `child` once it has committed a batch, while it is not writing to the state file.
  void stop_mid_pass(Child& child) { stop_between_batches(child, state); }
  // No two passes that changed records overlapped in time.
  void check_no_overlap() {
    retentiond::daemon::StateFile s(state, false);
    auto entries = retentiond::daemon::AuditTrail(s.db()).list({"p"}, std::nullopt);
    for (size_t i = 0; i < entries.size(); ++i)
      for (size_t j = i + 1; j < entries.size(); ++j) {
        const auto &a = entries[i], &b = entries[j];
        if (a.affected == 0 || b.affected == 0) continue;
        CHECK((a.finished <= b.started || b.finished <= a.started));
      }
  }
  void check_books() {
    CHECK(fresh() == 1000);
    CHECK(audited() == lost());
    check_no_overlap();
    CHECK(run_retentiond({"history", "-c", config, "--verify"}, dir.path()).exit_code == 0);
  }
};

}  // namespace

TEST_CASE("faults: two and three enforces at once: one acts, the others are refused", "[faults]") {
  for (int n : {2, 3}) {
    DYNAMIC_SECTION(n << " at once") {
      Busy b;
      std::vector<std::unique_ptr<Child>> passes;
      for (int i = 0; i < n; ++i) passes.push_back(b.enforce("p" + std::to_string(i) + ".log"));
      int ok = 0, refused = 0;
      for (auto& p : passes) {
        int code = p->wait_exit();
        if (code == 0)
          ++ok;
        else if (code == 1 && p->output().find("is being enforced by another retentiond process") !=
                                  std::string::npos)
          ++refused;
      }
      CHECK(ok >= 1);
      CHECK(ok + refused == n);
      CHECK(sqlite_int(b.db, "SELECT count(*) FROM t") == 1000);
      b.check_books();
    }
  }
}

TEST_CASE("faults: a stopped enforce keeps the policy and the others are refused until it goes on",
          "[faults]") {
  Busy b;
  auto a = b.enforce("a.log");
  b.stop_mid_pass(*a);
  for (int i = 0; i < 2; ++i) {
    auto r = run_retentiond({"enforce", "-c", b.config}, b.dir.path());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("is being enforced by another retentiond process (pid " +
                     std::to_string(a->pid()) + ")") != std::string::npos);
  }
  a->signal(SIGCONT);
  CHECK(a->wait_exit() == 0);
  CHECK(sqlite_int(b.db, "SELECT count(*) FROM t") == 1000);
  CHECK(sqlite_int(b.state, "SELECT count(*) FROM audit WHERE error_class = 'lock-conflict'") == 2);
  b.check_books();
}

TEST_CASE("faults: serve and enforce on the same policy, either stopped mid-pass", "[faults]") {
  // The schedule's run of 03:15 was missed two days ago: serve runs it at once.
  Busy b("    schedule: daily 03:15\n");
  {
    retentiond::daemon::StateFile state(b.state, true);
    retentiond::daemon::AuditEntry e;
    e.policy = "p";
    e.store = "app";
    e.action = "delete";
    e.started = e.finished = retentiond::policies::now_utc() - std::chrono::hours(48);
    e.cutoff = e.started;
    e.outcome = "ok";
    retentiond::daemon::AuditTrail(state.db()).append(e);
  }
  SECTION("serve stopped: enforce is refused") {
    Child serve({"serve", "-c", b.config}, b.dir.path(), b.dir.file("serve.log"));
    b.stop_mid_pass(serve);
    auto r = run_retentiond({"enforce", "-c", b.config}, b.dir.path());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("is being enforced by another retentiond process (pid " +
                     std::to_string(serve.pid()) + ")") != std::string::npos);
    serve.signal(SIGCONT);
    REQUIRE(wait_until([&] { return sqlite_int(b.db, "SELECT count(*) FROM t") == 1000; },
                       std::chrono::seconds(120)));
    REQUIRE(wait_until(
        [&] { return sqlite_int(b.state, "SELECT count(*) FROM pass_in_progress") == 0; }));
    serve.signal(SIGTERM);
    CHECK(serve.wait_exit() == 0);
  }
  SECTION("enforce stopped: serve's pass is refused, enforce goes on") {
    auto a = b.enforce("a.log");
    b.stop_mid_pass(*a);
    Child serve({"serve", "-c", b.config}, b.dir.path(), b.dir.file("serve.log"));
    REQUIRE(wait_until([&] {
      return serve.output().find("is being enforced by another retentiond process") !=
             std::string::npos;
    }));
    a->signal(SIGCONT);
    CHECK(a->wait_exit() == 0);
    serve.signal(SIGTERM);
    CHECK(serve.wait_exit() == 0);
    CHECK(sqlite_int(b.db, "SELECT count(*) FROM t") == 1000);
  }
  b.check_books();
}

TEST_CASE("faults: a full disk for the state file loses no deletion", "[faults]") {
  TempDir dir;
  PgDatabase db;
  db.exec(
      "CREATE TABLE t (id bigserial PRIMARY KEY, ts timestamptz NOT NULL);"
      "INSERT INTO t (ts) SELECT '2020-01-01' FROM generate_series(1, 200000);"
      "INSERT INTO t (ts) SELECT '2030-01-01' FROM generate_series(1, 1000);");
  std::string config =
      dir.write("c.yaml", "state: state.db\nstores:\n  app: {type: postgresql, dsn: \"" + db.dsn() +
                              "\"}\npolicies:\n  - name: p\n    store: app\n    table: t\n"
                              "    since: ts\n    expire_after: 1y\n    max_affected: 100%\n"
                              "    batch_budget: 10ms\n");
  REQUIRE(run_retentiond({"enforce", "-c", config, "--at", "2000-01-01T00:00:00Z"}, dir.path())
              .exit_code == 0);
  // The state file's disk fills up during the pass: no file may grow past a few pages more than
  // the state file has now.
  const auto size = std::filesystem::file_size(dir.file("state.db"));
  auto full =
      run_program({"/usr/bin/prlimit", "--fsize=" + std::to_string(size + 48 * 1024),
                   RETENTIOND_BINARY, "enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"},
                  dir.path());
  INFO(full.err);
  CHECK(full.exit_code == 1);
  CHECK(full.err.find("in the state file '" + dir.file("state.db") + "'") != std::string::npos);
  CHECK(db.integer("SELECT count(*) FROM t WHERE ts > '2025-01-01'") == 1000);
  // With room again, the next pass records what the store lost and finishes.
  auto next = run_retentiond({"enforce", "-c", config, "--at", "2028-03-01T00:00:00Z"}, dir.path());
  INFO(next.err);
  CHECK(next.exit_code == 0);
  CHECK(db.integer("SELECT count(*) FROM t") == 1000);
  CHECK(sqlite_int(dir.file("state.db"), "SELECT sum(affected) FROM audit WHERE policy = 'p'") ==
        200000);
  CHECK(run_retentiond({"history", "-c", config, "--verify"}, dir.path()).exit_code == 0);
}

TEST_CASE("faults: a state file removed during a pass stops it before its next batch", "[faults]") {
  // Someone removes (or replaces) the state file while a pass runs: SQLite would go on writing
  // to the unlinked file, the pass would delete everything and its record would go with that
  // file. The pass stops before its next batch, fails naming the file, and exits 1; what it did
  // before is in the old file only, so at most the batches before the removal went unrecorded.
  Busy b;
  auto pass = b.enforce("enforce.log");
  b.stop_mid_pass(*pass);
  std::filesystem::rename(b.state, b.dir.file("removed.db"));
  for (const char* side : {"-wal", "-shm"})
    if (std::filesystem::exists(b.state + side))
      std::filesystem::rename(b.state + side, b.dir.file("removed.db") + side);
  pass->signal(SIGCONT);
  INFO(pass->output());
  CHECK(pass->wait_exit(std::chrono::seconds(60)) == 1);
  CHECK(pass->output().find("the state file '" + b.state +
                            "' was removed or replaced since this process opened it") !=
        std::string::npos);
  // It stopped: most of the expired rows are still there, and the unexpired ones all are.
  CHECK(b.lost() < kExpired / 2);
  CHECK(b.fresh() == 1000);
}
