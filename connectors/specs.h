// What each store type declares, as data: its `type:` name, its options, what its policies select,
// the policy keys they take and the SQL dialect of their fragments (policies/store_spec.h). Kept
// apart from the code that acts on a store (registry.cc pairs each spec with its connector's
// factory), so that the configuration loader, and the fuzzer that feeds it (fuzz/), need none of
// the stores' clients. A new store type adds its spec here and in registry.cc, not in policies/.
#pragma once

#include <vector>

#include "policies/store_spec.h"

namespace retentiond::connectors {

// Every store type this build knows, in the order registry.cc lists their connectors.
const std::vector<policies::StoreSpec>& store_specs();

// One per store folder, defined in connectors/<store>/spec.cc.
policies::StoreSpec sqlite_spec();
policies::StoreSpec postgresql_spec();
policies::StoreSpec mysql_spec();
policies::StoreSpec sympa_spec();
policies::StoreSpec files_spec();

}  // namespace retentiond::connectors
