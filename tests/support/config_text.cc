#include "support/config_text.h"

#include <stdexcept>

#include <catch2/catch.hpp>

#include "connectors/specs.h"
#include "policies/config_loader.h"

namespace retentiond::testing {
namespace {

std::string shown(std::string text, const std::string& dir) {
  for (auto at = text.find(dir); at != std::string::npos; at = text.find(dir))
    text.replace(at, dir.size(), "DIR");
  return text;
}

// Where the line of `key` starts and ends (past its newline) in `policy`.
std::pair<size_t, size_t> line_of(const std::string& policy, const std::string& key) {
  const std::string start = "    " + key + ":";
  size_t at = policy.rfind("\n" + start);
  if (at == std::string::npos) throw std::logic_error("no '" + key + "' in the policy");
  return {at + 1, policy.find('\n', at + 1) + 1};
}

}  // namespace

LoadedText load_text(const TempDir& dir, const std::string& text,
                     const std::vector<policies::StoreSpec>& specs) {
  auto result = policies::load_config(dir.write("r.yaml", text), specs);
  LoadedText out;
  out.config = std::move(result.config);
  for (const auto& d : result.diagnostics.errors())
    out.errors.push_back(shown(d.str(), dir.path()));
  for (const auto& d : result.diagnostics.warnings())
    out.warnings.push_back(shown(d.str(), dir.path()));
  return out;
}

LoadedText load_text(const TempDir& dir, const std::string& text) {
  return load_text(dir, text, connectors::store_specs());
}

std::vector<std::string> errors_of(const std::string& policies) {
  TempDir dir;
  return load_text(dir, kThreeStores + policies).errors;
}

void check_error_cases(const std::vector<ErrorCase>& cases) {
  for (const auto& c : cases) {
    INFO(c.what);
    TempDir dir;
    auto loaded = load_text(dir, kThreeStores + c.policies);
    CHECK(loaded.errors == c.errors);
    CHECK(loaded.config.has_value() == c.errors.empty());
  }
}

std::string one_store_config(const std::string& name, const std::string& entry,
                             const std::string& policies) {
  return "state: state.db\nstores:\n  " + name + ": " + entry + "\npolicies:\n" + policies;
}

std::string without_key(const std::string& policy, const std::string& key) {
  auto [begin, end] = line_of(policy, key);
  return policy.substr(0, begin) + policy.substr(end);
}

std::string with_value(const std::string& policy, const std::string& key,
                       const std::string& value) {
  auto [begin, end] = line_of(policy, key);
  return policy.substr(0, begin) + "    " + key + ": " + value + "\n" + policy.substr(end);
}

std::string filled(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    const std::string placeholder = "$" + name;
    for (auto at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size()))
      text.replace(at, placeholder.size(), value);
  }
  return text;
}

}  // namespace retentiond::testing
