// The text report, for a terminal: one block per policy saying what matched and why.
#include <cstdio>

#include "daemon/reports/report.h"
#include "daemon/reports/report_deadline.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

using policies::counted;
using policies::format_timestamp;
using policies::with_thousands;

std::string percent(long long part, long long whole) {
  if (whole <= 0) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, " (%.1f%%)", 100.0 * static_cast<double>(part) / whole);
  return buf;
}

std::string past_tense(policies::Action a) {
  return a == policies::Action::Delete ? "deleted" : "anonymised";
}

// " (1,416 of them in 2 partitions detached, ...)": detached rows are out of the table but still
// exist, in tables of their own, until a pass drops them once their grace has passed.
std::string detached_words(const std::vector<connectors::PartitionStep>& steps, bool planned) {
  long long rows = 0, partitions = 0;
  bool estimated = false;
  for (const auto& step : steps)
    if (step.kind == connectors::PartitionStep::Kind::Detach) {
      rows += step.rows;
      ++partitions;
      estimated = estimated || step.estimated;
    }
  if (partitions == 0) return "";
  return " (" + std::string(estimated ? "about " : "") + with_thousands(rows) + " of them in " +
         policies::counted(partitions, "partitions") + (planned ? " to detach" : " detached") +
         ", kept out of the table until the grace has passed)";
}

}  // namespace

std::string render_text(const Report& report, const policies::Config& config) {
  std::string out;
  out += std::string(report.dry_run ? "retentiond plan" : "retentiond enforce") + " as of " +
         format_timestamp(report.generated_at) +
         (report.dry_run ? " (dry run: nothing is changed)\n" : "\n");
  long long total_matched = 0, total_affected = 0, refused = 0, failed = 0, interrupted = 0,
            uncounted = 0;
  for (const auto& o : report.passes) {
    const policies::Policy* p = config.policy(o.policy);
    out += "\n" + o.policy + "  [store " + o.store;
    if (p) out += ", " + target_words(*p);
    out += "]\n";
    if (p && !p->description.empty()) out += "  " + p->description + "\n";
    if (p && !p->source.empty()) out += "  source:     " + p->source + "\n";
    if (p) {
      out += "  rule:       " + action_words(*p) + " whose " + basis_words(*p) + " is before " +
             format_timestamp(o.cutoff.cutoff) + " (" + p->expire_after.words() + " before " +
             (o.cutoff.horizon > o.cutoff.now ? "the next scheduled pass, " : "") +
             format_timestamp(o.cutoff.horizon) + ")";
      if (!p->where.empty()) out += "\n              and where " + p->where;
      out += "\n";
      const PolicyDeadline d = policy_deadline(*p, o, report.dry_run);
      out += "  deadline:   " + d.words + "\n";
      if (!d.moved_words.empty()) out += "              " + d.moved_words + "\n";
    }
    const std::string about = matched_estimated(o) ? "about " : "";
    if (counts_made(o))
      out += "  matched:    " + about + with_thousands(o.plan.matched) + " of " + about +
             with_thousands(o.plan.total) + " selected " + o.plan.unit +
             percent(o.plan.matched, o.plan.total) + "; held: " + with_thousands(o.plan.held) +
             "\n";
    else
      out += "  matched:    not counted: the pass ended before its count\n";
    out += "  oldest:     " + (o.plan.oldest ? format_timestamp(*o.plan.oldest) : "-") + "\n";
    for (size_t i = 0; i < o.plan.partitions.size(); ++i)
      out += std::string(i == 0 ? "  partitions: " : "              ") +
             policies::printable(partition_words(o.plan.partitions[i])) + "\n";
    if (o.notices) {
      out += "  notices:    " + with_thousands(o.notices->sent) +
             (report.dry_run ? " would be sent now" : " sent") +
             (o.notices->failed ? ", " + with_thousands(o.notices->failed) + " FAILED" : "") +
             "; " + counted(o.notices->waiting, "records") + " waiting out their notice\n";
    }
    if (p)
      for (size_t i = 0; i < p->also_stores.size(); ++i)
        out += "  also:       " + also_store_line(o, *p, i, config, report.dry_run) + "\n";
    std::string verdict;
    switch (o.status) {
      case PassStatus::Planned:
        verdict = "would " + std::string(policies::action_name(o.action)) + " " + about +
                  policies::counted(o.plan.matched, o.plan.unit) +
                  detached_words(o.plan.partitions, true);
        break;
      case PassStatus::Ok:
        verdict = past_tense(o.action) + " " + (affected_estimated(o) ? "about " : "") +
                  policies::counted(o.affected, o.plan.unit) +
                  detached_words(o.partitions_done, false);
        break;
      case PassStatus::Refused:
        verdict = o.error && o.error->kind == connectors::ErrorKind::LockConflict
                      ? "REFUSED: another retentiond process is enforcing this policy"
                      : "REFUSED by the max_affected guard";
        break;
      case PassStatus::Failed:
        verdict = "FAILED";
        break;
      case PassStatus::Interrupted:
        verdict = "INTERRUPTED after " + std::string(affected_estimated(o) ? "about " : "") +
                  policies::counted(o.affected, o.plan.unit);
        break;
    }
    out += "  outcome:    " + verdict + "\n";
    if (!o.throttle.empty()) out += "  throttle:   " + o.throttle + "\n";
    if (const std::string waited = waited_words(o); !waited.empty())
      out += "  waited:     " + waited + "\n";
    else if (!o.throttle.empty() && !report.dry_run)
      out += "  waited:     none\n";
    if (!o.plan.statements.empty()) {
      out += "  statements:\n";
      for (const auto& s : o.plan.statements) out += "    " + s + "\n";
    }
    // One line each: a newline in a quoted path or store message must not start a line of its own.
    for (const auto& w : o.plan.warnings) out += "  warning:    " + policies::printable(w) + "\n";
    if (report.samples > 0) {
      out += "  samples:    " + std::string(o.plan.samples.empty() ? "none\n" : "\n");
      for (const auto& s : o.plan.samples) out += "    " + policies::printable(s) + "\n";
    }
    if (!counts_made(o)) ++uncounted;
    total_matched += o.plan.matched;
    total_affected += o.affected;
    if (o.status == PassStatus::Refused) ++refused;
    if (o.status == PassStatus::Failed) ++failed;
    if (o.status == PassStatus::Interrupted) ++interrupted;
  }
  out += "\n" + std::to_string(report.passes.size()) +
         (report.passes.size() == 1 ? " policy" : " policies") + ": " +
         counted(total_matched, "records") + " expired";
  // A pass that ended before its count has no figure: its zeros are no count.
  if (uncounted) out += " (" + std::to_string(uncounted) + " not counted)";
  if (!report.dry_run) out += ", " + with_thousands(total_affected) + " acted on";
  out += ", " + std::to_string(refused) + " refused, " + std::to_string(failed) + " failed";
  // A pass stopped by a signal or by the throttle's max_wait did not fail: the next one goes on.
  if (interrupted) out += ", " + std::to_string(interrupted) + " interrupted";
  out += "\n";
  return out;
}

}  // namespace retentiond::daemon
