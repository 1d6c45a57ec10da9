// The table of store types: the `type:` string, what the store declares (policies::StoreSpec,
// see specs.h) and the factory that builds its Connector. Stores are listed explicitly in
// registry.cc.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "connectors/connector.h"
#include "connectors/specs.h"
#include "policies/store_spec.h"

namespace retentiond::connectors {

struct StoreType {
  policies::StoreSpec spec;
  std::function<std::unique_ptr<Connector>(const policies::StoreConfig&)> make;
};

// Every store type this build knows, in a fixed order.
const std::vector<StoreType>& store_types();

// Builds the connector for a configured store (not yet opened). The store's type must be known
// (the loader guarantees it).
std::unique_ptr<Connector> make_connector(const policies::StoreConfig& store);

}  // namespace retentiond::connectors
