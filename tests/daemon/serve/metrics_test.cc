// The Prometheus exposition's partition counter (issue 20): absent until a pass has dropped or
// detached a partition whole, then one sample per policy, store and action.
#include "daemon/serve/metrics.h"

#include <catch2/catch.hpp>

using namespace retentiond::daemon;

TEST_CASE("metrics count the partitions acted on whole, once there are any",
          "[metrics][partitions]") {
  Metrics metrics;
  PolicyMetrics rows_only;
  rows_only.store = "web";
  metrics.update("sessions", rows_only);
  CHECK(metrics.render().find("retentiond_partitions_total") == std::string::npos);

  PolicyMetrics logs;
  logs.store = "web";
  logs.partitions_total["drop"] = 12;
  logs.partitions_total["drop-detached"] = 1;
  metrics.update("access-logs", logs);
  const std::string text = metrics.render();
  CHECK(text.find("# TYPE retentiond_partitions_total counter\n") != std::string::npos);
  CHECK(
      text.find("retentiond_partitions_total{policy=\"access-logs\",store=\"web\",action=\"drop\"} "
                "12\n") != std::string::npos);
  CHECK(text.find("retentiond_partitions_total{policy=\"access-logs\",store=\"web\",action=\"drop-"
                  "detached\"} 1\n") != std::string::npos);
  CHECK(text.find("retentiond_partitions_total{policy=\"sessions\"") == std::string::npos);
}
