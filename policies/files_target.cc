// The files kind of target, taken by the files store: which files under the store's root (globs),
// the date their retention period starts from (their mtime, or a date in their name), and how
// many of the newest are always kept.
#include <algorithm>
#include <string_view>

#include "policies/policy_parser.h"
#include "policies/printable.h"

namespace retentiond::policies {
namespace {

// Every pattern is checked, each error said at its own entry (file:line): a list with three
// mistakes is mended in one go.
std::vector<std::string> parse_globs(const YamlMap& m, const YamlField& f, Diagnostics& diags) {
  std::vector<std::string> out;
  auto check = [&](const std::string& g, const Location& where) {
    if (g.empty()) throw ConfigError(where, "empty pattern in 'files' of " + m.context());
    const std::string named = "pattern '" + printable(g) + "' in " + m.context();
    if (g[0] == '/') throw ConfigError(where, named + " must be relative to the store's root");
    for (size_t at = 0; at <= g.size();) {
      const size_t slash = std::min(g.find('/', at), g.size());
      const std::string_view segment = std::string_view(g).substr(at, slash - at);
      if (segment == "..")
        throw ConfigError(where, named + " must not leave the store's root ('..')");
      // A walk's entries are names: none is '.', or empty. Such a pattern would match nothing.
      if (segment == ".")
        throw ConfigError(where, named +
                                     " has a '.' segment, which no file's path has: leave "
                                     "it out ('./*.log' is '*.log')");
      if (segment.empty())
        throw ConfigError(where, named + (slash == g.size() ? " ends with '/'" : " has '//'") +
                                     ": each '/' separates two names, and a pattern names files");
      at = slash + 1;
    }
    out.push_back(g);
  };
  if (f.value.IsSequence()) {
    bool any = false;
    for (const auto& item : f.value) {
      any = true;
      Location where = location_of(m.file(), item);
      collect(diags, [&] {
        if (!item.IsScalar()) throw ConfigError(where, "'files' entries must be glob patterns");
        check(item.Scalar(), where);
      });
    }
    if (!any) throw ConfigError(f.value_location, "'files' in " + m.context() + " is empty");
  } else {
    check(m.text(f), f.value_location);
  }
  return out;
}

// Accepts %Y %m %d %H %M %S and %%; needs at least the year, month and day.
void check_name_date(const std::string& pattern, const Location& where) {
  bool y = false, mo = false, d = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') continue;
    if (i + 1 == pattern.size()) throw ConfigError(where, "name_date: pattern ends with '%'");
    char c = pattern[++i];
    switch (c) {
      case 'Y':
        y = true;
        break;
      case 'm':
        mo = true;
        break;
      case 'd':
        d = true;
        break;
      case 'H':
      case 'M':
      case 'S':
      case '%':
        break;
      default:
        throw ConfigError(where, std::string("name_date: unsupported conversion '%") + c +
                                     "' (use %Y %m %d %H %M %S)");
    }
  }
  if (!y || !mo || !d)
    throw ConfigError(where, "name_date: pattern '" + pattern + "' needs %Y, %m and %d");
}

// `since: mtime` or `since: {name_date: "%Y%m%d"}`.
Basis parse_file_since(const YamlField& field, const std::string& context,
                       const ParseContext& ctx) {
  Basis basis;
  basis.location = field.value_location;
  const YAML::Node& v = field.value;
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
  throw ConfigError(field.value_location, "'since' of " + context +
                                              " must be 'mtime' or {name_date: \"%Y%m%d\"} "
                                              "for a files store");
}

void parse_files_target(const TargetInput& in, Policy& p) {
  const YamlMap& m = in.map;
  Diagnostics& diags = in.ctx.diags;
  collect(diags, [&] {
    if (const YamlField* f = in.field("since")) {
      p.since = parse_file_since(*f, in.context, in.ctx);
    } else {
      p.since.kind = Basis::Kind::Mtime;  // the natural date of a file
      p.since.location = m.location();
    }
  });
  collect(diags, [&] {
    const YamlField& f = in.required("files");
    p.files_location = f.value_location;
    p.files = parse_globs(m, f, diags);
  });
  read_field(diags, in.field("min_keep"), p.min_keep, p.min_keep_location,
             [&](const YamlField& f) { return m.integer(f, 0, 1'000'000); });
  const YamlField* per = in.field("min_keep_per");
  read_field(
      diags, per, p.min_keep_per_directory, p.min_keep_per_location, [&](const YamlField& f) {
        const std::string text = m.text(f);
        if (text != "tree" && text != "directory")
          throw ConfigError(f.value_location, "'min_keep_per' of " + in.context +
                                                  " must be tree or directory, not '" + text + "'");
        if (!p.min_keep)
          throw ConfigError(f.key_location, "'min_keep_per' needs 'min_keep' in " + in.context +
                                                ": it says where the newest "
                                                "files are counted");
        return text == "directory";
      });
}

}  // namespace

PolicyTarget files_target() {
  return PolicyTarget{"select files with 'files:'",
                      {"files", "since", "min_keep", "min_keep_per"},
                      parse_files_target};
}

}  // namespace retentiond::policies
