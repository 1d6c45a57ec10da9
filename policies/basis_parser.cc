// `since:` of a table policy in all its forms: a column, a list (latest non-NULL), {column,
// format} and {related, on, column}. (Files read theirs in files_target.cc.)
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

}  // namespace

Basis parse_since(const YamlField& field, const std::string& context, const ParseContext& ctx,
                  std::optional<SqlDialect> dialect) {
  Basis basis;
  basis.location = field.value_location;
  const YAML::Node& v = field.value;

  basis.kind = Basis::Kind::Columns;
  if (v.IsSequence()) {
    for (const auto& item : v) basis.terms.push_back(parse_term(item, context, ctx, dialect));
    if (basis.terms.empty())
      throw ConfigError(field.value_location, "'since' of " + context + " is an empty list");
  } else if (v.IsScalar() || v.IsMap()) {
    if (v.IsMap() && v["name_date"])
      throw ConfigError(field.value_location,
                        "'name_date' applies to files stores only; name the date column");
    if (v.IsScalar() && v.Scalar().empty())
      throw ConfigError(field.value_location, "'since' of " + context + " is empty");
    basis.terms.push_back(parse_term(v, context, ctx, dialect));
  } else {
    throw ConfigError(field.value_location, "'since' of " + context + " is empty");
  }
  for (size_t i = 0; i < basis.terms.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (basis.terms[i].column == basis.terms[j].column &&
          basis.terms[i].related == basis.terms[j].related)
        throw ConfigError(basis.terms[i].location,
                          "column '" + basis.terms[i].column + "' appears twice in 'since'");
  return basis;
}

}  // namespace retentiond::policies
