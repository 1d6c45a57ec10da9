// Configuration problems, each tied to a Location. The loader throws ConfigError where it cannot go
// on and collects everything else in Diagnostics, so that `check` reports every error at once.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "policies/location.h"

namespace retentiond::policies {

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  Location location;
  std::string message;

  // "file:line:column: error: message", with control characters and bytes that are not UTF-8
  // escaped (policies/printable.h): messages quote the input.
  std::string str() const;
};

// An error tied to `where`: how a store's `check` reports what it found wrong.
Diagnostic error_at(const Location& where, std::string message);

// " (did you mean 'users'?)" when one of `candidates` is a plausible typo of `name`, else "".
std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates);

// Thrown for a problem that stops the parsing of the enclosing element.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(Location location, std::string message);
  const Location& location() const { return location_; }
  const std::string& message() const { return message_; }

 private:
  Location location_;
  std::string message_;
};

class Diagnostics {
 public:
  void error(const Location& where, std::string message);
  void warning(const Location& where, std::string message);
  void add(const ConfigError& e) { error(e.location(), e.message()); }

  bool has_errors() const;
  const std::vector<Diagnostic>& all() const { return items_; }
  std::vector<Diagnostic> errors() const;
  std::vector<Diagnostic> warnings() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace retentiond::policies
