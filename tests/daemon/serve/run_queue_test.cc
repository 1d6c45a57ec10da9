// serve's run queue: each policy queued or running at most once, in the order it fell due.
#include "daemon/serve/run_queue.h"

#include <catch2/catch.hpp>

using retentiond::daemon::RunQueue;

TEST_CASE("a policy is queued once, and again only after its pass", "[serve]") {
  RunQueue q;
  CHECK(q.push("a"));
  CHECK(q.push("b"));
  CHECK_FALSE(q.push("a"));  // due again while waiting: still once
  CHECK(q.pop() == std::optional<std::string>("a"));
  CHECK_FALSE(q.push("a"));  // due again while running
  CHECK(q.pop() == std::optional<std::string>("b"));
  CHECK_FALSE(q.pop());
  q.done("a");
  CHECK(q.push("a"));
  CHECK(q.pop() == std::optional<std::string>("a"));
  CHECK_FALSE(q.waiting());
}
