#include "connectors/result.h"

#include "connectors/connector.h"

namespace retentiond::connectors {

std::string_view error_class(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Config: return "config";
    case ErrorKind::StoreUnreachable: return "store-unreachable";
    case ErrorKind::SchemaMismatch: return "schema-mismatch";
    case ErrorKind::QueryFailed: return "query-failed";
    case ErrorKind::RefusedByGuard: return "refused-by-guard";
    case ErrorKind::Io: return "io";
    case ErrorKind::Interrupted: return "interrupted";
    case ErrorKind::Unsupported: return "unsupported";
    case ErrorKind::NoticeFailed: return "notice-failed";
    case ErrorKind::LockConflict: return "lock-conflict";
    case ErrorKind::Throttled: return "throttled";
  }
  return "query-failed";
}

std::string key_text(const KeyValue& key) {
  if (const auto* n = std::get_if<long long>(&key)) return std::to_string(*n);
  return std::get<std::string>(key);
}

}  // namespace retentiond::connectors
