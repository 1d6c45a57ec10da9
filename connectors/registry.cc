#include "connectors/registry.h"

#include "connectors/store_types.h"

namespace retentiond::connectors {

const std::vector<StoreType>& store_types() {
  static const std::vector<StoreType> types = {
      sqlite_store_type(), postgresql_store_type(), mysql_store_type(),
      sympa_store_type(),  files_store_type(),
  };
  return types;
}

const std::vector<policies::StoreSpec>& store_specs() {
  static const std::vector<policies::StoreSpec> specs = [] {
    std::vector<policies::StoreSpec> out;
    for (const auto& t : store_types()) out.push_back(t.spec);
    return out;
  }();
  return specs;
}

std::unique_ptr<Connector> make_connector(const policies::StoreConfig& store) {
  for (const auto& t : store_types())
    if (t.spec.type == store.type) return t.make(store);
  return nullptr;
}

}  // namespace retentiond::connectors
