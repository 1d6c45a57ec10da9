// A connector for a store type whose implementation has not landed in this build yet. Its
// configuration is validated (so example policies pass `check --offline`), but every online
// operation answers a clear "not supported yet" error instead of silently doing nothing.
#pragma once

#include <memory>
#include <string>

#include "connectors/connector.h"

namespace retentiond::connectors {

std::unique_ptr<Connector> make_unsupported_connector(std::string type, std::string store_name);

}  // namespace retentiond::connectors
