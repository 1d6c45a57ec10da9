#include "connectors/result.h"

namespace retentiond::connectors {

std::string_view error_class(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Config:
      return "config";
    case ErrorKind::StoreUnreachable:
      return "store-unreachable";
    case ErrorKind::SchemaMismatch:
      return "schema-mismatch";
    case ErrorKind::QueryFailed:
      return "query-failed";
    case ErrorKind::RefusedByGuard:
      return "refused-by-guard";
    case ErrorKind::Io:
      return "io";
    case ErrorKind::Interrupted:
      return "interrupted";
    case ErrorKind::Unsupported:
      return "unsupported";
    case ErrorKind::NoticeFailed:
      return "notice-failed";
    case ErrorKind::LockConflict:
      return "lock-conflict";
    case ErrorKind::Throttled:
      return "throttled";
  }
  return "query-failed";
}

std::string error_prefix(std::string_view store, std::string_view policy) {
  std::string out = "store '" + std::string(store) + "'";
  if (!policy.empty()) out += ", policy '" + std::string(policy) + "'";
  return out + ": ";
}

}  // namespace retentiond::connectors
