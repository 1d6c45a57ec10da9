#include "support/driven_policy.h"

#include <catch2/catch.hpp>

#include "connectors/registry.h"
#include "policies/config_loader.h"

namespace retentiond::testing {

DrivenPolicy drive_policy(const TempDir& dir, const std::string& config, const std::string& at) {
  auto loaded = policies::load_config(dir.write("r.yaml", config), connectors::store_specs());
  for (const auto& d : loaded.diagnostics.all()) INFO(d.str());
  REQUIRE(loaded.config);
  DrivenPolicy out;
  out.policy = loaded.config->policies.at(0);
  out.connector = connectors::make_connector(*loaded.config->store(out.policy.store));
  REQUIRE(out.connector->open(connectors::AccessMode::ReadWrite));
  const auto when = policies::parse_timestamp(at);
  REQUIRE(when);
  out.ctx.cutoff = policies::cutoff_for(out.policy, *when);
  return out;
}

}  // namespace retentiond::testing
