#include "connectors/mysql/show_grants.h"

#include <optional>
#include <string_view>

namespace retentiond::connectors::mysql {
namespace {

// The privileges "ALL PRIVILEGES" grants that a partition pass may need.
const std::vector<std::string> kAll = {"SELECT", "INSERT", "DELETE", "UPDATE",
                                       "CREATE", "ALTER",  "DROP",   "LOCK TABLES"};

// A backquoted identifier at the start of `text` (`` doubled inside), and what follows it.
std::optional<std::pair<std::string, std::string_view>> quoted(std::string_view text) {
  if (text.empty() || text[0] != '`') return std::nullopt;
  std::string name;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] != '`') {
      name += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '`') {
      name += '`';
      ++i;
    } else {
      return std::pair{name, text.substr(i + 1)};
    }
  }
  return std::nullopt;
}

// Whether `name` matches the grant's database pattern (`%` any run, `_` one character, `\`
// escapes the next), as a database-level grant matches.
bool like(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return name.empty();
  if (pattern[0] == '%') {
    for (size_t skip = 0; skip <= name.size(); ++skip)
      if (like(pattern.substr(1), name.substr(skip))) return true;
    return false;
  }
  if (name.empty()) return false;
  if (pattern[0] == '\\' && pattern.size() > 1)
    return pattern[1] == name[0] && like(pattern.substr(2), name.substr(1));
  return (pattern[0] == '_' || pattern[0] == name[0]) && like(pattern.substr(1), name.substr(1));
}

// The privileges of "DROP, ALTER" or "ALL PRIVILEGES"; a privilege on columns only is none.
std::vector<std::string> privileges_of(std::string_view list) {
  std::vector<std::string> out;
  int depth = 0;
  std::string current;
  bool columns = false;
  auto flush = [&] {
    while (!current.empty() && current.back() == ' ') current.pop_back();
    if (!current.empty() && !columns) {
      if (current == "ALL PRIVILEGES" || current == "ALL")
        out.insert(out.end(), kAll.begin(), kAll.end());
      else
        out.push_back(current);
    }
    current.clear();
    columns = false;
  };
  for (char c : list) {
    if (c == '(') {
      ++depth;
      columns = true;
    } else if (c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      flush();
    } else if (depth == 0 && !(c == ' ' && current.empty())) {
      current += c;
    }
  }
  flush();
  return out;
}

}  // namespace

ShownGrants grants_on_table(const std::vector<std::string>& lines, const std::string& database,
                            const std::string& table) {
  ShownGrants out;
  for (const std::string& line : lines) {
    std::string_view rest(line);
    constexpr std::string_view kGrant = "GRANT ";
    if (rest.substr(0, kGrant.size()) != kGrant) continue;
    rest.remove_prefix(kGrant.size());
    const auto on = rest.find(" ON ");
    if (on == std::string_view::npos)
      continue;  // a role granted: its grants are lines of their own
    const auto privileges = privileges_of(rest.substr(0, on));
    std::string_view target = rest.substr(on + 4);
    if (target.substr(0, 6) == "PROXY ") continue;
    std::vector<std::string>* into = nullptr;
    if (target.substr(0, 4) == "*.* ") {
      into = &out.on_database;
    } else if (auto db = quoted(target); db && db->second.substr(0, 1) == ".") {
      std::string_view after = db->second.substr(1);
      if (after.substr(0, 2) == "* ") {
        if (like(db->first, database)) into = &out.on_database;
      } else if (auto t = quoted(after); t && db->first == database && t->first == table &&
                                         t->second.substr(0, 4) == " TO ") {
        into = &out.on_table;
      }
    }
    if (into) into->insert(into->end(), privileges.begin(), privileges.end());
  }
  return out;
}

}  // namespace retentiond::connectors::mysql
