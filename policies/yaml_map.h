// Checked access to a YAML mapping: every key read is known, unknown and duplicate keys are
// reported ("did you mean ..."), a missing key blames the enclosing map and a bad value blames
// the value. Never calls node["x"].as<T>() on an unchecked node, whose errors carry no location.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "policies/diagnostics.h"
#include "policies/location.h"

namespace retentiond::policies {

struct YamlField {
  std::string key;
  YAML::Node value;
  Location key_location;
  Location value_location;
};

class YamlMap {
 public:
  // `context` names the map in messages ("policy 'web-logs'"). Throws ConfigError when `node` is
  // not a mapping. Unknown and duplicate keys go to `diags` as errors.
  YamlMap(const YAML::Node& node, std::string file, std::string context,
          const std::vector<std::string_view>& known_keys, Diagnostics& diags);

  const Location& location() const { return location_; }
  const std::string& file() const { return file_; }
  const std::string& context() const { return context_; }
  const std::vector<YamlField>& fields() const { return fields_; }

  const YamlField* find(std::string_view key) const;
  // Throws ConfigError at the map: "policy 'x' has no 'store'".
  const YamlField& require(std::string_view key) const;

  // A scalar value as text. Throws ConfigError at the value if it is a map or a list, or (unless
  // allow_empty) empty/null.
  std::string text(const YamlField& f, bool allow_empty = false) const;
  std::optional<std::string> optional_text(std::string_view key) const;
  std::string required_text(std::string_view key) const;
  // true/false/yes/no/on/off. Throws ConfigError at the value otherwise.
  bool boolean(const YamlField& f) const;
  // A whole number in [min, max]. Throws ConfigError at the value otherwise.
  long long integer(const YamlField& f, long long min, long long max) const;

 private:
  std::string file_;
  std::string context_;
  Location location_;
  std::vector<YamlField> fields_;
};

// "unknown key 'retain'": the key quoted when it looks like one (letters, digits, '_', '-', '.',
// spaces; at most 40 characters). Anything else is described, not repeated: a file included by
// mistake (a secrets file, /etc/shadow) must not have its lines copied into the journal.
std::string unknown_key_words(const std::string& key);

// The known key closest to `key`, if it is a plausible typo.
std::optional<std::string_view> closest_key(std::string_view key,
                                            const std::vector<std::string_view>& known);

// Runs `body`; a ConfigError it throws becomes an error in `diags`. Lets the loader report
// every bad field of a policy instead of stopping at the first.
template <typename F>
void collect(Diagnostics& diags, F&& body) {
  try {
    body();
  } catch (const ConfigError& e) {
    diags.add(e);
  }
}

}  // namespace retentiond::policies
