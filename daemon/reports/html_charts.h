// The HTML report's charts: inline SVG bar charts (no script, nothing fetched), each with its
// text alternatives: the SVG is role="img" with an aria-label stating every figure, each bar
// carries its count (data-count) and a <title>, and a visually hidden table repeats the figures.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace retentiond::daemon {

struct ChartBar {
  std::string label;  // under the bar: "3–6 mo"
  long long count = 0;
  bool highlight = false;  // past the promise: drawn in the alarm colour
  std::string sublabel;    // a second line under the label ("2028"), or none
  std::string long_label;  // for the title, the aria-label and the table; empty: `label`
};

struct BarChart {
  std::string title;         // the figure's caption and the start of its aria-label
  std::string label_header;  // the hidden table's first column: "Age"
  std::string count_header;  // its second: "Records"
  std::vector<ChartBar> bars;
  std::optional<size_t> line_before;  // a dashed line left of this bar (the expiry)
  std::string line_label;             // written by the line
};

// The bars' heights in pixels for a plot `max_height` high: proportional to the largest count,
// at least 1 pixel for a count above 0, 0 for 0.
std::vector<int> bar_heights(const std::vector<long long>& counts, int max_height);

// A <figure> holding the chart's SVG and its hidden table. Labels and titles are escaped here.
std::string bar_chart(const BarChart& chart);

}  // namespace retentiond::daemon
