// What every command that acts on policies says before it acts (daemon/commands/prologue.h): an
// option value it does not take, a policy the configuration does not have, an invalid
// configuration, no state file yet. Exact texts and exit codes, command by command.
#include <catch2/catch.hpp>

#include "support/config_text.h"
#include "support/run.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

const std::string kConfig = kSqliteStore +
                            "  - name: old-users\n"
                            "    store: app\n"
                            "    table: users\n"
                            "    expire_after: 1y\n"
                            "    since: last_login\n"
                            "  - name: old-logs\n"
                            "    store: app\n"
                            "    table: logs\n"
                            "    expire_after: 90d\n"
                            "    since: at\n";

struct Case {
  std::vector<std::string> args;  // -c CONFIG goes after the command (and hold's verb)
  int exit_code;
  std::string err;  // CONFIG stands for the configuration file's path
  std::string out = "";
};

void check_cases(const std::string& config_text, const std::vector<Case>& cases) {
  TempDir dir;
  const std::string config = dir.write("retentiond.yaml", config_text);
  auto shown = [&](std::string text) {
    for (auto at = text.find("CONFIG"); at != std::string::npos; at = text.find("CONFIG"))
      text.replace(at, 6, config);
    for (auto at = text.find("DIR"); at != std::string::npos; at = text.find("DIR"))
      text.replace(at, 3, dir.path());
    return text;
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.begin() + (args[0] == "hold" ? 2 : 1), {"-c", config});
    INFO(args[0] << " " << args[1] << " " << args[2] << " " << args[3]);
    RunResult r = run_retentiond(args, dir.path());
    CHECK(r.exit_code == c.exit_code);
    CHECK(r.err == shown(c.err));
    CHECK(r.out == shown(c.out));
  }
}

std::string unknown_policy(const std::string& command) {
  return "retentiond " + command +
         ": no policy named 'gone' in CONFIG (policies: old-users, old-logs)\n"
         "Try 'retentiond " +
         command + " --help'.\n";
}

}  // namespace

TEST_CASE("commands refuse a policy the configuration does not have", "[cli][prologue]") {
  check_cases(
      kConfig,
      {
          {{"check", "--offline", "--policy", "gone"}, 2, unknown_policy("check")},
          {{"plan", "--policy", "old-users", "--policy", "gone"}, 2, unknown_policy("plan")},
          {{"enforce", "--policy", "gone"}, 2, unknown_policy("enforce")},
          {{"hold", "list", "--policy", "gone"}, 2, unknown_policy("hold")},
          {{"hold", "add", "--policy", "gone", "k1", "--reason", "court"},
           2,
           unknown_policy("hold")},
          {{"register", "--policy", "gone"}, 2, unknown_policy("register")},
      });
}

TEST_CASE("commands refuse an option value they do not take", "[cli][prologue]") {
  auto usage = [](const std::string& command, const std::string& message) {
    return "retentiond " + command + ": " + message + "\nTry 'retentiond " + command +
           " --help'.\n";
  };
  check_cases(
      kConfig,
      {
          {{"check", "--format", "csv"},
           2,
           usage("check", "--format must be text, json or markdown, not 'csv'")},
          {{"history", "--format", "csv"},
           2,
           usage("history", "--format must be text, json, markdown or html, not 'csv'")},
          {{"hold", "list", "--format", "xml"},
           2,
           usage("hold", "--format must be text or json, not 'xml'")},
          {{"register", "--format", "pdf"},
           2,
           usage("register", "--format must be markdown, html or text, not 'pdf'")},
          {{"register", "--language", "de"},
           2,
           usage("register", "--language must be en or fr, not 'de'")},
          {{"plan", "--format", "csv"},
           2,
           usage("plan", "--format must be text, json, markdown or html, not 'csv'")},
          {{"plan", "--language", "de"}, 2, usage("plan", "--language must be en or fr, not 'de'")},
          {{"enforce", "--language", "de"},
           2,
           usage("enforce", "--language must be en or fr, not 'de'")},
          {{"status", "--format", "xml"},
           2,
           usage("status", "--format must be text, json or html, not 'xml'")},
          {{"status", "--language", "de"},
           2,
           usage("status", "--language must be en or fr, not 'de'")},
          {{"history", "--language", "de"},
           2,
           usage("history", "--language must be en or fr, not 'de'")},
          // An empty value is a mistake, never the default.
          {{"plan", "-o", ""}, 2, usage("plan", "--output is given an empty value")},
          {{"history", "--since", ""}, 2, usage("history", "--since is given an empty value")},
          {{"enforce", "--policy", ""}, 2, usage("enforce", "--policy is given an empty value")},
          {{"status", "--language", ""}, 2, usage("status", "--language is given an empty value")},
      });
  // -c "" too (the configuration's path is the one value check_cases fills in itself).
  auto empty_config = run_retentiond({"check", "-c", ""});
  CHECK(empty_config.exit_code == 2);
  CHECK(empty_config.err == usage("check", "--config is given an empty value"));
}

TEST_CASE("commands refuse a bare word instead of acting on every policy", "[cli][prologue]") {
  // 'enforce old-logs' once enforced every policy: Boost dropped the word.
  auto stray = [](const std::string& command, const std::string& word) {
    return "retentiond " + command + ": unexpected argument '" + word +
           "' (options start with '-'; a policy is named with --policy NAME)\nTry 'retentiond " +
           command + " --help'.\n";
  };
  check_cases(kConfig,
              {
                  {{"enforce", "old-logs", "--at", "2028-01-01T00:00:00Z"},
                   2,
                   stray("enforce", "old-logs")},
                  {{"plan", "--policy", "old-users", "old-logs"}, 2, stray("plan", "old-logs")},
                  {{"check", "--offline", "x"}, 2, stray("check", "x")},
                  {{"status", "old-logs", "--format", "json"}, 2, stray("status", "old-logs")},
                  {{"history", "old-logs", "--format", "json"}, 2, stray("history", "old-logs")},
                  {{"register", "old-logs", "--format", "text"}, 2, stray("register", "old-logs")},
              });
}

TEST_CASE("a bare word after a command without policies gets no --policy hint", "[cli][prologue]") {
  TempDir dir;
  auto r = run_retentiond({"state", "migrate", "--from", "s.db", "extra"}, dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.rfind("retentiond state: unexpected argument 'extra' (options start with '-')\n",
                    0) == 0);
}

TEST_CASE("commands stop at an invalid configuration", "[cli][prologue]") {
  const std::string invalid = kConfig + "    expire_aftr: 1y\n";
  const std::string err =
      "CONFIG:15:5: error: unknown key 'expire_aftr' in policy 'old-logs' (did you mean "
      "'expire_after'?)\n"
      "CONFIG: 1 error in the configuration; nothing was done\n";
  check_cases(invalid, {
                           {{"plan", "--policy", "old-users"}, 1, err},
                           {{"enforce", "--policy", "old-users"}, 1, err},
                           {{"hold", "list", "--format", "json"}, 1, err},
                           {{"register", "--format", "text"}, 1, err},
                           {{"history", "--format", "text"}, 1, err},
                       });
}

TEST_CASE("commands that read the state file say when there is none yet", "[cli][prologue]") {
  check_cases(kConfig, {
                           {{"history", "--format", "text"},
                            0,
                            "",
                            "No pass recorded yet (the state file DIR/state.db does not exist).\n"},
                           {{"history", "--format", "json"}, 0, "", "{\n  \"entries\": []\n}\n"},
                           {{"hold", "list", "--format", "text"},
                            0,
                            "",
                            "No hold (no state file yet at DIR/state.db).\n"},
                           {{"hold", "list", "--format", "json"}, 0, "", "[]\n"},
                       });
}
