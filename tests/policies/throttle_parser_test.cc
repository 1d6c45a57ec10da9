// A store's `throttle:` block as the configuration loader reads it (issue 19).
#include <catch2/catch.hpp>

#include "connectors/registry.h"
#include "policies/config_loader.h"
#include "support/temp_dir.h"

using namespace retentiond::policies;
using retentiond::testing::TempDir;

namespace {

LoadResult load(const TempDir& dir, const std::string& throttle) {
  return load_config(
      dir.write("r.yaml",
                "state: state.db\nstores:\n  app: {type: postgresql, dsn: \"dbname=app\",\n"
                "    throttle: " +
                    throttle + "}\n"),
      retentiond::connectors::store_specs());
}

std::string first_error(const std::string& throttle) {
  TempDir dir;
  auto r = load(dir, throttle);
  if (r.diagnostics.errors().empty()) return "(no error)";
  return r.diagnostics.errors().front().message;
}

}  // namespace

TEST_CASE("throttle: limits, max_wait and nice_ratio are read", "[throttle-config]") {
  TempDir dir;
  auto r =
      load(dir, "{max_replica_lag: 5s, max_threads_running: 40, max_wait: 30m, nice_ratio: 1.5}");
  REQUIRE(r.config);
  const auto& t = *r.config->store("app")->throttle;
  CHECK(t.max_replica_lag == std::chrono::seconds(5));
  CHECK(t.max_threads_running == 40);
  CHECK(t.max_wait == std::chrono::seconds(1800));
  CHECK(t.nice_ratio == 1.5);
  auto rest_only = load(dir, "{nice_ratio: 2}");
  REQUIRE(rest_only.config);
  CHECK(rest_only.config->store("app")->throttle->max_wait == std::chrono::seconds(3600));
}

TEST_CASE("throttle: mistakes are named at their line", "[throttle-config]") {
  CHECK(first_error("{max_wait: 1h}") ==
        "'throttle' of store 'app' sets none of 'max_replica_lag', 'max_threads_running' and "
        "'nice_ratio'");
  CHECK(first_error("{nice_ratio: fast}") ==
        "'nice_ratio' of 'throttle' of store 'app' must be a number from 0 to 100 (1: rest as long "
        "as each batch "
        "took), not 'fast'");
  CHECK(first_error("{nice_ratio: 101}").find("must be a number from 0 to 100") !=
        std::string::npos);
  CHECK(first_error("{max_threads_running: 3, replicas: [{dsn: \"host=r1\"}]}")
            .find("lists 'replicas' but sets no 'max_replica_lag'") != std::string::npos);
  CHECK(first_error("{max_replica_lag: 5s, replicas: [{host: r1, user: a}, {host: r1, port: "
                    "5432, user: b}]}")
            .find("replica r1:5432 is listed twice in 'throttle' of store 'app' (first at ") == 0);
  // One mistake, one error: a wrong value is not also "not set".
  TempDir dir;
  auto wrong = load(dir, "{max_replica_lag: 5x, replicas: [{dsn: \"host=r1\"}]}");
  CHECK(wrong.diagnostics.errors().size() == 1);
  // A throttle that would do nothing.
  CHECK(first_error("{nice_ratio: 0}").find("would do nothing") != std::string::npos);
  CHECK(first_error("{nice_ratio: 0, max_threads_running: 5}") == "(no error)");
  // A MySQL replica entry with a mistake is still a listed replica: one error, at the entry.
  dir.write("pw", "secret\n");
  auto broken = load_config(
      dir.write("m.yaml",
                "state: state.db\nstores:\n  app: {type: mysql, host: h, database: d, user: u, "
                "password_file: pw,\n    throttle: {max_replica_lag: 5s, replicas: [{port: "
                "3306}]}}\n"),
      retentiond::connectors::store_specs());
  CHECK(broken.diagnostics.errors().size() == 1);
  // A shortened key is recognised.
  CHECK(first_error("{max_lag: 5s}") ==
        "unknown key 'max_lag' in 'throttle' of store 'app' (did you mean 'max_replica_lag'?)");
}

TEST_CASE("throttle: a PostgreSQL replica is listed by host or by dsn", "[throttle-config]") {
  TempDir dir;
  auto r = load(dir,
                "{max_replica_lag: 5s, replicas: [{host: r1, user: monitor, password_file: pw}, "
                "{host: r2, port: 5433, dbname: app}, {dsn: \"host=r3 port=5434\", "
                "password_file: pw}]}");
  REQUIRE(r.config);
  const auto& replicas = r.config->store("app")->throttle->replicas;
  REQUIRE(replicas.size() == 3);
  CHECK(replicas[0].name() == "r1:5432");
  CHECK(replicas[0].dbname == "postgres");
  CHECK(replicas[0].user == "monitor");
  CHECK(replicas[0].password_file == dir.file("pw"));
  CHECK(replicas[1].name() == "r2:5433");
  CHECK(replicas[1].dbname == "app");
  CHECK(replicas[2].name() == "r3:5434");
  CHECK(replicas[2].password_file == dir.file("pw"));
  CHECK(first_error("{max_replica_lag: 5s, replicas: [{user: monitor}]}") ==
        "replica 1 of 'throttle' of store 'app' has no 'host' (or 'dsn')");
  CHECK(first_error("{max_replica_lag: 5s, replicas: [{dsn: \"host=r1\", port: 5}]}") ==
        "'port' and 'dsn' in replica 1 of 'throttle' of store 'app': give the replica either as "
        "a 'dsn' or by its host, port, user and dbname, not both");
  // A password in the file is refused as for a store, saying where it goes instead.
  CHECK(first_error("{max_replica_lag: 5s, replicas: [{host: r1, password: secret}]}")
            .find("passwords are not accepted in the configuration file (replica 1 of 'throttle' "
                  "of store 'app'); put it in a file readable by retentiond only and name it "
                  "with 'password_file'") == 0);
}
