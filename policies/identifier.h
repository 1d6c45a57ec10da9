// SQL identifiers from configuration (tables, columns, keys). They are validated here and always
// quoted by the store's dialect, never spliced raw: a name must be plain or safely quotable.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace retentiond::policies {

// Returns nullopt when `name` is safe to quote as one identifier, otherwise a sentence saying why.
// Allowed: ASCII letters, digits, '_', '$', '-', inner spaces and non-ASCII (UTF-8) letters;
// at most 63 bytes. Quotes, backticks, dots, semicolons, brackets and control characters are not.
std::optional<std::string> identifier_problem(std::string_view name);

// A table name, optionally qualified by a schema (PostgreSQL schema, MySQL database, SQLite
// attached database): "decidim_users", "coop.beneficiaires".
struct QualifiedName {
  std::string schema;  // empty when unqualified
  std::string name;

  std::string str() const { return schema.empty() ? name : schema + "." + name; }
  bool operator==(const QualifiedName&) const = default;
};

// Splits and validates "schema.table" or "table". On failure returns nullopt and sets `error`.
std::optional<QualifiedName> parse_qualified_name(std::string_view text, std::string& error);

}  // namespace retentiond::policies
