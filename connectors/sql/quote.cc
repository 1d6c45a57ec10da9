#include "connectors/sql/quote.h"

namespace retentiond::connectors::sql {

std::string quote_identifier(std::string_view name, char quote) {
  std::string out(1, quote);
  for (char c : name) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

std::string quote_table(const policies::QualifiedName& table, char quote) {
  if (table.schema.empty()) return quote_identifier(table.name, quote);
  return quote_identifier(table.schema, quote) + "." + quote_identifier(table.name, quote);
}

std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += "'";
  return out;
}

}  // namespace retentiond::connectors::sql
