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
