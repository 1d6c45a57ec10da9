// Issue 17, items 7 and 8: the audit chain as evidence. Removing its newest entries, or all of
// them, or recomputing it after a rewrite, shows against the head every pass logs (--entries,
// --head), and with an audit key recomputing needs the key. A read-only state file (an archived
// copy, a read-only mount) can still be read by history, --verify and plan.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "daemon/state/audit.h"
#include "daemon/state/state.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/sqlite_installation.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kAt = "2028-03-01T00:00:00Z";

// Two expired rows and a fresh one; `extra` goes before the configuration.
struct Installation : SqliteInstallation {
  explicit Installation(const std::string& extra = "")
      : SqliteInstallation(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, ts INTEGER);"
            "INSERT INTO t VALUES (1, 1500000000), (2, 1500000000), (3, 1900000000);",
            extra +
                "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n"
                "policies:\n  - name: p\n    store: app\n    table: t\n"
                "    since: {column: ts, format: epoch}\n    expire_after: 1y\n"
                "    max_affected: 100%\n",
            "c.yaml") {}
  // Three passes; returns the head the last one logged: {entries, hash}.
  std::pair<std::string, std::string> three_passes() {
    std::smatch m;
    std::string log;
    for (const char* at : {"2027-01-01T00:00:00Z", kAt.c_str(), "2029-01-01T00:00:00Z"}) {
      auto r = run({"enforce", "--at", at});
      REQUIRE(r.exit_code == 0);
      log = r.err;
    }
    REQUIRE(std::regex_search(
        log, m, std::regex("audit trail: ([0-9]+) entr(?:y|ies), head ([0-9a-f]{64})")));
    return {m[1], m[2]};
  }
};

// Rewrites entry `id` (affected = 999) and recomputes the chain from it, with `key` ("" for
// plain SHA-256), as someone who can write the state file would.
void rewrite_and_rechain(const std::string& state_path, long long id, const std::string& key) {
  using namespace retentiond::daemon;
  StateFile state(state_path, true);
  auto entries = AuditTrail(state.db()).list({}, std::nullopt);
  std::string prev = id == 1 ? kGenesisHash : entries[id - 2].hash;
  for (auto& e : entries) {
    if (e.id < id) continue;
    if (e.id == id) e.affected = 999;
    e.prev_hash = prev;
    e.hash = audit_digest(e, key);
    auto st = state.db().prepare(
        "UPDATE audit SET affected = ?1, prev_hash = ?2, hash = ?3, keyed = ?4 WHERE id = ?5");
    st.bind(1, e.affected)
        .bind(2, e.prev_hash)
        .bind(3, e.hash)
        .bind(4, key.empty() ? 0LL : 1LL)
        .bind(5, e.id);
    st.step();
    prev = e.hash;
  }
}

}  // namespace

TEST_CASE("issue 17: removing the newest entries shows against the logged head",
          "[issues][issue17][audit]") {
  Installation i;
  auto [entries, head] = i.three_passes();
  CHECK(entries == "3");
  CHECK(i.run({"history", "--verify", "--entries", entries, "--head", head}).exit_code == 0);

  sqlite_exec(i.state, "DELETE FROM audit WHERE id = 3");
  // The chain of what is left is intact: alone, it cannot tell.
  CHECK(i.run({"history", "--verify"}).exit_code == 0);
  auto by_count = i.run({"history", "--verify", "--entries", entries});
  CHECK(by_count.exit_code == 1);
  CHECK(by_count.out.find("the trail holds 2 entries, fewer than the 3 expected: its newest "
                          "entries were removed") != std::string::npos);
  auto by_head = i.run({"history", "--verify", "--head", head});
  CHECK(by_head.exit_code == 1);
  CHECK(by_head.out.find("no entry has the expected hash " + head) != std::string::npos);

  sqlite_exec(i.state, "DELETE FROM audit");
  CHECK(i.run({"history", "--verify", "--entries", entries}).exit_code == 1);
  CHECK(i.run({"history", "--verify", "--head", head}).exit_code == 1);

  // The whole state file removed: not an intact trail either. Its lock directory, still there,
  // says one existed.
  std::filesystem::remove(i.state);
  auto lost = i.run({"history", "--verify"});
  CHECK(lost.exit_code == 1);
  CHECK(lost.err.find("is missing, but one was there") != std::string::npos);
  // And with its lock directory gone too, the expected head still tells.
  std::filesystem::remove_all(i.state + ".locks");
  auto gone = i.run({"history", "--verify", "--entries", entries, "--head", head});
  CHECK(gone.exit_code == 1);
  CHECK(gone.err.find("the audit trail is not there (the state file") != std::string::npos);
  CHECK(gone.err.find("it holds 0 entries, where at least 3 were expected") != std::string::npos);
  CHECK(i.run({"history", "--verify", "--head", head}).exit_code == 1);
}

TEST_CASE("issue 17: a rewritten and recomputed chain shows against the head, or without the key",
          "[issues][issue17][audit]") {
  SECTION("no audit key: the recomputed chain verifies alone, not against the head") {
    Installation i;
    auto [entries, head] = i.three_passes();
    rewrite_and_rechain(i.state, 2, "");
    CHECK(i.run({"history", "--verify"}).exit_code == 0);
    auto r = i.run({"history", "--verify", "--entries", entries, "--head", head});
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("entry 3 does not have the expected hash " + head +
                     ": the trail was rewritten") != std::string::npos);
  }
  SECTION("with an audit key, recomputing needs the key") {
    TempDir keys;
    std::string key_file = keys.write("audit-key", "0123456789abcdef0123456789abcdef\n");
    Installation i("audit_key_file: " + key_file + "\n");
    i.three_passes();
    CHECK(sqlite_int(i.state, "SELECT count(*) FROM audit WHERE keyed = 1") == 3);
    CHECK(i.run({"history", "--verify"}).exit_code == 0);

    rewrite_and_rechain(i.state, 2, "a key that is not the installation's");
    auto wrong_key = i.run({"history", "--verify"});
    CHECK(wrong_key.exit_code == 1);
    CHECK(wrong_key.out.find(
              "AUDIT CHAIN BROKEN at entry 2: row 2 was changed after it was written") !=
          std::string::npos);

    rewrite_and_rechain(i.state, 2, "");
    auto unkeyed = i.run({"history", "--verify"});
    CHECK(unkeyed.exit_code == 1);
    CHECK(unkeyed.out.find("row 2 is not keyed although the chain is keyed from row 1 on") !=
          std::string::npos);

    rewrite_and_rechain(i.state, 1, "");
    auto all_unkeyed = i.run({"history", "--verify"});
    CHECK(all_unkeyed.exit_code == 1);
    CHECK(all_unkeyed.out.find("the newest entry is not keyed although an audit key is given") !=
          std::string::npos);
  }
  SECTION("without the key, keyed entries are checked for their links only") {
    TempDir keys;
    std::string key_file = keys.write("audit-key", "0123456789abcdef0123456789abcdef");
    Installation i("audit_key_file: " + key_file + "\n");
    i.three_passes();
    auto r = run_retentiond({"history", "--state", i.state, "--verify"}, i.dir.path());
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("3 keyed entries checked for their links only") != std::string::npos);
    auto with_key = run_retentiond(
        {"history", "--state", i.state, "--verify", "--audit-key", key_file}, i.dir.path());
    CHECK(with_key.exit_code == 0);
    CHECK(with_key.out.find("checked for their links only") == std::string::npos);
  }
}

TEST_CASE("issue 17: an audit key shorter than 16 bytes is refused, naming its file",
          "[issues][issue17][audit]") {
  TempDir keys;
  std::string key_file = keys.write("audit-key", "short\n");
  Installation i("audit_key_file: " + key_file + "\n");
  auto r = i.run({"enforce", "--at", kAt});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("the audit key in '" + key_file + "' is shorter than 16 bytes") !=
        std::string::npos);
  CHECK(sqlite_int(i.dir.file("app.db"), "SELECT count(*) FROM t") == 3);
  // check says it first, at the setting, online and offline: it would stop every pass.
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"check"}, std::vector<std::string>{"check", "--offline"}}) {
    auto checked = i.run(args);
    CHECK(checked.exit_code == 1);
    CHECK(checked.err.find("c.yaml:1:17: error: the audit key in '" + key_file +
                           "' is shorter than 16 bytes") != std::string::npos);
  }
  Installation missing("audit_key_file: " + keys.file("no-such-key") + "\n");
  auto checked = missing.run({"check", "--offline"});
  CHECK(checked.exit_code == 1);
  CHECK(checked.err.find("c.yaml:1:17: error: cannot read the audit key file") !=
        std::string::npos);
}

TEST_CASE("issue 17: a read-only state file is read by history, --verify and plan",
          "[issues][issue17][audit]") {
  Installation i;
  i.three_passes();
  // An archived copy in a directory its reader cannot write to (no -shm file can be made).
  TempDir archive;
  const std::string copy_dir = archive.file("ro");
  std::filesystem::create_directories(copy_dir);
  std::filesystem::copy_file(i.state, copy_dir + "/state.db");
  for (const char* suffix : {"-wal", "-shm"})
    if (std::filesystem::exists(i.state + suffix))
      std::filesystem::copy_file(i.state + suffix, copy_dir + "/state.db" + suffix);
  std::filesystem::copy_file(i.dir.file("app.db"), archive.file("app.db"));
  chmod(archive.file("app.db").c_str(), 0644);
  std::string config =
      archive.write("c.yaml",
                    "state: ro/state.db\nstores:\n  app: {type: sqlite, path: app.db}\n"
                    "policies:\n  - name: p\n    store: app\n    table: t\n"
                    "    since: {column: ts, format: epoch}\n    expire_after: 1y\n");
  chmod(copy_dir.c_str(), 0555);
  chmod((copy_dir + "/state.db").c_str(), 0444);
  chmod(archive.path().c_str(), 0755);
  chmod(config.c_str(), 0644);
  // root may write anywhere: run the commands as the unprivileged user the test servers use.
  std::vector<std::string> as_reader;
  if (geteuid() == 0)
    as_reader = {"/usr/sbin/runuser", "-u", server_env("RETENTIOND_TEST_SERVER_USER"), "--"};
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = as_reader;
    argv.push_back(RETENTIOND_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, archive.path());
  };
  auto history = run({"history", "-c", config, "--format", "json"});
  INFO(history.err);
  CHECK(history.exit_code == 0);
  CHECK(json::parse(history.out).at("entries").size() == 3);
  auto verify = run({"history", "-c", config, "--verify"});
  INFO(verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find("Audit chain intact: 3 entries verified") != std::string::npos);
  auto plan = run({"plan", "-c", config, "--at", "2040-01-01T00:00:00Z", "--format", "json"});
  INFO(plan.err);
  CHECK(plan.exit_code == 0);
  chmod(copy_dir.c_str(), 0755);
}

TEST_CASE("issue 17: an application's database named as the state is refused, untouched",
          "[issues][issue17][audit]") {
  // Its journal mode, retentiond's tables, holds and secrets would be written into it.
  // (The store's own database as the state is refused at its line: see files_enforce_test.)
  TempDir dir;
  const std::string app = dir.file("app.db");
  sqlite_exec(app,
              "CREATE TABLE msgs (id INTEGER PRIMARY KEY, ts TEXT); CREATE TABLE users (id);"
              "INSERT INTO msgs VALUES (1, '2020-01-01');");
  sqlite_exec(dir.file("store.db"), "CREATE TABLE msgs (id INTEGER PRIMARY KEY, ts TEXT);");
  const std::string config = dir.write(
      "r.yaml",
      "state: app.db\nstores:\n  app: {type: sqlite, path: store.db}\npolicies:\n"
      "  - {name: p, store: app, table: msgs, expire_after: 1y, since: ts, max_affected: 100%}\n");
  const std::string refused = "the file '" + app +
                              "' is not a retentiond state file (it holds other tables: msgs, "
                              "users); give 'state:' a file of its own";
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"enforce", "-c", config, "--at", kAt},
        std::vector<std::string>{"hold", "add", "-c", config, "--policy", "p", "--reason", "r",
                                 "1"},
        std::vector<std::string>{"history", "-c", config}}) {
    auto r = run_retentiond(args, dir.path());
    INFO(args[0] << ": " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(refused) != std::string::npos);
  }
  CHECK(sqlite_column(app, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") ==
        std::vector<std::string>{"msgs", "users"});
  CHECK(sqlite_column(app, "PRAGMA journal_mode") == std::vector<std::string>{"delete"});
  CHECK(sqlite_int(app, "SELECT count(*) FROM msgs") == 1);
  dir.write("empty.db", "");
  auto empty = run_retentiond({"history", "--state", dir.file("empty.db")}, dir.path());
  CHECK(empty.exit_code == 1);
  CHECK(empty.err.find("is not a retentiond state file (it holds no table)") != std::string::npos);
}
