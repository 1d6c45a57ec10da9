#include "daemon/commands/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>

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

TEST_CASE("on a terminal a log line starts on a line of its own, after the progress line",
          "[progress]") {
  // stderr to a file for the test's span (fd 2, which the reporter and the logger write).
  char path[] = "/tmp/retentiond-progress.XXXXXX";
  const int file = mkstemp(path);
  REQUIRE(file >= 0);
  std::fflush(stderr);
  const int saved = dup(2);
  dup2(file, 2);
  {
    ProgressReporter reporter(/*interactive=*/true);
    reporter.callback()(Progress{"p", 500, 2000, std::chrono::seconds(1)});
    spdlog::warn("policy 'p': pausing between batches: replica r1 is 9 s behind");
    reporter.throttle_callback()("p", "replica r1 is 9 s behind");
    spdlog::info("policy 'p': resuming after 8 s");
  }
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  close(file);
  std::remove(path);
  const std::string out = text.str();
  INFO(out);
  // The log line (which goes wherever the logger writes) ended the open progress line first.
  CHECK(out.find("left\n") != std::string::npos);
  CHECK(out.find("left\r") == std::string::npos);
}
