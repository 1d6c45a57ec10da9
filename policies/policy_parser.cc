#include "policies/policy_parser.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "policies/deadline.h"
#include "policies/sql_fragment.h"

namespace retentiond::policies {
namespace {

const std::initializer_list<std::string_view> kPolicyKeys = {
    "name",       "description", "source",    "store",        "table",    "key",
    "expire_after", "since",     "where",     "action",       "anonymise", "anonymize",
    "also",       "notify",      "hold_where", "max_affected", "schedule", "random_delay",
    "dry_run",    "files",       "min_keep",  "sympa",        "register", "batch_budget",
    "deadline"};

bool valid_policy_name(const std::string& name) {
  if (name.empty() || name.size() > 100) return false;
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

std::string_view target_words(TargetKind t) {
  switch (t) {
    case TargetKind::Table: return "select a table with 'table:'";
    case TargetKind::Files: return "select files with 'files:'";
    case TargetKind::Sympa: return "select a Sympa target with 'sympa:'";
  }
  return "";
}

// Fields that only some store kinds accept.
struct TargetField {
  std::string_view key;
  std::vector<TargetKind> kinds;
};
const TargetField kTargetFields[] = {
    {"table", {TargetKind::Table}},
    {"key", {TargetKind::Table}},
    {"where", {TargetKind::Table}},
    {"anonymise", {TargetKind::Table}},
    {"anonymize", {TargetKind::Table}},
    {"also", {TargetKind::Table}},
    {"notify", {TargetKind::Table}},
    {"hold_where", {TargetKind::Table}},
    {"files", {TargetKind::Files}},
    {"min_keep", {TargetKind::Files}},
    {"sympa", {TargetKind::Sympa}},
    {"since", {TargetKind::Table, TargetKind::Files}},
};

std::string checked_fragment(const YamlMap& m, const YamlField& f,
                             std::optional<SqlDialect> dialect) {
  std::string sql = m.text(f);
  if (auto problem = sql_fragment_problem(sql, dialect))
    throw ConfigError(f.value_location, "'" + f.key + "' in " + m.context() + ": " + *problem);
  return sql;
}

std::vector<std::string> parse_globs(const YamlMap& m, const YamlField& f) {
  std::vector<std::string> out;
  auto check = [&](const std::string& g, const Location& where) {
    if (g.empty()) throw ConfigError(where, "empty pattern in 'files' of " + m.context());
    if (g[0] == '/')
      throw ConfigError(where, "pattern '" + g + "' in " + m.context() +
                                   " must be relative to the store's root");
    std::filesystem::path p(g);
    for (const auto& part : p)
      if (part == "..")
        throw ConfigError(where, "pattern '" + g + "' in " + m.context() +
                                     " must not leave the store's root ('..')");
    out.push_back(g);
  };
  if (f.value.IsSequence()) {
    for (const auto& item : f.value) {
      Location where = location_of(m.file(), item);
      if (!item.IsScalar()) throw ConfigError(where, "'files' entries must be glob patterns");
      check(item.Scalar(), where);
    }
    if (out.empty()) throw ConfigError(f.value_location, "'files' in " + m.context() + " is empty");
  } else {
    check(m.text(f), f.value_location);
  }
  return out;
}

// An anonymising policy must not anonymise the same rows again on the next pass. Strategies
// whose result is a fixed or key-derived value tell an anonymised row apart by themselves; hash,
// hmac and now do not, and then the policy's `where` must exclude anonymised rows. The check is
// lexical: the `where` should mention one of the anonymised columns.
void warn_if_not_idempotent(const Policy& p, Diagnostics& diags) {
  using Kind = AnonymiseStrategy::Kind;
  bool decidable = true;
  for (const auto& c : p.anonymise)
    if (c.strategy.kind == Kind::Hash || c.strategy.kind == Kind::Hmac || c.strategy.kind == Kind::Now)
      decidable = false;
  if (decidable) return;
  auto lower = [](std::string t) {
    for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return t;
  };
  const std::string where = lower(p.where);
  auto mentions = [&](const std::string& column) {
    const std::string c = lower(column);
    for (size_t at = where.find(c); at != std::string::npos; at = where.find(c, at + 1)) {
      auto word = [&](size_t i) { return i < where.size() && (std::isalnum(static_cast<unsigned char>(where[i])) || where[i] == '_'); };
      if ((at == 0 || !word(at - 1)) && !word(at + c.size())) return true;
    }
    return false;
  };
  for (const auto& c : p.anonymise)
    if (mentions(c.column)) return;
  diags.warning(p.anonymise_location,
                "retentiond cannot tell an anonymised row of policy '" + p.name +
                    "' from the others (hash, hmac and now do not leave a recognisable value) and its "
                    "'where' mentions none of the anonymised columns: every pass would anonymise the "
                    "same rows again. Add a 'where' that excludes anonymised rows, e.g. on a column "
                    "set with {value: ...} or {now: true}");
}

// A promise stated as a maximum ("deleted after at most 1 year") that the schedule lets slip by
// more than a day, or a strict one its schedule cannot keep.
void warn_on_lateness(const Policy& p, Diagnostics& diags) {
  const TimePoint now = now_utc();
  const auto gap = schedule_lateness(p, now);
  if (!gap) return;
  if (p.deadline == Deadline::Maximum && *gap > std::chrono::hours(24))
    diags.warning(p.schedule_location,
                  "policy '" + p.name + "' promises " + p.expire_after.words() + " at most, but its passes may act up to " +
                      span_words(*gap) + " late (schedule " + p.schedule->text +
                      "); 'deadline: strict' acts before the promise passes, 'deadline: exact' says the lateness "
                      "is expected");
  if (p.deadline == Deadline::Strict && *gap >= p.expire_after.after(now) - now)
    diags.warning(p.deadline_location,
                  "policy '" + p.name + "' cannot keep " + p.expire_after.words() + " to the letter: its passes are up to " +
                      span_words(*gap) + " apart, so a record may expire between two passes without having been "
                                         "expired at the first");
}

}  // namespace

const StoreSpec* find_spec(const std::vector<StoreSpec>& specs, std::string_view type) {
  for (const auto& s : specs)
    if (s.type == type) return &s;
  return nullptr;
}

std::string resolve_path(const std::string& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return p.string();
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::optional<Policy> parse_policy(const YAML::Node& node, size_t index, const ParseContext& ctx) {
  Diagnostics& diags = ctx.diags;
  std::string context = "policy #" + std::to_string(index + 1);
  // The name first, so that every other message can use it.
  if (node.IsMap() && node["name"] && node["name"].IsScalar() && !node["name"].Scalar().empty())
    context = "policy '" + node["name"].Scalar() + "'";
  YamlMap m(node, ctx.file, context, kPolicyKeys, diags);

  Policy p;
  p.location = m.location();
  p.file = ctx.file;
  bool usable = true;

  collect(diags, [&] {
    const YamlField& f = m.require("name");
    p.name = m.text(f);
    if (!valid_policy_name(p.name))
      throw ConfigError(f.value_location, "policy name '" + p.name +
                                              "' must start with a letter or digit and use only "
                                              "letters, digits, '-', '_' and '.'");
  });
  if (p.name.empty()) usable = false;
  collect(diags, [&] { p.description = m.optional_text("description").value_or(""); });
  collect(diags, [&] { p.source = m.optional_text("source").value_or(""); });
  collect(diags, [&] {
    const YamlField* f = m.find("register");
    if (!f) return;
    YamlMap r(f->value, ctx.file, "'register' of policy '" + p.name + "'",
              {"data", "purpose", "legal_basis", "event"}, diags);
    RegisterEntry e;
    e.location = r.location();
    if (const YamlField* d = r.find("data")) {
      if (d->value.IsSequence()) {
        for (const auto& item : d->value) {
          if (!item.IsScalar() || item.Scalar().empty())
            throw ConfigError(location_of(ctx.file, item), "'data' entries must be non-empty text");
          e.data.push_back(item.Scalar());
        }
      } else {
        e.data.push_back(r.text(*d));
      }
    }
    e.purpose = r.optional_text("purpose").value_or("");
    e.legal_basis = r.optional_text("legal_basis").value_or("");
    e.event = r.optional_text("event").value_or("");
    p.register_entry = std::move(e);
  });

  // The store decides which fields apply.
  const StoreSpec* spec = nullptr;
  collect(diags, [&] {
    const YamlField& f = m.require("store");
    p.store = m.text(f);
    p.store_location = f.value_location;
    const StoreConfig* store = ctx.config.store(p.store);
    if (!store) {
      std::vector<std::string_view> names;
      for (const auto& s : ctx.config.stores) names.push_back(s.name);
      std::string message = "unknown store '" + p.store + "' in " + context;
      if (auto guess = closest_key(p.store, names))
        message += " (did you mean '" + std::string(*guess) + "'?)";
      else if (names.empty())
        message += " (no store is declared under 'stores:')";
      throw ConfigError(f.value_location, message);
    }
    spec = find_spec(ctx.specs, store->type);
  });
  if (!spec) usable = false;
  TargetKind target = spec ? spec->target : TargetKind::Table;
  std::optional<SqlDialect> dialect = spec ? spec->dialect : std::nullopt;

  if (spec) {
    for (const auto& tf : kTargetFields) {
      const YamlField* f = m.find(tf.key);
      if (!f) continue;
      if (std::find(tf.kinds.begin(), tf.kinds.end(), target) != tf.kinds.end()) continue;
      diags.error(f->key_location, "'" + f->key + "' does not apply to store '" + p.store +
                                       "' (type " + std::string(spec->type) + "), whose policies " +
                                       std::string(target_words(target)));
    }
  }

  collect(diags, [&] {
    const YamlField& f = m.require("expire_after");
    p.expire_after_location = f.value_location;
    std::string error;
    auto d = parse_duration(m.text(f), error);
    if (!d) throw ConfigError(f.value_location, error);
    p.expire_after = *d;
  });

  if (target == TargetKind::Table) {
    collect(diags, [&] {
      const YamlField& f = m.require("table");
      p.table_location = f.value_location;
      std::string error;
      auto t = parse_qualified_name(m.text(f), error);
      if (!t) throw ConfigError(f.value_location, "table: " + error);
      p.table = *t;
    });
    collect(diags, [&] {
      if (const YamlField* f = m.find("key")) {
        p.key = m.text(*f);
        p.key_location = f->value_location;
        if (auto problem = identifier_problem(p.key))
          throw ConfigError(f->value_location, "key: " + *problem);
      }
    });
    collect(diags, [&] {
      if (const YamlField* f = m.find("where")) {
        p.where = checked_fragment(m, *f, dialect);
        p.where_location = f->value_location;
      }
    });
    collect(diags, [&] {
      if (const YamlField* f = m.find("hold_where")) {
        p.hold_where = checked_fragment(m, *f, dialect);
        p.hold_where_location = f->value_location;
      }
    });
  }
  if (target != TargetKind::Sympa) {
    collect(diags, [&] {
      if (const YamlField* f = m.find("since")) {
        p.since = parse_since(*f, target, context, ctx, dialect);
      } else if (target == TargetKind::Files) {
        p.since.kind = Basis::Kind::Mtime;  // the natural date of a file
        p.since.location = m.location();
      } else {
        throw ConfigError(m.location(), context + " has no 'since' (the date column(s) the "
                                                  "retention period starts from)");
      }
    });
  }
  if (target == TargetKind::Files) {
    collect(diags, [&] {
      const YamlField& f = m.require("files");
      p.files_location = f.value_location;
      p.files = parse_globs(m, f);
    });
    collect(diags, [&] {
      if (const YamlField* f = m.find("min_keep")) {
        p.min_keep = m.integer(*f, 0, 1'000'000);
        p.min_keep_location = f->value_location;
      }
    });
  }
  if (target == TargetKind::Sympa && spec) {
    collect(diags, [&] {
      const YamlField& f = m.require("sympa");
      p.sympa_target = m.text(f);
      p.sympa_target_location = f.value_location;
      if (std::find(spec->targets.begin(), spec->targets.end(), p.sympa_target) ==
          spec->targets.end()) {
        std::string list;
        for (auto t : spec->targets) list += (list.empty() ? "" : ", ") + std::string(t);
        throw ConfigError(f.value_location,
                          "unknown Sympa target '" + p.sympa_target + "' (use one of: " + list + ")");
      }
    });
  }

  collect(diags, [&] {
    const YamlField* f = m.find("action");
    if (!f) return;
    p.action_location = f->value_location;
    std::string a = m.text(*f);
    if (a == "delete") p.action = Action::Delete;
    else if (a == "anonymise" || a == "anonymize") p.action = Action::Anonymise;
    else throw ConfigError(f->value_location, "unknown action '" + a + "' (use delete or anonymise)");
  });
  if (!p.action_location.known()) p.action_location = m.location();

  const YamlField* anonymise = m.find("anonymise");
  if (!anonymise) anonymise = m.find("anonymize");
  if (m.find("anonymise") && m.find("anonymize"))
    diags.error(m.find("anonymize")->key_location, "use 'anonymise' or 'anonymize', not both");
  if (anonymise && target == TargetKind::Table) {
    p.anonymise_location = anonymise->value_location;
    collect(diags, [&] { p.anonymise = parse_anonymise(*anonymise, context, ctx); });
    if (p.action != Action::Anonymise)
      diags.error(anonymise->key_location,
                  "'anonymise' is set but the action of " + context + " is not 'anonymise'");
  }
  if (p.action == Action::Anonymise && !anonymise) {
    if (target == TargetKind::Table)
      diags.error(p.action_location,
                  context + " anonymises but has no 'anonymise:' map of column to strategy");
    else
      diags.error(p.action_location, "only table stores can anonymise; " + context +
                                         " can only delete");
  }
  if (target == TargetKind::Table) {
    collect(diags, [&] {
      if (const YamlField* f = m.find("also")) p.also = parse_also(*f, context, ctx, dialect);
    });
    collect(diags, [&] {
      if (const YamlField* f = m.find("notify")) p.notify = parse_notify(*f, context, ctx);
    });
  }

  collect(diags, [&] {
    if (const YamlField* f = m.find("max_affected")) p.max_affected = parse_max_affected(*f, context);
  });
  collect(diags, [&] {
    if (const YamlField* f = m.find("schedule")) {
      std::string error;
      auto s = parse_schedule(m.text(*f), error);
      if (!s) throw ConfigError(f->value_location, error);
      p.schedule = *s;
      p.schedule_location = f->value_location;
    }
  });
  collect(diags, [&] {
    if (const YamlField* f = m.find("random_delay")) {
      std::string error;
      auto d = parse_interval(m.text(*f), error);
      if (!d) throw ConfigError(f->value_location, "random_delay: " + error);
      if (!m.find("schedule"))
        throw ConfigError(f->key_location, "'random_delay' needs a 'schedule' in " + context);
      p.random_delay = *d;
    }
  });
  collect(diags, [&] {
    if (const YamlField* f = m.find("deadline")) {
      auto d = parse_deadline(m.text(*f));
      if (!d)
        throw ConfigError(f->value_location, "'deadline' of " + context + " must be maximum, exact or strict, not '" +
                                                 m.text(*f) + "'");
      if (*d == Deadline::Strict && !m.find("schedule"))
        throw ConfigError(f->value_location, "'deadline: strict' needs a 'schedule' in " + context +
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
      if (!budget) throw ConfigError(f->value_location, error + " (in " + context + ")");
      p.batch_budget = *budget;
    }
  });

  if (p.action == Action::Anonymise && !p.anonymise.empty()) warn_if_not_idempotent(p, diags);
  if (usable) warn_on_lateness(p, diags);
  if (!usable) return std::nullopt;
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
  const std::string usage = "'max_affected' in " + context + " must be a percentage between 0% "
                            "and 100% ('5%', '0.5%') or a whole count ('200'), not '" + v + "'";
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
  if (v.empty() ||
      !std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    throw ConfigError(f.value_location, usage);
  if (v.size() > 15)
    throw ConfigError(f.value_location, "'max_affected' in " + context + " is out of range: a count "
                                        "has at most 15 digits, not " + std::to_string(v.size()));
  out.kind = MaxAffected::Kind::Count;
  out.count = std::stoll(v);
  return out;
}

}  // namespace retentiond::policies
