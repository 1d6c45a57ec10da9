// `action: anonymise` as SQL, written once for every dialect: the SET list that gives each column
// its strategy's value, and, where it can be decided, the condition "this row already holds
// those values" that keeps a second pass from touching it. Every value from the configuration is
// bound; keys for hashes are bound as the HMAC inner and outer pads (hex), so hashing happens in
// the database, in the same statement that re-checks expiry.
//
// Parameter names: an_<scope>_<n> (literal texts of `value`, `template`, `unique_placeholder`),
// an_now (the pass's moment), an_key_ipad / an_key_opad (the installation's anonymisation key,
// see PassContext), an_hmac_<scope>_<n>_ipad / _opad (a strategy's `key_file`).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "connectors/sql/params.h"
#include "policies/policy.h"

namespace retentiond::connectors::sql {

// How one dialect spells what anonymisation needs.
struct AnonymiseDialect {
  // Text concatenation of already-built expressions.
  std::function<std::string(const std::vector<std::string>& parts)> concat;
  // An expression as text (for keys and hashed values).
  std::function<std::string(const std::string& expr)> as_text;
  // Lower-case hex HMAC-SHA256 of `value_text` (text, NULL stays NULL) keyed by the pads bound
  // under `pads` + "_ipad" / "_opad". Must call p.ref in textual order (MySQL is positional).
  std::function<std::string(Placeholders& p, const std::string& pads,
                            const std::string& value_text)>
      hmac_hex;
  // The date in `column` truncated to the start of its year, month or day.
  std::function<std::string(const std::string& column, const std::string& unit)> generalise;
  // NULL-safe equality; same_text compares a column with text exactly (case and accents
  // included, whatever the column's character set).
  std::function<std::string(const std::string& a, const std::string& b)> same;
  std::function<std::string(const std::string& a, const std::string& b)> same_text;
  // When set (MySQL), a column that is not text (a number, a date: its collation is 'binary') is
  // also compared in its own type with the value (same_text alone compares their texts).
  std::function<std::string(const std::string& a, const std::string& b)> same_in_type;
  // A bound value for a column of any type (`value:`), a bound piece of text (patterns), and
  // the pass's moment as a bound parameter of a date/time type.
  std::function<std::string(Placeholders& p, const std::string& name)> text_param;
  std::function<std::string(Placeholders& p, const std::string& name)> text_piece;
  std::function<std::string(Placeholders& p)> now_param;
  // `column` (JSON, or text holding JSON) without the members at `paths` (JsonRemove); NULL stays
  // NULL and a value that is not JSON stays as it is. `has_json_paths`: whether it still holds
  // one of them (false for NULL and for what is not JSON). Paths are spliced as literals: their
  // keys are checked by the parser (letters, digits, '_', '-').
  using JsonPaths = std::vector<std::vector<std::string>>;
  std::function<std::string(const std::string& column, const JsonPaths& paths)> json_remove;
  std::function<std::string(const std::string& column, const JsonPaths& paths)> has_json_paths;
  char quote = '"';
};

const AnonymiseDialect& postgresql_dialect();
const AnonymiseDialect& mysql_dialect();
const AnonymiseDialect& sqlite_dialect();

// "col" = expr, ... for `columns` of `owner` (the quoted table). `key` is the qualified key
// column ({key} and {hash} need it; empty in `also:` rules, where the parser refuses them).
// Throws std::invalid_argument when a pattern needs a key that is not there.
std::string set_list(const std::vector<policies::ColumnAnonymisation>& columns,
                     const std::string& owner, const std::string& key,
                     const AnonymiseDialect& dialect, Placeholders& p, const std::string& scope);

// "(every column already holds its target value)", or nullopt when the strategies cannot tell
// (hash, hmac, now). Makes its own placeholders: build it where its text goes.
std::optional<std::string> already_anonymised(
    const std::vector<policies::ColumnAnonymisation>& columns, const std::string& owner,
    const std::string& key, const AnonymiseDialect& dialect, Placeholders& p,
    const std::string& scope);

// The values of the parameters set_list and already_anonymised make for `columns` under `scope`,
// except an_now and the installation key's pads: literals, and the pads of each `hmac: {key_file}`
// (read now). Throws std::runtime_error naming a key file that cannot be read or is empty.
void literal_values(const std::vector<policies::ColumnAnonymisation>& columns,
                    const std::string& scope, std::map<std::string, std::string>& out);

// HMAC-SHA256's inner and outer pads for `key`, as hex (keys over 64 bytes are hashed first).
std::pair<std::string, std::string> hmac_pads(const std::string& key);

// Every named value a policy's anonymising statements bind: the literals of its `anonymise:`
// map (scope "main") and of each `also:` rule ("also1", ...), the pads of the installation's
// `anonymisation_key`, and an_now as `now_text` (the pass's moment, in the dialect's form).
// Throws std::runtime_error like literal_values.
std::map<std::string, std::string> anonymisation_values(const policies::Policy& policy,
                                                        const std::string& anonymisation_key,
                                                        const std::string& now_text);

// Whether `already` can be decided for these strategies (none is hash, hmac or now).
bool anonymisation_decidable(const std::vector<policies::ColumnAnonymisation>& columns);

// A human description of an anonymisation parameter for plan's binding notes, or "" when the
// name is not one of ours. Never reveals keys.
std::string describe_anonymise_param(const std::string& name,
                                     const std::map<std::string, std::string>& literals);

}  // namespace retentiond::connectors::sql
