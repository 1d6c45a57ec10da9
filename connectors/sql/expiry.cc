#include "connectors/sql/expiry.h"

namespace retentiond::connectors::sql {

std::string expired_condition(const std::vector<TermSql>& terms) {
  if (terms.size() == 1) return "(" + terms[0].before_cutoff + ")";
  std::string all_before, any_known;
  for (const auto& t : terms) {
    if (!all_before.empty()) all_before += " AND ";
    all_before += "(" + t.before_cutoff + " OR " + t.value + " IS NULL)";
    if (!any_known.empty()) any_known += " OR ";
    any_known += t.value + " IS NOT NULL";
  }
  return "(" + all_before + " AND (" + any_known + "))";
}

std::string expired_condition(const std::vector<TermSql>& primary,
                              const std::vector<TermSql>& fallback) {
  if (fallback.empty()) return expired_condition(primary);
  // Built in the terms' order (primary, then fallback), which positional placeholders need.
  std::string out = "(" + expired_condition(primary) + " OR (";
  for (const auto& t : primary) out += t.absent_condition() + " AND ";
  return out + expired_condition(fallback) + "))";
}

namespace {

std::vector<std::string> values_of(const std::vector<TermSql>& terms) {
  std::vector<std::string> out;
  for (const auto& t : terms) out.push_back(t.value);
  return out;
}

}  // namespace

std::string latest_of(const std::vector<TermSql>& primary, const std::vector<TermSql>& fallback,
                      std::string_view greatest) {
  if (fallback.empty()) return latest_of(values_of(primary), greatest);
  std::string all_absent;
  for (const auto& t : primary)
    all_absent += (all_absent.empty() ? "" : " AND ") + t.absent_condition();
  return "(CASE WHEN " + all_absent + " THEN " + latest_of(values_of(fallback), greatest) +
         " ELSE " + latest_of(values_of(primary), greatest) + " END)";
}

std::string latest_of(const std::vector<std::string>& values, std::string_view greatest) {
  if (values.size() == 1) return values[0];
  std::string out = std::string(greatest) + "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += "COALESCE(";
    for (size_t j = 0; j < values.size(); ++j) {
      if (j) out += ", ";
      out += values[(i + j) % values.size()];
    }
    out += ")";
  }
  return out + ")";
}

}  // namespace retentiond::connectors::sql
