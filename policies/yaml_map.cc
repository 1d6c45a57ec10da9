#include "policies/yaml_map.h"

#include <algorithm>
#include <cctype>

namespace retentiond::policies {
namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string describe_kind(const YAML::Node& n) {
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (n.IsNull()) return "empty";
  return "a scalar";
}

}  // namespace

std::optional<std::string_view> closest_key(std::string_view key,
                                            const std::vector<std::string_view>& known) {
  std::optional<std::string_view> best;
  size_t best_distance = 0;
  for (auto k : known) {
    size_t d = edit_distance(key, k);
    if (!best || d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  if (best && best_distance <= std::max<size_t>(2, key.size() / 3)) return best;
  // A shortened name: every word of `key` ("max_lag") among the words of one known key, in
  // order ("max_replica_lag").
  auto words = [](std::string_view text) {
    std::vector<std::string_view> out;
    for (size_t start = 0; start <= text.size();) {
      const size_t end = std::min(text.find('_', start), text.size());
      if (end > start) out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return out;
  };
  const auto wanted = words(key);
  if (wanted.size() < 2) return std::nullopt;
  for (auto k : known) {
    const auto have = words(k);
    size_t i = 0;
    for (auto w : have)
      if (i < wanted.size() && w == wanted[i]) ++i;
    if (i == wanted.size()) return k;
  }
  return std::nullopt;
}

YamlMap::YamlMap(const YAML::Node& node, std::string file, std::string context,
                 const std::vector<std::string_view>& known_keys, Diagnostics& diags)
    : file_(std::move(file)), context_(std::move(context)), location_(location_of(file_, node)) {
  if (!node.IsMap()) {
    throw ConfigError(
        location_, context_ + " must be a mapping of keys to values, not " + describe_kind(node));
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    YamlField f;
    f.key_location = location_of(file_, it->first);
    if (!it->first.IsScalar()) {
      diags.error(f.key_location, "keys of " + context_ + " must be plain words");
      continue;
    }
    f.key = it->first.Scalar();
    f.value = it->second;
    f.value_location = location_of(file_, it->second);
    if (!f.value_location.known()) f.value_location = f.key_location;
    if (std::find(known_keys.begin(), known_keys.end(), f.key) == known_keys.end()) {
      std::string message = unknown_key_words(f.key) + " in " + context_;
      if (auto guess = closest_key(f.key, known_keys))
        message += " (did you mean '" + std::string(*guess) + "'?)";
      diags.error(f.key_location, message);
      continue;
    }
    if (find(f.key)) {
      diags.error(f.key_location, "duplicate key '" + f.key + "' in " + context_);
      continue;
    }
    fields_.push_back(std::move(f));
  }
}

std::string unknown_key_words(const std::string& key) {
  const bool word_like = key.size() <= 40 && std::all_of(key.begin(), key.end(), [](char c) {
                           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                  c == '-' || c == '.' || c == ' ';
                         });
  if (word_like) return "unknown key '" + key + "'";
  return "unknown key (" + std::to_string(key.size()) +
         " characters that are not a word; not repeated here, in case the file is not a "
         "configuration)";
}

const YamlField* YamlMap::find(std::string_view key) const {
  for (const auto& f : fields_)
    if (f.key == key) return &f;
  return nullptr;
}

const YamlField& YamlMap::require(std::string_view key) const {
  if (const YamlField* f = find(key)) return *f;
  throw ConfigError(location_, context_ + " has no '" + std::string(key) + "'");
}

std::string YamlMap::text(const YamlField& f, bool allow_empty) const {
  if (f.value.IsNull() || (f.value.IsScalar() && f.value.Scalar().empty())) {
    if (allow_empty) return "";
    // A key with nothing after it: yaml-cpp marks the null at the next line's start.
    throw ConfigError(f.value.IsNull() ? f.key_location : f.value_location,
                      "'" + f.key + "' in " + context_ + " is empty");
  }
  if (!f.value.IsScalar()) {
    throw ConfigError(f.value_location, "'" + f.key + "' in " + context_ +
                                            " must be a single value, not " +
                                            describe_kind(f.value));
  }
  return f.value.Scalar();
}

std::optional<std::string> YamlMap::optional_text(std::string_view key) const {
  if (const YamlField* f = find(key)) return text(*f);
  return std::nullopt;
}

std::string YamlMap::required_text(std::string_view key) const { return text(require(key)); }

bool YamlMap::boolean(const YamlField& f) const {
  std::string v = text(f);
  std::string l;
  for (char c : v) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  throw ConfigError(f.value_location,
                    "'" + f.key + "' in " + context_ + " must be true or false, not '" + v + "'");
}

long long YamlMap::integer(const YamlField& f, long long min, long long max) const {
  std::string v = text(f);
  bool digits = !v.empty();
  size_t start = (v[0] == '-' || v[0] == '+') ? 1 : 0;
  if (start == v.size()) digits = false;
  for (size_t i = start; i < v.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) digits = false;
  if (!digits) {
    throw ConfigError(f.value_location, "'" + f.key + "' in " + context_ +
                                            " must be a whole number, not '" + v + "'");
  }
  // Past 18 digits, stoll would overflow: out of range whatever the digits.
  long long n = v.size() > 18 ? max : std::stoll(v);
  if (v.size() > 18 || n < min || n > max) {
    throw ConfigError(f.value_location, "'" + f.key + "' in " + context_ + " must be between " +
                                            std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

}  // namespace retentiond::policies
