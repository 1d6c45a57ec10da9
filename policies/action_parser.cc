// What a policy does: `action:`, and for tables the blocks that go with it: `anonymise:`
// strategies, `also:` related rows, `notify:`.
#include <cctype>
#include <cstring>
#include <set>

#include "lib/files/regular_file.h"
#include "policies/policy_parser.h"
#include "policies/printable.h"

namespace retentiond::policies {
namespace {

// "local@domain", or "Name <local@domain>": one address, without spaces, control characters or
// the characters that would make it several, or something else than an address.
bool sender_address(const std::string& text) {
  std::string address = text;
  if (const auto open = text.rfind('<'); open != std::string::npos) {
    if (text.back() != '>') return false;
    address = text.substr(open + 1, text.size() - open - 2);
  }
  const auto at = address.find('@');
  if (at == std::string::npos || at == 0 || at + 1 >= address.size() ||
      address.find('@', at + 1) != std::string::npos)
    return false;
  for (unsigned char ch : address)
    if (ch <= 0x20 || ch == 0x7f || std::strchr("<>,;\"()", ch) != nullptr) return false;
  return true;
}

using Kind = AnonymiseStrategy::Kind;

// Placeholders a pattern may use: {key} (the row's key) and {hash} (a keyed hash of the key).
void check_placeholders(const std::string& pattern, const Location& where, bool must_be_unique) {
  bool unique = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '{') continue;
    size_t close = pattern.find('}', i);
    if (close == std::string::npos) throw ConfigError(where, "unclosed '{' in '" + pattern + "'");
    std::string name = pattern.substr(i + 1, close - i - 1);
    if (name != "key" && name != "hash")
      throw ConfigError(
          where, "unknown placeholder '{" + name + "}' in '" + pattern + "' (use {key} or {hash})");
    unique = true;
    i = close;
  }
  if (must_be_unique && !unique)
    throw ConfigError(where, "unique_placeholder '" + pattern +
                                 "' must contain {key} or {hash} to be unique per row");
}

// `json_remove: [email, "user.phone"]` (or one path): each path's keys, checked.
std::vector<std::vector<std::string>> parse_json_paths(const YamlMap& m, const YamlField& f,
                                                       const std::string& where) {
  std::vector<std::vector<std::string>> paths;
  auto add = [&](const std::string& text, const Location& at) {
    std::vector<std::string> keys;
    size_t start = 0;
    for (;;) {
      size_t dot = text.find('.', start);
      std::string key = text.substr(start, dot == std::string::npos ? dot : dot - start);
      bool plain = !key.empty();
      for (char c : key)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') plain = false;
      if (!plain)
        throw ConfigError(at, "json_remove in " + where + ": '" + text +
                                  "' is not a path of keys (letters, digits, '_' and '-', "
                                  "separated by dots: user.email)");
      keys.push_back(key);
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    for (const auto& known : paths)
      if (known == keys)
        throw ConfigError(at, "json_remove in " + where + " names '" + text + "' twice");
    paths.push_back(keys);
  };
  if (f.value.IsScalar()) {
    add(m.text(f), f.value_location);
  } else if (f.value.IsSequence() && f.value.size() > 0) {
    for (const auto& item : f.value) {
      const Location at = location_of(m.file(), item);
      if (!item.IsScalar())
        throw ConfigError(at, "json_remove in " + where + " lists paths of keys (user.email)");
      add(item.Scalar(), at);
    }
  } else {
    throw ConfigError(f.value_location,
                      "json_remove in " + where + " needs the keys to remove: [email, user.phone]");
  }
  return paths;
}

AnonymiseStrategy parse_strategy(const YAML::Node& node, const std::string& column,
                                 const std::string& context, const ParseContext& ctx) {
  AnonymiseStrategy s;
  s.location = location_of(ctx.file, node);
  if (node.IsNull()) {
    s.kind = Kind::Null;
    return s;
  }
  const std::string usage =
      "strategy for column '" + column + "' in " + context +
      " must be null or one of {value: X}, {now: true}, {hash: N}, {hmac: {key_file: F}}, "
      "{unique_placeholder: \"...{hash}...\"}, {template: \"...{key}...\"}, {generalise: year}, "
      "{json_remove: [KEY, ...]}";
  if (!node.IsMap() || node.size() != 1) throw ConfigError(s.location, usage);
  std::string where = "strategy for column '" + column + "' in " + context;
  YamlMap m(node, ctx.file, where,
            {"value", "now", "hash", "hmac", "unique_placeholder", "template", "generalise",
             "generalize", "json_remove"},
            ctx.diags);
  if (m.fields().empty()) throw ConfigError(s.location, usage);
  const YamlField& f = m.fields().front();
  s.location = f.value_location;
  if (f.key == "value") {
    if (f.value.IsNull()) {
      s.kind = Kind::Null;
    } else {
      s.kind = Kind::Value;
      s.text = m.text(f, /*allow_empty=*/true);
    }
  } else if (f.key == "now") {
    if (!m.boolean(f)) throw ConfigError(f.value_location, "'now' can only be true");
    s.kind = Kind::Now;
  } else if (f.key == "hash") {
    s.kind = Kind::Hash;
    s.hash_length = static_cast<int>(m.integer(f, 4, 64));
  } else if (f.key == "hmac") {
    s.kind = Kind::Hmac;
    YamlMap h(f.value, ctx.file, "'hmac' of " + where, {"key_file"}, ctx.diags);
    s.text = resolve_path(ctx.base_dir, h.required_text("key_file"));
  } else if (f.key == "unique_placeholder") {
    s.kind = Kind::UniquePlaceholder;
    s.text = m.text(f);
    check_placeholders(s.text, f.value_location, true);
  } else if (f.key == "template") {
    s.kind = Kind::Template;
    s.text = m.text(f);
    check_placeholders(s.text, f.value_location, false);
  } else if (f.key == "json_remove") {
    s.kind = Kind::JsonRemove;
    s.json_paths = parse_json_paths(m, f, where);
  } else {  // generalise
    s.kind = Kind::Generalise;
    s.text = m.text(f);
    if (s.text != "year" && s.text != "month" && s.text != "day")
      throw ConfigError(f.value_location,
                        "generalise: unknown precision '" + s.text + "' (use year, month or day)");
  }
  return s;
}

}  // namespace

Action parse_action(const YamlMap& map, const YamlField& field) {
  std::string action = map.text(field);
  if (action == "delete") return Action::Delete;
  if (action == "anonymise" || action == "anonymize") return Action::Anonymise;
  throw ConfigError(field.value_location,
                    "unknown action '" + action + "' (use delete or anonymise)");
}

void warn_if_anonymised_again(const Policy& p, Diagnostics& diags) {
  bool decidable = true;
  for (const auto& c : p.anonymise)
    if (c.strategy.kind == Kind::Hash || c.strategy.kind == Kind::Hmac ||
        c.strategy.kind == Kind::Now)
      decidable = false;
  if (decidable) return;
  auto lower = [](std::string t) {
    for (auto& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return t;
  };
  const std::string where = lower(p.where);
  auto word = [&](size_t i) {
    return i < where.size() &&
           (std::isalnum(static_cast<unsigned char>(where[i])) || where[i] == '_');
  };
  auto mentions = [&](const std::string& column) {
    const std::string c = lower(column);
    for (size_t at = where.find(c); at != std::string::npos; at = where.find(c, at + 1))
      if ((at == 0 || !word(at - 1)) && !word(at + c.size())) return true;
    return false;
  };
  for (const auto& c : p.anonymise)
    if (mentions(c.column)) return;
  diags.warning(p.anonymise_location,
                "retentiond cannot tell an anonymised row of policy '" + p.name +
                    "' from the others (hash, hmac and now do not leave a recognisable value) and "
                    "its 'where' mentions none of the anonymised columns: every pass would "
                    "anonymise the same rows again. Add a 'where' that excludes anonymised rows, "
                    "e.g. on a column set with {value: ...} or {now: true}");
}

std::vector<ColumnAnonymisation> parse_anonymise(const YamlField& field, const std::string& context,
                                                 const ParseContext& ctx) {
  std::vector<ColumnAnonymisation> out;
  if (!field.value.IsMap() || field.value.size() == 0)
    throw ConfigError(field.value_location,
                      "'anonymise' in " + context + " must map each column to a strategy");
  std::set<std::string> seen;
  for (auto it = field.value.begin(); it != field.value.end(); ++it) {
    Location where = location_of(ctx.file, it->first);
    collect(ctx.diags, [&] {
      if (!it->first.IsScalar()) throw ConfigError(where, "'anonymise' keys must be column names");
      std::string column = it->first.Scalar();
      if (auto problem = identifier_problem(column))
        throw ConfigError(where, "anonymise: " + *problem);
      if (!seen.insert(column).second)
        throw ConfigError(where, "column '" + column + "' appears twice in 'anonymise'");
      out.push_back({column, parse_strategy(it->second, column, context, ctx), where});
    });
  }
  return out;
}

namespace {

// One `also:` entry that names another store ({store: lists, ...}): the store must exist and
// declare what it does for other stores' policies (StoreSpec::also_target), which reads the rest.
AlsoStoreRule parse_also_store(const YAML::Node& item, const std::string& where,
                               const ParseContext& ctx) {
  const YAML::Node store = item["store"];
  const Location store_at = location_of(ctx.file, store);
  if (!store.IsScalar() || store.Scalar().empty())
    throw ConfigError(store_at, "'store' of " + where + " must name a store");
  const std::string name = store.Scalar();
  const StoreConfig* config = ctx.config.store(name);
  if (!config) {
    std::vector<std::string_view> names;
    for (const auto& s : ctx.config.stores) names.push_back(s.name);
    std::string message = "unknown store '" + name + "' in " + where;
    if (auto guess = closest_key(name, names))
      message += " (did you mean '" + std::string(*guess) + "'?)";
    throw ConfigError(store_at, message);
  }
  const StoreSpec* spec = find_spec(ctx.specs, config->type);
  if (!spec || !spec->also_target) {
    std::string which;
    for (const auto& s : ctx.specs)
      if (s.also_target) which += (which.empty() ? "" : ", ") + std::string(s.type);
    throw ConfigError(store_at, "store '" + name + "' in " + where + " is of type " + config->type +
                                    ", which does nothing for other stores' records (an "
                                    "'also:' entry may name a store of type " +
                                    which + ")");
  }
  const AlsoTarget& target = *spec->also_target;
  std::vector<std::string_view> keys{"store", "action"};
  keys.insert(keys.end(), target.fields.begin(), target.fields.end());
  YamlMap m(item, ctx.file, where, keys, ctx.diags);
  AlsoStoreRule rule;
  rule.location = m.location();
  rule.store = name;
  rule.store_location = store_at;
  if (const YamlField* a = m.find("action"); a && parse_action(m, *a) != Action::Delete)
    throw ConfigError(a->value_location, where + " can only delete in store '" + name + "' (" +
                                             std::string(target.words) +
                                             "); 'action' must be delete");
  target.parse(m, where, rule);
  return rule;
}

// Whether `on` names a column of table `name` qualified by it ("follows.user_id", or with the
// name quoted): the related statement is DELETE/UPDATE `name` WHERE EXISTS (SELECT 1 FROM the
// policy's table WHERE on ...), where an unqualified column is read from the policy's table first.
std::string lower_ascii(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Whether `c` may be part of an unquoted SQL identifier.
bool identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
         (static_cast<unsigned char>(c) & 0x80);
}

bool names_column_of(const std::string& on, const std::string& name) {
  const auto word = identifier_char;
  const std::string text = lower_ascii(on), table = lower_ascii(name);
  for (const std::string& form : {table + ".", "\"" + table + "\".", "`" + table + "`."}) {
    for (size_t at = text.find(form); at != std::string::npos; at = text.find(form, at + 1)) {
      const bool quoted = form.front() == '"' || form.front() == '`';
      if (quoted || at == 0 || !word(text[at - 1])) return true;  // "coop.sessions.user_id" too
    }
  }
  return false;
}

// Whether SQL `sql` names table `name` as a word, in any case, quoted ("name", `name`) or not,
// qualified or not; not inside a string literal ('Person' is a value, not the table person).
bool mentions_table(const std::string& sql, const std::string& name) {
  if (name.empty()) return false;
  std::string text;
  bool in_literal = false;
  for (char c : sql) {
    if (c == '\'') in_literal = !in_literal;  // '' inside a literal closes and reopens it
    text += in_literal || c == '\'' ? ' ' : c;
  }
  text = lower_ascii(text);
  const std::string table = lower_ascii(name);
  for (size_t at = text.find(table); at != std::string::npos; at = text.find(table, at + 1)) {
    const size_t after = at + table.size();
    if ((at == 0 || !identifier_char(text[at - 1])) &&
        (after == text.size() || !identifier_char(text[after])))
      return true;
  }
  return false;
}

}  // namespace

void parse_also(const YamlField& field, const std::string& context, const ParseContext& ctx,
                std::optional<SqlDialect> dialect, Policy& policy) {
  if (!field.value.IsSequence() || field.value.size() == 0)
    throw ConfigError(field.value_location, "'also' in " + context +
                                                " must be a list of {table, on, action} or "
                                                "{store, ...}");
  size_t index = 0;
  for (const auto& item : field.value) {
    ++index;
    collect(ctx.diags, [&] {
      std::string where = "'also' #" + std::to_string(index) + " of " + context;
      if (item.IsMap() && item["store"]) {
        policy.also_stores.push_back(parse_also_store(item, where, ctx));
        return;
      }
      YamlMap m(item, ctx.file, where, {"table", "on", "action", "anonymise", "anonymize"},
                ctx.diags);
      AlsoRule rule;
      rule.location = m.location();
      const YamlField& table = m.require("table");
      rule.table_location = table.value_location;
      rule.table = parse_table_name(m, table);
      const YamlField& on = m.require("on");
      rule.on = checked_fragment(m, on, dialect);
      rule.on_location = on.value_location;
      // The related statement reads `on` inside a subquery on the policy's table: with that same
      // table, or a condition that names none of the related table's columns, it no longer ties
      // a related row to a record, and would reach every row once one record matches.
      // (Same name in another schema too: inside the subquery, the name is the policy's table.)
      if (policy.table && lower_ascii(rule.table.name) == lower_ascii(policy.table->name))
        throw ConfigError(rule.table_location,
                          where + " names the policy's own table '" + rule.table.str() +
                              "': its 'on' would be read against the policy's records, not the "
                              "related rows, and would reach every row of the table (records "
                              "not expired or held too); choose the policy's rows with 'where:'");
      if (!names_column_of(rule.on, rule.table.name))
        throw ConfigError(on.value_location,
                          where + ": 'on' must name a column of table '" + rule.table.name +
                              "' as " + rule.table.name +
                              ".column: unqualified columns are read from the policy's table "
                              "first, and a condition that does not tie each row of '" +
                              rule.table.name + "' to a record would reach all of them");
      if (const YamlField* a = m.find("action")) rule.action = parse_action(m, *a);
      const YamlField* anonymise = m.find("anonymise");
      if (!anonymise) anonymise = m.find("anonymize");
      if (rule.action == Action::Anonymise) {
        if (!anonymise)
          throw ConfigError(m.location(), where + " anonymises but has no 'anonymise:' map");
        rule.anonymise = parse_anonymise(*anonymise, where, ctx);
        for (const auto& c : rule.anonymise) {
          const auto& t = c.strategy.text;
          if ((c.strategy.kind == Kind::Template || c.strategy.kind == Kind::UniquePlaceholder) &&
              (t.find("{key}") != std::string::npos || t.find("{hash}") != std::string::npos))
            throw ConfigError(
                c.strategy.location,
                "{key} and {hash} are not available in " + where +
                    ": its rows have no key of the policy's (use {value: ...} or {hash: N})");
        }
      } else if (anonymise) {
        throw ConfigError(anonymise->key_location,
                          "'anonymise' is set but the action of " + where + " is not 'anonymise'");
      }
      // The rules run before the action, whose statement re-reads the record's date: rows a
      // rule deletes no longer date it.
      if (rule.action == Action::Delete)
        for (const auto& term : policy.since.terms)
          if (term.related && lower_ascii(term.related->name) == lower_ascii(rule.table.name)) {
            ctx.diags.warning(rule.table_location,
                              where + " deletes rows of '" + rule.table.str() +
                                  "', from which 'since' reads the record's date: the rule runs "
                                  "first, and the statement that then acts on the record re-reads "
                                  "its date without them (a record dated only by them is kept as "
                                  "undated, never acted on); date it by another table, or let "
                                  "the database remove them (ON DELETE CASCADE)");
            break;
          }
      policy.also.push_back(std::move(rule));
    });
  }
  // The rules run before the action, whose statement reads `where` again: a `where` that reads a
  // table a rule changes may no longer hold once the rule ran, and the record is then left as
  // it was (the rule's rows gone all the same), though counted as matched.
  for (const auto& rule : policy.also)
    if (mentions_table(policy.where, rule.table.name))
      ctx.diags.warning(rule.table_location,
                        "'where' of " + context + " reads table '" + rule.table.str() +
                            "', which this 'also:' rule " +
                            (rule.action == Action::Delete ? "deletes from" : "anonymises") +
                            " before the action: a record that 'where' selects through those "
                            "rows may no longer be selected once they changed, and is then left "
                            "as it was; select the records without them, or let the database "
                            "remove them (ON DELETE CASCADE)");
}

Notify parse_notify(const YamlField& field, const std::string& context, const Policy& policy,
                    const ParseContext& ctx) {
  std::string where = "'notify' of " + context;
  YamlMap m(field.value, ctx.file, where,
            {"before", "email", "template", "subject", "from", "language"}, ctx.diags);
  Notify n;
  n.location = m.location();
  n.before = parse_text(m, m.require("before"), parse_duration, "before: ");
  const YamlField& email = m.require("email");
  n.email_column = m.text(email);
  if (auto problem = identifier_problem(n.email_column))
    throw ConfigError(email.value_location, "email: " + *problem);
  n.language = ctx.config.languages.front();
  if (const YamlField* f = m.find("language"))
    n.language = parse_declared_language(m, *f, ctx.config);
  const YamlField& tpl = m.require("template");
  n.template_file = resolve_path(ctx.base_dir, m.text(tpl));
  {
    std::string why;
    auto text = lib::read_regular_file(n.template_file, lib::kMaxTemplateBytes, why);
    if (!text)
      throw ConfigError(tpl.value_location,
                        "cannot read the notice template '" + n.template_file + "': " + why);
    static const std::set<std::string> known{"date",        "deletion_date", "date_iso",
                                             "description", "policy",        "before"};
    const std::string t = *text + m.optional_text("subject").value_or("");
    for (size_t open = t.find('{'); open != std::string::npos; open = t.find('{', open + 1)) {
      size_t close = t.find('}', open);
      if (close == std::string::npos) break;
      std::string name = t.substr(open + 1, close - open - 1);
      if (!name.empty() && name.size() < 30 && name.find_first_of(" \n{") == std::string::npos &&
          !known.count(name))
        ctx.diags.warning(tpl.value_location,
                          "the notice template or subject uses '{" + name +
                              "}', which is not a placeholder ({date}, {deletion_date}, "
                              "{date_iso}, {description}, {policy}, {before}); it is sent as "
                              "written");
    }
    // A configuration that declares its languages promises notices in them: the policy's own
    // `description` may be in another (Grand Nancy's French notice once quoted English).
    const RegisterText* words =
        policy.register_entry ? policy.register_entry->in(n.language) : nullptr;
    if (ctx.config.languages_location.known() && t.find("{description}") != std::string::npos &&
        (!words || words->description.empty()))
      ctx.diags.warning(tpl.value_location,
                        "the notice of " + context + " is in " +
                            std::string(language_code(n.language)) +
                            " and uses {description}, but the policy has no 'register' "
                            "description in " +
                            std::string(language_code(n.language)) +
                            "; its 'description' is inserted as written");
  }
  // A warning with an empty subject is easily taken for spam, or never read: by default it says
  // what happens and when, in the notice's language.
  const bool anonymises = policy.action == Action::Anonymise;
  const char* subject = n.language == Language::French
                            ? (anonymises ? "Anonymisation de vos données le {date}"
                                          : "Suppression de vos données le {date}")
                            : (anonymises ? "Your data will be anonymised on {date}"
                                          : "Your data will be deleted on {date}");
  n.subject = m.optional_text("subject").value_or(subject);
  n.from = m.optional_text("from").value_or("");
  if (!ctx.config.smtp)
    throw ConfigError(field.key_location,
                      where + " needs a top-level 'smtp:' block (host, port, ...) to send notices");
  // A notice goes out with a sender, or the server takes it (MAIL FROM:<>, an empty From:) and
  // its notice period starts on a mail that may never be read.
  const std::string& sender = n.from.empty() ? ctx.config.smtp->from : n.from;
  const Location sender_at =
      n.from.empty() ? ctx.config.smtp->location : m.find("from")->value_location;
  if (sender.empty())
    throw ConfigError(field.key_location,
                      where + " needs a sender: 'from:' here or in the top-level 'smtp:' block");
  if (!sender_address(sender))
    throw ConfigError(sender_at, "the sender '" + printable(sender) + "' of " + context +
                                     " is not an e-mail address ('dpo@example.org' or "
                                     "'Name <dpo@example.org>')");
  return n;
}

}  // namespace retentiond::policies
