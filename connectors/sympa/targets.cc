#include "connectors/sympa/targets.h"

#include <filesystem>

namespace retentiond::connectors::sympa {
namespace {

namespace fs = std::filesystem;

constexpr TableTarget kTables[] = {
    // The action log (logs_table has no primary key: batches go by whole seconds of date_logs).
    {"logs", "logs_table", "date_logs", "date_logs"},
    // Subscription and message statistics (stat_table: no primary key either).
    {"stats", "stat_table", "date_stat", "date_stat"},
    // Web sessions, by their last use.
    {"sessions", "session_table", "id_session", "date_session"},
    // Confirmation and password-reset tickets, by creation.
    {"one_time_tickets", "one_time_ticket_table", "ticket_one_time_ticket", "date_one_time_ticket"},
    // Delivery and read notifications (DSN/MDN tracking), by their last update.
    {"notifications", "notification_table", "pk_notification", "date_notification"},
};

// Path of `dir` relative to `root`, or nullopt when it is not inside.
std::optional<std::string> inside(const fs::path& root, const fs::path& dir) {
  fs::path r = root.lexically_normal(), d = dir.lexically_normal();
  auto rel = d.lexically_relative(r);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  std::string text = rel.generic_string();
  while (!text.empty() && text.back() == '/') text.pop_back();
  if (text == ".") text.clear();
  return text;
}

}  // namespace

const TableTarget* table_target(std::string_view name) {
  for (const auto& t : kTables)
    if (t.name == name) return &t;
  return nullptr;
}

std::optional<FilesTarget> files_target(std::string_view name, const SympaConf& conf) {
  FilesTarget t;
  if (name == "archives") {
    // <arc_path>/<list>@<robot>/<YYYY-MM>/arctxt/<n> (the raw messages) and the HTML views
    // beside them: everything filed under a month directory.
    t.root = conf.value("arc_path", sympa_default("arc_path"));
    t.globs = {"*/[0-9][0-9][0-9][0-9]-[0-9][0-9]/**"};
    t.month_in_path = true;
    return t;
  }
  if (name == "bounces") {
    // <bounce_path>/<list>@<robot>/<address>[_<envelope id>]: the last bounce of each address.
    t.root = conf.value("bounce_path", sympa_default("bounce_path"));
    t.globs = {"*/*"};
    return t;
  }
  if (name == "spools") {
    // Messages that stay behind in Sympa's spools: the quarantine (bad/) of each spool Sympa
    // reads, held messages waiting for a moderator or a confirmation, and temporary files. Never
    // the task, digest or outgoing spools, whose files are Sympa's work in progress.
    t.root = conf.value("spool", sympa_default("spool"));
    struct Part {
      const char* parameter;
      const char* glob;
    };
    const Part parts[] = {
        {"queue", "bad/**"},      {"queuebounce", "bad/**"}, {"queueautomatic", "bad/**"},
        {"queuebulk", "bad/**"},  {"queuemod", "**"},        {"queueauth", "**"},
        {"queuesubscribe", "**"}, {"queuetopic", "**"},      {"tmpdir", "**"},
    };
    // Every spool directory, those never touched included: a whole-directory part ("**") that
    // is the spool root, another spool, or holds one would take Sympa's work in progress with
    // it (a tmpdir set to the spool root, or to the incoming queue), so it is left alone.
    const char* const all[] = {"queue",    "queuebounce", "queueautomatic", "queuebulk",
                               "queuemod", "queueauth",   "queuesubscribe", "queuetopic",
                               "tmpdir",   "queuedigest", "queueoutgoing",  "queuetask"};
    auto dir_of = [&](const char* parameter) {
      return fs::path(conf.value(parameter, sympa_default(parameter))).lexically_normal();
    };
    for (const auto& p : parts) {
      const std::string dir = conf.value(p.parameter, sympa_default(p.parameter));
      auto rel = inside(t.root, dir);
      if (!rel) {
        t.notes.push_back(std::string(p.parameter) + " (" + dir +
                          ") is outside the spool directory " + t.root + " and is left alone");
        continue;
      }
      if (std::string_view(p.glob) == "**") {
        std::string clash = rel->empty() ? "is the spool directory itself" : "";
        for (const char* other : all) {
          if (!clash.empty()) break;
          if (std::string_view(other) == p.parameter) continue;
          const fs::path o = dir_of(other);
          if (o == dir_of(p.parameter))
            clash = "is also " + std::string(other);
          else if (inside(dir_of(p.parameter), o).has_value())
            clash = "holds " + std::string(other) + " (" + o.string() + ")";
        }
        if (!clash.empty()) {
          t.notes.push_back(std::string(p.parameter) + " (" + dir + ") " + clash +
                            ", whose files are Sympa's work in progress: it is left alone");
          continue;
        }
      }
      t.globs.push_back(rel->empty() ? p.glob : *rel + "/" + p.glob);
    }
    return t;
  }
  return std::nullopt;
}

policies::Policy table_policy(const policies::Policy& policy, const TableTarget& target) {
  policies::Policy p = policy;
  p.table = policies::QualifiedName{"", std::string(target.table)};
  p.table_location = policy.sympa_target_location;
  p.key = std::string(target.key);
  p.key_location = policy.sympa_target_location;
  p.key_unique = target.key != target.date_column;
  policies::BasisTerm term;
  term.column = std::string(target.date_column);
  term.format = policies::DateFormat::Epoch;
  term.location = policy.sympa_target_location;
  p.since.kind = policies::Basis::Kind::Columns;
  p.since.terms = {term};
  p.since.location = policy.sympa_target_location;
  return p;
}

policies::Policy files_policy(const policies::Policy& policy, const FilesTarget& target) {
  policies::Policy p = policy;
  p.files = target.globs;
  p.files_location = policy.sympa_target_location;
  if (target.month_in_path) {
    p.since.kind = policies::Basis::Kind::NameDate;
    p.since.name_date_format = "%Y-%m";
    p.since.name_date_in_path = true;
  } else {
    p.since.kind = policies::Basis::Kind::Mtime;
  }
  p.since.location = policy.sympa_target_location;
  return p;
}

}  // namespace retentiond::connectors::sympa
