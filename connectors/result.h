// How connectors report failure: a Result<T> holds a value or an Error of one of a few closed
// kinds. The kind is what the audit trail records and what exit codes depend on; the message
// names the store and policy, never a row's values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace retentiond::connectors {

enum class ErrorKind {
  Config,            // the configuration cannot work (missing password file, bad option)
  StoreUnreachable,  // cannot connect or open the store
  SchemaMismatch,    // a table or column the policy names does not exist
  QueryFailed,       // a statement failed (lock timeout, constraint, syntax)
  RefusedByGuard,    // max_affected refused the pass
  Io,                // files, state file
  Interrupted,       // a signal or lost connection stopped the pass
  Unsupported,       // this build cannot do what the policy asks yet
  NoticeFailed,      // a notice before action could not be sent (its record was kept)
  LockConflict,      // another process is enforcing the same policy: this pass did not start
  Throttled,         // the pass waited for its store's throttle longer than `max_wait`
};

// "store-unreachable", as written in the audit trail.
std::string_view error_class(ErrorKind kind);

// How a connector's messages begin: "store 'app', policy 'old-users': ", or "store 'app': " for
// what concerns the store as a whole (no policy).
std::string error_prefix(std::string_view store, std::string_view policy = {});

struct Error {
  ErrorKind kind;
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

inline Result<void> success() { return Result<void>(); }

}  // namespace retentiond::connectors
