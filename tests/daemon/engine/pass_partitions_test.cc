// The partitions a pass in progress records, and what its audit entry keeps of them once its
// batch in flight is judged (daemon/engine/pass_partitions.h).
#include "daemon/engine/pass_partitions.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace retentiond::daemon;
using nlohmann::json;
using retentiond::connectors::PartitionStep;

namespace {

PartitionStep step(PartitionStep::Kind kind, const std::string& name, long long rows,
                   bool estimated) {
  PartitionStep s;
  s.kind = kind;
  s.name = name;
  s.bounds = "FOR VALUES FROM ('2027-01-01') TO ('2027-02-01')";
  s.rows = rows;
  s.estimated = estimated;
  return s;
}

}  // namespace

TEST_CASE("pass partitions: recorded, then settled by whether the batch in flight committed",
          "[engine][partitions]") {
  const auto done = step(PartitionStep::Kind::Drop, "a", 10, false);
  const auto flying = step(PartitionStep::Kind::Detach, "b", 90000, true);
  CHECK(partitions_json({}).empty());
  const std::string recorded = partitions_json({done}, {flying});
  const json parts = json::parse(recorded);
  REQUIRE(parts.size() == 2);
  CHECK(parts[0] == json{{"action", "drop"}, {"name", "a"}, {"bounds", done.bounds}, {"rows", 10}});
  CHECK(parts[1].at("pending") == true);
  CHECK(parts[1].at("rows_estimated") == true);

  CHECK(json::parse(settled_partitions(recorded, true)) ==
        json::parse(partitions_json({done, flying})));
  CHECK(json::parse(settled_partitions(recorded, false)) == json::parse(partitions_json({done})));
  CHECK(settled_partitions(partitions_json({}, {flying}), false).empty());
  CHECK(settled_partitions("", true).empty());
  CHECK(settled_partitions("not json", true) == "not json");  // kept for the operator

  const auto pending = pending_partitions(recorded);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].kind == PartitionStep::Kind::Detach);
  CHECK(pending[0].name == "b");
  CHECK(pending[0].bounds == flying.bounds);
  CHECK(pending[0].rows == 90000);
  CHECK(pending[0].estimated);
  CHECK(pending_partitions("not json").empty());
  CHECK(pending_partitions(partitions_json({done})).empty());
}
