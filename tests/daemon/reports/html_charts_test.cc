// The SVG bar charts: heights in proportion, every count carried by its bar and repeated in the
// text alternatives, the expiry line where asked.
#include "daemon/reports/html_charts.h"

#include <catch2/catch.hpp>

using namespace retentiond::daemon;

TEST_CASE("bar heights are proportional, at least a pixel for a record", "[html][charts]") {
  CHECK(bar_heights({10, 5, 0, 1}, 180) == std::vector<int>{180, 90, 0, 18});
  CHECK(bar_heights({1000, 1}, 180) == std::vector<int>{180, 1});
  CHECK(bar_heights({0, 0}, 180) == std::vector<int>{0, 0});
  CHECK(bar_heights({3, 2}, 180) == std::vector<int>{180, 120});
  CHECK(bar_heights({}, 180).empty());
}

TEST_CASE("a bar chart carries each count, its text alternatives and the expiry line",
          "[html][charts]") {
  BarChart chart;
  chart.title = "Records by age (rows)";
  chart.label_header = "Age";
  chart.count_header = "Records";
  chart.bars = {{"0–6 mo", 1234, false, "", ""},
                {"6–12 mo", 0, false, "", ""},
                {"12 mo or more", 7, true, "", ""}};
  chart.line_before = 2;
  chart.line_label = "expiry: 1 year";
  const std::string html = bar_chart(chart);
  // The bars: counts in data attributes and titles, heights in proportion (180 px for the most).
  CHECK(html.find("<rect class=\"bar\" x=\"11.0\" y=\"28\" width=\"228.7\" height=\"180\" "
                  "data-count=\"1234\" data-label=\"0–6 mo\"><title>0–6 mo: 1,234</title>") !=
        std::string::npos);
  CHECK(html.find("height=\"0\" data-count=\"0\"") != std::string::npos);
  CHECK(html.find("<rect class=\"bar past\"") != std::string::npos);
  CHECK(html.find("data-count=\"7\"") != std::string::npos);
  // The SVG is an image with every figure in its label, and a hidden table repeats them.
  CHECK(html.find("role=\"img\"") != std::string::npos);
  CHECK(html.find("aria-label=\"Records by age (rows): 0–6 mo: 1,234; 6–12 mo: 0; 12 mo or more: "
                  "7. expiry: 1 year\"") != std::string::npos);
  CHECK(html.find("<table class=\"vh\"><caption>Records by age (rows)</caption>") !=
        std::string::npos);
  CHECK(html.find("<th scope=\"col\">Age</th><th scope=\"col\" class=\"n\">Records</th>") !=
        std::string::npos);
  CHECK(html.find("<tr><th scope=\"row\">12 mo or more</th><td class=\"n\">7</td></tr>") !=
        std::string::npos);
  // The expiry line, left of the third bar.
  CHECK(html.find("<line class=\"expiry\" x1=\"477.3\"") != std::string::npos);
  CHECK(html.find(">expiry: 1 year</text>") != std::string::npos);
  chart.line_before.reset();
  CHECK(bar_chart(chart).find("class=\"expiry\"") == std::string::npos);
}

TEST_CASE("chart labels are escaped", "[html][charts]") {
  BarChart chart;
  chart.title = "<script>";
  chart.bars = {{"a\"b<", 1, false, "", ""}};
  const std::string html = bar_chart(chart);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("data-label=\"a&quot;b&lt;\"") != std::string::npos);
}
