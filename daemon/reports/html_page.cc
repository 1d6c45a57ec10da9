#include "daemon/reports/html_page.h"

#include <algorithm>

namespace retentiond::daemon {
namespace {

// Plain system fonts (none is fetched). `.vh` hides from the eye but not from screen readers:
// the figures behind each chart. Print drops the backgrounds and keeps figures whole.
constexpr const char* kStyle =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1a1a1a;"
    "background:#fff;margin:2em auto;max-width:64em;padding:0 1em;line-height:1.45}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.3em;border-bottom:2px solid #ccc;"
    "margin-top:2em;padding-bottom:.2em}h3{font-size:1.05em;margin:1.2em 0 .4em}"
    "p.meta{color:#555;margin-top:0}"
    "table{border-collapse:collapse;margin:.5em 0 1em}"
    "th,td{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}"
    "thead th,th[scope=col]{background:#eef1f5}td.n,th.n{text-align:right;"
    "font-variant-numeric:tabular-nums}caption{text-align:left;font-weight:bold;padding:.3em 0}"
    ".summary{font-size:1.2em;padding:.6em 1em;border-left:6px solid #2a7d2a;"
    "background:#eef7ee}.summary.broken{border-color:#b00020;background:#fdecee}"
    ".state-kept{color:#2a7d2a}.state-broken{color:#b00020;font-weight:bold}"
    ".vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap}"
    "figure{margin:.5em 0 1em}figcaption{font-weight:bold;margin-bottom:.3em}"
    "svg{max-width:100%;height:auto}svg text{font-size:12px;fill:#1a1a1a}"
    "svg .bar{fill:#4a78b5}svg .bar.past{fill:#b00020}svg .axis{stroke:#555;stroke-width:1}"
    "svg .expiry{stroke:#b00020;stroke-width:2;stroke-dasharray:5 3}"
    "svg .expiry-label{fill:#b00020}"
    "dl.register{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}"
    "dl.register dt{font-weight:bold}dl.register dd{margin:0}"
    "pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere}"
    "@media print{body{margin:0;max-width:none;font-size:10pt}"
    ".summary,thead th,th[scope=col],pre{background:none}"
    "figure,table,dl{break-inside:avoid}h2,h3{break-after:avoid}}";

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string html_page(const std::string& title, policies::Language language,
                      const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"" + std::string(policies::language_code(language)) +
         "\"><head><meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" "
         "content=\"" +
         std::string(kPageSecurityPolicy) +
         "\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"viewport\" "
         "content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" "
         "content=\"retentiond\">\n<title>" +
         html_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" +
         html_escape(title) + "</h1>\n" + body + "</body></html>\n";
}

std::string html_table(const std::string& caption, const std::vector<std::string>& headers,
                       const std::vector<std::vector<std::string>>& rows,
                       const std::vector<size_t>& numeric, const std::string& css_class,
                       bool row_headers) {
  auto is_numeric = [&](size_t column) {
    return std::find(numeric.begin(), numeric.end(), column) != numeric.end();
  };
  std::string out = "<table" + (css_class.empty() ? "" : " class=\"" + css_class + "\"") + ">";
  if (!caption.empty()) out += "<caption>" + html_escape(caption) + "</caption>";
  out += "\n<thead><tr>";
  for (size_t i = 0; i < headers.size(); ++i)
    out += std::string("<th scope=\"col\"") + (is_numeric(i) ? " class=\"n\"" : "") + ">" +
           html_escape(headers[i]) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string cell = html_escape(row[i]);
      if (i == 0 && row_headers)
        out += "<th scope=\"row\">" + cell + "</th>";
      else
        out += std::string("<td") + (is_numeric(i) ? " class=\"n\"" : "") + ">" + cell + "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table>\n";
}

}  // namespace retentiond::daemon
