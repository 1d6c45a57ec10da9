// The sympa store's pieces that need no database: reading sympa.conf (listmasters of every
// virtual host, the database it names), when an orphan's retention starts, month-named archives.
#include <catch2/catch.hpp>

#include "connectors/files/name_date.h"
#include "connectors/sympa/orphans.h"
#include "connectors/sympa/sympa_conf.h"
#include "policies/timestamp.h"
#include "support/temp_dir.h"

using namespace retentiond;
using connectors::sympa::orphan_since;
using connectors::sympa::OrphanRow;
using policies::from_epoch_seconds;
using testing::TempDir;

namespace {

policies::TimePoint t(long long epoch) { return from_epoch_seconds(epoch); }

}  // namespace

TEST_CASE("sympa.conf: parameters, listmasters of sympa.conf and robot.conf", "[sympa][unit]") {
  TempDir dir;
  dir.write("etc/lists.example.org/robot.conf", "listmaster Robot@Example.org\n");
  dir.write("etc/other/robot.conf", "# no listmaster here\ndomain other.example\n");
  std::string path = dir.write(
      "etc/sympa/sympa.conf",
      "# comment\n\ndomain\tlists.example.org\nlistmaster  A@example.org ,b@example.org\n"
      "db_type Pg\ndb_name sympa\ndb_host db.example\ndb_user sympa\ndb_passwd s3cret word\n");
  auto conf = connectors::sympa::read_sympa_conf(path, "lists");
  REQUIRE(conf);
  CHECK(conf->value("domain") == "lists.example.org");
  CHECK(conf->value("db_passwd") == "s3cret word");
  CHECK(conf->value("arc_path", "/default") == "/default");
  CHECK(conf->where("db_type") == path + ":5");
  CHECK(conf->listmasters ==
        std::set<std::string>{"a@example.org", "b@example.org", "robot@example.org"});

  policies::StoreConfig store;
  store.name = "lists";
  store.type = "sympa";
  auto db = connectors::sympa::database_store(conf.value(), store);
  REQUIRE(db);
  CHECK(db->type == "postgresql");
  CHECK(db->value("dsn") == "dbname=sympa host=db.example user=sympa");
  CHECK(db->value("password") == "s3cret word");
}

TEST_CASE("sympa.conf: database types and errors", "[sympa][unit]") {
  TempDir dir;
  policies::StoreConfig store;
  store.name = "lists";
  auto read = [&](const std::string& text) {
    return connectors::sympa::read_sympa_conf(dir.write("sympa.conf", text), "lists");
  };
  auto sqlite = read("db_type SQLite\ndb_name /var/lib/sympa/sympa.sqlite\n");
  REQUIRE(sqlite);
  auto s = connectors::sympa::database_store(sqlite.value(), store);
  REQUIRE(s);
  CHECK(s->type == "sqlite");
  CHECK(s->value("path") == "/var/lib/sympa/sympa.sqlite");
  auto my = read("db_type mysql\ndb_name sympa\ndb_port 3307\n");
  REQUIRE(my);
  auto m = connectors::sympa::database_store(my.value(), store);
  REQUIRE(m);
  CHECK(m->type == "mysql");
  CHECK(m->value("host") == "localhost");
  CHECK(m->value("port") == "3307");
  auto oracle = read("db_type Oracle\ndb_name sympa\n");
  REQUIRE(oracle);
  auto o = connectors::sympa::database_store(oracle.value(), store);
  REQUIRE(!o);
  CHECK(o.error().message.find("sympa.conf:1") != std::string::npos);
  auto no_name = read("db_type SQLite\n");
  REQUIRE(no_name);
  CHECK(!connectors::sympa::database_store(no_name.value(), store));
  // Sympa's defaults: MySQL, database 'sympa'.
  auto defaults = read("db_user sympa\n");
  REQUIRE(defaults);
  auto d = connectors::sympa::database_store(defaults.value(), store);
  REQUIRE(d);
  CHECK(d->type == "mysql");
  CHECK(d->value("database") == "sympa");
  for (const std::string port : {"abc", "3306abc", "70000", "0", "-1", "/run/mysqld.sock"}) {
    INFO(port);
    auto bad = read("db_type mysql\ndb_port " + port + "\n");
    REQUIRE(bad);
    auto b = connectors::sympa::database_store(bad.value(), store);
    REQUIRE(!b);
    CHECK(b.error().message.find("sympa.conf:2: db_port '" + port +
                                 "' is not a port number (1 to 65535)") != std::string::npos);
    CHECK(b.error().kind == connectors::ErrorKind::Config);
  }
  auto missing = connectors::sympa::read_sympa_conf(dir.file("nope.conf"), "lists");
  REQUIRE(!missing);
  CHECK(missing.error().kind == connectors::ErrorKind::StoreUnreachable);
}

TEST_CASE("orphans: when the retention starts", "[sympa][unit]") {
  const auto now = t(10'000'000);
  const auto first_look = t(9'000'000);
  SECTION("no record, first look: from now") {
    CHECK(orphan_since(OrphanRow{"x", {}, {}}, std::nullopt, std::nullopt, now) == now);
  }
  SECTION("a recorded departure, first look: Sympa's record") {
    CHECK(orphan_since(OrphanRow{"x", 5'000'000, 4'000'000}, std::nullopt, std::nullopt, now) ==
          t(5'000'000));
  }
  SECTION("a subscription recorded after the departure: the record is not the last departure") {
    CHECK(orphan_since(OrphanRow{"x", 5'000'000, 6'000'000}, std::nullopt, std::nullopt, now) ==
          now);
  }
  SECTION("an orphan already there at the first look keeps Sympa's record") {
    CHECK(orphan_since(OrphanRow{"x", 5'000'000, {}}, first_look, first_look, now) == t(5'000'000));
  }
  SECTION("an orphan found later: never older than retentiond saw it") {
    const auto seen = t(9'500'000);
    CHECK(orphan_since(OrphanRow{"x", 5'000'000, {}}, seen, first_look, now) == seen);
    CHECK(orphan_since(OrphanRow{"x", 5'000'000, {}}, std::nullopt, first_look, now) == now);
    // It left (again) after retentiond first saw it: the later departure counts.
    CHECK(orphan_since(OrphanRow{"x", 9'800'000, {}}, seen, first_look, now) == t(9'800'000));
  }
  SECTION("a subscription recorded after the first sighting, then left without a record") {
    // Sympa says it was subscribed then: it cannot have been an orphan since the sighting.
    CHECK(orphan_since(OrphanRow{"x", {}, 9'700'000}, first_look, first_look, now) == t(9'700'000));
    CHECK(orphan_since(OrphanRow{"x", 9'600'000, 9'700'000}, first_look, first_look, now) ==
          t(9'700'000));
    CHECK(orphan_since(OrphanRow{"x", {}, 8'000'000}, first_look, first_look, now) == first_look);
  }
  SECTION("tracked without record: its first sighting") {
    CHECK(orphan_since(OrphanRow{"x", {}, {}}, first_look, first_look, now) == first_look);
  }
}

TEST_CASE("name dates without a day count from the end of their month", "[sympa][unit][files]") {
  connectors::files::NameDate month("%Y-%m");
  CHECK(month.find("2027-01/arctxt/1") == policies::parse_timestamp("2027-02-01T00:00:00Z"));
  CHECK(month.find("2027-12/index") == policies::parse_timestamp("2028-01-01T00:00:00Z"));
  CHECK(!month.find("2027-13/index"));
  CHECK(!month.find("arctxt/1"));
}
