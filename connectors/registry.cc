#include "connectors/registry.h"

#include "connectors/files/connector.h"
#include "connectors/mysql/connector.h"
#include "connectors/postgresql/connector.h"
#include "connectors/sqlite/connector.h"
#include "connectors/sympa/connector.h"

namespace retentiond::connectors {
namespace {

template <typename C>
std::unique_ptr<Connector> make(const policies::StoreConfig& store, const ConnectorServices&) {
  return std::make_unique<C>(store);
}

std::unique_ptr<Connector> make_sympa(const policies::StoreConfig& store,
                                      const ConnectorServices& services) {
  return std::make_unique<sympa::SympaConnector>(store, services.sightings);
}

}  // namespace

const std::vector<StoreType>& store_types() {
  static const std::vector<StoreType> types = {
      {sqlite_spec(), make<sqlite::SqliteConnector>},
      {postgresql_spec(), make<postgresql::PostgresqlConnector>},
      {mysql_spec(), make<mysql::MysqlConnector>},
      {sympa_spec(), make_sympa},
      {files_spec(), make<files::FilesConnector>},
  };
  return types;
}

std::unique_ptr<Connector> make_connector(const policies::StoreConfig& store,
                                          const ConnectorServices& services) {
  for (const auto& t : store_types())
    if (t.spec.type == store.type) return t.make(store, services);
  return nullptr;
}

}  // namespace retentiond::connectors
