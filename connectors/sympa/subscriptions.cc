#include "connectors/sympa/subscriptions.h"

#include <algorithm>

#include "connectors/sympa/sympa_conf.h"

namespace retentiond::connectors::sympa {
namespace {

std::string placeholders(size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) out += i ? ", ?" : "?";
  return out;
}

}  // namespace

std::vector<std::string> canonical_addresses(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    const size_t begin = v.find_first_not_of(" \t\n\v\f\r");
    if (begin == std::string::npos) continue;
    const size_t end = v.find_last_not_of(" \t\n\v\f\r");
    out.push_back(lower_case(v.substr(begin, end - begin + 1)));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string unsubscribe_statement(const policies::AlsoStoreRule& rule, size_t count, bool mysql) {
  std::string text = "DELETE FROM subscriber_table WHERE list_subscriber IN (" +
                     placeholders(rule.lists.size()) + ")";
  if (!rule.robot.empty()) text += " AND robot_subscriber = ?";
  // Sympa's MySQL schema gives user_subscriber a _general_ci collation, which takes 'rene@' for
  // 'rené@': the addresses handed on are canonical already, compared byte for byte.
  const std::string user =
      mysql ? "CONVERT(user_subscriber USING utf8mb4) COLLATE utf8mb4_bin" : "user_subscriber";
  return text + " AND " + user + " IN (" + placeholders(count) + ")";
}

std::vector<std::string> unsubscribe_values(const policies::AlsoStoreRule& rule,
                                            const std::vector<std::string>& addresses) {
  std::vector<std::string> out = rule.lists;
  if (!rule.robot.empty()) out.push_back(rule.robot);
  out.insert(out.end(), addresses.begin(), addresses.end());
  return out;
}

std::string known_lists_query(const policies::AlsoStoreRule& rule) {
  std::string text = "SELECT DISTINCT name_list FROM list_table WHERE name_list IN (" +
                     placeholders(rule.lists.size()) + ")";
  if (!rule.robot.empty()) text += " AND robot_list = ?";
  return text;
}

}  // namespace retentiond::connectors::sympa
