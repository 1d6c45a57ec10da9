#include "connectors/throttle.h"

#include <cstdio>

#include "connectors/mysql/throttle.h"
#include "connectors/postgresql/throttle.h"

namespace retentiond::connectors {

std::string nice_words(double ratio) {
  if (ratio == 1) return "rest as long as each batch took after it";
  char text[64];
  std::snprintf(text, sizeof text, "rest %g times each batch's time after it", ratio);
  return text;
}

std::unique_ptr<ThrottleProbe> make_throttle_probe(const policies::StoreConfig& store) {
  if (!store.throttle) return nullptr;
  if (store.type == "mysql") return std::make_unique<mysql::MysqlThrottle>(store);
  if (store.type == "postgresql") return std::make_unique<postgresql::PostgresqlThrottle>(store);
  return nullptr;
}

}  // namespace retentiond::connectors
