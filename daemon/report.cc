#include "daemon/report.h"

namespace retentiond::daemon {

std::optional<ReportFormat> parse_report_format(std::string_view text) {
  if (text == "text") return ReportFormat::Text;
  if (text == "json") return ReportFormat::Json;
  if (text == "markdown" || text == "md") return ReportFormat::Markdown;
  if (text == "html") return ReportFormat::Html;
  return std::nullopt;
}

std::string render_report(const Report& report, const policies::Config& config,
                          ReportFormat format) {
  switch (format) {
    case ReportFormat::Text: return render_text(report, config);
    case ReportFormat::Json: return render_json(report);
    case ReportFormat::Markdown: return render_markdown(report, config);
    case ReportFormat::Html: return render_html(report, config);
  }
  return render_text(report, config);
}

std::string basis_words(const policies::Policy& p) {
  using K = policies::Basis::Kind;
  switch (p.since.kind) {
    case K::Mtime: return "the file's modification time";
    case K::NameDate: return "the date in the file name (" + p.since.name_date_format + ")";
    case K::Target: return "the date Sympa keeps for " + p.sympa_target;
    case K::Columns: break;
  }
  std::string out;
  for (size_t i = 0; i < p.since.terms.size(); ++i) {
    const auto& t = p.since.terms[i];
    if (i) out += i + 1 == p.since.terms.size() ? " or " : ", ";
    out += t.column;
    if (t.related) out += " of the related " + t.related->str() + " row";
  }
  if (p.since.terms.size() > 1) out += " (the latest known)";
  return out;
}

std::string action_words(const policies::Policy& p) {
  std::string unit = p.table ? "rows" : (!p.files.empty() ? "files" : "records");
  return std::string(policies::action_name(p.action)) + " " + unit;
}

std::string target_words(const policies::Policy& p) {
  if (p.table) return "table " + p.table->str();
  if (!p.files.empty()) {
    std::string out = "files";
    for (const auto& f : p.files) out += " " + f;
    return out;
  }
  return "Sympa " + p.sympa_target;
}

}  // namespace retentiond::daemon
