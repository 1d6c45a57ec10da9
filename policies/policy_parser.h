// Internal to the loader: turns one YAML policy map (and its parts) into a Policy. The common
// keys are read here (policy_parser.cc); the keys that say what a policy selects are read by its
// store's target (StoreSpec::target: table_target.cc, files_target.cc, sympa_target.cc).
// Errors are collected into the context's Diagnostics; parsing goes on where it can.
#pragma once

#include <optional>
#include <string>
#include <string_view>
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

// What a store's target parser reads (PolicyTarget::parse): the policy's map, already checked for
// unknown keys and for keys of other stores, and the store it names.
struct TargetInput {
  const YamlMap& map;
  const std::string& context;  // the policy in messages: "policy 'web-logs'"
  const StoreSpec& spec;
  const ParseContext& ctx;

  // The field `key`, when the policy sets it and its store takes it; else null.
  const YamlField* field(std::string_view key) const;
  // The same, or a ConfigError at the policy's map: "policy 'x' has no 'table'".
  const YamlField& required(std::string_view key) const;
};

const StoreSpec* find_spec(const std::vector<StoreSpec>& specs, std::string_view type);

// The keys every policy takes, whatever its store.
const std::vector<std::string_view>& common_policy_keys();

// One entry of `policies:`; `index` (0-based) names it in messages until its name is known.
// Returns nullopt when the policy cannot be used (no name, or no known store), after reporting
// why; a policy with other errors is returned and its errors are in ctx.diags.
std::optional<Policy> parse_policy(const YAML::Node& node, size_t index, const ParseContext& ctx);

// `since:` of a table policy: a column, a list of them (the latest non-NULL counts),
// {column, format} or {related, on, column}. Throws ConfigError at the bad part.
Basis parse_since(const YamlField& field, const std::string& context, const ParseContext& ctx,
                  std::optional<SqlDialect> dialect);

// `action:` (delete, anonymise or anonymize). Throws ConfigError at the value otherwise.
Action parse_action(const YamlMap& map, const YamlField& field);
// `anonymise:` (column -> strategy), `also:` and `notify:`. Throw ConfigError at the bad part;
// errors in one entry of a list or map are collected, and the other entries read.
std::vector<ColumnAnonymisation> parse_anonymise(const YamlField& field, const std::string& context,
                                                 const ParseContext& ctx);
// `also:` fills policy.also (related tables: {table, on, action, anonymise}) and
// policy.also_stores (records in other stores: {store, ...}, read by that store's AlsoTarget).
void parse_also(const YamlField& field, const std::string& context, const ParseContext& ctx,
                std::optional<SqlDialect> dialect, Policy& policy);
// `notify:` also reads the policy's register text (already parsed), to warn when {description}
// has no text in the notice's language.
Notify parse_notify(const YamlField& field, const std::string& context, const Policy& policy,
                    const ParseContext& ctx);
// An anonymising policy must not anonymise the same rows again on the next pass. Strategies
// whose result is a fixed or key-derived value tell an anonymised row apart by themselves; hash,
// hmac and now do not, and then the policy's `where` must exclude anonymised rows. The check is
// lexical: warns at `anonymise:` unless the `where` mentions one of the anonymised columns.
void warn_if_anonymised_again(const Policy& policy, Diagnostics& diags);
// The top-level `languages:`: a code or a list of codes (en, fr), the first being the default.
// Bad or repeated entries go to `diags`; the valid ones are returned.
std::vector<Language> parse_languages(const YamlField& field, Diagnostics& diags);
// A language the configuration declares (a notice's `language:`), or a ConfigError at the value.
Language parse_declared_language(const YamlMap& map, const YamlField& field, const Config& config);
// `register:`: text fields (in the configuration's first language) or one block of them per
// declared language ({fr: {...}, en: {...}}). Throws ConfigError at the bad part; errors in one
// language block are collected. Warns when a declared language has no text.
RegisterEntry parse_register(const YamlField& field, const std::string& context,
                             const ParseContext& ctx);
// `max_affected:` a percentage ("5%", "0.5%") or a count ("200").
MaxAffected parse_max_affected(const YamlField& field, const std::string& context);

// A table name ("users", "coop.members"), or a ConfigError at the value: "table: ...", named
// after the field's key.
QualifiedName parse_table_name(const YamlMap& map, const YamlField& field);
// An SQL condition (`where`, `on`, ...) safe to splice in `dialect`, or a ConfigError at the
// value: "'where' in policy 'x': ...".
std::string checked_fragment(const YamlMap& map, const YamlField& field,
                             std::optional<SqlDialect> dialect);
// The field's text read by `parse` (parse_duration, parse_schedule, ...), or a ConfigError at the
// value with `parse`'s explanation after `prefix`.
template <typename T>
T parse_text(const YamlMap& map, const YamlField& field,
             std::optional<T> (*parse)(std::string_view, std::string&),
             const std::string& prefix = "") {
  std::string error;
  std::optional<T> value = parse(map.text(field), error);
  if (!value) throw ConfigError(field.value_location, prefix + error);
  return *value;
}

// When the policy sets `field`: `value` read from it by `read`, and `where` its value's location.
// A ConfigError from `read` goes to `diags` and leaves both as they were.
template <typename T, typename Read>
void read_field(Diagnostics& diags, const YamlField* field, T& value, Location& where, Read read) {
  if (!field) return;
  collect(diags, [&] {
    value = read(*field);
    where = field->value_location;
  });
}

// Resolves `path` against `base_dir` unless absolute.
std::string resolve_path(const std::string& base_dir, const std::string& path);

}  // namespace retentiond::policies
