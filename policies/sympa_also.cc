// What a Sympa store does for another store's policy that names it in `also:`: it unsubscribes
// the addresses of the policy's records from named lists (`sympa: subscribers`). Only the names
// are checked here; `retentiond check` asks Sympa's database whether the lists exist.
#include <algorithm>
#include <cctype>

#include "policies/policy_parser.h"

namespace retentiond::policies {
namespace {

// Sympa's own rule for list names (Sympa::Regexps listname): a lower-case letter or digit, then
// up to 49 of those or '-', '.', '+', '_'.
bool sympa_list_name(const std::string& name) {
  if (name.empty() || name.size() > 50) return false;
  auto plain = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!plain(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return plain(c) || c == '-' || c == '.' || c == '+' || c == '_';
  });
}

// A robot is a mail domain (robot_subscriber holds at most 80 characters).
bool robot_name(const std::string& name) {
  if (name.empty() || name.size() > 80) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

void parse_subscribers(const YamlMap& m, const std::string& where, AlsoStoreRule& rule) {
  const YamlField& kind = m.require("sympa");
  rule.kind = m.text(kind);
  rule.kind_location = kind.value_location;
  if (rule.kind != "subscribers")
    throw ConfigError(kind.value_location, "'sympa' in " + where +
                                               " must be 'subscribers' (a Sympa store unsubscribes "
                                               "the records' addresses from lists), not '" +
                                               rule.kind + "'");

  const YamlField& lists = m.require("lists");
  rule.lists_location = lists.value_location;
  auto add = [&](const std::string& name, const Location& at) {
    if (!sympa_list_name(name))
      throw ConfigError(at, "'" + name + "' in 'lists' of " + where +
                                " is not a Sympa list name (lower-case letters, digits, '-', '.', "
                                "'+' and '_', at most 50 characters)");
    if (std::find(rule.lists.begin(), rule.lists.end(), name) != rule.lists.end())
      throw ConfigError(at, "'lists' of " + where + " names '" + name + "' twice");
    rule.lists.push_back(name);
  };
  if (lists.value.IsScalar()) {
    add(m.text(lists), lists.value_location);
  } else if (lists.value.IsSequence() && lists.value.size() > 0) {
    for (const auto& item : lists.value) {
      const Location at = location_of(m.file(), item);
      if (!item.IsScalar() || item.Scalar().empty())
        throw ConfigError(at, "'lists' of " + where + " must hold list names");
      add(item.Scalar(), at);
    }
  } else {
    throw ConfigError(lists.value_location,
                      "'lists' of " + where + " must name one or more Sympa lists");
  }

  if (const YamlField* robot = m.find("robot")) {
    rule.robot = m.text(*robot);
    rule.robot_location = robot->value_location;
    if (!robot_name(rule.robot))
      throw ConfigError(robot->value_location,
                        "'robot' of " + where + " must be a mail domain (the robot's name), not '" +
                            rule.robot + "'");
  }

  const YamlField& email = m.require("email");
  rule.column = m.text(email);
  rule.column_location = email.value_location;
  if (auto problem = identifier_problem(rule.column))
    throw ConfigError(email.value_location, "email: " + *problem);
}

}  // namespace

AlsoTarget sympa_also_target() {
  return AlsoTarget{"unsubscribe the records' addresses from lists ('sympa: subscribers')",
                    {"sympa", "lists", "robot", "email"},
                    parse_subscribers};
}

}  // namespace retentiond::policies
