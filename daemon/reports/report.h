// The report `plan` and `enforce` print: what each policy matched, why (cut-off and basis),
// what was or would be done, with the exact statements. Never contains record values.
// JSON field names are part of the command-line contract (see docs/reports.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/engine/pass.h"
#include "daemon/reports/html_page.h"
#include "daemon/reports/report_figures.h"
#include "policies/language.h"
#include "policies/policy.h"

namespace retentiond::daemon {

enum class ReportFormat { Text, Json, Markdown, Html };
std::optional<ReportFormat> parse_report_format(std::string_view text);

struct Report {
  policies::TimePoint generated_at;  // the pass's moment (`--at`, or now)
  bool dry_run = true;
  std::vector<PassOutcome> passes;
  long long samples = 0;  // plan --samples N: each policy's report lists its samples
  // For the HTML page only: each policy's figures (its promise, ages, forecast, last passes;
  // none when not gathered) and the page's language. The other formats ignore them.
  std::vector<PolicyFigures> figures;
  policies::Language language = policies::Language::English;
};

// The report in `format`: valid UTF-8 without control characters other than newlines and tabs
// (see policies/printable.h), whatever bytes the configuration, the stores or the file names hold.
std::string render_report(const Report& report, const policies::Config& config,
                          ReportFormat format);

// Shared by the renderers.
std::string render_text(const Report& report, const policies::Config& config);
std::string render_json(const Report& report, const policies::Config& config);
std::string render_markdown(const Report& report, const policies::Config& config);
std::string render_html(const Report& report, const policies::Config& config);

// Text as written, in Markdown (a table cell or a line): every character Markdown could read as
// markup (emphasis, links, HTML tags, entities, '|') backslash-escaped, newlines flattened; for
// HTML, see html_page.h.
std::string markdown_cell(const std::string& text);
// markdown_cell's text as a paragraph of its own: a leading block marker (indentation, '-', '+',
// '=', "1.") written as text too.
std::string markdown_paragraph(const std::string& text);
// Text on one line (newlines flattened): a value in a plain-text listing.
std::string one_line(const std::string& text);

// What a record is dated by, after "whose": "last_sign_in_at or created_at (the latest known)",
// "modification time", "date in the file name (...)", ...
std::string basis_words(const policies::Policy& policy);
// "delete rows" / "anonymise rows" / "delete files".
std::string action_words(const policies::Policy& policy);
// What the policy selects: "table decidim_users", "files */access.log-*", "Sympa logs".
std::string target_words(const policies::Policy& policy);
// One partition of a `partitions:` policy, for people: "drop "public"."log_2027_01" FROM
// ('2027-01-01') TO ('2027-02-01'), about 1,000 rows (estimate)".
std::string partition_words(const connectors::PartitionStep& step);
// Whether a count includes the statistics' estimate of a whole partition's rows (a large
// partition that went whole uncounted): the plan's matched records, the pass's affected ones.
// The reports then say "about".
bool matched_estimated(const PassOutcome& o);
bool affected_estimated(const PassOutcome& o);
// The counts as the report tables show them: "about 1,271,059" when estimated.
std::string matched_figure(const PassOutcome& o);
// Whether the pass made its counts: not one that ended before (a store it could not reach, a
// stop, the throttle's max_wait), whose zeros would read as "nothing expired".
bool counts_made(const PassOutcome& o);
std::string affected_figure(const PassOutcome& o);
// The time an enforcing pass waited for its store's throttle, in whole seconds rounded as in the
// JSON report and the audit trail: "12 s for the throttle (replica-lag 12 s)"; "" under 1 s.
std::string waited_words(const PassOutcome& o);

// What another store does for the policy's `also:` rule number `rule` (Policy::also_stores) in
// pass `o`, counts only: "in store 'lists' (sympa): unsubscribe the e-mail addresses (column
// email) of the 3 rows from list pic-adherents", and for enforce what it removed.
std::string also_store_line(const PassOutcome& o, const policies::Policy& policy, size_t rule,
                            const policies::Config& config, bool dry_run);

}  // namespace retentiond::daemon
