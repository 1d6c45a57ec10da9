// The languages of published text: the top-level `languages:`, each policy's `register:` text
// (flat fields in the first language, or one block per language) and a notice's `language:`.
#include <algorithm>
#include <map>

#include "policies/policy_parser.h"

namespace retentiond::policies {
namespace {

constexpr std::string_view kTextKeys[] = {"data",     "purpose",   "legal_basis", "event",
                                          "duration", "at_expiry", "description"};

bool is_text_key(std::string_view key) {
  return std::find(std::begin(kTextKeys), std::end(kTextKeys), key) != std::end(kTextKeys);
}

// A key of `register:` that names a language rather than a field: two or three lowercase
// letters, like "fr" or "en" (ISO 639). An unknown one is then said to be an unknown language.
bool looks_like_language(std::string_view key) {
  return (key.size() == 2 || key.size() == 3) && !is_text_key(key) &&
         std::all_of(key.begin(), key.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

bool declared(const Config& config, Language l) {
  return std::find(config.languages.begin(), config.languages.end(), l) != config.languages.end();
}

ConfigError undeclared(const Location& where, const std::string& code, const std::string& in,
                       const Config& config) {
  std::string list;
  for (Language l : config.languages)
    list += (list.empty() ? "" : ", ") + std::string(language_code(l));
  if (!config.languages_location.known()) list += ", the default";
  return ConfigError(where, "language '" + code + "' in " + in +
                                " is not one the configuration declares (languages: " + list +
                                "); add it to the top-level 'languages'");
}

RegisterText parse_text(const YamlMap& m, const ParseContext& ctx) {
  RegisterText t;
  t.location = m.location();
  if (const YamlField* d = m.find("data")) {
    if (d->value.IsSequence()) {
      for (const auto& item : d->value) {
        if (!item.IsScalar() || item.Scalar().empty())
          throw ConfigError(location_of(ctx.file, item), "'data' entries must be non-empty text");
        t.data.push_back(item.Scalar());
      }
    } else {
      t.data.push_back(m.text(*d));
    }
  }
  t.purpose = m.optional_text("purpose").value_or("");
  t.legal_basis = m.optional_text("legal_basis").value_or("");
  t.event = m.optional_text("event").value_or("");
  t.duration = m.optional_text("duration").value_or("");
  t.at_expiry = m.optional_text("at_expiry").value_or("");
  t.description = m.optional_text("description").value_or("");
  return t;
}

}  // namespace

std::vector<Language> parse_languages(const YamlField& field, Diagnostics& diags) {
  std::vector<std::pair<std::string, Location>> codes;
  if (field.value.IsSequence()) {
    for (const auto& item : field.value) {
      const Location where = location_of(field.value_location.file, item);
      if (!item.IsScalar())
        diags.error(where, "'languages' entries must be language codes (en, fr)");
      else
        codes.emplace_back(item.Scalar(), where);
    }
    if (field.value.size() == 0) diags.error(field.value_location, "'languages' is an empty list");
  } else if (field.value.IsScalar() && !field.value.Scalar().empty()) {
    codes.emplace_back(field.value.Scalar(), field.value_location);
  } else {
    diags.error(field.value_location, "'languages' must be a language code or a list of them");
  }
  std::vector<Language> out;
  for (const auto& [code, where] : codes) {
    auto l = parse_language(code);
    if (!l)
      diags.error(where, "unknown language '" + code + "' in 'languages' (use " +
                             known_language_codes() + ")");
    else if (std::find(out.begin(), out.end(), *l) != out.end())
      diags.error(where, "language '" + code + "' appears twice in 'languages'");
    else
      out.push_back(*l);
  }
  return out;
}

Language parse_declared_language(const YamlMap& m, const YamlField& f, const Config& config) {
  const std::string code = m.text(f);
  auto l = parse_language(code);
  if (!l)
    throw ConfigError(f.value_location, "unknown language '" + code + "' in " + m.context() +
                                            " (use " + known_language_codes() + ")");
  if (!declared(config, *l)) throw undeclared(f.value_location, code, m.context(), config);
  return *l;
}

RegisterEntry parse_register(const YamlField& f, const std::string& context,
                             const ParseContext& ctx) {
  const std::string where = "'register' of " + context;
  std::vector<std::string> codes;  // the language blocks, as written
  if (f.value.IsMap())
    for (auto it = f.value.begin(); it != f.value.end(); ++it)
      if (it->first.IsScalar() && looks_like_language(it->first.Scalar()))
        codes.push_back(it->first.Scalar());
  std::vector<std::string_view> known(std::begin(kTextKeys), std::end(kTextKeys));
  known.insert(known.end(), codes.begin(), codes.end());
  YamlMap r(f.value, ctx.file, where, known, ctx.diags);

  const bool flat = std::any_of(r.fields().begin(), r.fields().end(),
                                [](const YamlField& field) { return is_text_key(field.key); });
  std::map<Language, RegisterText> read;
  const Language first = ctx.config.languages.front();
  if (flat) read[first] = parse_text(r, ctx);
  for (const auto& field : r.fields()) {
    if (is_text_key(field.key)) continue;
    collect(ctx.diags, [&] {
      auto l = parse_language(field.key);
      if (!l)
        throw ConfigError(field.key_location, "unknown language '" + field.key + "' in " + where +
                                                  " (use " + known_language_codes() + ")");
      if (!declared(ctx.config, *l))
        throw undeclared(field.key_location, field.key, where, ctx.config);
      if (flat)
        throw ConfigError(field.key_location,
                          where + " has both text fields and a block for '" + field.key +
                              "'; put the text of every language under its code");
      const std::vector<std::string_view> text_keys(std::begin(kTextKeys), std::end(kTextKeys));
      YamlMap block(field.value, ctx.file, "'" + field.key + "' of " + where, text_keys, ctx.diags);
      read[*l] = parse_text(block, ctx);
    });
  }

  RegisterEntry e;
  e.location = r.location();
  for (Language l : ctx.config.languages)
    if (auto it = read.find(l); it != read.end()) e.texts.emplace_back(l, it->second);
  if (e.texts.empty()) {
    // `register: {}`, or only blocks in error: an empty text, said from the policy.
    RegisterText empty;
    empty.location = r.location();
    e.texts.emplace_back(first, empty);
    return e;
  }
  for (Language l : ctx.config.languages)
    if (!e.in(l))
      ctx.diags.warning(e.location, context + " has no 'register' text in " +
                                        std::string(language_code(l)) + "; 'register --language " +
                                        std::string(language_code(l)) + "' prints its " +
                                        std::string(language_code(e.texts.front().first)) +
                                        " text");
  return e;
}

}  // namespace retentiond::policies
