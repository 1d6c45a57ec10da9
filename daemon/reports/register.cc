#include "daemon/reports/register.h"

#include <algorithm>
#include <cctype>

#include "daemon/reports/html_page.h"
#include "daemon/reports/report.h"
#include "policies/deadline.h"

namespace retentiond::daemon {
namespace {

using Lang = policies::Language;

bool french(Lang l) { return l == Lang::French; }

// The starting event when the policy's `register:` names none: said from its basis.
std::string default_event(const policies::Policy& p, Lang l) {
  using Kind = policies::Basis::Kind;
  switch (p.since.kind) {
    case Kind::Mtime:
      return french(l) ? "la dernière modification du fichier" : "the file's last modification";
    case Kind::NameDate:
      return french(l) ? "la date inscrite dans le nom du fichier" : "the date in the file name";
    case Kind::Target:
      if (p.sympa_target == "unsubscribed_users")
        return french(l) ? "la désinscription de toutes les listes"
                         : "unsubscribing from every list";
      return french(l) ? "la date de l'enregistrement" : "the record's date";
    case Kind::Columns:
      break;
  }
  // "the latest of a, b or c", then the fallback dates: ", or when unknown, the date d".
  auto dates = [&](bool fallback) {
    std::vector<std::string> names;
    for (const auto& t : p.since.terms)
      if (t.fallback == fallback) names.push_back(t.column);
    std::string columns;
    for (size_t i = 0; i < names.size(); ++i) {
      if (i)
        columns += french(l) ? (i + 1 == names.size() ? " ou " : ", ")
                             : (i + 1 == names.size() ? " or " : ", ");
      columns += names[i];
    }
    if (names.size() > 1)
      return french(l) ? "la plus récente des dates " + columns : "the latest of " + columns;
    return french(l) ? "la date " + columns : "the date " + columns;
  };
  const bool any_fallback = std::any_of(p.since.terms.begin(), p.since.terms.end(),
                                        [](const auto& t) { return t.fallback; });
  if (!any_fallback) return dates(false);
  return dates(false) + (french(l) ? ", ou à défaut " : ", or when unknown ") + dates(true);
}

// Without the policy's `at_expiry` words. The anonymised columns are not listed: their names are
// the store's, not words to publish.
std::string action_words(const policies::Policy& p, Lang l) {
  if (p.action == policies::Action::Delete) return french(l) ? "suppression" : "deleted";
  return french(l) ? "anonymisation" : "anonymised";
}

std::string notice_words(const policies::Policy& p, Lang l) {
  if (!p.notify) return "";
  std::string d = policies::duration_words(p.notify->before, l);
  return french(l) ? "avis par e-mail " + d + " avant" : "e-mail notice " + d + " before";
}

// " from EVENT", or in French " à compter de EVENT" with de + le / les contracted.
std::string from_event(const std::string& event, Lang l) {
  if (!french(l)) return " from " + event;
  if (event.rfind("le ", 0) == 0) return " à compter du " + event.substr(3);
  if (event.rfind("les ", 0) == 0) return " à compter des " + event.substr(4);
  return " à compter de " + event;
}

// Whether `wording` states `words` ("1 an") as such: not inside "11 ans" or "1 année".
bool states(const std::string& wording, const std::string& words) {
  auto letter_or_digit = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t at = wording.find(words); at != std::string::npos; at = wording.find(words, at + 1)) {
    const size_t end = at + words.size();
    if ((at == 0 || !letter_or_digit(wording[at - 1])) &&
        (end == wording.size() || !letter_or_digit(wording[end])))
      return true;
  }
  return false;
}

// The retention cell: the policy's `duration` words followed by the enforced duration unless
// they state it ("une dizaine de jours (10 jours)"), else "<N units> from <event>".
std::string retention_words(const policies::Policy& p, const policies::RegisterText* t, Lang l) {
  const std::string enforced = policies::duration_words(p.expire_after, l);
  if (t && !t->duration.empty())
    return states(t->duration, enforced) ? t->duration : t->duration + " (" + enforced + ")";
  const std::string event = t && !t->event.empty() ? t->event : default_event(p, l);
  return enforced + from_event(event, l);
}

}  // namespace

// When the record is acted on, against the end of its retention: the deadline rules of
// policies/deadline.h in words. "at most 8 days after" (a weekly schedule, daylight saving
// included, rounded up to whole days or hours), "before it ends" (deadline: strict), "when the
// operator runs enforce" (no schedule).
std::string lateness_in_words(const policies::Policy& p, Lang l) {
  const auto gap = policies::schedule_lateness(p, policies::now_utc());
  if (!gap) return french(l) ? "lors d'une exécution manuelle" : "when the operator runs it";
  if (p.deadline == policies::Deadline::Strict)
    return french(l) ? "avant l'échéance" : "before it ends";
  const long long s = gap->count();
  const long long days = (s + 86399) / 86400, hours = (s + 3599) / 3600;
  std::string amount;
  if (hours > 48)
    amount = std::to_string(days) +
             (french(l) ? (days > 1 ? " jours" : " jour") : (days > 1 ? " days" : " day"));
  else
    amount = std::to_string(hours) +
             (french(l) ? (hours > 1 ? " heures" : " heure") : (hours > 1 ? " hours" : " hour"));
  return (french(l) ? "au plus " : "at most ") + amount +
         (french(l) ? " après l'échéance" : " after it ends");
}

std::vector<RegisterRow> register_rows(const std::vector<const policies::Policy*>& policies,
                                       Lang l) {
  std::vector<RegisterRow> rows;
  for (const auto* p : policies) {
    const policies::RegisterText* t =
        p->register_entry ? &p->register_entry->for_language(l) : nullptr;
    RegisterRow base;
    base.purpose = t ? t->purpose : "";
    base.legal_basis = t ? t->legal_basis : "";
    base.retention = retention_words(*p, t, l);
    base.action = t && !t->at_expiry.empty() ? t->at_expiry : action_words(*p, l);
    base.acted = lateness_in_words(*p, l);
    base.notice = notice_words(*p, l);
    base.source = p->source;
    base.policy = p->name;
    if (t && !t->data.empty()) {
      for (const auto& d : t->data) {
        RegisterRow row = base;
        row.data = d;
        rows.push_back(row);
      }
    } else {
      base.data = t && !t->description.empty() ? t->description
                  : p->description.empty()     ? p->name
                                               : p->description;
      rows.push_back(base);
    }
  }
  return rows;
}

std::vector<std::string> register_headers(Lang l) {
  if (french(l))
    return {"Données", "Finalité", "Base légale", "Durée de conservation", "À l'échéance", "Délai",
            "Préavis", "Source",   "Règle"};
  return {"Data", "Purpose", "Legal basis", "Retention", "At the end",
          "When", "Notice",  "Source",      "Policy"};
}

std::vector<std::string> register_cells(const RegisterRow& r) {
  return {r.data,  r.purpose, r.legal_basis, r.retention, r.action,
          r.acted, r.notice,  r.source,      r.policy};
}

std::string render_register(const std::vector<RegisterRow>& rows, RegisterFormat format, Lang l) {
  const std::vector<std::string> headers = register_headers(l);
  auto cells = register_cells;
  const std::string title = french(l) ? "Durées de conservation" : "Retention periods";
  std::string out;
  switch (format) {
    case RegisterFormat::Markdown: {
      out = "# " + title + "\n\n";
      if (rows.empty()) return out + (french(l) ? "Aucune règle.\n" : "No policy.\n");
      out += "|";
      for (const auto& h : headers) out += " " + h + " |";
      out += "\n|";
      for (size_t i = 0; i < headers.size(); ++i) out += "---|";
      out += "\n";
      for (const auto& r : rows) {
        out += "|";
        for (const auto& c : cells(r))
          out += " " + (c.empty() ? std::string("—") : markdown_cell(c)) + " |";
        out += "\n";
      }
      return out;
    }
    case RegisterFormat::Html: {
      // The shared page style; the data cell stays a plain cell, as the published table has it.
      if (rows.empty())
        return html_page(
            title, l, "<p>" + std::string(french(l) ? "Aucune règle." : "No policy.") + "</p>\n");
      std::vector<std::vector<std::string>> table;
      for (const auto& r : rows) table.push_back(cells(r));
      return html_page(title, l,
                       html_table("", headers, table, {}, "register", /*row_headers=*/false));
    }
    case RegisterFormat::Text: {
      out = title + "\n\n";
      for (const auto& r : rows) {
        auto c = cells(r);
        out += one_line(c[0]) + "\n";
        for (size_t i = 1; i < headers.size(); ++i)
          // French puts a (non-breaking) space before the colon.
          if (!c[i].empty())
            out += "  " + headers[i] + (french(l) ? "\u00a0: " : ": ") + one_line(c[i]) + "\n";
        out += "\n";
      }
      return out;
    }
  }
  return out;
}

}  // namespace retentiond::daemon
