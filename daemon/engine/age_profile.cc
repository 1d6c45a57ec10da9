#include "daemon/engine/age_profile.h"

#include <algorithm>
#include <cmath>

#include "daemon/engine/policy_runs.h"

namespace retentiond::daemon {
namespace {

using policies::Duration;
using policies::DurationUnit;
using policies::TimePoint;

constexpr int kForecastMonths = 12;

// Lower bounds of the bins, as fractions of expire_after.
constexpr std::pair<long long, long long> kFractions[] = {{0, 1}, {1, 4}, {1, 2}, {3, 4},
                                                          {1, 1}, {3, 2}, {2, 1}, {3, 1}};

bool all_whole(const Duration& d) {
  for (auto [num, den] : kFractions)
    if ((d.amount * num) % den != 0) return false;
  return true;
}

}  // namespace

AgeEdges age_edges(const Duration& expire_after) {
  // One unit for every edge when a smaller unit makes them whole: 1y is 0, 3, 6 ... 36 months.
  Duration d = expire_after;
  while (!all_whole(d)) {
    if (d.unit == DurationUnit::Year)
      d = Duration{d.amount * 12, DurationUnit::Month};
    else if (d.unit == DurationUnit::Week)
      d = Duration{d.amount * 7, DurationUnit::Day};
    else if (d.unit == DurationUnit::Day && d.amount < 4)
      d = Duration{d.amount * 24, DurationUnit::Hour};
    else
      break;
  }
  AgeEdges out;
  for (auto [num, den] : kFractions) {
    Duration e{d.amount * num / den, d.unit};
    if (num == den)
      e = d;
    else if ((d.amount * num) % den != 0) {
      const double exact = static_cast<double>(d.amount * num) / static_cast<double>(den);
      // A bin's edge only, never a cut-off that acts: a short month count in days (the mean
      // Gregorian month), else rounded to the unit.
      if (d.unit == DurationUnit::Month && d.amount < 4)
        e = Duration{std::llround(exact * 30.436875), DurationUnit::Day};
      else
        e = Duration{std::llround(exact), d.unit};
    }
    // A few hours: edges rounded together are one.
    if (out.edges.empty() || !(out.edges.back() == e)) out.edges.push_back(e);
    if (num == den) out.promise = out.edges.size() - 1;
  }
  return out;
}

std::vector<AgeBin> bins_from_counts(const std::vector<Duration>& edges,
                                     const std::vector<long long>& older, size_t promise) {
  std::vector<AgeBin> out;
  for (size_t i = 0; i < edges.size() && i < older.size(); ++i) {
    AgeBin bin;
    bin.from = edges[i];
    bin.past_promise = i >= promise;
    if (i + 1 < edges.size() && i + 1 < older.size()) {
      bin.to = edges[i + 1];
      bin.count = std::max(0LL, older[i] - older[i + 1]);  // never negative if records move
    } else {
      bin.count = older[i];
    }
    out.push_back(bin);
  }
  return out;
}

std::vector<ForecastMonth> forecast_from_counts(const std::vector<TimePoint>& month_ends,
                                                const std::vector<long long>& due) {
  std::vector<ForecastMonth> out;
  for (size_t k = 1; k < month_ends.size() && k < due.size(); ++k)
    out.push_back({month_ends[k], std::max(0LL, due[k] - due[k - 1])});
  return out;
}

AgeProfile age_profile(const policies::Config& config, const policies::Policy& policy,
                       TimePoint now, PassRunner& runner) {
  AgeProfile profile;
  const AgeEdges age = age_edges(policy.expire_after);
  const std::vector<Duration>& edges = age.edges;
  // The cut-offs to count below: each age edge, then each month's end less expire_after.
  std::vector<TimePoint> cutoffs;
  for (const auto& e : edges) cutoffs.push_back(std::min(e.before(now), now));
  std::vector<TimePoint> month_ends;
  for (int k = 0; k <= kForecastMonths; ++k) {
    month_ends.push_back(Duration{k, DurationUnit::Month}.after(now));
    cutoffs.push_back(policy.expire_after.before(month_ends.back()));
  }
  // One moment for every plan, so that the store is opened once: the latest cut-off (later than
  // now only for a promise shorter than the forecast), each copy's duration reaching back from
  // it to its cut-off. Every cut-off keeps now's time of day, so the durations are whole hours.
  const TimePoint moment = std::max(now, *std::max_element(cutoffs.begin(), cutoffs.end()));
  std::vector<policies::Policy> copies;
  copies.reserve(cutoffs.size());
  for (const TimePoint cutoff : cutoffs) {
    policies::Policy copy = policy;
    copy.deadline = policies::Deadline::Maximum;  // the cut-off exactly where asked
    copy.notify.reset();                          // dates only: no notice period, no mail
    copy.also_stores.clear();                     // no other store to open
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(moment - cutoff).count();
    copy.expire_after = Duration{hours, DurationUnit::Hour};
    copies.push_back(std::move(copy));
  }
  std::vector<const policies::Policy*> selected;
  for (const auto& c : copies) selected.push_back(&c);
  PassOptions options;
  options.dry_run = true;
  options.now = moment;
  // The first plan counts everything (its undated figure); the others only what they match,
  // from the date's index where there is one.
  std::vector<PassOutcome> outcomes = run_policies(config, {selected.front()}, runner, options);
  options.counts_only = true;
  if (outcomes.size() == 1 && outcomes.front().status != PassStatus::Failed &&
      outcomes.front().status != PassStatus::Interrupted) {
    auto rest = run_policies(config, {selected.begin() + 1, selected.end()}, runner, options);
    outcomes.insert(outcomes.end(), rest.begin(), rest.end());
  }
  std::vector<long long> counts;
  for (const auto& o : outcomes) {
    if (o.status == PassStatus::Failed || o.status == PassStatus::Interrupted) {
      profile.error = o.error ? o.error->message : "the store could not be read";
      return profile;
    }
    counts.push_back(o.plan.matched + o.plan.held);  // held records are in scope too
  }
  if (counts.size() != cutoffs.size()) {
    profile.error = "the store could not be read";
    return profile;
  }
  profile.unit = outcomes.front().plan.unit;
  profile.undated = outcomes.front().plan.undated;
  profile.bins = bins_from_counts(
      edges, std::vector<long long>(counts.begin(), counts.begin() + edges.size()), age.promise);
  profile.forecast = forecast_from_counts(
      month_ends, std::vector<long long>(counts.begin() + edges.size(), counts.end()));
  return profile;
}

}  // namespace retentiond::daemon
