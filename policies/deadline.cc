#include "policies/deadline.h"

#include "policies/schedule.h"

namespace retentiond::policies {

std::string_view deadline_name(Deadline d) {
  switch (d) {
    case Deadline::Maximum:
      return "maximum";
    case Deadline::Exact:
      return "exact";
    case Deadline::Strict:
      return "strict";
  }
  return "";
}

std::optional<Deadline> parse_deadline(std::string_view text) {
  for (Deadline d : {Deadline::Maximum, Deadline::Exact, Deadline::Strict})
    if (text == deadline_name(d)) return d;
  return std::nullopt;
}

std::optional<std::chrono::seconds> schedule_lateness(const Policy& policy, TimePoint from) {
  if (!policy.schedule) return std::nullopt;
  const Schedule& s = *policy.schedule;
  std::chrono::seconds longest{0};
  if (s.kind == Schedule::Kind::Every) {
    longest = s.interval;
  } else {
    // Daylight-saving changes make some gaps an hour longer: walk a year of passes.
    TimePoint at = next_run(s, from);
    const TimePoint end = from + std::chrono::hours(24 * 366);
    while (at < end) {
      const TimePoint next = next_run(s, at);
      longest = std::max(longest, std::chrono::duration_cast<std::chrono::seconds>(next - at));
      at = next;
    }
  }
  return longest + policy.random_delay.value_or(std::chrono::seconds(0));
}

TimePoint deadline_horizon(const Policy& policy, TimePoint now) {
  if (policy.deadline != Deadline::Strict || !policy.schedule) return now;
  return next_run(*policy.schedule, now) + policy.random_delay.value_or(std::chrono::seconds(0));
}

std::string span_words(std::chrono::seconds span) {
  long long s = span.count();
  if (s < 0) s = 0;
  const long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
  if (d >= 2 && h == 0) return std::to_string(d) + " d";
  if (d >= 2) return std::to_string(d) + " d " + std::to_string(h) + " h";
  if (s >= 3600) {
    const long long hours = s / 3600;
    return std::to_string(hours) + " h" + (m ? " " + std::to_string(m) + " min" : "");
  }
  if (s >= 60) return std::to_string(s / 60) + " min";
  return std::to_string(s) + " s";
}

std::string lateness_words(const Policy& policy, TimePoint from,
                           std::optional<std::chrono::seconds> run_time) {
  const auto gap = schedule_lateness(policy, from);
  if (!gap) return "unknown: no schedule (acts when enforce is run)";
  std::string schedule = "schedule " + policy.schedule->text;
  if (policy.random_delay) schedule += ", random_delay " + span_words(*policy.random_delay);
  const std::string run = run_time ? ", and this pass took " + span_words(*run_time) + ")"
                                   : ") plus the pass's run time";
  if (policy.deadline == Deadline::Strict)
    return "no lateness beyond the pass's run time: records are acted on at the last scheduled "
           "pass before "
           "their expiry (" +
           schedule + ")";
  return "at most " + span_words(*gap + run_time.value_or(std::chrono::seconds(0))) + " late (" +
         schedule + run;
}

}  // namespace retentiond::policies
