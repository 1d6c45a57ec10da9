#include "daemon/reports/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "policies/planner.h"
#include "policies/printable.h"

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
  // Descriptions, names, SQL, file names and store messages may hold any byte: the other formats
  // escape control characters and bytes that are not UTF-8 (JSON replaces the latter).
  switch (format) {
    case ReportFormat::Text:
      return policies::printable_lines(render_text(report, config));
    case ReportFormat::Json:
      return render_json(report, config);
    case ReportFormat::Markdown:
      return policies::printable_lines(render_markdown(report, config));
    case ReportFormat::Html:
      return policies::printable_lines(render_html(report, config));
  }
  return policies::printable_lines(render_text(report, config));
}

namespace {

// What each Sympa target is dated by (connectors/sympa/targets.h).
std::string sympa_basis_words(const std::string& target) {
  if (target == "unsubscribed_users") return "end of their last subscription or list role";
  if (target == "logs") return "date_logs (Sympa's action log)";
  if (target == "stats") return "date_stat (Sympa's statistics)";
  if (target == "sessions") return "date_session (the session's last use)";
  if (target == "one_time_tickets") return "date_one_time_ticket";
  if (target == "notifications") return "date_notification";
  if (target == "archives") return "archive month (the month the message is filed under)";
  if (target == "bounces") return "modification time (of the stored bounce)";
  if (target == "spools") return "modification time (of the spooled message)";
  return "date (the one Sympa keeps for " + target + ")";
}

std::string sympa_unit(const std::string& target) {
  if (target == "unsubscribed_users") return "users";
  if (target == "archives" || target == "bounces" || target == "spools") return "files";
  return "rows";
}

}  // namespace

std::string markdown_cell(const std::string& text) {
  auto word = [&](size_t i) {
    return i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) != 0);
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r')
      out += ' ';
    else if (c == '_' && i > 0 && word(i - 1) && word(i + 1))
      out += c;  // inside a word (created_at) '_' is no emphasis: left as written
    else if (c != '\0' && std::strchr("\\`*_[]<>&|~#!", c))  // a backslash makes it literal
      out += std::string("\\") + c;
    else
      out += c;
  }
  return out;
}

std::string markdown_paragraph(const std::string& text) {
  std::string out = markdown_cell(text);
  // What a line may start with to make a block: indentation (code), '-', '+', '=' (a list, a
  // rule, a heading's underline), "1." or "1)" (a numbered list). Written as text.
  const size_t first = out.find_first_not_of(' ');
  out.erase(0, first == std::string::npos ? out.size() : first);
  if (!out.empty() && std::strchr("-+=", out[0]) != nullptr) return "\\" + out;
  const size_t digits = out.find_first_not_of("0123456789");
  if (digits > 0 && digits != std::string::npos && (out[digits] == '.' || out[digits] == ')'))
    out.insert(digits, "\\");
  return out;
}

std::string one_line(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return out;
}

std::string basis_words(const policies::Policy& p) {
  using K = policies::Basis::Kind;
  switch (p.since.kind) {
    case K::Mtime:
      return "modification time";
    case K::NameDate:
      return "date in the file name (" + p.since.name_date_format + ")";
    case K::Target:
      return sympa_basis_words(p.sympa_target);
    case K::Columns:
      break;
  }
  // "a, b or c (the latest known)", then the fallback dates the same way: "(or d when ...)".
  auto words = [](const std::vector<const policies::BasisTerm*>& terms) {
    std::string out;
    for (size_t i = 0; i < terms.size(); ++i) {
      if (i) out += i + 1 == terms.size() ? " or " : ", ";
      out += terms[i]->column;
      if (terms[i]->related) out += " of the related " + terms[i]->related->str() + " row";
    }
    if (terms.size() > 1) out += " (the latest known)";
    return out;
  };
  std::vector<const policies::BasisTerm*> primary, fallback;
  for (const auto& t : p.since.terms) (t.fallback ? fallback : primary).push_back(&t);
  if (fallback.empty()) return words(primary);
  return words(primary) + " (or " + words(fallback) +
         (primary.size() == 1 ? " when it is unknown)" : " when all are unknown)");
}

std::string action_words(const policies::Policy& p) {
  std::string unit = p.table ? "rows" : (!p.files.empty() ? "files" : sympa_unit(p.sympa_target));
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

bool counts_made(const PassOutcome& o) { return o.counted || o.status == PassStatus::Planned; }

std::string matched_figure(const PassOutcome& o) {
  if (!counts_made(o)) return "not counted";
  return (matched_estimated(o) ? "about " : "") + policies::with_thousands(o.plan.matched);
}

std::string affected_figure(const PassOutcome& o) {
  return (affected_estimated(o) ? "about " : "") + policies::with_thousands(o.affected);
}

std::string waited_words(const PassOutcome& o) {
  if (std::llround(o.throttle_waited) < 1) return "";
  std::string reasons;
  for (const auto& [reason, seconds] : o.throttle_by_reason)
    reasons +=
        (reasons.empty() ? "" : ", ") + reason + " " + std::to_string(std::llround(seconds)) + " s";
  return std::to_string(std::llround(o.throttle_waited)) + " s for the throttle (" + reasons + ")";
}

std::string also_store_line(const PassOutcome& o, const policies::Policy& p, size_t rule,
                            const policies::Config& config, bool dry_run) {
  using policies::counted;
  const policies::AlsoStoreRule& r = p.also_stores.at(rule);
  const policies::StoreConfig* store = config.store(r.store);
  std::string out = "in store '" + r.store + "'" + (store ? " (" + store->type + ")" : "") + ": ";
  std::string lists;
  for (const auto& l : r.lists) lists += (lists.empty() ? "" : ", ") + l;
  lists = (r.lists.size() == 1 ? "list " : "lists ") + lists +
          (r.robot.empty() ? "" : " (robot " + r.robot + ")");
  const std::string addresses = "the e-mail addresses (column " + r.column + ") of the ";
  // Plan (and a policy only planned) says what would be done for the records it matched;
  // enforce, what the other store removed for the records acted on.
  if (dry_run || o.status == PassStatus::Planned || rule >= o.also_removed.size())
    return out + "unsubscribe " + addresses + counted(o.plan.matched, o.plan.unit) + " from " +
           lists;
  const long long unconfirmed = rule < o.also_unconfirmed.size() ? o.also_unconfirmed[rule] : 0;
  return out + counted(o.also_removed[rule], policies::also_store_unit(r)) + " removed from " +
         lists + ", of " + addresses + counted(o.affected, o.plan.unit) + " acted on" +
         (unconfirmed > 0 ? "; up to " + policies::with_thousands(unconfirmed) +
                                " more not confirmed (the store's COMMIT failed)"
                          : "");
}

std::string partition_words(const connectors::PartitionStep& step) {
  std::string line = std::string(connectors::partition_step_name(step.kind)) + " " + step.name;
  if (!step.bounds.empty()) line += " " + step.bounds;
  if (!step.detached_at.empty()) line += ", detached at " + step.detached_at;
  return line + ", " + (step.estimated ? "about " : "") + policies::counted(step.rows, "rows") +
         (step.estimated ? " (estimate)" : "");
}

bool matched_estimated(const PassOutcome& o) {
  return connectors::any_unit_estimated(o.plan.partitions);
}

bool affected_estimated(const PassOutcome& o) {
  return connectors::any_unit_estimated(o.partitions_done);
}

}  // namespace retentiond::daemon
