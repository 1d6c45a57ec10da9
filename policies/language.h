// The languages a configuration publishes in (top-level `languages:`), and the few words
// retentiond says itself in each: durations ("14 mois") and dates in their long form ("1er mars
// 2027"). Everything else that is published (data, purposes, descriptions) is the configuration's
// own text, per language (`register:`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "policies/duration.h"
#include "policies/timestamp.h"

namespace retentiond::policies {

enum class Language { English, French };

// "en", "fr".
std::string_view language_code(Language l);
// The language of a code ("en", "fr"), or nullopt for any other text.
std::optional<Language> parse_language(std::string_view code);
// "en or fr": the codes retentiond speaks, for messages.
std::string known_language_codes();

// "14 months" / "14 mois", "1 year" / "1 an".
std::string duration_words(const Duration& d, Language l);
// The UTC calendar day of `t` in its long form: "1 March 2027"; "1er mars 2027", "2 mars 2027".
std::string long_date(TimePoint t, Language l);

}  // namespace retentiond::policies
