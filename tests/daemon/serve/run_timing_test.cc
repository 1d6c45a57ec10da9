// serve's arithmetic, on a fixed clock: when a scheduled policy first runs (catch-up), when it
// runs after a pass (backoff after a failure, the next scheduled time after a refusal).
#include "daemon/serve/run_timing.h"

#include <catch2/catch.hpp>

#include "policies/schedule.h"

using namespace retentiond::daemon;
using retentiond::policies::parse_timestamp;
using retentiond::policies::Policy;
using retentiond::policies::TimePoint;
using namespace std::chrono_literals;

namespace {

Policy scheduled(const std::string& text) {
  Policy p;
  p.name = std::string(1, 'p');  // not = "p": GCC 12 warns -Wrestrict (a false positive)
  std::string error;
  p.schedule = retentiond::policies::parse_schedule(text, error);
  REQUIRE(p.schedule);
  return p;
}

PassOutcome outcome(PassStatus status,
                    std::optional<retentiond::connectors::ErrorKind> kind = std::nullopt) {
  PassOutcome o;
  o.status = status;
  if (kind) o.error = retentiond::connectors::Error{*kind, "x"};
  return o;
}

const TimePoint kNow = *parse_timestamp("2027-03-10T12:00:00Z");

}  // namespace

TEST_CASE("a run missed while serve was stopped runs at once, otherwise the schedule's next",
          "[serve][timing]") {
  Policy hourly = scheduled("every 1h");
  CHECK(first_run(hourly, std::nullopt, kNow, true) ==
        retentiond::policies::next_run(*hourly.schedule, kNow));
  // Last success long ago: missed, run now.
  CHECK(first_run(hourly, kNow - 5h, kNow, true) == kNow);
  // `every`: continues from the last success.
  CHECK(first_run(hourly, kNow - 20min, kNow, true) == kNow + 40min);
  // Without catch-up (a reload): the schedule's next.
  CHECK(first_run(hourly, kNow - 5h, kNow, false) ==
        retentiond::policies::next_run(*hourly.schedule, kNow));
}

TEST_CASE("a failed pass is retried with backoff, a refused one waits for its schedule",
          "[serve][timing]") {
  using retentiond::connectors::ErrorKind;
  Policy daily = scheduled("every 1d");
  const TimePoint scheduled_next = retentiond::policies::next_run(*daily.schedule, kNow);
  CHECK(judge(outcome(PassStatus::Ok)) == AfterPass::Done);
  CHECK(judge(outcome(PassStatus::Planned)) == AfterPass::Done);
  CHECK(judge(outcome(PassStatus::Refused, ErrorKind::RefusedByGuard)) == AfterPass::Waiting);
  CHECK(judge(outcome(PassStatus::Refused, ErrorKind::LockConflict)) == AfterPass::Waiting);
  CHECK(judge(outcome(PassStatus::Failed, ErrorKind::QueryFailed)) == AfterPass::Failed);
  CHECK(judge(outcome(PassStatus::Interrupted, ErrorKind::StoreUnreachable)) == AfterPass::Failed);
  CHECK(judge(outcome(PassStatus::Interrupted, ErrorKind::Interrupted)) == AfterPass::Stopping);
  CHECK(judge(outcome(PassStatus::Interrupted, ErrorKind::Throttled)) == AfterPass::Throttled);
  CHECK(next_after(daily, AfterPass::Throttled, 3, kNow) == scheduled_next);

  CHECK(next_after(daily, AfterPass::Waiting, 0, kNow) == scheduled_next);
  CHECK(next_after(daily, AfterPass::Done, 0, kNow) == scheduled_next);
  CHECK(next_after(daily, AfterPass::Failed, 1, kNow) == kNow + 5min);
  CHECK(next_after(daily, AfterPass::Failed, 2, kNow) == kNow + 10min);
  CHECK(next_after(daily, AfterPass::Failed, 4, kNow) == kNow + 40min);
  CHECK(next_after(daily, AfterPass::Failed, 5, kNow) == kNow + 60min);
  CHECK(next_after(daily, AfterPass::Failed, 30, kNow) == kNow + 60min);
  // Never later than the scheduled run itself.
  Policy often = scheduled("every 2m");
  CHECK(next_after(often, AfterPass::Failed, 3, kNow) ==
        retentiond::policies::next_run(*often.schedule, kNow));
}

TEST_CASE("issue 22: which earlier pass made a run due now, with a shared state", "[serve]") {
  // `every`: each host counts from its own runs; a pass in the last nine tenths made it.
  CHECK(run_made_since(*scheduled("every 1h").schedule, kNow) == kNow - 54min);
  // daily: the scheduled moment itself, the same on every host (TZ=UTC in the tests' runs too).
  auto daily = *scheduled("daily 03:15").schedule;
  CHECK(run_made_since(daily, kNow) == retentiond::policies::previous_run(daily, kNow));
  CHECK(run_made_since(daily, kNow) <= kNow);
}
