// The command-line contract: --help everywhere, exit codes 0/1/2, check online and offline,
// report formats, -o, history --since and --verify.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/config_text.h"
#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/sqlite_installation.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const std::string kConfig = R"yaml(state: state.db
stores:
  app: {type: sqlite, path: app.db}
policies:
  - name: old-users
    description: Accounts absent one year are deleted
    store: app
    table: users
    expire_after: 1y
    since: [last_login, created]
    where: "deleted IS NULL"
    max_affected: 100%
)yaml";

const std::string kUsers =
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, last_login TEXT,"
    " created TEXT, deleted TEXT);"
    "INSERT INTO users VALUES (1, 'alice@example.org', '2020-01-01', '2019-01-01', NULL),"
    " (2, 'bob@example.org', '2028-01-01', '2019-01-01', NULL),"
    " (3, 'carol@example.org', NULL, NULL, NULL);";

struct Fixture : SqliteInstallation {
  Fixture() : SqliteInstallation(kUsers, kConfig, "retentiond.yaml") {}
};

}  // namespace

TEST_CASE("every subcommand has --help", "[cli]") {
  for (const char* command : {"check", "plan", "enforce", "history"}) {
    INFO(command);
    auto r = run_retentiond({command, "--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Usage: retentiond " + std::string(command)) != std::string::npos);
  }
  auto top = run_retentiond({"--help"});
  CHECK(top.exit_code == 0);
  CHECK(top.out.find("enforce") != std::string::npos);
  CHECK(run_retentiond({"--version"}).exit_code == 0);
}

TEST_CASE("command-line mistakes exit 2 with a hint", "[cli]") {
  CHECK(run_retentiond({}).exit_code == 2);
  CHECK(run_retentiond({"frobnicate"}).exit_code == 2);
  auto bad_option = run_retentiond({"plan", "--bogus"});
  CHECK(bad_option.exit_code == 2);
  CHECK(bad_option.err.find("--help") != std::string::npos);
  Fixture f;
  CHECK(f.run({"plan", "--at", "next tuesday"}).exit_code == 2);
  CHECK(f.run({"plan", "--format", "pdf"}).exit_code == 2);
  CHECK(f.run({"history", "--since", "whenever"}).exit_code == 2);
}

TEST_CASE("check validates offline and online", "[cli][check]") {
  Fixture f;
  auto ok = f.run({"check"});
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
  CHECK(f.run({"check", "--offline"}).exit_code == 0);
  auto as_json = json::parse(f.run({"check", "--format", "json"}).out);
  CHECK(as_json.at("valid") == true);

  std::string bad =
      f.dir.write("bad.yaml",
                  "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                  "  - name: a\n    store: app\n    table: users\n    expire_after: 1y\n"
                  "    since: [last_logn, created]\n    where: \"nosuchcol = 1\"\n"
                  "  - name: b\n    store: app\n    table: userz\n    expire_after: 1y\n"
                  "    since: x\n");
  auto offline = run_retentiond({"check", "--offline", "-c", bad}, f.dir.path());
  CHECK(offline.exit_code == 0);  // names are only known to the store
  auto online = run_retentiond({"check", "-c", bad}, f.dir.path());
  CHECK(online.exit_code == 1);
  CHECK(online.err.find(bad + ":9:13: error: no column 'last_logn' in table 'users' (did you mean "
                              "'last_login'?)") != std::string::npos);
  CHECK(online.err.find(bad + ":10:12: error: where: no such column: nosuchcol") !=
        std::string::npos);
  CHECK(online.err.find(bad +
                        ":13:12: error: no table 'userz' in store 'app' (did you mean 'users'?)") !=
        std::string::npos);
  auto online_json = run_retentiond({"check", "--format", "json", "-c", bad}, f.dir.path());
  CHECK(online_json.exit_code == 1);
  auto errors = json::parse(online_json.out).at("errors");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].at("line") == 9);
  CHECK(errors[0].at("column") == 13);
  auto online_md = run_retentiond({"check", "--format", "markdown", "-c", bad}, f.dir.path());
  CHECK(online_md.out.find("**invalid**") != std::string::npos);
  // plan's JSON says a policy it could not count was not counted: its 0 is no count.
  auto plan_json = run_retentiond({"plan", "--format", "json", "-c", bad}, f.dir.path());
  CHECK(plan_json.exit_code == 1);
  const json planned = json::parse(plan_json.out);
  for (const auto& p : planned.at("policies")) {
    INFO(p.dump());
    CHECK(p.at("counted") == false);
  }
}

TEST_CASE("check contacts every store, also one no policy uses yet", "[cli][check]") {
  Fixture f;
  std::string config = f.dir.write("spare.yaml",
                                   "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n"
                                   "  spare: {type: sqlite, path: missing.db}\npolicies: []\n");
  auto r = run_retentiond({"check", "-c", config}, f.dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(config + ":4:10: error: store 'spare'") != std::string::npos);
  CHECK(r.err.find("store 'app'") == std::string::npos);
  CHECK(run_retentiond({"check", "--offline", "-c", config}, f.dir.path()).exit_code == 0);
}

TEST_CASE("an invalid configuration exits 1 for every command", "[cli][check]") {
  TempDir dir;
  std::string bad = dir.write("bad.yaml",
                              "stores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                              "  - name: a\n    store: app\n    table: t\n"
                              "    expire_after: 14 moons\n    since: ts\n");
  for (const char* command : {"check", "plan", "enforce"}) {
    auto r = run_retentiond({command, "-c", bad}, dir.path());
    INFO(command);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find(bad + ":7:19: error: unknown unit 'moons'") != std::string::npos);
  }
  auto missing = run_retentiond({"check", "-c", dir.file("nope.yaml")});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("nope.yaml") != std::string::npos);
}

TEST_CASE("an unreachable store fails its policies, named, and loses nothing", "[cli]") {
  TempDir dir;
  std::string config =
      dir.write("r.yaml", one_store_config("gone", "{type: sqlite, path: missing.db}",
                                           "  - name: a\n    store: gone\n    table: t\n"
                                           "    expire_after: 1y\n    since: ts\n"));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(check.exit_code == 1);
  CHECK(check.err.find("store 'gone'") != std::string::npos);
  auto enforce = run_retentiond({"enforce", "-c", config, "--format", "json"}, dir.path());
  CHECK(enforce.exit_code == 1);
  auto h = run_retentiond({"history", "-c", config, "--format", "json"}, dir.path());
  CHECK(h.out.find("\"failed\"") != std::string::npos);
  CHECK(h.out.find("store-unreachable") != std::string::npos);
}

TEST_CASE("reports in every format, to stdout or to a file", "[cli][report]") {
  Fixture f;
  auto text = f.run({"plan", "--at", "2028-03-01T00:00:00Z"});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("old-users") != std::string::npos);
  CHECK(text.out.find("2027-03-01T00:00:00Z") != std::string::npos);
  auto markdown = f.run({"plan", "--at", "2028-03-01T00:00:00Z", "--format", "markdown"});
  CHECK(markdown.exit_code == 0);
  CHECK(markdown.out.find("| old-users") != std::string::npos);
  auto html =
      f.run({"plan", "--at", "2028-03-01T00:00:00Z", "--format", "html", "-o", "report.html"});
  CHECK(html.exit_code == 0);
  CHECK(html.out.empty());
  CHECK(read_file(f.dir.file("report.html")).find("<table") != std::string::npos);
  auto j = json::parse(f.run({"plan", "--at", "2028-03-01T00:00:00Z", "--format", "json"}).out);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.at("policies").at(0).items()) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<std::string>{"action", "cutoff", "held", "matched", "name", "oldest",
                                         "statements", "store", "warnings"});
}

TEST_CASE(
    "the report file of -o never replaces retentiond's own files, writes through links "
    "and keeps a mode",
    "[cli][report]") {
  Fixture f;
  REQUIRE(f.run({"enforce", "--at", "2028-03-01T00:00:00Z"}).exit_code == 0);
  // The state, a store's database, the configuration: refused before anything is done.
  for (const std::string& own : {f.state, f.db, f.config, f.dir.file("./state.db-wal")}) {
    INFO(own);
    const std::string before = read_file(own == f.dir.file("./state.db-wal") ? f.state : own);
    auto r = f.run({"plan", "--at", "2028-03-01T00:00:00Z", "-o", own});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("names a file retentiond reads or keeps") != std::string::npos);
    CHECK(read_file(own == f.dir.file("./state.db-wal") ? f.state : own) == before);
  }
  CHECK(f.run({"history"}).exit_code == 0);
  // A symbolic link: its target gets the report, the link stays a link.
  f.dir.write("target.txt", "old\n");
  std::filesystem::create_symlink("target.txt", f.dir.file("link.txt"));
  REQUIRE(f.run({"plan", "--at", "2028-03-01T00:00:00Z", "-o", "link.txt"}).exit_code == 0);
  CHECK(std::filesystem::is_symlink(f.dir.file("link.txt")));
  CHECK(read_file(f.dir.file("target.txt")).find("old-users") != std::string::npos);
  // A file the operator made private stays private.
  f.dir.write("private.txt", "");
  std::filesystem::permissions(f.dir.file("private.txt"), std::filesystem::perms::owner_read |
                                                              std::filesystem::perms::owner_write);
  REQUIRE(f.run({"plan", "--at", "2028-03-01T00:00:00Z", "-o", "private.txt"}).exit_code == 0);
  CHECK(std::filesystem::status(f.dir.file("private.txt")).permissions() ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  CHECK(read_file(f.dir.file("private.txt")).find("old-users") != std::string::npos);
  // Its owner too, where the user running retentiond may give it (root, as CI runs).
  if (::geteuid() == 0) {
    REQUIRE(::chown(f.dir.file("private.txt").c_str(), 65534, 65534) == 0);
    REQUIRE(f.run({"plan", "--at", "2028-03-01T00:00:00Z", "-o", "private.txt"}).exit_code == 0);
    struct stat st {};
    REQUIRE(::stat(f.dir.file("private.txt").c_str(), &st) == 0);
    CHECK(st.st_uid == 65534);
    CHECK(st.st_gid == 65534);
  }
  // A FIFO is written into, not replaced.
  const std::string fifo = f.dir.file("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] { received = read_file(fifo); });
  auto to_fifo = f.run({"plan", "--at", "2028-03-01T00:00:00Z", "-o", "fifo"});
  reader.join();
  CHECK(to_fifo.exit_code == 0);
  CHECK(std::filesystem::is_fifo(fifo));
  CHECK(received.find("old-users") != std::string::npos);
}

TEST_CASE("no personal data in reports, logs or the audit trail", "[cli][privacy]") {
  Fixture f;
  auto plan = f.run({"plan", "--at", "2028-03-01T00:00:00Z", "--format", "json"});
  auto enforce = f.run({"enforce", "--at", "2028-03-01T00:00:00Z"});
  CHECK(enforce.exit_code == 0);
  auto history = f.run({"history", "--format", "json"});
  auto dump = sqlite_column(f.dir.file("state.db"),
                            "SELECT group_concat(policy || store || action || outcome ||"
                            " error_class, '|') FROM audit");
  for (const auto& text : {plan.out, plan.err, enforce.out, enforce.err, history.out, dump.at(0)}) {
    CHECK(text.find("alice") == std::string::npos);
    CHECK(text.find("example.org") == std::string::npos);
  }
  CHECK(sqlite_column(f.db, "SELECT id FROM users ORDER BY id") ==
        std::vector<std::string>{"2", "3"});
}

TEST_CASE("history filters by policy and date, and --verify checks the chain", "[cli][history]") {
  Fixture f;
  REQUIRE(f.run({"enforce", "--at", "2028-03-01T00:00:00Z"}).exit_code == 0);
  REQUIRE(f.run({"enforce", "--at", "2028-03-02T00:00:00Z"}).exit_code == 0);
  auto all = json::parse(f.run({"history", "--format", "json"}).out).at("entries");
  REQUIRE(all.size() == 2);
  CHECK(all[0].at("affected") == 1);
  CHECK(all[1].at("affected") == 0);
  CHECK(all[0].at("cutoff") == "2027-03-01T00:00:00Z");
  // --since filters on when passes ran (the real clock), not on their --at moment.
  auto since = json::parse(f.run({"history", "--format", "json", "--since", "2000-01-01"}).out)
                   .at("entries");
  CHECK(since.size() == 2);
  auto none = json::parse(
      f.run({"history", "--format", "json", "--policy", "old-users", "--since", "2100-01-01"}).out);
  CHECK(none.at("entries").empty());
  auto markdown = f.run({"history", "--format", "markdown", "--verify"});
  CHECK(markdown.exit_code == 0);
  CHECK(markdown.out.find("| 1 | ") != std::string::npos);
  CHECK(markdown.out.find("intact") != std::string::npos);
  auto verify = f.run({"history", "--verify"});
  CHECK(verify.exit_code == 0);
  sqlite_exec(f.dir.file("state.db"), "UPDATE audit SET affected = 0 WHERE id = 1");
  auto tampered = f.run({"history", "--verify"});
  CHECK(tampered.exit_code == 1);
  CHECK((tampered.out + tampered.err).find("1") != std::string::npos);
}

TEST_CASE("history without a state file says so", "[cli][history]") {
  Fixture f;
  auto r = f.run({"history"});
  CHECK(r.exit_code == 0);
  auto j = json::parse(f.run({"history", "--format", "json"}).out);
  CHECK(j.at("entries").empty());
}
