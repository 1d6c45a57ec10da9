// The DPO page's words: the summary of promises, the histogram's labels in both languages, and
// that every report page (plan, enforce, status, register) is built on the shared page.
#include "daemon/reports/report_page.h"

#include <catch2/catch.hpp>

#include "daemon/reports/register.h"

using namespace retentiond::daemon;
using retentiond::policies::Duration;
using retentiond::policies::Language;
using U = retentiond::policies::DurationUnit;

namespace {

PolicyFigures figures(long long overdue, bool error = false) {
  PolicyFigures f;
  f.status.overdue = overdue;
  if (error) f.status.error = "cannot open";
  return f;
}

std::string style_of(const std::string& html) {
  const size_t from = html.find("<style>"), to = html.find("</style>");
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  return html.substr(from, to - from);
}

}  // namespace

TEST_CASE("the summary counts the promises kept", "[html]") {
  const std::vector<PolicyFigures> all = {figures(0), figures(3), figures(0), figures(0),
                                          figures(0)};
  CHECK(promise_summary(all, Language::English) == "4 of 5 promises kept; 1 overdue");
  CHECK(promise_summary(all, Language::French) == "4 promesses tenues sur 5 ; 1 en retard");
  CHECK(promise_summary({figures(0)}, Language::English) == "1 of 1 promise kept");
  CHECK(promise_summary({figures(0), figures(0, true)}, Language::English) ==
        "1 of 2 promises kept; 1 unknown");
  CHECK(promise_summary({figures(2)}, Language::French) == "0 promesse tenue sur 1 ; 1 en retard");
  // A scheduled policy with no recent pass is not kept, as status counts it (exit 3).
  PolicyFigures stale = figures(0);
  stale.status.stale = true;
  CHECK(promise_summary({figures(0), stale}, Language::English) ==
        "1 of 2 promises kept; 1 without a recent pass");
  CHECK(promise_summary({stale}, Language::French) ==
        "0 promesse tenue sur 1 ; 1 sans exécution récente");
}

TEST_CASE("histogram labels", "[html]") {
  AgeBin first{Duration{0, U::Month}, Duration{3, U::Month}};
  CHECK(age_label(first, Language::English) == "0–3 mo");
  CHECK(age_label(first, Language::French) == "0–3 mois");
  AgeBin mixed{Duration{8, U::Day}, Duration{1, U::Month}};
  CHECK(age_label(mixed, Language::English) == "8 d–1 mo");
  CHECK(age_label(mixed, Language::French) == "8 j–1 mois");
  AgeBin last{Duration{3, U::Year}, std::nullopt};
  CHECK(age_label(last, Language::English) == "3 y or more");
  CHECK(age_label(last, Language::French) == "3 ans ou plus");
}

TEST_CASE("plan, enforce, status and register pages share one style", "[html]") {
  retentiond::policies::Config config;
  Report plan;
  plan.dry_run = true;
  Report enforce;
  enforce.dry_run = false;
  PageInput status;
  const std::string plan_page = render_html(plan, config);
  const std::string style = style_of(plan_page);
  CHECK(style_of(render_html(enforce, config)) == style);
  CHECK(style_of(render_report_page(status, config)) == style);
  CHECK(style_of(render_register({}, RegisterFormat::Html, Language::English)) == style);
  CHECK(plan_page.find("<h1>retentiond plan as of ") != std::string::npos);
  CHECK(render_report_page(status, config).find("are our retention promises kept?") !=
        std::string::npos);
}

TEST_CASE("a throttled pass that did not wait says so in every format", "[report][throttle]") {
  Report r;
  r.dry_run = false;
  PassOutcome o;
  o.policy = "p";
  o.store = "s";
  o.status = PassStatus::Ok;
  o.counted = true;
  o.throttle = "pause while a replica is more than 5 s behind";
  r.passes.push_back(o);
  retentiond::policies::Config config;
  CHECK(render_text(r, config).find("waited:     none") != std::string::npos);
  CHECK(render_markdown(r, config).find("- Waited: none") != std::string::npos);
  CHECK(render_html(r, config).find("<p>Waited: none</p>") != std::string::npos);
  r.dry_run = true;  // a plan waits for nothing
  CHECK(render_markdown(r, config).find("Waited") == std::string::npos);
}
