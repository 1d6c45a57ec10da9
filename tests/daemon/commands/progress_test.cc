#include "daemon/commands/progress.h"

#include <catch2/catch.hpp>

using namespace retentiond::daemon;

TEST_CASE("progress lines say done, total, rate and time left", "[progress]") {
  std::string policy = "access-logs";
  Progress p{policy, 12345, 500000, std::chrono::milliseconds(500)};
  CHECK(ProgressReporter::describe(p) ==
        "12,345 of 500,000 rows (2.5%), 24,690 rows/s, about 20 s left");
  Progress done{policy, 500000, 500000, std::chrono::seconds(10)};
  CHECK(ProgressReporter::describe(done) == "500,000 of 500,000 rows (100.0%), 50,000 rows/s");
  Progress start{policy, 0, 10, std::chrono::seconds(0)};
  CHECK(ProgressReporter::describe(start) == "0 of 10 rows (0.0%)");
}

TEST_CASE("a throttled pass shows why it pauses on its progress line, then that it resumes",
          "[progress]") {
  CHECK(ProgressReporter::describe_pause("500 of 2,000 rows (25.0%)",
                                         "replica 'r1': lag 12 s > 5 s") ==
        "500 of 2,000 rows (25.0%), paused: replica 'r1': lag 12 s > 5 s");
  CHECK(ProgressReporter::describe_pause("500 of 2,000 rows (25.0%)", "") ==
        "500 of 2,000 rows (25.0%), resuming");
  CHECK(ProgressReporter::describe_pause("", "threads running 50 > 40") ==
        "paused: threads running 50 > 40");
}
