#include "connectors/files/glob.h"

#include <catch2/catch.hpp>

#include "connectors/files/name_date.h"
#include "policies/timestamp.h"

using namespace retentiond::connectors::files;

TEST_CASE("globs match one segment per '*' and any depth for '**'", "[files][glob]") {
  GlobSet g({"*/access.log-*", "backups/**/*.tar.gz", "mail/cur/?[0-9]*"});
  CHECK(g.matches("site1/access.log-20270301"));
  CHECK_FALSE(g.matches("access.log-20270301"));
  CHECK_FALSE(g.matches("a/b/access.log-1"));
  CHECK(g.matches("backups/x.tar.gz"));
  CHECK(g.matches("backups/2027/03/x.tar.gz"));
  CHECK_FALSE(g.matches("backups/x.tar.bz2"));
  CHECK(g.matches("mail/cur/a1"));
  CHECK_FALSE(g.matches("mail/cur/ab"));
  CHECK_FALSE(g.matches("site1/.access.log-1"));
  CHECK_FALSE(GlobSet({"*"}).matches(".hidden"));
  CHECK(GlobSet({".*"}).matches(".hidden"));
}

TEST_CASE("'**' never stands for a hidden directory, and many '**' stay fast", "[files][glob]") {
  GlobSet g({"**/*.log"});
  CHECK(g.matches("a/b/o.log"));
  CHECK_FALSE(g.matches(".snap/a/o.log"));
  CHECK_FALSE(g.matches("b/.x/o.log"));
  CHECK(GlobSet({".snap/**/*.log"}).matches(".snap/a/o.log"));
  CHECK(GlobSet({"**/.x/*.log"}).matches("b/.x/o.log"));
  // A trailing '**' is what lies inside a directory, never the directory's own name.
  CHECK_FALSE(GlobSet({"logs/**"}).matches("logs"));
  CHECK(GlobSet({"logs/**"}).matches("logs/a"));
  CHECK(GlobSet({"logs/**"}).matches("logs/a/b"));
  CHECK_FALSE(GlobSet({"*/**"}).matches("top-level-file"));
  CHECK(GlobSet({"*/**"}).matches("dir/file"));
  CHECK_FALSE(GlobSet({"logs/**"}).matches("logs/.hidden"));
  CHECK(GlobSet({"**"}).matches("x"));
  // Eight '**' over a path sixty deep: each (pattern, path) position is tried once.
  std::string deep;
  for (int i = 0; i < 60; ++i) deep += "d" + std::to_string(i) + "/";
  GlobSet many({"**/**/**/**/**/**/**/**/*.log"});
  CHECK(many.matches(deep + "x.log"));
  CHECK_FALSE(many.matches(deep + "x.txt"));
}

TEST_CASE("the walk only enters directories that can hold a match", "[files][glob]") {
  GlobSet g({"*/access.log-*", "backups/**/*.tar.gz"});
  CHECK(g.may_match_below(""));
  CHECK(g.may_match_below("site1"));
  CHECK_FALSE(g.may_match_below("site1/old"));
  CHECK(g.may_match_below("backups/2027/03"));
  GlobSet only({"logs/*.log"});
  CHECK_FALSE(only.may_match_below("other"));
  CHECK(only.may_match_below("logs"));
}

TEST_CASE("dates in file names", "[files][name_date]") {
  using retentiond::policies::format_timestamp;
  NameDate ymd("%Y%m%d");
  REQUIRE(ymd.find("access.log-20270301.gz"));
  CHECK(format_timestamp(*ymd.find("access.log-20270301.gz")) == "2027-03-01T00:00:00Z");
  CHECK_FALSE(ymd.find("access.log-20271345.gz"));  // not a date
  CHECK_FALSE(ymd.find("access.log"));
  // The first real date wins over an impossible one earlier in the name.
  CHECK(format_timestamp(*ymd.find("v99999999-20270228")) == "2027-02-28T00:00:00Z");
  // A date stands on its own: none is read inside a longer run of digits (an epoch number
  // "1700010821" holds "17000108"), before or after.
  CHECK(format_timestamp(*ymd.find("x-120270301-20200101.tar.gz")) == "2020-01-01T00:00:00Z");
  CHECK(format_timestamp(*ymd.find("dump-1700010821-20261201.sql.gz")) == "2026-12-01T00:00:00Z");
  CHECK_FALSE(ymd.find("dump-1700010821.sql.gz"));
  CHECK_FALSE(ymd.find("a202703011"));
  NameDate dashed("%Y-%m-%d");
  CHECK_FALSE(dashed.find("c-12025-01-01"));
  CHECK_FALSE(dashed.find("d-2025-01-011"));
  CHECK(format_timestamp(*dashed.find("e-2025-01-01-2")) == "2025-01-01T00:00:00Z");
  NameDate with_time("%Y-%m-%d_%H%M");
  CHECK(format_timestamp(*with_time.find("db-2027-03-01_0415.sql.gz")) == "2027-03-01T04:15:00Z");
  NameDate dotted("backup.%Y.%m.%d");
  CHECK_FALSE(dotted.find("backupX2027X03X01"));  // '.' is literal
}
