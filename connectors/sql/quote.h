// Identifier quoting shared by the SQL stores. Names were validated by the loader
// (policies/identifier.h); quoting is still total, doubling any quote character, so that a
// name can never end its quotes early.
#pragma once

#include <string>
#include <string_view>

#include "policies/identifier.h"

namespace retentiond::connectors::sql {

// "name" with '"' (SQLite, PostgreSQL) or `name` with '`' (MySQL).
std::string quote_identifier(std::string_view name, char quote);

// "schema"."table", or "table" when unqualified.
std::string quote_table(const policies::QualifiedName& table, char quote);

// A single-quoted SQL string literal (quotes doubled), for messages and statements shown to
// people, never for values sent to a store: those are bound.
std::string quote_literal(std::string_view text);

}  // namespace retentiond::connectors::sql
