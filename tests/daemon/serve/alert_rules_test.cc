// The alerting rules docs/deployment.md ships, checked by Prometheus's own promtool (Debian's
// `prometheus` package): they load, and on made-up series they fire when a promise has been broken
// for more than a day, when passes stopped, when a store could not be read for 6 hours, and after
// three failures in a row, and not before.
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "support/run.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

// The first ```yaml block of docs/deployment.md that starts with "groups:".
std::string shipped_rules() {
  std::ifstream in(source_dir() + "/docs/deployment.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::string start = "```yaml\ngroups:";
  auto begin = doc.find(start);
  if (begin == std::string::npos) return "";
  begin += std::string("```yaml\n").size();
  auto end = doc.find("```", begin);
  return doc.substr(begin, end - begin);
}

const char* kRuleTests = R"(rule_files: [rules.yml]
evaluation_interval: 1m
tests:
  # One sample a minute, as a scrape would give: overdue, stale and failing from 1h on.
  - interval: 1m
    input_series:
      - series: 'retentiond_overdue_records{policy="hits",store="app"}'
        values: '0x60 3x1600'
      - series: 'retentiond_overdue_records{policy="kept",store="app"}'
        values: '0x1660'
      - series: 'retentiond_promise_stale{policy="hits",store="app"}'
        values: '0x60 1x200'
      - series: 'retentiond_promise_stale{policy="kept",store="app"}'
        values: '0x260'
      - series: 'retentiond_promise_unknown{policy="hits",store="app"}'
        values: '0x60 1x600'
      - series: 'retentiond_promise_unknown{policy="kept",store="app"}'
        values: '0x660'
      - series: 'retentiond_consecutive_failures{policy="hits",store="app"}'
        values: '0x60 1x10 2x10 3x100'
    alert_rule_test:
      # Not an alert within the day a late pass may take, one after it.
      - eval_time: 12h
        alertname: RetentionPromiseBroken
        exp_alerts: []
      - eval_time: 26h
        alertname: RetentionPromiseBroken
        exp_alerts:
          - exp_labels: {policy: hits, store: app, severity: warning}
            exp_annotations:
              summary: "hits: 3 records kept past their published retention for more than a day"
      - eval_time: 70m
        alertname: RetentionPassesStopped
        exp_alerts: []
      - eval_time: 90m
        alertname: RetentionPassesStopped
        exp_alerts:
          - exp_labels: {policy: hits, store: app, severity: warning}
            exp_annotations: {summary: "hits: no pass within twice its schedule"}
      - eval_time: 6h
        alertname: RetentionPromiseUnknown
        exp_alerts: []
      - eval_time: 7h30m
        alertname: RetentionPromiseUnknown
        exp_alerts:
          - exp_labels: {policy: hits, store: app, severity: warning}
            exp_annotations:
              summary: "hits: its store could not be read for 6 hours; whether the promise is kept is unknown"
      - eval_time: 75m
        alertname: RetentionPassesFailing
        exp_alerts: []
      - eval_time: 85m
        alertname: RetentionPassesFailing
        exp_alerts:
          - exp_labels: {policy: hits, store: app, severity: warning}
            exp_annotations: {summary: "hits: 3 failed passes in a row"}
)";

}  // namespace

TEST_CASE("the shipped alerting rules pass promtool check and fire when they should",
          "[serve][metrics][docs]") {
  const std::string rules = shipped_rules();
  REQUIRE(rules.find("RetentionPromiseBroken") != std::string::npos);
  TempDir dir;
  dir.write("rules.yml", rules);
  dir.write("rules_test.yml", kRuleTests);
  auto check = run_program({"/usr/bin/promtool", "check", "rules", dir.file("rules.yml")});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("SUCCESS: 4 rules found") != std::string::npos);
  auto test = run_program({"/usr/bin/promtool", "test", "rules", "rules_test.yml"}, dir.path());
  INFO(test.out << test.err);
  CHECK(test.exit_code == 0);
}
