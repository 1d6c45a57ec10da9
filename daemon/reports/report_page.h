// The HTML report a data-protection officer reads: `plan`, `enforce` and `status` with
// `--format html`. One self-contained page (html_page.h): whether each promise is kept, then per
// policy the age of its records against the promise, the next 12 months' expiries, its last
// passes, its register text and, for plan and enforce, what the pass found and did. Counts only:
// record keys appear only when plan's --samples asks for them.
#pragma once

#include <string>
#include <vector>

#include "daemon/reports/report.h"
#include "daemon/reports/report_figures.h"
#include "policies/language.h"

namespace retentiond::daemon {

enum class PageKind { Plan, Enforce, Status };

struct PageInput {
  PageKind kind = PageKind::Status;
  policies::TimePoint generated_at;
  policies::Language language = policies::Language::English;
  const std::vector<PolicyFigures>* figures = nullptr;  // none: no promise or chart sections
  const Report* report = nullptr;                       // plan and enforce: their passes
};

// The page. Names, descriptions and messages are escaped here; the caller makes the text
// printable (policies/printable.h) like every report.
std::string render_report_page(const PageInput& input, const policies::Config& config);

// "4 of 5 promises kept; 1 overdue" (kept: nothing overdue), "; 1 unknown" for a store that could
// not be read; in French "4 promesses tenues sur 5 ; 1 en retard".
std::string promise_summary(const std::vector<PolicyFigures>& figures, policies::Language language);
std::string promise_summary(const std::vector<PolicyStatus>& statuses, policies::Language language);

// A histogram bar's label: "0–3 mo", "42 mo or more"; in French "0–3 mois", "42 mois ou plus".
std::string age_label(const AgeBin& bin, policies::Language language);

}  // namespace retentiond::daemon
