#include "connectors/postgresql/error_text.h"

#include <pqxx/pqxx>

namespace retentiond::connectors::postgresql {

std::string first_line(std::string text) {
  auto nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  return text;
}

std::string without_values(const std::string& message) {
  std::string out;
  size_t at = 0;
  while (at < message.size()) {
    const size_t open = message.find('"', at);
    const size_t close = open == std::string::npos ? open : message.find('"', open + 1);
    if (close == std::string::npos) return out + message.substr(at);
    out += message.substr(at, open - at) + "(a value, withheld)";
    at = close + 1;
  }
  return out;
}

std::string safe_message(const std::exception& e) {
  const std::string text = e.what();
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  const std::string state = sql ? sql->sqlstate() : "";
  // The CONTEXT line names the procedural language the error came from ("PL/pgSQL function
  // keep_u() line 3 at RAISE"); a cascade's own statement ("SQL statement ...") is not one.
  const size_t context = text.find("\nCONTEXT:");
  const bool raised =
      state == "P0001" || state == "P0004" ||
      (context != std::string::npos && text.find("PL/", context) != std::string::npos);
  if (raised)
    return "a trigger or function of the database refused the statement (SQLSTATE " +
           (state.empty() ? std::string("unknown") : state) +
           "; its message is withheld from logs and reports, since it may quote the row)";
  if (dynamic_cast<const pqxx::data_exception*>(&e)) return without_values(first_line(text));
  return first_line(text);
}

}  // namespace retentiond::connectors::postgresql
