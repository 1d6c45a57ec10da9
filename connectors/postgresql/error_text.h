// What a PostgreSQL error may say in a log or a report: its first line, without the values a
// data exception quotes and without what a trigger or function of the database wrote itself.
#pragma once

#include <exception>
#include <string>

namespace retentiond::connectors::postgresql {

// The first line of `text` (libpq adds DETAIL, HINT and CONTEXT lines, which quote rows).
std::string first_line(std::string text);

// Each double-quoted part of `message` withheld: a data exception (SQLSTATE class 22: a cast, a
// date, a value out of range) quotes the value that failed ('invalid input syntax for type
// integer: "Jane Doe"'), which may be personal data.
std::string without_values(const std::string& message);

// `e`'s message fit for logs and reports: its first line; the values of a data exception
// withheld; and the whole text of an error raised by the database's own code (RAISE or ASSERT in
// a PL/pgSQL trigger or function, whatever its SQLSTATE, or P0001), which says whatever its
// author wrote, the row's values included: replaced by a sentence saying so, with its SQLSTATE.
std::string safe_message(const std::exception& e);

}  // namespace retentiond::connectors::postgresql
