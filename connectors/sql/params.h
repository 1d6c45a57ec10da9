// Bound parameters for generated SQL, by name. A statement is built with ref("cutoff") wherever a
// value goes; the store then binds values by name in the order the placeholders need. PostgreSQL
// and SQLite number placeholders ($1, $2 and ?1, ?2; a name reused keeps its number); MySQL's
// are positional ('?', one value per occurrence). Every value is bound, never spliced into the
// SQL.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace retentiond::connectors::sql {

class Placeholders {
 public:
  // Numbered: $1, $2 (PostgreSQL). Positional: ? per occurrence (MySQL). SqliteNumbered: ?1, ?2.
  enum class Style { Numbered, Positional, SqliteNumbered };
  explicit Placeholders(Style style) : style_(style) {}

  // The placeholder for `name`, with an optional cast appended (PostgreSQL: "$2::timestamptz";
  // the other styles leave it out).
  std::string ref(const std::string& name, const std::string& cast = "");

  // Parameter names in binding order.
  const std::vector<std::string>& order() const { return order_; }

  // The values in binding order. Throws std::logic_error for a name without a value: a bug in
  // the statement builder, never a runtime condition.
  std::vector<std::string> values(const std::map<std::string, std::string>& by_name) const;

 private:
  Style style_;
  std::vector<std::string> order_;
};

// A statement and the names of its parameters, in binding order.
struct Sql {
  std::string text;
  std::vector<std::string> params;
  std::vector<std::string> values(const std::map<std::string, std::string>& by_name) const;
};

}  // namespace retentiond::connectors::sql
