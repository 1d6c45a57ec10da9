// The pure parts of the postgresql store's partitions: reading a partition's upper bound as
// pg_get_expr() states it in a UTC session, and the name a detached partition is given.
#include "connectors/postgresql/partitions.h"

#include <catch2/catch.hpp>

using namespace retentiond::connectors::postgresql;
using retentiond::policies::parse_timestamp;

TEST_CASE("postgresql partitions: upper bounds as the catalog states them", "[partitions]") {
  struct Case {
    std::string bound;
    std::optional<std::string> upper;
  };
  const std::vector<Case> cases = {
      {"FOR VALUES FROM ('2027-01-01') TO ('2027-02-01')", "2027-02-01T00:00:00Z"},
      {"FOR VALUES FROM ('2027-01-01 00:00:00') TO ('2027-02-01 12:30:00')",
       "2027-02-01T12:30:00Z"},
      {"FOR VALUES FROM ('2027-01-01 00:00:00+00') TO ('2027-02-01 00:00:00+00')",
       "2027-02-01T00:00:00Z"},
      {"FOR VALUES FROM ('2027-01-01 00:00:00+00') TO ('2027-02-01 01:00:00+01')",
       "2027-02-01T00:00:00Z"},
      {"FOR VALUES FROM (MINVALUE) TO ('2027-02-01')", "2027-02-01T00:00:00Z"},
      // A fraction rounds the bound up: rows at 12:00:00.5 are not before a 12:00:00 cut-off.
      {"FOR VALUES FROM ('2027-03-01') TO ('2027-03-15 12:00:00.9+00')", "2027-03-15T12:00:01Z"},
      {"FOR VALUES FROM ('2027-03-01') TO ('2027-03-15 12:00:00.000001')", "2027-03-15T12:00:01Z"},
      {"FOR VALUES FROM ('2027-03-01') TO ('2027-03-15 23:59:59.999999+05:30')",
       "2027-03-15T18:30:00Z"},
      {"FOR VALUES FROM ('2027-03-01') TO ('2027-03-15 12:00:00.000+00')", "2027-03-15T12:00:00Z"},
      {"FOR VALUES FROM ('2027-01-01') TO (MAXVALUE)", std::nullopt},
      {"FOR VALUES FROM ('2027-01-01') TO ('infinity')", std::nullopt},
      {"FOR VALUES FROM (1) TO (100)", std::nullopt},
      {"FOR VALUES IN ('a')", std::nullopt},
      {"DEFAULT", std::nullopt},
      {"FOR VALUES FROM ('2027-01-01') TO ('2027-02-01", std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.bound);
    auto upper = partition_upper_bound(c.bound);
    if (c.upper)
      CHECK(upper == parse_timestamp(*c.upper));
    else
      CHECK(!upper);
  }
  CHECK(bounds_words("FOR VALUES FROM ('2027-01-01') TO ('2027-02-01')") ==
        "FROM ('2027-01-01') TO ('2027-02-01')");
  CHECK(bounds_words("DEFAULT") == "DEFAULT");
}

TEST_CASE("postgresql partitions: a detached partition's name fits 63 bytes", "[partitions]") {
  const auto at = *parse_timestamp("2028-03-15T10:00:00Z");
  CHECK(detached_name("log_2027_09", at) == "log_2027_09_rd_detached_20280315");
  const std::string long_name(63, 'x');
  const std::string renamed = detached_name(long_name, at);
  CHECK(renamed.size() == 63);
  CHECK(renamed.rfind(std::string(63 - 21 - 9, 'x') + "_", 0) == 0);
  CHECK(renamed.substr(63 - 21) == "_rd_detached_20280315");
  // Names that share their first 42 bytes stay distinct once cut.
  const std::string a =
      detached_name("application_access_log_entries_for_audit_partition_2025_01", at);
  const std::string b =
      detached_name("application_access_log_entries_for_audit_partition_2025_02", at);
  CHECK(a.size() == 63);
  CHECK(a != b);
  // A cut never splits a character: 33 bytes would end inside the first "é" (two bytes), so the
  // cut backs off to its start.
  std::string accented(32, 'x');
  for (int i = 0; i < 10; ++i) accented += "\xc3\xa9";
  const std::string cut = detached_name(accented, at);
  CHECK(cut.size() == 62);
  CHECK(cut.substr(0, 33) == std::string(32, 'x') + "_");
}

TEST_CASE("postgresql partitions: which ranges may hold -infinity or BC dates", "[partitions]") {
  CHECK(open_below("FOR VALUES FROM (MINVALUE) TO ('2027-02-01')"));
  CHECK(open_below("FOR VALUES FROM ('-infinity') TO ('2027-02-01 00:00:00+00')"));
  CHECK(open_below("FOR VALUES FROM ('0100-01-01 00:00:00+00 BC') TO ('2027-02-01 00:00:00+00')"));
  CHECK(!partition_upper_bound("FOR VALUES FROM (MINVALUE) TO ('0044-03-15 BC')"));
  CHECK_FALSE(open_below("FOR VALUES FROM ('0001-01-01') TO ('2027-02-01')"));
  CHECK_FALSE(
      open_below("FOR VALUES FROM ('2027-01-01 00:00:00+00') TO ('2027-02-01 00:00:00+00')"));
}
