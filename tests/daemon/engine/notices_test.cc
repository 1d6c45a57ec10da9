// A notice's text in its language: the long date ("1er mars 2027"), the notice period in words
// and the policy's description in that language. Exact texts.
#include "daemon/engine/notices.h"

#include <catch2/catch.hpp>

using namespace retentiond;
using policies::Language;

namespace {

policies::Policy noticed_policy(Language language) {
  policies::Policy p;
  p.name = "inactive-participants";
  p.description = "An account absent 14 months is deleted after an e-mail notice";
  p.notify = policies::Notify{};
  p.notify->before = {30, policies::DurationUnit::Day};
  p.notify->language = language;
  return p;
}

policies::TimePoint at(const char* text) { return *policies::parse_timestamp(text); }

const std::string kTemplate = "{description} Le {deletion_date} ({date_iso}), {before}. {policy}";

}  // namespace

TEST_CASE("a French notice: the long French date and the French description", "[notices]") {
  auto p = noticed_policy(Language::French);
  policies::RegisterEntry words;
  policies::RegisterText fr;
  fr.description = "Au bout de 14 mois d’absence sur le site, le compte est supprimé.";
  words.texts = {{Language::French, fr}};
  p.register_entry = words;
  CHECK(daemon::render_notice(p, kTemplate, at("2027-03-01T03:15:00Z")) ==
        "Au bout de 14 mois d’absence sur le site, le compte est supprimé. Le 1er mars 2027 "
        "(2027-03-01), 30 jours. inactive-participants");
  CHECK(daemon::render_notice(p, "{date}", at("2027-03-02T00:00:00Z")) == "2 mars 2027");
  CHECK(daemon::render_notice(p, "{date}", at("2027-08-01T23:59:59Z")) == "1er août 2027");
}

TEST_CASE("a notice without text in its language falls back on the description", "[notices]") {
  auto p = noticed_policy(Language::English);
  CHECK(daemon::render_notice(p, kTemplate, at("2027-03-01T00:00:00Z")) ==
        "An account absent 14 months is deleted after an e-mail notice Le 1 March 2027 "
        "(2027-03-01), 30 days. inactive-participants");
  // French text, but the notice is in English: the description as written.
  policies::RegisterEntry words;
  policies::RegisterText fr;
  fr.description = "Un compte absent 14 mois est supprimé.";
  words.texts = {{Language::French, fr}};
  p.register_entry = words;
  CHECK(daemon::notice_description(p) == p.description);
  p.notify->language = Language::French;
  CHECK(daemon::notice_description(p) == "Un compte absent 14 mois est supprimé.");
}
