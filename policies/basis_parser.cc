// `since:` in all its forms: a column, a list (latest non-NULL), {column, format},
// {related, on, column}, and for files `mtime` or {name_date: "%Y%m%d"}.
#include <algorithm>

#include "policies/policy_parser.h"
#include "policies/sql_fragment.h"

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
    std::string error;
    auto table = parse_qualified_name(m.text(*related), error);
    if (!table) throw ConfigError(related->value_location, "related: " + error);
    term.related = *table;
    if (!on)
      throw ConfigError(m.location(), "'since' of " + context + " names a related table but no "
                                      "'on' condition joining it to the policy's table");
  }
  if (on) {
    if (!related)
      throw ConfigError(on->key_location, "'on' in 'since' of " + context +
                                              " needs 'related' (the table it joins)");
    term.on = m.text(*on);
    term.on_location = on->value_location;
    if (auto problem = sql_fragment_problem(term.on, dialect))
      throw ConfigError(on->value_location, "'on' in 'since' of " + context + ": " + *problem);
  }
  return term;
}

// Accepts %Y %m %d %H %M %S and %%; needs at least the year, month and day.
void check_name_date(const std::string& pattern, const Location& where) {
  bool y = false, mo = false, d = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') continue;
    if (i + 1 == pattern.size()) throw ConfigError(where, "name_date: pattern ends with '%'");
    char c = pattern[++i];
    switch (c) {
      case 'Y': y = true; break;
      case 'm': mo = true; break;
      case 'd': d = true; break;
      case 'H': case 'M': case 'S': case '%': break;
      default:
        throw ConfigError(where, std::string("name_date: unsupported conversion '%") + c +
                                     "' (use %Y %m %d %H %M %S)");
    }
  }
  if (!y || !mo || !d)
    throw ConfigError(where, "name_date: pattern '" + pattern + "' needs %Y, %m and %d");
}

}  // namespace

Basis parse_since(const YamlField& field, TargetKind target, const std::string& context,
                  const ParseContext& ctx, std::optional<SqlDialect> dialect) {
  Basis basis;
  basis.location = field.value_location;
  const YAML::Node& v = field.value;

  if (target == TargetKind::Files) {
    if (v.IsScalar() && v.Scalar() == "mtime") {
      basis.kind = Basis::Kind::Mtime;
      return basis;
    }
    if (v.IsMap()) {
      YamlMap m(v, ctx.file, "'since' of " + context, {"name_date"}, ctx.diags);
      const YamlField& f = m.require("name_date");
      basis.kind = Basis::Kind::NameDate;
      basis.name_date_format = m.text(f);
      check_name_date(basis.name_date_format, f.value_location);
      return basis;
    }
    throw ConfigError(field.value_location,
                      "'since' of " + context + " must be 'mtime' or {name_date: \"%Y%m%d\"} "
                      "for a files store");
  }

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
