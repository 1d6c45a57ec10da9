// Deadlines (issue 18): how late a scheduled policy may act, and how `deadline: strict` takes its
// cut-off from the next scheduled pass so that no record outlives a promise stated as a maximum.
#include "policies/deadline.h"

#include <catch2/catch.hpp>

#include "connectors/registry.h"
#include "policies/config_loader.h"
#include "policies/planner.h"
#include "policies/schedule.h"
#include "support/temp_dir.h"
#include "support/time_zone.h"

using namespace retentiond::policies;
using retentiond::testing::in_zone;
using namespace std::chrono_literals;
using retentiond::testing::TempDir;

namespace {

Policy scheduled(const std::string& schedule, Deadline deadline = Deadline::Maximum) {
  Policy p;
  p.name = std::string("p");  // assigning a literal trips GCC 12's -Wrestrict (a false positive)
  std::string error;
  p.schedule = *parse_schedule(schedule, error);
  p.expire_after = *parse_duration("1y", error);
  p.deadline = deadline;
  return p;
}

TimePoint at(const std::string& text) { return *parse_timestamp(text); }

LoadResult load(const TempDir& dir, const std::string& policy_lines) {
  return load_config(
      dir.write("r.yaml",
                "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                "  - name: p\n    store: app\n    table: t\n    since: ts\n" +
                    policy_lines),
      retentiond::connectors::store_specs());
}

}  // namespace

TEST_CASE("a schedule's lateness is its longest gap between passes, plus random_delay",
          "[deadline]") {
  in_zone("UTC", [] {
    CHECK(schedule_lateness(scheduled("daily 03:15"), at("2026-12-02T00:00:00Z")) ==
          std::chrono::seconds(24h));
    CHECK(schedule_lateness(scheduled("weekly sun 04:00"), at("2026-12-02T00:00:00Z")) ==
          std::chrono::seconds(24h * 7));
    CHECK(schedule_lateness(scheduled("every 6h"), at("2026-12-02T00:00:00Z")) ==
          std::chrono::seconds(6h));
    Policy delayed = scheduled("daily 03:15");
    delayed.random_delay = 15min;
    CHECK(schedule_lateness(delayed, at("2026-12-02T00:00:00Z")) ==
          std::chrono::seconds(24h + 15min));
  });
  // Across the autumn change, a local daily time is 25 hours after the one before.
  in_zone("Europe/Paris", [] {
    CHECK(schedule_lateness(scheduled("daily 03:15"), at("2026-12-02T00:00:00Z")) ==
          std::chrono::seconds(25h));
    CHECK(schedule_lateness(scheduled("weekly sun 04:00"), at("2026-12-02T00:00:00Z")) ==
          std::chrono::seconds(24h * 7 + 1h));
  });
  Policy unscheduled;
  CHECK_FALSE(schedule_lateness(unscheduled, at("2026-12-02T00:00:00Z")));
}

TEST_CASE("a strict policy's cut-off is taken from its next scheduled pass (plus random_delay)",
          "[deadline]") {
  in_zone("UTC", [] {
    const TimePoint now = at("2026-12-02T12:00:00Z");  // a Wednesday
    Policy maximum = scheduled("weekly sun 04:00");
    CHECK(format_timestamp(cutoff_for(maximum, now).cutoff) == "2025-12-02T12:00:00Z");
    CHECK(cutoff_for(maximum, now).horizon == now);

    Policy strict = scheduled("weekly sun 04:00", Deadline::Strict);
    auto c = cutoff_for(strict, now);
    CHECK(format_timestamp(c.horizon) == "2026-12-06T04:00:00Z");
    CHECK(format_timestamp(c.cutoff) == "2025-12-06T04:00:00Z");
    CHECK(c.now == now);

    strict.random_delay = 15min;
    CHECK(format_timestamp(cutoff_for(strict, now).cutoff) == "2025-12-06T04:15:00Z");

    // `exact` is a statement about the promise; it does not move the cut-off.
    CHECK(
        format_timestamp(cutoff_for(scheduled("weekly sun 04:00", Deadline::Exact), now).cutoff) ==
        "2025-12-02T12:00:00Z");

    // A duration shorter than the gap never moves the cut-off past now: future dates stay kept.
    Policy short_strict = scheduled("weekly sun 04:00", Deadline::Strict);
    std::string error;
    short_strict.expire_after = *parse_duration("1d", error);
    CHECK(cutoff_for(short_strict, now).cutoff == now);
  });
}

TEST_CASE("lateness in words, for reports and the register", "[deadline]") {
  in_zone("UTC", [] {
    const TimePoint now = at("2026-12-02T12:00:00Z");
    CHECK(lateness_words(scheduled("weekly sun 04:00"), now) ==
          "at most 7 d late (schedule weekly sun 04:00) plus the pass's run time");
    CHECK(lateness_words(scheduled("daily 03:15"), now, 90s) ==
          "at most 24 h 1 min late (schedule daily 03:15, and this pass took 1 min)");
    CHECK(lateness_words(scheduled("weekly sun 04:00", Deadline::Strict), now) ==
          "no lateness beyond the pass's run time: records are acted on at the last scheduled pass "
          "before their "
          "expiry (schedule weekly sun 04:00)");
    Policy unscheduled;
    CHECK(lateness_words(unscheduled, now) == "unknown: no schedule (acts when enforce is run)");
    CHECK(span_words(std::chrono::seconds(6h + 30min)) == "6 h 30 min");
    CHECK(span_words(std::chrono::seconds(24h * 3 + 16h)) == "3 d 16 h");
    CHECK(span_words(std::chrono::seconds(45)) == "45 s");
  });
}

TEST_CASE("deadline: in the configuration", "[deadline][config]") {
  TempDir dir;
  SECTION("strict needs a schedule") {
    auto r = load(dir, "    expire_after: 1y\n    deadline: strict\n");
    REQUIRE(r.diagnostics.errors().size() == 1);
    CHECK(r.diagnostics.errors()[0].str() ==
          dir.file("r.yaml") +
              ":10:15: error: 'deadline: strict' needs a 'schedule' in policy 'p': the cut-off is "
              "taken from the next scheduled pass");
  }
  SECTION("an unknown kind") {
    auto r = load(dir, "    expire_after: 1y\n    deadline: soon\n");
    REQUIRE(r.diagnostics.errors().size() == 1);
    CHECK(
        r.diagnostics.errors()[0].str() ==
        dir.file("r.yaml") +
            ":10:15: error: 'deadline' of policy 'p' must be maximum, exact or strict, not 'soon'");
  }
  SECTION("a maximum that may slip by more than a day is warned about at its schedule") {
    in_zone("UTC", [&] {
      auto r = load(dir, "    expire_after: 1y\n    schedule: weekly sun 04:00\n");
      CHECK(r.diagnostics.errors().empty());
      REQUIRE(r.diagnostics.warnings().size() == 1);
      CHECK(r.diagnostics.warnings()[0].str() ==
            dir.file("r.yaml") +
                ":10:15: warning: policy 'p' promises 1 year at most, but its passes may act up to "
                "7 d "
                "late (schedule weekly sun 04:00); 'deadline: strict' acts before the promise "
                "passes, "
                "'deadline: exact' says the lateness is expected");
    });
  }
  SECTION("no warning for a daily maximum where the clocks change: its day may be 25 hours") {
    in_zone("Europe/Paris", [&] {
      CHECK(load(dir, "    expire_after: 1y\n    schedule: daily 03:00\n")
                .diagnostics.warnings()
                .empty());
      // Any other schedule whose gap passes a day is still warned about.
      CHECK(load(dir, "    expire_after: 1y\n    schedule: every 25h\n")
                .diagnostics.warnings()
                .size() == 1);
    });
  }
  SECTION("no warning for a daily maximum, an exact or a strict deadline") {
    in_zone("UTC", [&] {
      CHECK(load(dir, "    expire_after: 1y\n    schedule: daily 03:00\n")
                .diagnostics.warnings()
                .empty());
      CHECK(load(dir, "    expire_after: 1y\n    schedule: weekly sun 04:00\n    deadline: exact\n")
                .diagnostics.warnings()
                .empty());
      auto strict =
          load(dir, "    expire_after: 1y\n    schedule: weekly sun 04:00\n    deadline: strict\n");
      CHECK(strict.diagnostics.warnings().empty());
      REQUIRE(strict.config);
      REQUIRE(strict.config->policies.size() == 1);
      CHECK(strict.config->policies[0].deadline == Deadline::Strict);
    });
  }
  SECTION("a strict deadline its schedule cannot keep") {
    in_zone("UTC", [&] {
      auto r =
          load(dir, "    expire_after: 3d\n    schedule: weekly sun 04:00\n    deadline: strict\n");
      REQUIRE(r.diagnostics.warnings().size() == 1);
      CHECK(r.diagnostics.warnings()[0].message ==
            "policy 'p' cannot keep 3 days to the letter: its passes are up to 7 d apart, so a "
            "record may expire "
            "between two passes without having been expired at the first");
    });
  }
}
