#include "daemon/reports/report_page.h"

#include <algorithm>
#include <chrono>

#include "daemon/reports/html_charts.h"
#include "daemon/reports/html_page.h"
#include "daemon/reports/register.h"
#include "daemon/reports/report_deadline.h"
#include "policies/planner.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

using policies::format_timestamp;
using policies::Language;
using policies::with_thousands;

// "3 mo", "10 d"; "3 mois", "10 j": short enough to stand under a bar.
std::string short_duration(const policies::Duration& d, Language l) {
  const std::string n = std::to_string(d.amount);
  switch (d.unit) {
    case policies::DurationUnit::Hour:
      return n + " h";
    case policies::DurationUnit::Day:
      return n + words(l, " d", " j");
    case policies::DurationUnit::Week:
      return n + words(l, " wk", " sem.");
    case policies::DurationUnit::Month:
      return n + words(l, " mo", " mois");
    case policies::DurationUnit::Year:
      return n + words(l, " y", d.amount == 1 ? " an" : " ans");
  }
  return n;
}

// What the store counts: "rows", "files", "users"; in French "lignes", "fichiers", ...
std::string unit_words(const std::string& unit, Language l) {
  if (l != Language::French) return unit;
  if (unit == "rows") return "lignes";
  if (unit == "files") return "fichiers";
  if (unit == "users") return "utilisateurs";
  return unit;
}

// "Apr" / "avr.": a month under a bar.
std::string short_month(unsigned month, Language l) {
  static constexpr const char* kEnglish[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr const char* kFrench[] = {"janv.", "févr.", "mars",  "avr.", "mai",  "juin",
                                            "juil.", "août",  "sept.", "oct.", "nov.", "déc."};
  if (month < 1 || month > 12) return "";
  return l == Language::French ? kFrench[month - 1] : kEnglish[month - 1];
}

std::string when_or(const std::optional<policies::TimePoint>& t, const std::string& none) {
  return t ? format_timestamp(*t) : none;
}

std::string title_of(const PageInput& in) {
  const Language l = in.language;
  const std::string at = format_timestamp(in.generated_at);
  switch (in.kind) {
    case PageKind::Plan:
      return words(l, "retentiond plan as of ", "retentiond : simulation au ") + at;
    case PageKind::Enforce:
      return words(l, "retentiond enforcement report as of ",
                   "retentiond : rapport d'exécution au ") +
             at;
    case PageKind::Status:
      break;
  }
  return words(l, "retentiond: are our retention promises kept? As of ",
               "retentiond : nos durées de conservation sont-elles tenues ? Au ") +
         at;
}

// As `retentiond status` counts it (and its exit status): no record overdue, and a scheduled
// policy enforced recently.
bool kept(const PolicyStatus& s) { return !s.error && s.overdue == 0 && !s.stale; }

std::string state_words(const PolicyStatus& s, Language l) {
  if (s.error)
    return words(l, "unknown (the store could not be read)", "inconnu (source illisible)");
  if (s.overdue > 0)
    return words(l, "broken: records overdue", "non tenue : enregistrements en retard");
  if (s.stale)
    return words(l, "not enforced in time: no recent pass (nothing overdue now)",
                 "non appliquée à temps : aucune exécution récente (rien en retard à présent)");
  return words(l, "kept", "tenue");
}

// The table of every policy's promise, first thing on the page.
std::string promises_table(const std::vector<PolicyFigures>& figures, Language l) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : figures) {
    const PolicyStatus& s = f.status;
    // A store that could not be read has its counts unknown, not 0.
    auto count = [&](long long n) { return s.error ? std::string("?") : with_thousands(n); };
    rows.push_back({f.policy->name, f.policy->store, state_words(s, l), count(s.overdue),
                    count(s.due), count(s.held),
                    when_or(s.promise_kept_at, words(l, "never recorded", "jamais enregistrée")),
                    s.last_pass ? s.last_outcome + " (" + format_timestamp(*s.last_pass) + ")"
                                : words(l, "none recorded", "aucune"),
                    when_or(s.next_pass, words(l, "when enforce is run", "à la main"))});
  }
  return html_table(
      words(l, "Promises", "Engagements"),
      {words(l, "Policy", "Règle"), words(l, "Store", "Source"), words(l, "Promise", "Engagement"),
       words(l, "Overdue", "En retard"), words(l, "Due", "Échus"), words(l, "Held", "Gelés"),
       words(l, "Last kept", "Dernière tenue"), words(l, "Last pass", "Dernière exécution"),
       words(l, "Next pass", "Prochaine exécution")},
      rows, {3, 4, 5});
}

// The table of plan's or enforce's passes (the report's own figures).
// The outcome and the action in the page's language (the English words are the other forms').
std::string outcome_words(PassStatus s, Language l) {
  switch (s) {
    case PassStatus::Planned:
      return words(l, "planned", "simulée");
    case PassStatus::Ok:
      return words(l, "ok", "réussie");
    case PassStatus::Refused:
      return words(l, "refused", "refusée");
    case PassStatus::Failed:
      return words(l, "failed", "échouée");
    case PassStatus::Interrupted:
      return words(l, "interrupted", "interrompue");
  }
  return std::string(status_name(s));
}

std::string action_cell(policies::Action a, Language l) {
  return a == policies::Action::Delete ? words(l, "delete", "suppression")
                                       : words(l, "anonymise", "anonymisation");
}

std::string passes_table(const Report& r, Language l) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& o : r.passes) {
    std::vector<std::string> row{o.policy,
                                 o.store,
                                 action_cell(o.action, l),
                                 format_timestamp(o.cutoff.cutoff),
                                 matched_figure(o),
                                 with_thousands(o.plan.held),
                                 o.plan.oldest ? format_timestamp(*o.plan.oldest) : "-"};
    if (!r.dry_run) row.push_back(affected_figure(o));
    row.push_back(outcome_words(o.status, l));
    rows.push_back(std::move(row));
  }
  std::vector<std::string> headers{
      words(l, "Policy", "Règle"),      words(l, "Store", "Source"),
      words(l, "Action", "Action"),     words(l, "Cut-off", "Date limite"),
      words(l, "Matched", "Échus"),     words(l, "Held", "Gelés"),
      words(l, "Oldest", "Plus ancien")};
  if (!r.dry_run) headers.push_back(words(l, "Affected", "Traités"));
  headers.push_back(words(l, "Outcome", "Résultat"));
  return html_table(r.dry_run ? words(l, "This plan", "Cette simulation")
                              : words(l, "This pass", "Cette exécution"),
                    headers, rows,
                    r.dry_run ? std::vector<size_t>{4, 5} : std::vector<size_t>{4, 5, 7});
}

std::string promise_section(const PolicyFigures& f, Language l) {
  const PolicyStatus& s = f.status;
  std::string out = "<p class=\"" + std::string(kept(s) ? "state-kept" : "state-broken") + "\">" +
                    html_escape(words(l, "Promise: ", "Engagement : ") + state_words(s, l));
  if (s.overdue > 0 && s.oldest_overdue)
    out += html_escape(
        words(l, "; oldest overdue record dated ", " ; le plus ancien en retard date du ") +
        format_timestamp(*s.oldest_overdue));
  out += ".</p>\n";
  if (s.error) out += "<p>" + html_escape(*s.error) + "</p>\n";
  return out;
}

std::string histogram(const PolicyFigures& f, Language l) {
  const AgeProfile& a = f.ages;
  std::string out =
      "<h3>" + html_escape(words(l, "Age of the records", "Âge des enregistrements")) + "</h3>\n";
  if (a.error)
    return out + "<p>" + html_escape(words(l, "No figures: ", "Pas de chiffres : ") + *a.error) +
           "</p>\n";
  BarChart chart;
  chart.title =
      words(l, "Records by age (", "Enregistrements par âge (") + unit_words(a.unit, l) + ")";
  chart.label_header = words(l, "Age", "Âge");
  chart.count_header = words(l, "Records", "Enregistrements");
  for (size_t i = 0; i < a.bins.size(); ++i) {
    ChartBar bar;
    bar.label = age_label(a.bins[i], l);
    bar.count = a.bins[i].count;
    bar.highlight = a.bins[i].past_promise;
    chart.bars.push_back(std::move(bar));
    if (a.bins[i].past_promise && !chart.line_before) chart.line_before = i;
  }
  chart.line_label =
      words(l, "expiry: ", "échéance : ") + policies::duration_words(f.policy->expire_after, l);
  out += bar_chart(chart);
  out +=
      "<p>" +
      html_escape(words(l, "Bars right of the dashed line are past the promise of ",
                        "Les barres à droite du trait pointillé ont dépassé la durée promise de ") +
                  policies::duration_words(f.policy->expire_after, l) +
                  words(l, " (held records included). Without a usable date (kept, not shown): ",
                        " (enregistrements gelés compris). Sans date utilisable (conservés, non "
                        "représentés) : ") +
                  with_thousands(a.undated) + ".") +
      "</p>\n";
  return out;
}

std::string forecast(const PolicyFigures& f, Language l) {
  const AgeProfile& a = f.ages;
  if (a.error) return "";
  BarChart chart;
  chart.title = words(l, "Records expiring in each of the next 12 months (",
                      "Enregistrements arrivant à échéance chacun des 12 prochains mois (") +
                unit_words(a.unit, l) + ")";
  chart.label_header = words(l, "Month ending", "Mois finissant le");
  chart.count_header = words(l, "Records", "Enregistrements");
  // Under each bar the day its month ends ("1 Apr"), with the year under the first and at each
  // new year; the full date for the title, the aria-label and the table.
  int shown_year = 0;
  for (const auto& m : a.forecast) {
    const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(m.until)};
    const int year = static_cast<int>(day.year());
    ChartBar bar;
    bar.label = std::to_string(static_cast<unsigned>(day.day())) + " " +
                short_month(static_cast<unsigned>(day.month()), l);
    bar.count = m.count;
    if (year != shown_year) bar.sublabel = std::to_string(year);
    shown_year = year;
    bar.long_label = policies::long_date(m.until, l);
    chart.bars.push_back(std::move(bar));
  }
  return "<h3>" + html_escape(words(l, "Forecast", "Prévision")) + "</h3>\n" + bar_chart(chart);
}

std::string last_passes(const PolicyFigures& f, Language l) {
  std::string out =
      "<h3>" + html_escape(words(l, "Last passes", "Dernières exécutions")) + "</h3>\n";
  if (f.last_passes.empty())
    return out + "<p>" +
           html_escape(words(l, "No pass recorded.", "Aucune exécution enregistrée.")) + "</p>\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : f.last_passes) {
    std::string outcome = e.outcome;
    if (!e.error_class.empty() && e.error_class != e.outcome) outcome += " (" + e.error_class + ")";
    rows.push_back({format_timestamp(e.finished), outcome, format_timestamp(e.cutoff),
                    with_thousands(e.matched), with_thousands(e.held), with_thousands(e.affected)});
  }
  return out + html_table(words(l, "Last passes, newest first (audit trail)",
                                "Dernières exécutions, la plus récente d'abord (journal d'audit)"),
                          {words(l, "Finished (UTC)", "Fin (UTC)"), words(l, "Outcome", "Résultat"),
                           words(l, "Cut-off", "Date limite"), words(l, "Matched", "Échus"),
                           words(l, "Held", "Gelés"), words(l, "Affected", "Traités")},
                          rows, {3, 4, 5});
}

std::string register_text(const policies::Policy& p, Language l) {
  std::string out = "<h3>" + html_escape(words(l, "Register", "Registre")) + "</h3>\n";
  const std::vector<std::string> headers = register_headers(l);
  for (const auto& row : register_rows({&p}, l)) {
    const std::vector<std::string> cells = register_cells(row);
    out += "<dl class=\"register\">";
    for (size_t i = 0; i < headers.size() && i < cells.size(); ++i)
      if (!cells[i].empty())
        out += "<dt>" + html_escape(headers[i]) + "</dt><dd>" + html_escape(cells[i]) + "</dd>";
    out += "</dl>\n";
  }
  return out;
}

// What plan or enforce found for the policy: its rule and deadline, counts, warnings, the
// samples asked for, the statements. Technical detail, in English like the other formats.
std::string pass_detail(const PassOutcome& o, const Report& r, const policies::Config& config,
                        Language l) {
  const policies::Policy* p = config.policy(o.policy);
  std::string out = "<h3>" +
                    html_escape(r.dry_run ? words(l, "This plan", "Cette simulation")
                                          : words(l, "This pass", "Cette exécution")) +
                    "</h3>\n";
  if (p) {
    out += "<p>Rule: " +
           html_escape(action_words(*p) + " of " + target_words(*p) + " whose " + basis_words(*p) +
                       " is before " + format_timestamp(o.cutoff.cutoff) + " (" +
                       p->expire_after.words() + ")") +
           "</p>\n";
    const PolicyDeadline d = policy_deadline(*p, o, r.dry_run);
    out += "<p>Deadline: " +
           html_escape(d.words + (d.moved_words.empty() ? "" : "; " + d.moved_words)) + "</p>\n";
  }
  const std::string about = matched_estimated(o) ? "about " : "";
  const std::string selected =
      counts_made(o) ? "Selected: " + about + policies::counted(o.plan.total, o.plan.unit) +
                           "; expired: " + about + with_thousands(o.plan.matched) +
                           "; held: " + with_thousands(o.plan.held)
                     : std::string("Selected: not counted: the pass ended before its count");
  out += "<p>" +
         html_escape(selected + (r.dry_run ? "" : "; affected: " + affected_figure(o)) +
                     "; outcome: " + std::string(status_name(o.status))) +
         "</p>\n";
  if (!o.throttle.empty()) out += "<p>Throttle: " + html_escape(o.throttle) + "</p>\n";
  if (const std::string waited = waited_words(o); !waited.empty())
    out += "<p>Waited: " + html_escape(waited) + "</p>\n";
  else if (!o.throttle.empty() && !r.dry_run)
    out += "<p>Waited: none</p>\n";
  if (p)
    for (size_t i = 0; i < p->also_stores.size(); ++i)
      out += "<p>Also " + html_escape(also_store_line(o, *p, i, config, r.dry_run)) + "</p>\n";
  for (const auto& step : o.plan.partitions)
    out += "<p>Partition: " + html_escape(partition_words(step)) + "</p>\n";
  for (const auto& w : o.plan.warnings)
    out += "<p><strong>Warning:</strong> " + html_escape(w) + "</p>\n";
  // Keys are personal data: only when plan's --samples asked for them.
  if (r.samples > 0) {
    out += "<p>Samples:" + std::string(o.plan.samples.empty() ? " none" : "") + "</p>\n";
    if (!o.plan.samples.empty()) {
      out += "<ul>\n";
      for (const auto& s : o.plan.samples) out += "<li><code>" + html_escape(s) + "</code></li>\n";
      out += "</ul>\n";
    }
  }
  if (!o.plan.statements.empty()) {
    out += "<pre>";
    for (const auto& s : o.plan.statements) out += html_escape(s) + "\n";
    out += "</pre>\n";
  }
  return out;
}

}  // namespace

std::string promise_summary(const std::vector<PolicyFigures>& figures, Language l) {
  std::vector<PolicyStatus> statuses;
  for (const auto& f : figures) statuses.push_back(f.status);
  return promise_summary(statuses, l);
}

std::string promise_summary(const std::vector<PolicyStatus>& statuses, Language l) {
  long long kept_count = 0, overdue = 0, unknown = 0, stale = 0;
  for (const auto& s : statuses) {
    if (s.error)
      ++unknown;
    else if (s.overdue > 0)
      ++overdue;
    else if (s.stale)
      ++stale;
    else
      ++kept_count;
  }
  const std::string n = std::to_string(statuses.size()), k = std::to_string(kept_count);
  std::string out =
      l == Language::French
          ? k + (kept_count > 1 ? " promesses tenues sur " : " promesse tenue sur ") + n
          : k + " of " + n + (statuses.size() == 1 ? " promise kept" : " promises kept");
  if (overdue > 0)
    out += words(l, "; ", " ; ") + std::to_string(overdue) + words(l, " overdue", " en retard");
  if (stale > 0)
    out += words(l, "; ", " ; ") + std::to_string(stale) +
           words(l, " without a recent pass", " sans exécution récente");
  if (unknown > 0)
    out += words(l, "; ", " ; ") + std::to_string(unknown) + words(l, " unknown", " inconnue") +
           (l == Language::French && unknown > 1 ? "s" : "");
  return out;
}

std::string age_label(const AgeBin& bin, Language l) {
  if (!bin.to) return short_duration(bin.from, l) + words(l, " or more", " ou plus");
  // "0–3 mo": the unit once when both bounds share it.
  if (bin.from.unit == bin.to->unit || bin.from.amount == 0)
    return std::to_string(bin.from.amount) + "–" + short_duration(*bin.to, l);
  return short_duration(bin.from, l) + "–" + short_duration(*bin.to, l);
}

std::string render_report_page(const PageInput& in, const policies::Config& config) {
  const Language l = in.language;
  std::string body =
      "<p class=\"meta\">" +
      html_escape(
          words(l, "Times are UTC.", "Heures en UTC.") +
          (in.kind == PageKind::Plan
               ? words(l, " Dry run: nothing was changed.", " Simulation : rien n'a été modifié.")
               : "") +
          words(l, " Counts only: this page holds no personal data",
                " Des comptes seulement : cette page ne contient aucune "
                "donnée personnelle") +
          (in.report && in.report->samples > 0
               ? words(l, ", except the samples asked for.", ", hormis les échantillons demandés.")
               : ".")) +
      "</p>\n";
  const std::vector<PolicyFigures> none;
  const std::vector<PolicyFigures>& figures = in.figures ? *in.figures : none;
  if (!figures.empty()) {
    bool broken = false;
    for (const auto& f : figures) broken = broken || !kept(f.status);
    body += "<p class=\"summary" + std::string(broken ? " broken" : "") + "\">" +
            html_escape(promise_summary(figures, l)) + "</p>\n" + promises_table(figures, l);
  }
  if (in.report) body += passes_table(*in.report, l);
  // One section per policy: its figures when gathered, else the report's order.
  std::vector<std::string> names;
  for (const auto& f : figures) names.push_back(f.policy->name);
  if (in.report)
    for (const auto& o : in.report->passes)
      if (std::find(names.begin(), names.end(), o.policy) == names.end()) names.push_back(o.policy);
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string id = "policy-" + std::to_string(i + 1);
    const policies::Policy* p = config.policy(names[i]);
    body += "<section aria-labelledby=\"" + id + "\">\n<h2 id=\"" + id + "\">" +
            html_escape(names[i]) + "</h2>\n";
    // The promise in the page's language when the policy words it there (`register:`), else
    // its description.
    if (p) {
      const policies::RegisterText* text = p->register_entry ? p->register_entry->in(l) : nullptr;
      const std::string& promise =
          text && !text->description.empty() ? text->description : p->description;
      if (!promise.empty()) body += "<p>" + html_escape(promise) + "</p>\n";
    }
    for (const auto& f : figures)
      if (f.policy->name == names[i])
        body += promise_section(f, l) + histogram(f, l) + forecast(f, l) + last_passes(f, l);
    if (in.report)
      for (const auto& o : in.report->passes)
        if (o.policy == names[i]) body += pass_detail(o, *in.report, config, l);
    if (p) body += register_text(*p, l);
    body += "</section>\n";
  }
  return html_page(title_of(in), l, body);
}

std::string render_html(const Report& report, const policies::Config& config) {
  PageInput in;
  in.kind = report.dry_run ? PageKind::Plan : PageKind::Enforce;
  in.generated_at = report.generated_at;
  in.language = report.language;
  in.figures = &report.figures;
  in.report = &report;
  return render_report_page(in, config);
}

}  // namespace retentiond::daemon
