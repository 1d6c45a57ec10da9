// Issue 17, item 9: bytes that are not UTF-8 (in a description, a where:, a table name, a file
// name, a row of the audit trail) never abort a JSON report: they come out as U+FFFD in valid
// JSON, and the text report escapes them. A report is never lost once a pass has acted: when it
// cannot be written where asked, it goes to standard output and the command fails.
#include <sys/stat.h>
#include <sys/time.h>

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
const std::string kReplacement = "\xef\xbf\xbd";  // U+FFFD

// Parses `text` as JSON; nlohmann refuses bytes that are not UTF-8, so this also checks that.
json parsed(const RunResult& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  json out;
  REQUIRE_NOTHROW(out = json::parse(r.out));
  return out;
}

std::string joined(const json& strings) {
  std::string out;
  for (const auto& s : strings) out += s.get<std::string>() + "\n";
  return out;
}

// A SQLite store whose table name and description hold bytes that are not UTF-8 (and an escape
// sequence), with one expired row and one fresh one. (A `where:` holding such bytes is refused by
// the configuration check: see sql_fragment_test.)
struct BadBytes : SqliteInstallation {
  BadBytes()
      : SqliteInstallation(
            "CREATE TABLE \"us\377ers\" (id INTEGER PRIMARY KEY, seen TEXT, note TEXT);"
            "INSERT INTO \"us\377ers\" VALUES (1, '2020-01-01', 'a'), (2, '2028-01-01', 'b');",
            "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\n"
            "policies:\n  - name: old-users\n"
            "    description: \"Accounts d\xc3\x28 \\e[31mred\"\n"
            "    store: app\n    table: \"us\377ers\"\n    expire_after: 1y\n"
            "    since: seen\n    where: \"note <> 'x'\"\n"
            "    max_affected: 100%\n") {}
};

}  // namespace

TEST_CASE("issue 17: plan and enforce --format json replace bytes that are not UTF-8",
          "[cli][json]") {
  BadBytes f;
  auto plan = f.run({"plan", "--at", kAt, "--format", "json"});
  CHECK(plan.exit_code == 0);
  auto planned = policy_in(parsed(plan), "old-users");
  CHECK(planned.at("matched") == 1);
  const std::string statements = joined(planned.at("statements"));
  CHECK(statements.find("\"us" + kReplacement + "ers\"") != std::string::npos);

  auto enforce = f.run({"enforce", "--at", kAt, "--format", "json"});
  CHECK(enforce.exit_code == 0);
  auto enforced = policy_in(parsed(enforce), "old-users");
  CHECK(enforced.at("affected") == 1);
  CHECK(sqlite_column(f.db, "SELECT id FROM \"us\377ers\"") == std::vector<std::string>{"2"});
  CHECK(parsed(f.run({"history", "--format", "json"})).at("entries").size() == 1);
}

TEST_CASE("issue 17: text, markdown and html reports escape what is not printable", "[cli][json]") {
  BadBytes f;
  for (const char* format : {"text", "markdown", "html"}) {
    INFO(format);
    auto r = f.run({"plan", "--at", kAt, "--format", format});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\xff') == std::string::npos);
    CHECK(r.out.find("us\\xffers") != std::string::npos);
    if (std::string(format) == "text")
      CHECK(r.out.find("Accounts d\\xc3( \\x1b[31mred") != std::string::npos);
    if (std::string(format) == "markdown")  // '[' escaped as Markdown
      CHECK(r.out.find("Accounts d\\xc3( \\x1b\\[31mred") != std::string::npos);
  }
}

TEST_CASE("issue 17: history --format json replaces bytes of an edited audit row", "[cli][json]") {
  BadBytes f;
  REQUIRE(f.run({"enforce", "--at", kAt}).exit_code == 0);
  sqlite_exec(f.dir.file("state.db"),
              "UPDATE audit SET store = 'ap' || CAST(X'FF' AS TEXT) || char(27)");

  auto history = f.run({"history", "--format", "json"});
  CHECK(history.exit_code == 0);
  CHECK(parsed(history).at("entries").at(0).at("store") == "ap" + kReplacement + "\x1b");
  auto markdown = f.run({"history", "--format", "markdown"});
  CHECK(markdown.exit_code == 0);
  CHECK(markdown.out.find("| ap\\xff\\x1b |") != std::string::npos);

  // The hash chain cannot be computed over such a row: retentiond never writes one.
  auto verify = f.run({"history", "--verify", "--format", "json"});
  CHECK(verify.exit_code == 1);
  auto verification = parsed(verify).at("verification");
  CHECK(verification.at("intact") == false);
  CHECK(verification.at("first_bad_id") == 1);
  CHECK(verification.at("problem") ==
        "row 1 was changed after it was written (it holds bytes that are not UTF-8)");
}

TEST_CASE("issue 17: check --format json reports a name that is not UTF-8", "[cli][json]") {
  TempDir dir;
  std::string config = dir.write("r.yaml",
                                 "stores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                                 "  - name: \"old\xff-users\"\n    store: app\n    table: t\n"
                                 "    expire_after: 1y\n    since: seen\n");
  auto r = run_retentiond({"check", "--offline", "-c", config, "--format", "json"}, dir.path());
  CHECK(r.exit_code == 1);  // was SIGABRT (uncaught type_error.316)
  auto errors = parsed(r).at("errors");
  REQUIRE(errors.size() == 1);
  CHECK(errors.at(0).at("message") == "policy name 'old" + kReplacement +
                                          "-users' must start with a letter or digit and use "
                                          "only letters, digits, '-', '_' and '.'");
}

TEST_CASE("issue 17: file names that are not UTF-8 in the files store", "[cli][json][files]") {
  TempDir dir;
  for (const std::string name : {"access.log-\xff", "access.log-\xc3\x28", "access.log-\x80"}) {
    std::string path = dir.write("lo\xffgs/" + name, "x");
    struct timeval old[2] = {{1577836800, 0}, {1577836800, 0}};  // 2020-01-01
    REQUIRE(::utimes(path.c_str(), old) == 0);
  }
  std::string config =
      dir.write("r.yaml",
                "state: state.db\nstores:\n  logs: {type: files, root: \"lo\xffgs\"}\n"
                "policies:\n  - name: access\n    store: logs\n"
                "    files: \"access.log-*\"\n    expire_after: 52d\n"
                "    since: mtime\n    max_affected: 100%\n");
  auto plan = run_retentiond(
      {"plan", "-c", config, "--at", kAt, "--samples", "5", "--format", "json"}, dir.path());
  CHECK(plan.exit_code == 0);
  auto samples = joined(policy_in(parsed(plan), "access").at("samples"));
  CHECK(samples == "access.log-" + kReplacement + "\naccess.log-" + kReplacement +
                       "(\naccess.log-" + kReplacement + "\n");  // \x80, \xc3( and \xff
  auto text = run_retentiond({"plan", "-c", config, "--at", kAt, "--samples", "5"}, dir.path());
  CHECK(text.out.find("access.log-\\xc3(") != std::string::npos);

  auto enforce =
      run_retentiond({"enforce", "-c", config, "--at", kAt, "--format", "json"}, dir.path());
  CHECK(enforce.exit_code == 0);
  CHECK(policy_in(parsed(enforce), "access").at("affected") == 3);
}

TEST_CASE("issue 17: a hold on a key that is not UTF-8 is refused, never dropped", "[cli][holds]") {
  BadBytes f;
  auto hold = [&](const std::string& key) {
    return run_retentiond(
        {"hold", "add", "-c", f.config, "--policy", "old-users", key, "--reason", "court"},
        f.dir.path());
  };
  auto add = hold("a\xff");
  CHECK(add.exit_code == 2);
  CHECK(add.err ==
        "retentiond hold: the KEY is not valid UTF-8 text; a hold names a key as text\n"
        "Try 'retentiond hold --help'.\n");
  // One made before the check (or written by hand) stops the policy: the store could not be
  // asked to spare it, and leaving it out would act on a held record.
  REQUIRE(hold("1").exit_code == 0);
  sqlite_exec(f.dir.file("state.db"), "UPDATE holds SET key = '1' || CAST(X'FF' AS TEXT)");
  auto enforce = f.run({"enforce", "--at", kAt, "--format", "json"});
  CHECK(enforce.exit_code == 1);
  CHECK(
      joined(policy_in(parsed(enforce), "old-users").at("warnings"))
          .find(
              "a legal hold of policy 'old-users' has a key that is not valid UTF-8 and cannot be "
              "passed to the store; nothing is done for this policy until that hold is removed") !=
      std::string::npos);
  CHECK(sqlite_int(f.db, "SELECT count(*) FROM \"us\377ers\"") == 2);
}

TEST_CASE("issue 17: an enforce report that cannot be written goes to standard output",
          "[cli][json]") {
  BadBytes f;
  const std::string unwritable = f.dir.file("no-such-dir/report.json");
  auto r = f.run({"enforce", "--at", kAt, "--format", "json", "-o", unwritable});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("retentiond: critical: cannot write the report to '" + unwritable +
                   "': No such file or directory; the passes are recorded in the audit trail (see "
                   "'retentiond history'); "
                   "printing the report to standard output instead\n") != std::string::npos);
  CHECK(policy_in(parsed(r), "old-users").at("affected") == 1);
  auto history = parsed(f.run({"history", "--format", "json"})).at("entries");
  REQUIRE(history.size() == 1);
  CHECK(history.at(0).at("affected") == 1);
}

TEST_CASE("issue 17: an enforce report that cannot be printed fails the command", "[cli][json]") {
  BadBytes f;
  // Standard output on /dev/full: every write fails with ENOSPC.
  auto r = run_program({"/bin/sh", "-c", "exec \"$0\" \"$@\" >/dev/full", RETENTIOND_BINARY,
                        "enforce", "-c", f.config, "--at", kAt, "--format", "json"},
                       f.dir.path());
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("retentiond: critical: cannot write the report to standard output; the passes "
                   "are recorded in the audit trail (see 'retentiond history')\n") !=
        std::string::npos);
  CHECK(parsed(f.run({"history", "--format", "json"})).at("entries").at(0).at("affected") == 1);
}

TEST_CASE("whatever the command, output that cannot be written fails it, said once",
          "[cli][json]") {
  BadBytes f;
  f.run({"enforce", "--at", kAt});  // a trail to print
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"history", "--format", "json"},
                                             {"history", "--verify"},
                                             {"status", "--format", "json"},
                                             {"check", "--offline", "--format", "json"},
                                             {"hold", "list", "--format", "json"},
                                             {"register"},
                                             {"--version"},
                                             {"--help"}}) {
    std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" >/dev/full",
                                  RETENTIOND_BINARY};
    argv.insert(argv.end(), command.begin(), command.end());
    argv.insert(argv.end(), {"-c", f.config});
    auto r = run_program(argv, f.dir.path());
    INFO(command.front() << ": " << r.err);
    CHECK(r.exit_code == 1);
    const auto said = r.err.find("cannot write");
    CHECK(said != std::string::npos);
    CHECK(r.err.find("cannot write", said + 1) == std::string::npos);
  }
}

TEST_CASE("an unknown command is named escaped, with a hint for an option put first",
          "[cli][escaping]") {
  auto r = run_retentiond({"pl\x1b[2Jan"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("retentiond: unknown command 'pl\\x1b[2Jan'\n") == 0);
  auto option = run_retentiond({"-c", "x.yaml", "plan"});
  CHECK(option.exit_code == 2);
  CHECK(option.err.find("unknown command '-c' (options go after the command: retentiond plan -c "
                        "FILE)") != std::string::npos);
}
