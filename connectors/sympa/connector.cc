#include "connectors/sympa/connector.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <spdlog/spdlog.h>

#include "connectors/registry.h"
#include "connectors/sql/quote.h"
#include "connectors/sympa/subscriptions.h"
#include "connectors/sympa/targets.h"
#include "lib/crypto/hmac.h"

namespace retentiond::connectors::sympa {
namespace {

using policies::Diagnostic;
using policies::Severity;

// At most this many addresses go into one DELETE (bound values stay far below every server's
// limit on placeholders).
constexpr long long kMaxAddressesPerStatement = 500;

// The keyed hash an orphan is remembered by in the state file.
std::string address_hash(const std::string& key, const std::string& email) {
  return lib::hmac_sha256_hex(key, std::string("sympa-orphan") + '\0' + lower_case(email));
}

std::optional<long long> epoch(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  try {
    return std::stoll(*text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// A date column: outside the years 1 to 9999 it is no date (policies/timestamp.h), and the user
// is then dated by retentiond's own first sighting, as when Sympa recorded nothing.
std::optional<long long> date_epoch(const std::optional<std::string>& text) {
  auto e = epoch(text);
  if (e && !policies::usable_epoch(*e)) return std::nullopt;
  return e;
}

}  // namespace

SympaConnector::SympaConnector(const policies::StoreConfig& store, SightingBook* sightings)
    : store_(store), sightings_(sightings) {}

Result<void> SympaConnector::open(AccessMode mode) {
  mode_ = mode;
  db_.reset();
  tables_.reset();
  files_.clear();
  due_.clear();
  auto conf = read_sympa_conf(store_.path("config"), store_.name);
  if (!conf) return conf.error();
  conf_ = std::move(conf.value());
  auto database = database_store(*conf_, store_);
  if (!database) return database.error();
  database_store_ = database.value();
  auto db = SympaDatabase::connect(*database_store_, mode);
  if (!db) return db.error();
  db_ = std::move(db.value());
  tables_ = make_connector(*database_store_);
  if (auto opened = tables_->open(mode); !opened) return opened.error();
  return success();
}

Error SympaConnector::query_error(const Policy& policy, const std::string& what) const {
  return Error{ErrorKind::QueryFailed, error_prefix(store_.name, policy.name) + what};
}

Result<Connector*> SympaConnector::delegate(const Policy& policy, Policy& translated,
                                            std::vector<std::string>* notes) {
  if (const auto* table = table_target(policy.sympa_target)) {
    translated = table_policy(policy, *table);
    return tables_.get();
  }
  auto files = files_target(policy.sympa_target, *conf_);
  if (!files)
    return Error{ErrorKind::Config,
                 error_prefix(store_.name) + "unknown Sympa target '" + policy.sympa_target + "'"};
  translated = files_policy(policy, *files);
  if (notes) *notes = files->notes;
  auto& connector = files_[policy.sympa_target];
  if (!connector) {
    policies::StoreConfig tree;
    tree.name = store_.name;
    tree.type = "files";
    tree.location = store_.location;
    tree.options["root"] = policies::StoreOption{files->root, store_.location};
    auto made = make_connector(tree);
    if (auto opened = made->open(mode_); !opened) return opened.error();
    connector = std::move(made);
  }
  return connector.get();
}

Result<std::vector<Diagnostic>> SympaConnector::check(const Policy& policy) {
  if (policy.sympa_target == "unsubscribed_users") return check_orphans(policy);
  Policy translated;
  auto target = delegate(policy, translated);
  if (!target) {
    // A missing archive or spool directory is the policy's problem, not an unreachable store.
    return std::vector<Diagnostic>{
        {Severity::Error, policy.sympa_target_location, target.error().message}};
  }
  return target.value()->check(translated);
}

std::vector<Diagnostic> SympaConnector::check_orphans(const Policy& policy) {
  std::vector<Diagnostic> out;
  for (const char* table :
       {"user_table", "subscriber_table", "admin_table", "stat_table", "exclusion_table"}) {
    try {
      if (!db_->has_table(table))
        out.push_back({Severity::Error, policy.sympa_target_location,
                       std::string("Sympa's database (") + conf_->where("db_name") +
                           ") has no table '" + table + "'; is this Sympa 6.2?"});
    } catch (const DatabaseError& e) {
      out.push_back({Severity::Error, policy.sympa_target_location, e.what()});
    }
  }
  if (!out.empty()) return out;
  for (const auto& sql : {orphans_query(), delete_orphans_statement(1), users_count_query()})
    if (auto problem = db_->compile_error(sql))
      out.push_back({Severity::Error, policy.sympa_target_location,
                     "generated statement does not compile on Sympa's database: " + *problem});
  return out;
}

Result<PlanStats> SympaConnector::plan(const Policy& policy, const PassContext& ctx) {
  if (policy.sympa_target == "unsubscribed_users") return plan_orphans(policy, ctx);
  Policy translated;
  std::vector<std::string> notes;
  auto target = delegate(policy, translated, &notes);
  if (!target) return target.error();
  auto stats = target.value()->plan(translated, ctx);
  if (stats) stats->warnings.insert(stats->warnings.end(), notes.begin(), notes.end());
  return stats;
}

Result<long long> SympaConnector::reconcile(const Policy& policy, const PassContext& ctx,
                                            const BatchIntent& intent) {
  if (policy.sympa_target != "unsubscribed_users") {
    Policy translated;
    auto target = delegate(policy, translated);
    if (!target) return target.error();
    return target.value()->reconcile(translated, ctx, intent);
  }
  std::set<std::string> present;
  try {
    for (const auto& row : db_->query("SELECT email_user FROM user_table", {}))
      if (row[0]) present.insert(address_hash(ctx.anonymisation_key, *row[0]));
  } catch (const DatabaseError& e) {
    return query_error(policy, e.what());
  }
  long long gone = 0;
  for (const auto& hash : intent.items) gone += present.count(hash) ? 0 : 1;
  return gone;
}

Result<BatchResult> SympaConnector::apply_batch(const Policy& policy, const PassContext& ctx,
                                                const Cursor& from, long long limit) {
  if (policy.sympa_target == "unsubscribed_users") return delete_orphans(policy, ctx, from, limit);
  Policy translated;
  auto target = delegate(policy, translated);
  if (!target) return target.error();
  return target.value()->apply_batch(translated, ctx, from, limit);
}

Result<std::vector<SympaConnector::Orphan>> SympaConnector::orphans(const Policy& policy,
                                                                    const PassContext& ctx,
                                                                    long long& users) {
  std::vector<Row> rows;
  try {
    auto count = db_->query(users_count_query(), {});
    users = count.empty() ? 0 : epoch(count[0][0]).value_or(0);
    rows = db_->query(orphans_query(), {});
  } catch (const DatabaseError& e) {
    return query_error(policy, e.what());
  }
  const auto now = ctx.cutoff.now;
  std::map<std::string, policies::TimePoint> tracked;
  std::optional<policies::TimePoint> tracking_since;
  if (sightings_) {
    tracked = sightings_->load(policy.name);
    tracking_since = sightings_->tracking_since(policy.name);
  }
  std::vector<Orphan> out;
  std::map<std::string, policies::TimePoint> seen;
  for (const auto& row : rows) {
    if (!row[0]) continue;
    std::optional<long long> departed = date_epoch(row[1]), excluded = date_epoch(row[2]);
    if (!departed || (excluded && *excluded > *departed)) departed = excluded;
    OrphanRow orphan{*row[0], departed, date_epoch(row[3])};
    // Listmasters manage every list without being on one: never orphans.
    if (conf_->listmasters.count(lower_case(orphan.email))) continue;
    const std::string hash = address_hash(ctx.anonymisation_key, orphan.email);
    std::optional<policies::TimePoint> first_seen;
    if (auto it = tracked.find(hash); it != tracked.end()) first_seen = it->second;
    seen[hash] = first_seen.value_or(now);
    out.push_back({orphan.email, orphan_since(orphan, first_seen, tracking_since, now)});
  }
  // Remember this pass's orphans (and forget those that subscribed again or are gone).
  if (sightings_ && sightings_->writable()) {
    try {
      sightings_->save(policy.name, seen, now);
      recorded_[policy.name] = seen;
    } catch (const std::exception& e) {
      return Error{ErrorKind::Io,
                   error_prefix(store_.name, policy.name) +
                       "cannot record first sightings in the state file: " + e.what()};
    }
  }
  return out;
}

Result<PlanStats> SympaConnector::plan_orphans(const Policy& policy, const PassContext& ctx) {
  long long users = 0;
  auto found = orphans(policy, ctx, users);
  if (!found) return found.error();
  std::set<std::string> held;
  for (const auto& k : ctx.held_keys) held.insert(lower_case(k));
  PlanStats stats;
  stats.unit = "users";
  stats.total = users;
  long long waiting = 0;
  auto& due = due_[policy.name];
  due.clear();
  for (const auto& o : found.value()) {
    if (o.since > ctx.cutoff.now) ++stats.future;
    if (o.since >= ctx.cutoff.cutoff) {
      ++waiting;
      continue;
    }
    if (held.count(lower_case(o.email))) {
      ++stats.held;
      continue;
    }
    ++stats.matched;
    if (!stats.oldest || o.since < *stats.oldest) stats.oldest = o.since;
    due.push_back(o.email);
  }
  std::sort(due.begin(), due.end());
  for (const auto& email : due)
    if (static_cast<long long>(stats.samples.size()) < ctx.samples) stats.samples.push_back(email);
  stats.statements.push_back(
      orphans_query() + " -- users without any subscription or list role; listmasters (" +
      std::to_string(conf_->listmasters.size()) + " in sympa.conf and robot.conf) are left out");
  stats.statements.push_back(
      delete_orphans_statement(3) + " -- ? = the addresses of one batch (at most " +
      std::to_string(kMaxAddressesPerStatement) + ") whose orphan state began before " +
      policies::format_timestamp(ctx.cutoff.cutoff) +
      "; the statement re-checks that each is still an orphan");
  if (waiting > 0)
    stats.warnings.push_back(policies::counted(waiting, "users") + " without any subscription " +
                             (waiting == 1 ? "is" : "are") + " waiting out the retention period");
  if (!sightings_ || !sightings_->writable())
    stats.warnings.push_back(
        "orphans retentiond has not seen before count from now (or from Sympa's record of "
        "their departure); only enforce and serve remember when they were first seen");
  return stats;
}

Result<BatchResult> SympaConnector::delete_orphans(const Policy& policy, const PassContext& ctx,
                                                   const Cursor& from, long long limit) {
  if (!due_.count(policy.name)) {
    auto planned = plan_orphans(policy, ctx);
    if (!planned) return planned.error();
  }
  const auto& due = due_[policy.name];
  auto begin = due.begin();
  if (auto after = from.last_key())
    begin = std::upper_bound(due.begin(), due.end(), key_text(*after));
  const long long take = std::min<long long>(
      {limit, kMaxAddressesPerStatement, static_cast<long long>(due.end() - begin)});
  if (take <= 0) return BatchResult{0, from, true};
  std::vector<std::string> batch(begin, begin + take);
  long long affected = 0;
  // Announced by the keyed hashes of the addresses: reconcile() finds which are gone.
  auto announce = [&](long long changed) {
    if (!ctx.journal) return;
    BatchIntent intent{changed, "{\"addresses\": \"keyed-hash\"}", {}};
    for (const auto& email : batch)
      intent.items.push_back(address_hash(ctx.anonymisation_key, email));
    ctx.journal->before_commit(intent);
  };
  try {
    affected = db_->change({{delete_orphans_statement(batch.size()), batch}}, announce);
  } catch (const DatabaseError& e) {
    return query_error(policy, std::string(e.what()) + "; nothing of this batch changed");
  }
  if (affected > 0 && sightings_ && sightings_->writable() && recorded_.count(policy.name)) {
    // The addresses deleted leave the sighting book now: one created again before the next pass
    // (a new web account) is a new orphan, counted from its new sighting, not from the departure
    // Sympa recorded for the person who left. (The next pass would forget them too, too late.)
    auto& seen = recorded_[policy.name];
    for (const auto& email : batch) seen.erase(address_hash(ctx.anonymisation_key, email));
    try {
      sightings_->save(policy.name, seen, ctx.cutoff.now);
    } catch (const std::exception& e) {
      spdlog::warn("{}cannot forget the first sightings of the users deleted: {}",
                   error_prefix(store_.name, policy.name), e.what());
    }
  }
  const bool done = begin + take == due.end();
  BatchResult result{affected, Cursor::after(batch.back()), done};
  if (done) due_.erase(policy.name);
  return result;
}

Result<std::vector<Diagnostic>> SympaConnector::check_related(const Policy& /*policy*/,
                                                              const policies::AlsoStoreRule& rule) {
  std::vector<Diagnostic> out;
  try {
    if (!db_->has_table("subscriber_table")) {
      out.push_back({Severity::Error, rule.kind_location,
                     "Sympa's database (" + conf_->where("db_name") +
                         ") has no table 'subscriber_table'; is this Sympa 6.2?"});
      return out;
    }
    if (auto problem =
            db_->compile_error(unsubscribe_statement(rule, 1, database_store_->type == "mysql")))
      out.push_back({Severity::Error, rule.location,
                     "generated statement does not compile on Sympa's database: " + *problem});
    // A misspelt list would unsubscribe no one, silently: say so (a warning, since a list may
    // be created later).
    if (db_->has_table("list_table")) {
      std::vector<std::string> values = rule.lists;
      if (!rule.robot.empty()) values.push_back(rule.robot);
      std::set<std::string> known;
      for (const auto& row : db_->query(known_lists_query(rule), values))
        if (row[0]) known.insert(*row[0]);
      std::vector<std::string> all;
      for (const auto& row : db_->query("SELECT DISTINCT name_list FROM list_table", {}))
        if (row[0]) all.push_back(*row[0]);
      for (const auto& list : rule.lists) {
        if (known.count(list)) continue;
        // The list is there, on other robots: the robot is the one misspelt.
        std::string elsewhere;
        if (!rule.robot.empty())
          for (const auto& row : db_->query(
                   "SELECT DISTINCT robot_list FROM list_table WHERE name_list = ? ORDER BY 1",
                   {list}))
            if (row[0]) elsewhere += (elsewhere.empty() ? "'" : "', '") + *row[0];
        const std::string hint = elsewhere.empty() ? policies::did_you_mean(list, all)
                                                   : " (it is a list of robot " + elsewhere + "')";
        out.push_back({Severity::Warning, rule.lists_location,
                       "Sympa (store '" + store_.name + "') has no list '" + list + "'" +
                           (rule.robot.empty() ? "" : " on robot '" + rule.robot + "'") + hint +
                           "; no subscription to it is removed"});
      }
    }
  } catch (const DatabaseError& e) {
    out.push_back({Severity::Error, rule.location, error_prefix(store_.name) + e.what()});
  }
  return out;
}

Result<std::string> SympaConnector::related_statement(const Policy& policy,
                                                      const policies::AlsoStoreRule& rule) {
  try {
    if (!db_->has_table("subscriber_table"))
      return Error{ErrorKind::SchemaMismatch, error_prefix(store_.name, policy.name) +
                                                  "Sympa's database (" + conf_->where("db_name") +
                                                  ") has no table 'subscriber_table'"};
  } catch (const DatabaseError& e) {
    return query_error(policy, e.what());
  }
  // The lists and robot as literals, for reading; they are bound when the statement runs.
  std::string lists;
  for (const auto& l : rule.lists) lists += (lists.empty() ? "" : ", ") + sql::quote_literal(l);
  std::string text = "DELETE FROM subscriber_table WHERE list_subscriber IN (" + lists + ")";
  if (!rule.robot.empty()) text += " AND robot_subscriber = " + sql::quote_literal(rule.robot);
  return text + " AND user_subscriber IN (?, ...) -- in store '" + store_.name +
         "' (Sympa's database), in each batch before its action: ? = the batch's addresses "
         "(column " +
         rule.column + "), trimmed and in lower case, at most " +
         std::to_string(kMaxAddressesPerUnsubscribe) + " a statement, in one transaction";
}

Result<long long> SympaConnector::remove_related(
    const Policy& policy, const policies::AlsoStoreRule& rule,
    const std::vector<std::string>& values, const std::function<void(long long)>& before_commit) {
  if (mode_ != AccessMode::ReadWrite)
    return Error{ErrorKind::Config, error_prefix(store_.name, policy.name) +
                                        "the store is open read-only; nothing was unsubscribed"};
  const std::vector<std::string> addresses = canonical_addresses(values);
  if (addresses.empty()) return 0LL;
  std::vector<SympaDatabase::Change> statements;
  for (size_t at = 0; at < addresses.size(); at += kMaxAddressesPerUnsubscribe) {
    std::vector<std::string> chunk(
        addresses.begin() + at,
        addresses.begin() + std::min(addresses.size(), at + kMaxAddressesPerUnsubscribe));
    statements.push_back(
        {unsubscribe_statement(rule, chunk.size(), database_store_->type == "mysql"),
         unsubscribe_values(rule, chunk)});
  }
  try {
    return db_->change(statements, before_commit);
  } catch (const DatabaseError& e) {
    return query_error(policy, std::string(e.what()) + "; nothing was unsubscribed");
  }
}

}  // namespace retentiond::connectors::sympa
