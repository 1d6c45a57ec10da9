// The words retentiond says itself in each language: durations and long dates. Exact texts.
#include "policies/language.h"

#include <catch2/catch.hpp>

using namespace retentiond::policies;

TEST_CASE("language codes", "[language]") {
  CHECK(parse_language("fr") == Language::French);
  CHECK(parse_language("en") == Language::English);
  CHECK_FALSE(parse_language("FR"));
  CHECK_FALSE(parse_language("de"));
  CHECK(language_code(Language::French) == "fr");
}

TEST_CASE("long dates: the first of the month is '1er' in French", "[language]") {
  const struct {
    const char* at;
    const char* french;
    const char* english;
  } cases[] = {
      {"2027-03-01T00:00:00Z", "1er mars 2027", "1 March 2027"},
      {"2027-03-02T23:59:59Z", "2 mars 2027", "2 March 2027"},
      {"2028-02-29T12:00:00Z", "29 février 2028", "29 February 2028"},
      {"2027-08-11T00:00:00Z", "11 août 2027", "11 August 2027"},
      {"2027-12-31T23:59:59Z", "31 décembre 2027", "31 December 2027"},
      {"2028-01-01T00:00:00Z", "1er janvier 2028", "1 January 2028"},
  };
  for (const auto& c : cases) {
    INFO(c.at);
    const TimePoint t = *parse_timestamp(c.at);
    CHECK(long_date(t, Language::French) == c.french);
    CHECK(long_date(t, Language::English) == c.english);
  }
}

TEST_CASE("durations in words", "[language]") {
  CHECK(duration_words({1, DurationUnit::Year}, Language::French) == "1 an");
  CHECK(duration_words({5, DurationUnit::Year}, Language::French) == "5 ans");
  CHECK(duration_words({14, DurationUnit::Month}, Language::French) == "14 mois");
  CHECK(duration_words({1, DurationUnit::Day}, Language::French) == "1 jour");
  CHECK(duration_words({30, DurationUnit::Day}, Language::French) == "30 jours");
  CHECK(duration_words({2, DurationUnit::Week}, Language::French) == "2 semaines");
  CHECK(duration_words({36, DurationUnit::Hour}, Language::French) == "36 heures");
  CHECK(duration_words({14, DurationUnit::Month}, Language::English) == "14 months");
  CHECK(duration_words({1, DurationUnit::Year}, Language::English) == "1 year");
}
