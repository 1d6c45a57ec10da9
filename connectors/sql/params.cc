#include "connectors/sql/params.h"

#include <algorithm>

namespace retentiond::connectors::sql {

std::string Placeholders::ref(const std::string& name, const std::string& cast) {
  if (style_ == Style::Positional) {
    order_.push_back(name);
    return "?";
  }
  auto it = std::find(order_.begin(), order_.end(), name);
  size_t index = static_cast<size_t>(it - order_.begin());
  if (it == order_.end()) order_.push_back(name);
  if (style_ == Style::SqliteNumbered) return "?" + std::to_string(index + 1);
  return "$" + std::to_string(index + 1) + (cast.empty() ? "" : "::" + cast);
}

namespace {
std::vector<std::string> in_order(const std::vector<std::string>& names,
                                  const std::map<std::string, std::string>& by_name) {
  std::vector<std::string> out;
  for (const auto& n : names) {
    auto it = by_name.find(n);
    if (it == by_name.end()) throw std::logic_error("no value for SQL parameter '" + n + "'");
    out.push_back(it->second);
  }
  return out;
}
}  // namespace

std::vector<std::string> Placeholders::values(
    const std::map<std::string, std::string>& by_name) const {
  return in_order(order_, by_name);
}

std::vector<std::string> Sql::values(const std::map<std::string, std::string>& by_name) const {
  return in_order(params, by_name);
}

}  // namespace retentiond::connectors::sql
