// The languages of published text: the top-level `languages:`, `register:` text per language and
// a notice's `language:`. Exact texts.
#include <catch2/catch.hpp>

#include "support/config_text.h"

using namespace retentiond::policies;
using namespace retentiond::testing;

namespace {

// `languages:` on line 1, kThreeStores on lines 2 to 7, kTablePolicy on lines 8 to 12; cases add
// from line 13.
LoadedText load_with(const std::string& languages, const std::string& policy) {
  TempDir dir;
  dir.write("notice.txt", "{description}: {date}\n");
  return load_text(dir, languages + kThreeStores + policy);
}

const std::string kFrEn = "languages: [fr, en]\n";
const std::string kNoLanguages = "# no languages\n";

}  // namespace

TEST_CASE("languages: codes the configuration publishes in", "[config][register_parser]") {
  const struct {
    std::string languages;
    std::vector<std::string> errors;
  } cases[] = {
      {"languages: [fr, de, fr]\n",
       {"DIR/r.yaml:1:17: error: unknown language 'de' in 'languages' (use en or fr)",
        "DIR/r.yaml:1:21: error: language 'fr' appears twice in 'languages'"}},
      {"languages: []\n", {"DIR/r.yaml:1:12: error: 'languages' is an empty list"}},
      {"languages: {fr: yes}\n",
       {"DIR/r.yaml:1:12: error: 'languages' must be a language code or a list of them"}},
      {"languages: [[fr]]\n",
       {"DIR/r.yaml:1:13: error: 'languages' entries must be language codes (en, fr)"}},
      {"languages: French\n",
       {"DIR/r.yaml:1:12: error: unknown language 'French' in 'languages' (use en or fr)"}},
  };
  for (const auto& c : cases) {
    INFO(c.languages);
    CHECK(load_with(c.languages, kTablePolicy).errors == c.errors);
  }

  auto fr = load_with("languages: fr\n", kTablePolicy);
  REQUIRE(fr.config);
  CHECK(fr.config->languages == std::vector<Language>{Language::French});
  auto none = load_with(kNoLanguages, kTablePolicy);
  REQUIRE(none.config);
  CHECK(none.config->languages == std::vector<Language>{Language::English});
  CHECK_FALSE(none.config->languages_location.known());
}

TEST_CASE("register text per language: exact errors", "[config][register_parser]") {
  const struct {
    std::string what;
    std::string languages;
    std::string register_;  // line 13
    std::vector<std::string> errors;
  } cases[] = {
      {"a language the configuration does not declare",
       kNoLanguages,
       "    register: {fr: {purpose: x}}\n",
       {"DIR/r.yaml:13:16: error: language 'fr' in 'register' of policy 'p' is not one the "
        "configuration declares (languages: en, the default); add it to the top-level "
        "'languages'"}},
      {"an unknown language",
       kFrEn,
       "    register: {de: {purpose: x}}\n",
       {"DIR/r.yaml:13:16: error: unknown language 'de' in 'register' of policy 'p' (use en or "
        "fr)"}},
      {"text fields beside language blocks",
       kFrEn,
       "    register: {purpose: x, en: {purpose: y}}\n",
       {"DIR/r.yaml:13:28: error: 'register' of policy 'p' has both text fields and a block for "
        "'en'; put the text of every language under its code"}},
      {"an unknown key in a language block",
       kFrEn,
       "    register: {fr: {purpos: x}, en: {at_expiry: deleted}}\n",
       {"DIR/r.yaml:13:21: error: unknown key 'purpos' in 'fr' of 'register' of policy 'p' (did "
        "you mean 'purpose'?)"}},
      {"a bad data entry in a language block",
       kFrEn,
       "    register: {fr: {data: [\"\"]}, en: {data: x}}\n",
       {"DIR/r.yaml:13:28: error: 'data' entries must be non-empty text"}},
      {"a language block that is not a map",
       kFrEn,
       "    register: {fr: texte, en: {data: x}}\n",
       {"DIR/r.yaml:13:20: error: 'fr' of 'register' of policy 'p' must be a mapping of keys to "
        "values, not a scalar"}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto loaded = load_with(c.languages, kTablePolicy + c.register_);
    CHECK(loaded.errors == c.errors);
  }
}

TEST_CASE("register text is read per language, in the configuration's order",
          "[config][register_parser]") {
  auto loaded = load_with(kFrEn, kTablePolicy +
                                     "    register:\n"
                                     "      en: {data: [Accounts], duration: about a year}\n"
                                     "      fr:\n"
                                     "        data: [Comptes, Adresses]\n"
                                     "        purpose: Participation citoyenne\n"
                                     "        legal_basis: Consentement\n"
                                     "        event: la dernière connexion\n"
                                     "        duration: une année\n"
                                     "        at_expiry: suppression du compte\n"
                                     "        description: Un compte absent un an est supprimé\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  CHECK(loaded.warnings.empty());
  const auto& r = loaded.config->policies.at(0).register_entry;
  REQUIRE(r);
  REQUIRE(r->texts.size() == 2);
  CHECK(r->texts[0].first == Language::French);
  const RegisterText* fr = r->in(Language::French);
  REQUIRE(fr);
  CHECK(fr->data == std::vector<std::string>{"Comptes", "Adresses"});
  CHECK(fr->purpose == "Participation citoyenne");
  CHECK(fr->legal_basis == "Consentement");
  CHECK(fr->event == "la dernière connexion");
  CHECK(fr->duration == "une année");
  CHECK(fr->at_expiry == "suppression du compte");
  CHECK(fr->description == "Un compte absent un an est supprimé");
  CHECK(r->in(Language::English)->duration == "about a year");
}

TEST_CASE("flat register text is in the first language, and a missing language is warned about",
          "[config][register_parser]") {
  auto loaded = load_with(kFrEn, kTablePolicy + "    register: {purpose: Participation}\n");
  REQUIRE(loaded.config);
  const auto& r = loaded.config->policies.at(0).register_entry;
  REQUIRE(r);
  REQUIRE(r->in(Language::French));
  CHECK(r->in(Language::French)->purpose == "Participation");
  CHECK_FALSE(r->in(Language::English));
  CHECK(&r->for_language(Language::English) == r->in(Language::French));
  CHECK(loaded.warnings ==
        std::vector<std::string>{"DIR/r.yaml:13:15: warning: policy 'p' has no 'register' text "
                                 "in en; 'register --language en' prints its fr text"});

  // Without `languages:`, flat text is English, as before languages were declared.
  auto plain = load_with(kNoLanguages, kTablePolicy + "    register: {purpose: x}\n");
  REQUIRE(plain.config);
  CHECK(plain.config->policies.at(0).register_entry->in(Language::English));
  CHECK(plain.warnings.empty());
}

TEST_CASE("a notice's language: declared, defaulting to the first", "[config][register_parser]") {
  const std::string smtp = "smtp: {host: 127.0.0.1, from: dpo@example.org}\n";
  const std::string notify =
      "    notify: {before: 30d, email: email, template: notice.txt, subject: s";
  // Lines shift by one: smtp is line 2.
  auto fr = load_with(kFrEn + smtp, kTablePolicy +
                                        "    register: {fr: {description: Un compte est "
                                        "supprimé}, en: {description: An account goes}}\n" +
                                        notify + "}\n");
  INFO((fr.errors.empty() ? "" : fr.errors.front()));
  REQUIRE(fr.config);
  CHECK(fr.config->policies.at(0).notify->language == Language::French);
  CHECK(fr.warnings.empty());

  auto en = load_with(kFrEn + smtp, kTablePolicy + notify + ", language: en}\n");
  REQUIRE(en.config);
  CHECK(en.config->policies.at(0).notify->language == Language::English);
  // The configuration declares its languages, the template uses {description}, and the policy
  // has no description in the notice's language.
  CHECK(en.warnings == std::vector<std::string>{
                           "DIR/r.yaml:14:51: warning: the notice of policy 'p' is in en and uses "
                           "{description}, but the policy has no 'register' description in en; its "
                           "'description' is inserted as written"});

  CHECK(load_with(smtp, kTablePolicy + notify + ", language: fr}\n").errors ==
        std::vector<std::string>{
            "DIR/r.yaml:13:85: error: language 'fr' in 'notify' of policy 'p' is not one the "
            "configuration declares (languages: en, the default); add it to the top-level "
            "'languages'"});
  CHECK(load_with(kFrEn + smtp, kTablePolicy + notify + ", language: de}\n").errors ==
        std::vector<std::string>{
            "DIR/r.yaml:14:85: error: unknown language 'de' in 'notify' of policy 'p' (use en or "
            "fr)"});
}
