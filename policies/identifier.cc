#include "policies/identifier.h"

#include <cctype>

namespace retentiond::policies {

std::optional<std::string> identifier_problem(std::string_view name) {
  const std::string quoted = "'" + std::string(name) + "'";
  if (name.empty()) return std::string("empty name");
  if (name.size() > 63) return "name " + quoted + " is longer than 63 bytes";
  if (name.front() == ' ' || name.back() == ' ')
    return "name " + quoted + " starts or ends with a space";
  for (unsigned char c : name) {
    if (c >= 0x80 || std::isalnum(c) || c == '_' || c == '$' || c == '-' || c == ' ') continue;
    std::string shown = std::isprint(c) ? std::string(1, static_cast<char>(c))
                                        : "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) +
                                              std::string(1, "0123456789abcdef"[c & 15]);
    return "unsafe identifier " + quoted + ": character '" + shown +
           "' is not allowed (use letters, digits, '_', '$', '-' or spaces)";
  }
  return std::nullopt;
}

std::optional<QualifiedName> parse_qualified_name(std::string_view text, std::string& error) {
  QualifiedName out;
  auto dot = text.find('.');
  if (dot != std::string_view::npos) {
    if (text.find('.', dot + 1) != std::string_view::npos) {
      error = "table '" + std::string(text) + "' has more than one '.' (use schema.table)";
      return std::nullopt;
    }
    out.schema = std::string(text.substr(0, dot));
    out.name = std::string(text.substr(dot + 1));
    if (auto p = identifier_problem(out.schema)) {
      error = "schema of table '" + std::string(text) + "': " + *p;
      return std::nullopt;
    }
  } else {
    out.name = std::string(text);
  }
  if (auto p = identifier_problem(out.name)) {
    error = *p;
    return std::nullopt;
  }
  return out;
}

}  // namespace retentiond::policies
