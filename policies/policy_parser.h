// Internal to the loader: turns one YAML policy map (and its parts) into a Policy.
// Errors are collected into the context's Diagnostics; parsing goes on where it can.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "policies/diagnostics.h"
#include "policies/policy.h"
#include "policies/store_spec.h"
#include "policies/yaml_map.h"

namespace retentiond::policies {

struct ParseContext {
  std::string file;      // file being parsed, as shown in messages
  std::string base_dir;  // its directory, for relative paths
  const Config& config;  // stores are already known
  const std::vector<StoreSpec>& specs;
  Diagnostics& diags;
};

const StoreSpec* find_spec(const std::vector<StoreSpec>& specs, std::string_view type);

// One entry of `policies:`; `index` (0-based) names it in messages until its name is known.
std::optional<Policy> parse_policy(const YAML::Node& node, size_t index, const ParseContext& ctx);

// `since:` for a store whose policies select `target`.
Basis parse_since(const YamlField& field, TargetKind target, const std::string& context,
                  const ParseContext& ctx, std::optional<SqlDialect> dialect);

// `anonymise:` (column -> strategy), `also:` and `notify:`.
std::vector<ColumnAnonymisation> parse_anonymise(const YamlField& field, const std::string& context,
                                                 const ParseContext& ctx);
std::vector<AlsoRule> parse_also(const YamlField& field, const std::string& context,
                                 const ParseContext& ctx, std::optional<SqlDialect> dialect);
Notify parse_notify(const YamlField& field, const std::string& context, const ParseContext& ctx);
MaxAffected parse_max_affected(const YamlField& field, const std::string& context);

// Resolves `path` against `base_dir` unless absolute.
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace retentiond::policies
