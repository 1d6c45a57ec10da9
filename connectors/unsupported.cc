#include "connectors/unsupported.h"

namespace retentiond::connectors {
namespace {

class UnsupportedConnector : public Connector {
 public:
  UnsupportedConnector(std::string type, std::string store)
      : type_(std::move(type)), store_(std::move(store)) {}

  std::string_view type() const override { return type_; }
  Result<void> open(AccessMode) override { return error(); }
  Result<std::vector<policies::Diagnostic>> check(const Policy&) override { return error(); }
  Result<PlanStats> plan(const Policy&, const PassContext&) override { return error(); }
  Result<BatchResult> apply_batch(const Policy&, const PassContext&, const Cursor&,
                                  long long) override {
    return error();
  }

 private:
  Error error() const {
    return Error{ErrorKind::Unsupported, "store '" + store_ + "': the " + type_ +
                                             " store is not supported by this build yet; "
                                             "skipping its policies"};
  }
  std::string type_;
  std::string store_;
};

}  // namespace

std::unique_ptr<Connector> make_unsupported_connector(std::string type, std::string store_name) {
  return std::make_unique<UnsupportedConnector>(std::move(type), std::move(store_name));
}

}  // namespace retentiond::connectors
