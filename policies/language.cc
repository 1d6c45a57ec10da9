#include "policies/language.h"

#include <chrono>

namespace retentiond::policies {

std::string_view language_code(Language l) { return l == Language::French ? "fr" : "en"; }

std::optional<Language> parse_language(std::string_view code) {
  if (code == "en") return Language::English;
  if (code == "fr") return Language::French;
  return std::nullopt;
}

std::string known_language_codes() { return "en or fr"; }

std::string duration_words(const Duration& d, Language l) {
  if (l == Language::English) return d.words();
  const bool one = d.amount == 1;
  std::string unit;
  switch (d.unit) {
    case DurationUnit::Hour:
      unit = one ? "heure" : "heures";
      break;
    case DurationUnit::Day:
      unit = one ? "jour" : "jours";
      break;
    case DurationUnit::Week:
      unit = one ? "semaine" : "semaines";
      break;
    case DurationUnit::Month:
      unit = "mois";
      break;
    case DurationUnit::Year:
      unit = one ? "an" : "ans";
      break;
  }
  return std::to_string(d.amount) + " " + unit;
}

std::string long_date(TimePoint t, Language l) {
  static constexpr const char* kEnglish[] = {"January",   "February", "March",    "April",
                                             "May",       "June",     "July",     "August",
                                             "September", "October",  "November", "December"};
  static constexpr const char* kFrench[] = {"janvier",   "février", "mars",     "avril",
                                            "mai",       "juin",    "juillet",  "août",
                                            "septembre", "octobre", "novembre", "décembre"};
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  const unsigned day = static_cast<unsigned>(ymd.day());
  const unsigned month = static_cast<unsigned>(ymd.month()) - 1;
  const std::string year = std::to_string(static_cast<int>(ymd.year()));
  if (l == Language::French)
    // French writes the first of the month as an ordinal: "1er mars".
    return std::to_string(day) + (day == 1 ? "er " : " ") + kFrench[month] + " " + year;
  return std::to_string(day) + " " + kEnglish[month] + " " + year;
}

}  // namespace retentiond::policies
