// The keys every policy takes: its name and words, its store, how long records are kept, the
// action, the guard and the schedule. What the policy selects is read by its store's target.
#include "policies/policy_parser.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "policies/deadline.h"
#include "policies/sql_fragment.h"

namespace retentiond::policies {
namespace {

bool valid_policy_name(const std::string& name) {
  if (name.empty() || name.size() > 100) return false;
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool is_common(std::string_view key) {
  const auto& common = common_policy_keys();
  return std::find(common.begin(), common.end(), key) != common.end();
}

// Every key a policy may use: the common ones, then each store's in the order of `specs`. A key
// outside them is unknown ("did you mean ...").
std::vector<std::string_view> known_policy_keys(const std::vector<StoreSpec>& specs) {
  std::vector<std::string_view> keys = common_policy_keys();
  for (const auto& spec : specs)
    for (auto key : spec.fields())
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  return keys;
}

// A key that other stores take is an error where this one does not.
void report_foreign_keys(const YamlMap& m, const StoreSpec& spec, const std::string& store,
                         Diagnostics& diags) {
  for (const auto& f : m.fields()) {
    if (is_common(f.key) || spec.takes(f.key)) continue;
    diags.error(f.key_location, "'" + f.key + "' does not apply to store '" + store + "' (type " +
                                    std::string(spec.type) + "), whose policies " +
                                    std::string(spec.target.words));
  }
}

// A policy whose store is unknown is read as a table policy, the most common kind, so that its
// other errors show in the same run.
const StoreSpec& unknown_store_spec() {
  static const StoreSpec spec = [] {
    StoreSpec s;
    s.target = table_target();
    return s;
  }();
  return spec;
}

// The spec of the policy's store, or a ConfigError at `store:` when no store has that name.
const StoreSpec* store_spec_of(const YamlMap& m, Policy& p, const ParseContext& ctx) {
  const YamlField& f = m.require("store");
  p.store = m.text(f);
  p.store_location = f.value_location;
  const StoreConfig* store = ctx.config.store(p.store);
  if (!store) {
    std::vector<std::string_view> names;
    for (const auto& s : ctx.config.stores) names.push_back(s.name);
    std::string message = "unknown store '" + p.store + "' in " + m.context();
    if (auto guess = closest_key(p.store, names))
      message += " (did you mean '" + std::string(*guess) + "'?)";
    else if (names.empty())
      message += " (no store is declared under 'stores:')";
    throw ConfigError(f.value_location, message);
  }
  return find_spec(ctx.specs, store->type);
}

// The schedule and the other keys that say when and how fast the policy runs.
void parse_timing(const YamlMap& m, Policy& p, Diagnostics& diags) {
  read_field(diags, m.find("schedule"), p.schedule, p.schedule_location,
             [&](const YamlField& f) { return parse_text(m, f, parse_schedule); });
  collect(diags, [&] {
    if (const YamlField* f = m.find("random_delay")) {
      auto delay = parse_text(m, *f, parse_interval, "random_delay: ");
      if (!m.find("schedule"))
        throw ConfigError(f->key_location, "'random_delay' needs a 'schedule' in " + m.context());
      p.random_delay = delay;
    }
  });
  collect(diags, [&] {
    if (const YamlField* f = m.find("deadline")) {
      auto d = parse_deadline(m.text(*f));
      if (!d)
        throw ConfigError(f->value_location, "'deadline' of " + m.context() +
                                                 " must be maximum, exact or strict, not '" +
                                                 m.text(*f) + "'");
      if (*d == Deadline::Strict && !m.find("schedule"))
        throw ConfigError(f->value_location,
                          "'deadline: strict' needs a 'schedule' in " + m.context() +
                              ": the cut-off is taken from the next scheduled pass");
      p.deadline = *d;
      p.deadline_location = f->value_location;
    }
  });
  collect(diags, [&] {
    if (const YamlField* f = m.find("dry_run")) p.dry_run = m.boolean(*f);
  });
  collect(diags, [&] {
    if (const YamlField* f = m.find("batch_budget")) {
      std::string error;
      auto budget = parse_batch_budget(m.text(*f), error);
      if (!budget) throw ConfigError(f->value_location, error + " (in " + m.context() + ")");
      p.batch_budget = *budget;
    }
  });
}

// A promise stated as a maximum ("deleted after at most 1 year") that the schedule lets slip by
// more than a day, or a strict one its schedule cannot keep.
void warn_on_lateness(const Policy& p, Diagnostics& diags) {
  const TimePoint now = now_utc();
  const auto gap = schedule_lateness(p, now);
  if (!gap) return;
  // A daily schedule is a day late at most: a calendar day, 25 hours long when the clocks go back
  // in a zone with summer time (a French host's daily pass is not a warning).
  const bool within_a_day =
      *gap <= std::chrono::hours(24) ||
      (p.schedule->kind == Schedule::Kind::Daily && *gap <= std::chrono::hours(25));
  if (p.deadline == Deadline::Maximum && !within_a_day)
    diags.warning(p.schedule_location,
                  "policy '" + p.name + "' promises " + p.expire_after.words() +
                      " at most, but its passes may act up to " + span_words(*gap) +
                      " late (schedule " + p.schedule->text +
                      "); 'deadline: strict' acts before the promise passes, 'deadline: exact' "
                      "says the lateness "
                      "is expected");
  if (p.deadline == Deadline::Strict && *gap >= p.expire_after.after(now) - now)
    diags.warning(p.deadline_location,
                  "policy '" + p.name + "' cannot keep " + p.expire_after.words() +
                      " to the letter: its passes are up to " + span_words(*gap) +
                      " apart, so a record may expire between two passes without having been "
                      "expired at the first");
}

}  // namespace

const YamlField* TargetInput::field(std::string_view key) const {
  return spec.takes(key) ? map.find(key) : nullptr;
}

const YamlField& TargetInput::required(std::string_view key) const {
  if (const YamlField* f = field(key)) return *f;
  throw ConfigError(map.location(), context + " has no '" + std::string(key) + "'");
}

const StoreSpec* find_spec(const std::vector<StoreSpec>& specs, std::string_view type) {
  for (const auto& s : specs)
    if (s.type == type) return &s;
  return nullptr;
}

const std::vector<std::string_view>& common_policy_keys() {
  static const std::vector<std::string_view> keys = {
      "name",     "description",  "source",  "store",    "expire_after", "action",  "max_affected",
      "schedule", "random_delay", "dry_run", "register", "batch_budget", "deadline"};
  return keys;
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return p.string();
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

QualifiedName parse_table_name(const YamlMap& map, const YamlField& field) {
  std::string error;
  auto table = parse_qualified_name(map.text(field), error);
  if (!table) throw ConfigError(field.value_location, field.key + ": " + error);
  return *table;
}

std::string checked_fragment(const YamlMap& map, const YamlField& field,
                             std::optional<SqlDialect> dialect) {
  std::string sql = map.text(field);
  if (auto problem = sql_fragment_problem(sql, dialect))
    throw ConfigError(field.value_location,
                      "'" + field.key + "' in " + map.context() + ": " + *problem);
  return sql;
}

std::optional<Policy> parse_policy(const YAML::Node& node, size_t index, const ParseContext& ctx) {
  Diagnostics& diags = ctx.diags;
  std::string context = "policy #" + std::to_string(index + 1);
  // The name first, so that every other message can use it.
  if (node.IsMap() && node["name"] && node["name"].IsScalar() && !node["name"].Scalar().empty())
    context = "policy '" + node["name"].Scalar() + "'";
  YamlMap m(node, ctx.file, context, known_policy_keys(ctx.specs), diags);

  Policy p;
  p.location = m.location();
  p.file = ctx.file;

  collect(diags, [&] {
    const YamlField& f = m.require("name");
    p.name = m.text(f);
    if (!valid_policy_name(p.name))
      throw ConfigError(f.value_location, "policy name '" + p.name +
                                              "' must start with a letter or digit and use only "
                                              "letters, digits, '-', '_' and '.'");
  });
  collect(diags, [&] { p.description = m.optional_text("description").value_or(""); });
  collect(diags, [&] { p.source = m.optional_text("source").value_or(""); });
  collect(diags, [&] {
    if (const YamlField* f = m.find("register"))
      p.register_entry = parse_register(*f, context, ctx);
  });

  // The store decides which other keys apply, and reads them.
  const StoreSpec* spec = nullptr;
  collect(diags, [&] { spec = store_spec_of(m, p, ctx); });
  if (spec) report_foreign_keys(m, *spec, p.store, diags);
  const StoreSpec& reader = spec ? *spec : unknown_store_spec();

  collect(diags, [&] {
    const YamlField& f = m.require("expire_after");
    p.expire_after_location = f.value_location;
    p.expire_after = parse_text(m, f, parse_duration);
  });
  const TargetInput target{m, context, reader, ctx};
  reader.target.parse(target, p);

  read_field(diags, m.find("action"), p.action, p.action_location,
             [&](const YamlField& f) { return parse_action(m, f); });
  if (!p.action_location.known()) p.action_location = m.location();
  if (m.find("anonymise") && m.find("anonymize"))
    diags.error(m.find("anonymize")->key_location, "use 'anonymise' or 'anonymize', not both");
  if (reader.target.parse_action)
    reader.target.parse_action(target, p);
  else if (p.action == Action::Anonymise && !m.find("anonymise") && !m.find("anonymize"))
    diags.error(p.action_location,
                "only table stores can anonymise; " + context + " can only delete");

  collect(diags, [&] {
    if (const YamlField* f = m.find("max_affected"))
      p.max_affected = parse_max_affected(*f, context);
  });
  parse_timing(m, p, diags);
  if (p.action == Action::Anonymise && !p.anonymise.empty()) warn_if_anonymised_again(p, diags);
  if (!p.name.empty() && spec) warn_on_lateness(p, diags);

  if (p.name.empty() || !spec) return std::nullopt;
  return p;
}

MaxAffected parse_max_affected(const YamlField& f, const std::string& context) {
  MaxAffected out;
  out.location = f.value_location;
  if (!f.value.IsScalar())
    throw ConfigError(f.value_location, "'max_affected' in " + context +
                                            " must be a percentage ('5%') or a count ('200')");
  std::string v = f.value.Scalar();
  out.text = v;
  const std::string usage = "'max_affected' in " + context +
                            " must be a percentage between 0% and 100% ('5%', '0.5%') or a whole "
                            "count ('200'), not '" +
                            v + "'";
  if (!v.empty() && v.back() == '%') {
    std::string number = v.substr(0, v.size() - 1);
    while (!number.empty() && number.back() == ' ') number.pop_back();
    long long whole = 0, frac = 0;
    int frac_digits = 0;
    size_t i = 0;
    if (number.empty()) throw ConfigError(f.value_location, usage);
    for (; i < number.size() && std::isdigit(static_cast<unsigned char>(number[i])); ++i) {
      whole = whole * 10 + (number[i] - '0');
      if (whole > 100) throw ConfigError(f.value_location, usage);
    }
    if (i == 0) throw ConfigError(f.value_location, usage);
    if (i < number.size()) {
      if (number[i] != '.') throw ConfigError(f.value_location, usage);
      for (++i; i < number.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(number[i])) || frac_digits == 3)
          throw ConfigError(f.value_location, usage);
        frac = frac * 10 + (number[i] - '0');
        ++frac_digits;
      }
    }
    while (frac_digits < 3) {
      frac *= 10;
      ++frac_digits;
    }
    out.kind = MaxAffected::Kind::Percent;
    out.millipercent = whole * 1000 + frac;
    if (out.millipercent > 100'000) throw ConfigError(f.value_location, usage);
    return out;
  }
  if (v.empty() || !std::all_of(v.begin(), v.end(),
                                [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    throw ConfigError(f.value_location, usage);
  if (v.size() > 15)
    throw ConfigError(f.value_location,
                      "'max_affected' in " + context +
                          " is out of range: a count has at most 15 digits, not " +
                          std::to_string(v.size()));
  out.kind = MaxAffected::Kind::Count;
  out.count = std::stoll(v);
  return out;
}

}  // namespace retentiond::policies
