// The Markdown report, for a DPO's file or a ticket: a summary table, then each policy's rule
// and statements. (The HTML page: report_page.h.)
#include "daemon/reports/report.h"
#include "daemon/reports/report_deadline.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

using policies::format_timestamp;
using policies::with_thousands;

std::string oldest_text(const PassOutcome& o) {
  return o.plan.oldest ? format_timestamp(*o.plan.oldest) : "-";
}

}  // namespace

std::string render_markdown(const Report& report, const policies::Config& config) {
  std::string out = "# retentiond " + std::string(report.dry_run ? "plan" : "enforcement report") +
                    "\n\nAs of " + format_timestamp(report.generated_at) +
                    (report.dry_run ? " (dry run: nothing was changed)." : ".") + "\n\n";
  out += "| policy | store | action | cut-off | matched | held | oldest | " +
         std::string(report.dry_run ? "outcome" : "affected | outcome") + " |\n";
  out += std::string("|---|---|---|---|---:|---:|---|") + (report.dry_run ? "---|" : "---:|---|") +
         "\n";
  for (const auto& o : report.passes) {
    out += "| " + markdown_cell(o.policy) + " | " + markdown_cell(o.store) + " | " +
           std::string(policies::action_name(o.action)) + " | " +
           format_timestamp(o.cutoff.cutoff) + " | " + matched_figure(o) + " | " +
           with_thousands(o.plan.held) + " | " + oldest_text(o) + " | ";
    if (!report.dry_run) out += affected_figure(o) + " | ";
    out += std::string(status_name(o.status)) + " |\n";
  }
  for (const auto& o : report.passes) {
    const policies::Policy* p = config.policy(o.policy);
    out += "\n## " + o.policy + "\n\n";
    if (p && !p->description.empty()) out += markdown_paragraph(p->description) + "\n\n";
    if (p) {
      out += "- Rule: " + action_words(*p) + " of " + target_words(*p) + " whose " +
             basis_words(*p) + " is before " + format_timestamp(o.cutoff.cutoff) + " (" +
             p->expire_after.words() + ")";
      if (!p->where.empty()) out += ", where `" + p->where + "`";
      out += "\n";
      const PolicyDeadline d = policy_deadline(*p, o, report.dry_run);
      out += "- Deadline: " + d.words + (d.moved_words.empty() ? "" : "; " + d.moved_words) + "\n";
      if (!p->source.empty()) out += "- Source: " + markdown_cell(p->source) + "\n";
    }
    const std::string about = matched_estimated(o) ? "about " : "";
    if (counts_made(o))
      out += "- Selected: " + about + policies::counted(o.plan.total, o.plan.unit) +
             "; expired: " + about + with_thousands(o.plan.matched) +
             "; held: " + with_thousands(o.plan.held) + "\n";
    else
      out += "- Selected: not counted: the pass ended before its count\n";
    if (!o.throttle.empty()) out += "- Throttle: " + policies::printable(o.throttle) + "\n";
    if (const std::string waited = waited_words(o); !waited.empty())
      out += "- Waited: " + waited + "\n";
    else if (!o.throttle.empty() && !report.dry_run)
      out += "- Waited: none\n";
    if (p)
      for (size_t i = 0; i < p->also_stores.size(); ++i)
        out += "- Also " + also_store_line(o, *p, i, config, report.dry_run) + "\n";
    for (const auto& step : o.plan.partitions)
      out += "- Partition: " + policies::printable(partition_words(step)) + "\n";
    for (const auto& w : o.plan.warnings) out += "- Warning: " + policies::printable(w) + "\n";
    if (report.samples > 0) {
      out += "- Samples:" + std::string(o.plan.samples.empty() ? " none" : "") + "\n";
      for (const auto& s : o.plan.samples) out += "  - `" + policies::printable(s) + "`\n";
    }
    if (!o.plan.statements.empty()) {
      out += "\n```sql\n";
      for (const auto& s : o.plan.statements) out += s + "\n";
      out += "```\n";
    }
  }
  return out;
}

}  // namespace retentiond::daemon
