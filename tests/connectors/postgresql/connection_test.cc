// The conninfo retentiond gives libpq: the operator's dsn read alone (its mistakes named as
// theirs), then written again as key='value' words with retentiond's own (application_name,
// connect_timeout, the password from its file), so that nothing of theirs swallows ours.
#include "connectors/postgresql/connection.h"

#include <catch2/catch.hpp>

using namespace retentiond;

namespace {

connectors::Result<std::string> conninfo(const std::string& dsn) {
  policies::StoreConfig store;
  store.name = "pg";
  store.type = "postgresql";
  store.options["dsn"] = {dsn, {}};
  store.options["password"] = {"it's", {}};
  return connectors::postgresql::connection_string(store);
}

}  // namespace

TEST_CASE("postgresql conninfo: the dsn read alone, then written again with ours",
          "[postgresql][unit]") {
  auto words = conninfo("host=db.example dbname=app user=retentiond");
  REQUIRE(words);
  CHECK(words.value() ==
        "user='retentiond' dbname='app' host='db.example' application_name='retentiond' "
        "connect_timeout='10' password='it\\'s'");
  // A value left empty at the end stays empty: it no longer takes our next word as its value.
  auto empty = conninfo("host=db.example sslmode=");
  REQUIRE(empty);
  CHECK(empty.value().find("sslmode='' application_name='retentiond'") != std::string::npos);
  // A URI becomes words (in libpq's order of keywords); its own connect_timeout is kept.
  auto uri = conninfo("postgresql://retentiond@db.example:5433/app?connect_timeout=3");
  REQUIRE(uri);
  CHECK(uri.value() ==
        "user='retentiond' connect_timeout='3' dbname='app' host='db.example' port='5433' "
        "application_name='retentiond' password='it\\'s'");
  // The operator's mistakes, named as theirs.
  auto quote = conninfo("host=db.example dbname='app");
  REQUIRE_FALSE(quote);
  CHECK(quote.error().message ==
        "store 'pg': its dsn cannot be read: unterminated quoted string in connection info string");
  auto unknown = conninfo("host=db.example bogus=1");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message ==
        "store 'pg': its dsn cannot be read: invalid connection option \"bogus\"");
}
