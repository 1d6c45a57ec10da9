// Which partitions a plan or a batch of units counts row by row, and which it takes from the
// statistics: small ones are counted, while the rows read to count them stay within a budget.
#include "connectors/partition_step.h"

#include <catch2/catch.hpp>

using namespace retentiond::connectors;

TEST_CASE("partitions: small ones are counted, within a budget of rows read", "[partitions]") {
  CountBudget budget;
  CHECK(budget.take(0));
  CHECK(budget.take(kCountPartitionsBelow - 1));
  CHECK_FALSE(budget.take(kCountPartitionsBelow));  // large: its estimate stands
  CHECK(budget.rows == kCountedRowsAtMost - (kCountPartitionsBelow - 1));
  // A table of many small partitions: counted until the budget is spent, estimated after.
  int counted = 0;
  for (int day = 0; day < 365; ++day)
    if (budget.take(10'000)) ++counted;
  CHECK(counted == (kCountedRowsAtMost - (kCountPartitionsBelow - 1)) / 10'000);
  CHECK(budget.rows < 10'000);
  CHECK(budget.take(budget.rows));  // what is left still counts one that fits
  CHECK_FALSE(budget.take(1));
}
