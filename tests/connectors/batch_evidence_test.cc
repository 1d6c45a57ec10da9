// What a batch records before its COMMIT to learn afterwards whether it happened: the partition
// changes of MySQL's ALTER TABLE, one partition or several dropped by one statement.
#include "connectors/batch_evidence.h"

#include <catch2/catch.hpp>

using namespace retentiond::connectors;

TEST_CASE("batch evidence: a partition change reads back as written", "[partitions]") {
  const PartitionChange one{"logs.access_log", "p2027_09", ""};
  auto read = parse_partition_evidence(partition_evidence(one));
  REQUIRE(read);
  CHECK(read->table == "logs.access_log");
  CHECK(read->partition == "p2027_09");
  CHECK(read->detached_as.empty());
  CHECK(read->more.empty());
  // No "more" key for one partition: what earlier versions wrote reads the same.
  CHECK(partition_evidence(one).find("more") == std::string::npos);

  PartitionChange several{"access_log", "p2027_09", ""};
  several.more = {"p2027_10", "p2027_11"};
  read = parse_partition_evidence(partition_evidence(several));
  REQUIRE(read);
  CHECK(read->more == std::vector<std::string>{"p2027_10", "p2027_11"});
}

TEST_CASE("batch evidence: anything else is not a partition change", "[partitions]") {
  CHECK_FALSE(parse_partition_evidence(""));
  CHECK_FALSE(parse_partition_evidence("{\"partition\": \"p\", \"table\": \"t\"}"));
  CHECK_FALSE(parse_partition_evidence(
      "{\"partition\": \"p\", \"table\": \"t\", \"detached_as\": \"\", \"more\": \"p2\"}"));
  CHECK_FALSE(parse_partition_evidence(
      "{\"partition\": \"p\", \"table\": \"t\", \"detached_as\": \"\", \"more\": [1]}"));
  CHECK_FALSE(parse_partition_evidence(transaction_evidence("1234")));
}
