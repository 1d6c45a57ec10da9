// The prologue every policy command shares: loading, choosing policies, the state file.
#include "daemon/commands/prologue.h"

#include <iostream>
#include <sstream>

#include <catch2/catch.hpp>

#include "daemon/commands/cli.h"
#include "daemon/state/state.h"
#include "support/config_text.h"
#include "support/temp_dir.h"

using namespace retentiond::daemon;
using retentiond::testing::kSqliteStore;
using retentiond::testing::TempDir;

namespace {

const std::string kConfig = kSqliteStore +
                            "  - {name: a, store: app, table: t, expire_after: 1y, since: ts}\n"
                            "  - {name: b, store: app, table: t, expire_after: 1y, since: ts}\n"
                            "  - {name: c, store: app, table: t, expire_after: 1y, since: ts}\n";

// What `body` printed to std::cerr.
template <typename F>
std::string stderr_of(F&& body) {
  std::ostringstream captured;
  auto* saved = std::cerr.rdbuf(captured.rdbuf());
  body();
  std::cerr.rdbuf(saved);
  return captured.str();
}

std::vector<std::string> names_of(const std::vector<const retentiond::policies::Policy*>& ps) {
  std::vector<std::string> out;
  for (const auto* p : ps) out.push_back(p->name);
  return out;
}

}  // namespace

TEST_CASE("the policies named, in configuration order", "[prologue]") {
  TempDir dir;
  const std::string path = dir.write("r.yaml", kConfig);
  Selection selection;
  std::optional<int> stop;
  CHECK(stderr_of([&] { stop = load_selection("plan", path, {"c", "a"}, selection); }).empty());
  REQUIRE_FALSE(stop);
  CHECK(names_of(selection.policies) == std::vector<std::string>{"a", "c"});
  CHECK(selection.policies[0] == selection.config.policy("a"));

  std::vector<const retentiond::policies::Policy*> all;
  CHECK_FALSE(select_policies("plan", selection.config, {}, all));
  CHECK(names_of(all) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("a name no policy has is a usage error", "[prologue]") {
  TempDir dir;
  const std::string path = dir.write("r.yaml", kConfig);
  Selection selection;
  std::optional<int> stop;
  CHECK(stderr_of([&] {
          stop = load_selection("hold", path, {"a", "zz"}, selection);
        }) == "retentiond hold: no policy named 'zz' in " + path +
                  " (policies: a, b, c)\nTry 'retentiond hold --help'.\n");
  CHECK(stop == kExitUsage);
}

TEST_CASE("an invalid configuration stops the command", "[prologue]") {
  TempDir dir;
  const std::string path = dir.write(
      "r.yaml",
      kConfig + "  - {name: d, store: app, table: t, expire_after: 3 moons, since: ts}\n");
  Selection selection;
  std::optional<int> stop;
  CHECK(stderr_of([&] { stop = load_selection("plan", path, {}, selection); }) ==
        path + ":8:51: error: unknown unit 'moons' in duration '3 moons' (use h, d, w, mo or y)\n" +
            path + ": 1 error in the configuration; nothing was done\n");
  CHECK(stop == kExitFailure);
}

TEST_CASE("the state file is read only when there is one", "[prologue]") {
  TempDir dir;
  CHECK(open_state_for_reading(dir.file("state.db")) == nullptr);
  StateFile(dir.file("state.db"), /*writable=*/true);
  auto state = open_state_for_reading(dir.file("state.db"));
  REQUIRE(state);
  CHECK_FALSE(state->writable());
}
