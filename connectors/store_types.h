// One function per store folder, each returning that store's spec and factory.
// Defined in connectors/<store>/spec.cc.
#pragma once

#include "connectors/registry.h"

namespace retentiond::connectors {

StoreType sqlite_store_type();
StoreType postgresql_store_type();
StoreType mysql_store_type();
StoreType sympa_store_type();
StoreType files_store_type();

}  // namespace retentiond::connectors
