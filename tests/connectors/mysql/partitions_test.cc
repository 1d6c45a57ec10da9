// The pure parts of the mysql store's partitions: which partitionings read as dates, a
// partition's upper bound from PARTITION_DESCRIPTION, and the name a detached partition is given.
#include "connectors/mysql/partitions.h"

#include <catch2/catch.hpp>

using namespace retentiond::connectors::mysql;
using retentiond::policies::parse_timestamp;

TEST_CASE("mysql partitions: the partitionings that read as dates", "[partitions]") {
  using Key = std::optional<std::pair<BoundKind, std::string>>;
  CHECK(range_key("RANGE COLUMNS", "`ts`") == Key{{BoundKind::Columns, "ts"}});
  CHECK(range_key("RANGE", "to_days(`d`)") == Key{{BoundKind::ToDays, "d"}});
  CHECK(range_key("RANGE", "TO_DAYS(`d`)") == Key{{BoundKind::ToDays, "d"}});
  CHECK(range_key("RANGE", "unix_timestamp(`ts`)") == Key{{BoundKind::UnixTimestamp, "ts"}});
  CHECK(!range_key("RANGE COLUMNS", "`a`,`b`"));
  CHECK(!range_key("RANGE", "year(`d`)"));
  CHECK(!range_key("RANGE", "`id`"));  // a plain integer column: not a date
  CHECK(!range_key("LIST", "`d`"));
  CHECK(!range_key("HASH", "to_days(`d`)"));
}

TEST_CASE("mysql partitions: upper bounds as information_schema states them", "[partitions]") {
  CHECK(partition_upper_bound(BoundKind::Columns, "'2027-10-01'") ==
        parse_timestamp("2027-10-01T00:00:00Z"));
  CHECK(partition_upper_bound(BoundKind::Columns, "'2027-10-01 06:00:00'") ==
        parse_timestamp("2027-10-01T06:00:00Z"));
  // A fraction rounds the bound up: rows at 12:00:00.5 are not before a 12:00:00 cut-off.
  CHECK(partition_upper_bound(BoundKind::Columns, "'2027-03-15 12:00:00.900000'") ==
        parse_timestamp("2027-03-15T12:00:01Z"));
  CHECK(partition_upper_bound(BoundKind::Columns, "'2027-03-15 12:00:00.000000'") ==
        parse_timestamp("2027-03-15T12:00:00Z"));
  CHECK(!partition_upper_bound(BoundKind::Columns, "MAXVALUE"));
  CHECK(!partition_upper_bound(BoundKind::Columns, "'2027-10-01','x'"));
  // TO_DAYS('2027-10-01') = 740620
  CHECK(partition_upper_bound(BoundKind::ToDays, "740620") ==
        parse_timestamp("2027-10-01T00:00:00Z"));
  CHECK(partition_upper_bound(BoundKind::UnixTimestamp, "1822348800") ==
        parse_timestamp("2027-10-01T00:00:00Z"));
  CHECK(!partition_upper_bound(BoundKind::ToDays, "MAXVALUE"));
  CHECK(!partition_upper_bound(BoundKind::UnixTimestamp, "-5"));
}

TEST_CASE("mysql partitions: a detached partition's table name fits 64 characters",
          "[partitions]") {
  const auto at = *parse_timestamp("2028-03-15T10:00:00Z");
  CHECK(detached_table_name("access_log", "p2027_09", at) ==
        "access_log_p2027_09_rd_detached_20280315");
  CHECK(detached_table_name(std::string(60, 't'), "p1", at).size() == 64);
  // Long names cut to fit stay distinct (they shared their first 64 characters once, and the
  // second CONVERT PARTITION failed on the first one's table).
  const std::string table = "application_access_log_entries";
  const std::string first = detached_table_name(table, "partition_2025_01", at);
  const std::string second = detached_table_name(table, "partition_2025_02", at);
  CHECK(first.size() == 64);
  CHECK(second.size() == 64);
  CHECK(first != second);
  CHECK(first.rfind(table + "_", 0) == 0);  // found by its name after a stop
  CHECK(first == detached_table_name(table, "partition_2025_01", at));  // stable
}

TEST_CASE("mysql partitions: where dates with a zero month or day sort", "[partitions]") {
  using Ranges = std::vector<std::pair<std::string, std::string>>;
  // One month: its day zero, just below its first day.
  CHECK(*zero_in_date_ranges("2027-03-05 10:00:00", "2027-03-30") ==
        Ranges{{"2027-03-00", "2027-03-01"}});
  // Across a year: January's range starts at the year's month zero.
  CHECK(*zero_in_date_ranges("2026-12-00", "2027-01-10") ==
        Ranges{{"2026-12-00", "2026-12-01"}, {"2027-00-00", "2027-01-01"}});
  // A month zero as the first value counts as January.
  CHECK(*zero_in_date_ranges("2027-00-10", "2027-02-01") ==
        Ranges{{"2027-00-00", "2027-01-01"}, {"2027-02-00", "2027-02-01"}});
  CHECK(zero_in_date_ranges("1900-01-01", "2027-01-01") == std::nullopt);  // too many: read
  CHECK(zero_in_date_ranges("garbage", "2027-01-01") == std::nullopt);
}
