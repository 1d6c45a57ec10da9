// SQL conditions written by the operator (`where`, `on`, `hold_where`). They are spliced into
// statements inside parentheses, so they must be one balanced boolean expression: no statement
// separator, no comment that could swallow the expiry condition that follows them, no bind
// parameter that would read retentiond's own values. Each dialect is read with its server's real
// lexical rules, because a quote or bracket one dialect reads as text may be code in another.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace retentiond::policies {

// The SQL dialect a store's fragments are written in, as the connector's session reads them:
//   Sqlite      '...' with '' (no backslash escapes); identifiers "...", `...` and [...];
//               ?, :name, @name, $name and #name are bind parameters.
//   Postgresql  '...' with '' (the session sets standard_conforming_strings = on); E'...' with
//               backslash escapes; $tag$...$tag$ dollar quotes; "..." identifiers; $1 parameters;
//               comments nest.
//   Mysql       '...' and "..." with '' or "" and backslash escapes (the session's sql_mode has
//               neither NO_BACKSLASH_ESCAPES nor ANSI_QUOTES); `...` identifiers; '#', '-- ' and
//               '/*' (also '/*!') comments; ? parameters.
enum class SqlDialect { Sqlite, Postgresql, Mysql };

// "SQLite", "PostgreSQL", "MySQL".
std::string_view dialect_name(SqlDialect dialect);

// Returns nullopt when `sql` is a single balanced expression in `dialect`, else a sentence naming
// the problem: empty text, a NUL byte or invalid UTF-8, ';' or a comment ('--', '/*', and '#' on
// MySQL) outside quotes, unbalanced parentheses, an unterminated quote, identifier or dollar
// quote, a bind parameter, or a construct retentiond does not read reliably (PostgreSQL's U&'...').
std::optional<std::string> sql_fragment_problem(std::string_view sql, SqlDialect dialect);

// The same where the store's dialect is not known (its type is misspelt, or it takes no SQL):
// the first problem `sql` has in any dialect.
std::optional<std::string> sql_fragment_problem(std::string_view sql,
                                                std::optional<SqlDialect> dialect);

}  // namespace retentiond::policies
