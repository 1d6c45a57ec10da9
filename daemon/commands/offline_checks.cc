#include "daemon/commands/offline_checks.h"

#include <filesystem>

#include "daemon/state/state.h"
#include "lib/files/regular_file.h"
#include "lib/secrets/secret_file.h"
#include "policies/clock.h"
#include "policies/planner.h"
#include "policies/printable.h"

namespace retentiond::daemon {
namespace {

using policies::Diagnostic;

// A systemd credential (LoadCredential=, under /run/credentials/) that is not there: it exists
// only inside the service, so `check` run from a shell cannot judge it; the service's own start
// and reload can, and do.
bool service_credential_elsewhere(const std::string& path) {
  std::error_code ec;
  return path.starts_with("/run/credentials/") && !std::filesystem::exists(path, ec);
}

// The same dates, read the same way (locations aside).
bool same_basis(const policies::Basis& a, const policies::Basis& b) {
  if (a.kind != b.kind || a.name_date_format != b.name_date_format ||
      a.terms.size() != b.terms.size())
    return false;
  for (size_t i = 0; i < a.terms.size(); ++i) {
    const auto &x = a.terms[i], &y = b.terms[i];
    if (x.column != y.column || x.format != y.format || x.related != y.related || x.on != y.on ||
        x.fallback != y.fallback)
      return false;
  }
  return true;
}

// Each hmac key file the selected policies name (their own columns and their `also:` tables'),
// read as a pass reads it: a missing or empty one would fail every pass, so `check` says so at
// the strategy, --offline too. (Not at load: `history` or `status` have no use for the key.)
void check_hmac_key_files(const std::vector<const policies::Policy*>& selected,
                          std::vector<Diagnostic>& diagnostics) {
  auto check_columns = [&](const std::vector<policies::ColumnAnonymisation>& columns) {
    for (const auto& c : columns) {
      if (c.strategy.kind != policies::AnonymiseStrategy::Kind::Hmac) continue;
      const std::string& path = c.strategy.text;
      if (service_credential_elsewhere(path)) continue;
      std::string why;
      auto key = lib::read_regular_file(path, lib::kMaxSecretBytes, why);
      if (key && !key->empty() && key->back() == '\n') key->pop_back();
      if (!key)
        why = "cannot read the hmac key file '" + path + "': " + why;
      else if (key->empty())
        why = "the hmac key file '" + path + "' is empty";
      else
        continue;
      diagnostics.push_back(
          {policies::Severity::Error, c.strategy.location, policies::printable(why)});
    }
  };
  for (const policies::Policy* p : selected) {
    check_columns(p->anonymise);
    for (const auto& rule : p->also) check_columns(rule.anonymise);
  }
}

// The audit key (audit_key_file:, or the systemd credential audit-key), read as a pass reads it:
// one that cannot be read or is too short stops every pass and serve's start, so `check` says
// so at `audit_key_file:` (--offline too).
void check_audit_key(const policies::Config& config, std::vector<Diagnostic>& diagnostics) {
  if (service_credential_elsewhere(config.audit_key_file)) return;
  try {
    audit_key_for(config);
  } catch (const StateError& e) {
    diagnostics.push_back(
        {policies::Severity::Error, config.audit_key_location, policies::printable(e.what())});
  }
}

// 'partitions: drop' or 'detach' on a `since` no partition key can be (two columns, another
// table's, epoch seconds): an error of `check`, at the policy's `partitions:` (the loader takes the
// policy, and passes delete its expired rows in batches).
void refuse_partition_bases(const std::vector<const policies::Policy*>& selected,
                            std::vector<Diagnostic>& diagnostics) {
  for (const policies::Policy* p : selected)
    if (auto problem = policies::partition_basis_problem(*p))
      diagnostics.push_back(
          {policies::Severity::Error, p->partitions_location,
           "'partitions: " + std::string(policies::partition_mode_name(p->partitions)) +
               "' in policy '" + p->name + "': " + *problem +
               "; a pass deletes its expired rows in batches instead"});
}

// Two policies deleting from the same table, of the same store, with the same `where` and the
// same `since`: the one with the shorter retention deletes the records first, so the longer
// promise (often a legal minimum) is never kept, and nothing said so. Said at the longer one.
// (Different dates are two promises that may well go together: inactive for a year, or five
// years in any case.)
void warn_overlapping_deletes(const policies::Config& config,
                              const std::vector<const policies::Policy*>& selected,
                              std::vector<Diagnostic>& diagnostics) {
  const auto now = policies::system_clock().now();
  for (const policies::Policy* p : selected) {
    if (!p->table || p->action != policies::Action::Delete) continue;
    for (const policies::Policy& other : config.policies) {
      if (&other == p || !other.table || other.action != policies::Action::Delete ||
          other.store != p->store || !(*other.table == *p->table) || other.where != p->where ||
          !same_basis(other.since, p->since))
        continue;
      // Said once per pair: at the one that keeps longer (the earlier in the file on a tie).
      const auto mine = p->expire_after.before(now), theirs = other.expire_after.before(now);
      if (mine > theirs || (mine == theirs && &other < p)) continue;
      diagnostics.push_back(
          {policies::Severity::Warning, p->location,
           "policy '" + p->name + "' (" + p->expire_after.str() + ") and policy '" + other.name +
               "' (" + other.expire_after.str() + ", " + other.location.str() +
               ") delete from the same table '" + policies::printable(p->table->str()) +
               "' with the same selection: '" + other.name + "' deletes the records first, so '" +
               p->name + "' never keeps them longer; if its retention is a minimum, give '" +
               other.name + "' a 'where:' that leaves its records out"});
    }
  }
}

// Each password file the configuration names (a store's, a throttle replica's, smtp's), read as
// the pass that needs it reads it: one that cannot be read fails every pass of its store, or
// every notice. (Online, `check` reaches the stores and says it there.)
void check_password_files(const policies::Config& config, bool stores,
                          std::vector<Diagnostic>& diagnostics) {
  auto check = [&](const std::string& path, const policies::Location& at,
                   const std::string& whose) {
    if (service_credential_elsewhere(path)) return;
    std::string why;
    if (!lib::read_secret_file(path, why))
      diagnostics.push_back(
          {policies::Severity::Error, at,
           policies::printable(whose + ": cannot read the password file '" + path + "': " + why)});
  };
  for (const auto& store : config.stores) {
    if (stores)
      if (const auto* o = store.option("password_file"))
        check(store.path("password_file"), o->location, "store '" + store.name + "'");
    if (stores && store.throttle)
      for (const auto& replica : store.throttle->replicas)
        if (!replica.password_file.empty())
          check(replica.password_file, replica.location,
                "store '" + store.name + "', replica " + replica.name());
  }
  if (config.smtp && !config.smtp->password_file.empty()) {
    check(config.smtp->password_file, config.smtp->location, "smtp");
    if (config.smtp->user.empty())
      diagnostics.push_back({policies::Severity::Warning, config.smtp->location,
                             "smtp: 'password_file' is not used without 'user' (no "
                             "authentication is attempted)"});
  }
}

}  // namespace

void offline_checks(const policies::Config& config,
                    const std::vector<const policies::Policy*>& selected,
                    std::vector<Diagnostic>& diagnostics, bool store_passwords) {
  check_password_files(config, store_passwords, diagnostics);
  refuse_partition_bases(selected, diagnostics);
  check_hmac_key_files(selected, diagnostics);
  check_audit_key(config, diagnostics);
  warn_overlapping_deletes(config, selected, diagnostics);
}

}  // namespace retentiond::daemon
