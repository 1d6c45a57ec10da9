// `since:` of a table policy in all its forms: a column, a list (latest non-NULL), {column,
// format}, {related, on, column} and, in a list, {fallback: ...} (counts when the others are
// unknown). (Files read theirs in files_target.cc.)
#include <algorithm>

#include "policies/policy_parser.h"

namespace retentiond::policies {
namespace {

constexpr std::string_view kFormats[] = {"auto", "epoch", "epoch_ms", "iso", "date", "timestamp"};

DateFormat parse_format(const YamlMap& m, const YamlField& f) {
  std::string v = m.text(f);
  for (DateFormat d : {DateFormat::Auto, DateFormat::Epoch, DateFormat::EpochMs, DateFormat::Iso,
                       DateFormat::Date, DateFormat::Timestamp})
    if (date_format_name(d) == v) return d;
  std::string list;
  for (auto s : kFormats) list += (list.empty() ? "" : ", ") + std::string(s);
  throw ConfigError(f.value_location, "unknown date format '" + v + "' (use one of: " + list + ")");
}

std::string checked_column(const std::string& name, const Location& where) {
  if (auto problem = identifier_problem(name)) throw ConfigError(where, "since: " + *problem);
  return name;
}

BasisTerm parse_term(const YAML::Node& node, const std::string& context, const ParseContext& ctx,
                     std::optional<SqlDialect> dialect) {
  BasisTerm term;
  term.location = location_of(ctx.file, node);
  if (node.IsScalar()) {
    term.column = checked_column(node.Scalar(), term.location);
    return term;
  }
  YamlMap m(node, ctx.file, "'since' of " + context, {"column", "format", "related", "on"},
            ctx.diags);
  const YamlField& column = m.require("column");
  term.column = checked_column(m.text(column), column.value_location);
  term.location = column.value_location;
  if (const YamlField* f = m.find("format")) term.format = parse_format(m, *f);
  const YamlField* related = m.find("related");
  const YamlField* on = m.find("on");
  if (related) {
    term.related = parse_table_name(m, *related);
    if (!on)
      throw ConfigError(m.location(), "'since' of " + context +
                                          " names a related table but no "
                                          "'on' condition joining it to the policy's table");
  }
  if (on) {
    if (!related)
      throw ConfigError(on->key_location,
                        "'on' in 'since' of " + context + " needs 'related' (the table it joins)");
    term.on = checked_fragment(m, *on, dialect);
    term.on_location = on->value_location;
  }
  return term;
}

bool is_fallback(const YAML::Node& node) { return node.IsMap() && node["fallback"]; }

// `{fallback: created}` or `{fallback: {column: created, format: epoch}}`: a term that counts
// only when every date before it is unknown.
BasisTerm parse_fallback(const YAML::Node& node, const std::string& context,
                         const ParseContext& ctx, std::optional<SqlDialect> dialect) {
  YamlMap m(node, ctx.file, "fallback in 'since' of " + context, {"fallback"}, ctx.diags);
  const YamlField& f = m.require("fallback");
  if (is_fallback(f.value))
    throw ConfigError(f.value_location, "a fallback in 'since' of " + context +
                                            " holds another fallback; name a date column");
  BasisTerm term = parse_term(f.value, context, ctx, dialect);
  term.fallback = true;
  return term;
}

}  // namespace

Basis parse_since(const YamlField& field, const std::string& context, const ParseContext& ctx,
                  std::optional<SqlDialect> dialect) {
  Basis basis;
  basis.location = field.value_location;
  const YAML::Node& v = field.value;

  basis.kind = Basis::Kind::Columns;
  if (v.IsSequence()) {
    for (const auto& item : v) {
      if (is_fallback(item)) {
        basis.terms.push_back(parse_fallback(item, context, ctx, dialect));
        continue;
      }
      if (!basis.terms.empty() && basis.terms.back().fallback)
        throw ConfigError(location_of(ctx.file, item),
                          "in 'since' of " + context +
                              ", the fallback dates come last: move this date before them");
      basis.terms.push_back(parse_term(item, context, ctx, dialect));
    }
    if (basis.terms.empty())
      throw ConfigError(field.value_location, "'since' of " + context + " is an empty list");
    if (basis.terms.front().fallback)
      throw ConfigError(field.value_location,
                        "'since' of " + context +
                            " has only fallback dates; a fallback counts when the dates before "
                            "it are unknown: since: [last_login, {fallback: created}]");
  } else if (v.IsScalar() || v.IsMap()) {
    if (v.IsMap() && v["name_date"])
      throw ConfigError(field.value_location,
                        "'name_date' applies to files stores only; name the date column");
    if (is_fallback(v))
      throw ConfigError(field.value_location,
                        "'since' of " + context +
                            " is only a fallback; a fallback counts when the dates before it are "
                            "unknown: since: [last_login, {fallback: created}]");
    if (v.IsScalar() && v.Scalar().empty())
      throw ConfigError(field.value_location, "'since' of " + context + " is empty");
    basis.terms.push_back(parse_term(v, context, ctx, dialect));
  } else {
    throw ConfigError(field.value_location, "'since' of " + context + " is empty");
  }
  for (size_t i = 0; i < basis.terms.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      // The same column of the same rows; another join is another date.
      if (basis.terms[i].column == basis.terms[j].column &&
          basis.terms[i].related == basis.terms[j].related &&
          basis.terms[i].on == basis.terms[j].on)
        throw ConfigError(basis.terms[i].location,
                          "column '" + basis.terms[i].column + "' appears twice in 'since'");
  return basis;
}

}  // namespace retentiond::policies
