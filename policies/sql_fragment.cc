#include "policies/sql_fragment.h"

#include <cctype>

namespace retentiond::policies {

std::optional<std::string> sql_fragment_problem(std::string_view sql, bool hash_comments) {
  bool blank = true;
  for (char c : sql)
    if (!std::isspace(static_cast<unsigned char>(c))) blank = false;
  if (blank) return std::string("empty SQL condition");

  int depth = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      // Quoted text or identifier: a doubled quote stays inside; a backslash escapes the next
      // character (MySQL's default), which errs on the side of "unterminated".
      size_t j = i + 1;
      bool closed = false;
      for (; j < sql.size(); ++j) {
        if (sql[j] == '\\' && c == '\'') {
          ++j;
          continue;
        }
        if (sql[j] == c) {
          if (j + 1 < sql.size() && sql[j + 1] == c) {
            ++j;
            continue;
          }
          closed = true;
          break;
        }
      }
      if (!closed) return "unterminated " + std::string(1, c) + " quote in SQL condition";
      i = j;
      continue;
    }
    if (c == ';') return std::string("';' is not allowed in a SQL condition (one expression only)");
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-')
      return std::string("'--' comments are not allowed in a SQL condition");
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*')
      return std::string("'/*' comments are not allowed in a SQL condition");
    if (c == '#' && hash_comments) return std::string("'#' comments are not allowed in a SQL condition");
    if (c == '(') ++depth;
    if (c == ')' && --depth < 0) return std::string("unbalanced ')' in SQL condition");
  }
  if (depth != 0) return std::string("unbalanced '(' in SQL condition");
  return std::nullopt;
}

}  // namespace retentiond::policies
