#include "daemon/reports/html_charts.h"

#include <algorithm>
#include <cstdio>

#include "daemon/reports/html_page.h"
#include "policies/planner.h"

namespace retentiond::daemon {
namespace {

using policies::with_thousands;

constexpr int kWidth = 720;
constexpr int kPlotHeight = 180;
constexpr int kTop = 28;     // room for the counts above the bars and the line's label
constexpr int kBottom = 40;  // room for the labels under the bars
constexpr int kLeft = 8;
constexpr int kGap = 6;  // between bars

// One decimal is enough for a pixel.
std::string px(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", v);
  return buffer;
}

const std::string& full_label(const ChartBar& b) {
  return b.long_label.empty() ? b.label : b.long_label;
}

}  // namespace

std::vector<int> bar_heights(const std::vector<long long>& counts, int max_height) {
  long long largest = 0;
  for (long long c : counts) largest = std::max(largest, c);
  std::vector<int> out;
  for (long long c : counts) {
    if (c <= 0 || largest <= 0) {
      out.push_back(0);
      continue;
    }
    const long long h = (c * max_height + largest / 2) / largest;  // rounded
    out.push_back(static_cast<int>(std::clamp<long long>(h, 1, max_height)));
  }
  return out;
}

std::string bar_chart(const BarChart& chart) {
  std::vector<long long> counts;
  for (const auto& b : chart.bars) counts.push_back(b.count);
  const std::vector<int> heights = bar_heights(counts, kPlotHeight);
  const int n = std::max<int>(1, static_cast<int>(chart.bars.size()));
  const double slot = static_cast<double>(kWidth - 2 * kLeft) / n;
  const int base = kTop + kPlotHeight;
  const int height = base + kBottom;

  // The text alternative: every figure, in order.
  std::string alternative = chart.title + ": ";
  for (size_t i = 0; i < chart.bars.size(); ++i)
    alternative +=
        (i ? "; " : "") + chart.bars[i].label + ": " + with_thousands(chart.bars[i].count);
  if (chart.line_before && !chart.line_label.empty()) alternative += ". " + chart.line_label;

  std::string svg = "<svg role=\"img\" width=\"" + std::to_string(kWidth) + "\" height=\"" +
                    std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(kWidth) + " " +
                    std::to_string(height) + "\" aria-label=\"" + html_escape(alternative) +
                    "\">\n";
  svg += "<line class=\"axis\" x1=\"" + std::to_string(kLeft) + "\" y1=\"" + std::to_string(base) +
         "\" x2=\"" + std::to_string(kWidth - kLeft) + "\" y2=\"" + std::to_string(base) + "\"/>\n";
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const ChartBar& b = chart.bars[i];
    const double x = kLeft + slot * static_cast<double>(i) + kGap / 2.0;
    const double w = std::max(1.0, slot - kGap);
    const double centre = x + w / 2;
    const std::string count = with_thousands(b.count);
    svg += "<g><rect class=\"bar" + std::string(b.highlight ? " past" : "") + "\" x=\"" + px(x) +
           "\" y=\"" + std::to_string(base - heights[i]) + "\" width=\"" + px(w) + "\" height=\"" +
           std::to_string(heights[i]) + "\" data-count=\"" + std::to_string(b.count) +
           "\" data-label=\"" + html_escape(full_label(b)) + "\"><title>" +
           html_escape(full_label(b) + ": " + count) + "</title></rect>";
    svg += "<text x=\"" + px(centre) + "\" y=\"" + std::to_string(base - heights[i] - 4) +
           "\" text-anchor=\"middle\" aria-hidden=\"true\">" + count + "</text>";
    svg += "<text x=\"" + px(centre) + "\" y=\"" + std::to_string(base + 16) +
           "\" text-anchor=\"middle\" aria-hidden=\"true\">" + html_escape(b.label) + "</text>";
    if (!b.sublabel.empty())
      svg += "<text x=\"" + px(centre) + "\" y=\"" + std::to_string(base + 30) +
             "\" text-anchor=\"middle\" aria-hidden=\"true\">" + html_escape(b.sublabel) +
             "</text>";
    svg += "</g>\n";
  }
  if (chart.line_before) {
    const double x = kLeft + slot * static_cast<double>(*chart.line_before);
    svg += "<line class=\"expiry\" x1=\"" + px(x) + "\" y1=\"" + std::to_string(kTop - 14) +
           "\" x2=\"" + px(x) + "\" y2=\"" + std::to_string(base + 24) + "\"/>";
    svg += "<text class=\"expiry-label\" x=\"" + px(x + 4) + "\" y=\"" + std::to_string(kTop - 16) +
           "\" aria-hidden=\"true\">" + html_escape(chart.line_label) + "</text>\n";
  }
  svg += "</svg>\n";

  std::vector<std::vector<std::string>> rows;
  for (const auto& b : chart.bars) rows.push_back({full_label(b), with_thousands(b.count)});
  return "<figure>\n<figcaption>" + html_escape(chart.title) + "</figcaption>\n" + svg +
         html_table(chart.title, {chart.label_header, chart.count_header}, rows, {1}, "vh") +
         "</figure>\n";
}

}  // namespace retentiond::daemon
