// The table of store types: the `type:` string, what the store declares (policies::StoreSpec,
// see specs.h) and the factory that builds its Connector. Stores are listed explicitly in
// registry.cc.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "connectors/connector.h"
#include "connectors/sighting_book.h"
#include "connectors/specs.h"
#include "policies/store_spec.h"

namespace retentiond::connectors {

// What the daemon lends the stores it builds; each store takes what it needs.
struct ConnectorServices {
  // Where Sympa's store remembers when it first saw a user without any subscription; null
  // without a state file (plan before any enforce), when no first sighting is remembered.
  SightingBook* sightings = nullptr;
};

struct StoreType {
  policies::StoreSpec spec;
  std::function<std::unique_ptr<Connector>(const policies::StoreConfig&, const ConnectorServices&)>
      make;
};

// Every store type this build knows, in a fixed order.
const std::vector<StoreType>& store_types();

// Builds the connector for a configured store (not yet opened), with what it needs of
// `services`. The store's type must be known (the loader guarantees it).
std::unique_ptr<Connector> make_connector(const policies::StoreConfig& store,
                                          const ConnectorServices& services = {});

}  // namespace retentiond::connectors
