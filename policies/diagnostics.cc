#include "policies/diagnostics.h"

#include <algorithm>
#include <string_view>

#include "policies/printable.h"
#include "policies/yaml_map.h"

namespace retentiond::policies {

std::string Diagnostic::str() const {
  std::string out = location.str();
  if (!out.empty()) out += ": ";
  out += severity == Severity::Error ? "error: " : "warning: ";
  out += message;
  // Messages quote what the configuration says, which may hold any byte.
  return printable(out);
}

Diagnostic error_at(const Location& where, std::string message) {
  return Diagnostic{Severity::Error, where, std::move(message)};
}

std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates) {
  std::vector<std::string_view> views(candidates.begin(), candidates.end());
  if (auto guess = closest_key(name, views))
    return " (did you mean '" + std::string(*guess) + "'?)";
  return "";
}

ConfigError::ConfigError(Location location, std::string message)
    : std::runtime_error(printable(location.str() + ": " + message)),
      location_(std::move(location)),
      message_(std::move(message)) {}

void Diagnostics::error(const Location& where, std::string message) {
  items_.push_back({Severity::Error, where, std::move(message)});
}

void Diagnostics::warning(const Location& where, std::string message) {
  items_.push_back({Severity::Warning, where, std::move(message)});
}

bool Diagnostics::has_errors() const {
  return std::any_of(items_.begin(), items_.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

std::vector<Diagnostic> Diagnostics::errors() const {
  std::vector<Diagnostic> out;
  for (const auto& d : items_)
    if (d.severity == Severity::Error) out.push_back(d);
  return out;
}

std::vector<Diagnostic> Diagnostics::warnings() const {
  std::vector<Diagnostic> out;
  for (const auto& d : items_)
    if (d.severity == Severity::Warning) out.push_back(d);
  return out;
}

}  // namespace retentiond::policies
