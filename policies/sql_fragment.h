// SQL conditions written by the operator (`where`, `on`, `hold_where`). They are spliced into
// statements inside parentheses, so they must be one balanced boolean expression: no statement
// separator, no comment that could swallow the expiry condition that follows them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace retentiond::policies {

// Returns nullopt when `sql` is a single balanced expression, else a sentence naming the problem:
// empty text, ';', '--' or '/*' outside quotes, unbalanced parentheses, an unterminated quote.
// `hash_comments`: '#' starts a comment in the store's dialect (MySQL), so it is refused too;
// PostgreSQL uses '#' in operators (jsonb `#>>`), so there it is allowed.
std::optional<std::string> sql_fragment_problem(std::string_view sql, bool hash_comments = true);

}  // namespace retentiond::policies
