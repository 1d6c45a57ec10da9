#include "policies/planner.h"

#include <algorithm>
#include <cstdio>

#include "policies/deadline.h"

namespace retentiond::policies {
namespace {

// 12.5 for 12500 millipercent; whole numbers without a fraction.
std::string percent_text(long long millipercent) {
  char buf[32];
  if (millipercent % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%lld%%", millipercent / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g%%", millipercent / 1000.0);
  }
  return buf;
}

std::string share(long long matched, long long total) {
  if (total <= 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, " (%.1f%%)", 100.0 * static_cast<double>(matched) / total);
  return buf;
}

}  // namespace

Cutoff cutoff_for(const Policy& policy, TimePoint now) {
  const TimePoint horizon = deadline_horizon(policy, now);
  // Never past `now`, even when a strict policy's duration is shorter than its schedule's gap:
  // a record dated in the future is always kept.
  return Cutoff{now, std::min(policy.expire_after.before(horizon), now), horizon};
}

std::string with_thousands(long long n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  int count = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (count && count % 3 == 0) out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++count;
  }
  return n < 0 ? "-" + out : out;
}

std::string counted(long long n, std::string_view unit) {
  if (n == 1 && unit.size() > 3 && unit.substr(unit.size() - 3) == "ies")  // entries: entry
    return "1 " + std::string(unit.substr(0, unit.size() - 3)) + "y";
  if (n == 1 && !unit.empty() && unit.back() == 's') unit.remove_suffix(1);
  return with_thousands(n) + " " + std::string(unit);
}

GuardDecision check_guard(const MaxAffected& max, long long matched, long long total,
                          const std::string& unit, bool estimated) {
  GuardDecision d;
  std::string rule;
  switch (max.kind) {
    case MaxAffected::Kind::Default:
      // More than 90% of more than 10 selected records is refused.
      d.limit = total > 10 ? total * 9 / 10 : total;
      d.allowed = total <= 10 || matched * 10 <= total * 9;
      rule = "the default limit of 90% (of more than 10 " + unit + ")";
      break;
    case MaxAffected::Kind::Percent:
      d.limit = static_cast<long long>((static_cast<__int128>(total) * max.millipercent) / 100'000);
      d.allowed = static_cast<__int128>(matched) * 100'000 <=
                  static_cast<__int128>(max.millipercent) * total;
      rule = "max_affected " + percent_text(max.millipercent);
      break;
    case MaxAffected::Kind::Count:
      d.limit = max.count;
      d.allowed = matched <= max.count;
      rule = "max_affected " + with_thousands(max.count);
      break;
  }
  if (!d.allowed) {
    const std::string about = estimated ? "about " : "";
    d.reason = "refused: would touch " + about + with_thousands(matched) + " of " + about +
               with_thousands(total) + " selected " + unit + share(matched, total) +
               ", more than " + rule +
               "; nothing was changed. If this is expected, raise max_affected (e.g. '100%').";
  }
  return d;
}

}  // namespace retentiond::policies
