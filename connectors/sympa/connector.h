// The sympa store: reads sympa.conf to find Sympa's database and directories, then serves each
// `sympa:` target with the store that fits it: the sqlite, postgresql or mysql store for tables
// dated by an epoch column (targets.h), the files store for archives, bounces and spools, and its
// own statements for the users left without any subscription (orphans.h). Sympa's own tables
// keep working: only the rows a target names are deleted, never subscriptions, owners, editors or
// lists.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "connectors/sighting_book.h"
#include "connectors/sympa/connection.h"
#include "connectors/sympa/orphans.h"
#include "connectors/sympa/sympa_conf.h"

namespace retentiond::connectors::sympa {

class SympaConnector : public Connector {
 public:
  // `sightings` remembers when each user without any subscription was first seen; null without
  // a state file, when every such user counts from now (or from Sympa's own record).
  SympaConnector(const policies::StoreConfig& store, SightingBook* sightings);

  std::string_view type() const override { return "sympa"; }
  Result<void> open(AccessMode mode) override;
  Result<std::vector<policies::Diagnostic>> check(const Policy& policy) override;
  Result<PlanStats> plan(const Policy& policy, const PassContext& ctx) override;
  Result<BatchResult> apply_batch(const Policy& policy, const PassContext& ctx, const Cursor& from,
                                  long long limit) override;
  Result<long long> reconcile(const Policy& policy, const PassContext& ctx,
                              const BatchIntent& intent) override;
  // `also: {store: <this>, sympa: subscribers, ...}` of another store's policy: unsubscribes
  // addresses from the rule's lists (subscriptions.h).
  Result<std::vector<policies::Diagnostic>> check_related(
      const Policy& policy, const policies::AlsoStoreRule& rule) override;
  Result<std::string> related_statement(const Policy& policy,
                                        const policies::AlsoStoreRule& rule) override;
  Result<long long> remove_related(const Policy& policy, const policies::AlsoStoreRule& rule,
                                   const std::vector<std::string>& values,
                                   const std::function<void(long long)>& before_commit) override;

 private:
  // The store serving a table or files target, opened on first use.
  Result<Connector*> delegate(const Policy& policy, Policy& translated,
                              std::vector<std::string>* notes = nullptr);

  // unsubscribed_users.
  struct Orphan {
    std::string email;
    policies::TimePoint since;
  };
  Result<std::vector<Orphan>> orphans(const Policy& policy, const PassContext& ctx,
                                      long long& users);
  Result<PlanStats> plan_orphans(const Policy& policy, const PassContext& ctx);
  Result<BatchResult> delete_orphans(const Policy& policy, const PassContext& ctx,
                                     const Cursor& from, long long limit);
  std::vector<policies::Diagnostic> check_orphans(const Policy& policy);
  Error query_error(const Policy& policy, const std::string& what) const;

  policies::StoreConfig store_;
  SightingBook* sightings_ = nullptr;
  AccessMode mode_ = AccessMode::ReadOnly;
  std::optional<SympaConf> conf_;
  std::optional<policies::StoreConfig> database_store_;
  std::unique_ptr<SympaDatabase> db_;
  std::unique_ptr<Connector> tables_;                        // the SQL store of Sympa's database
  std::map<std::string, std::unique_ptr<Connector>> files_;  // by target
  // The orphans due in this pass (their orphan state began before the cut-off), by policy, in
  // address order: planned once, then deleted batch by batch.
  std::map<std::string, std::vector<std::string>> due_;
  // The first sightings this pass recorded, by policy: an address deleted is forgotten at once,
  // so that one coming back before the next pass is a new orphan, not the old one's backlog.
  std::map<std::string, std::map<std::string, policies::TimePoint>> recorded_;
};

}  // namespace retentiond::connectors::sympa
