// A files pass stays on the directory it began on: when the root is moved away and a symbolic
// link to another directory takes its name mid-pass (a deploy-style swap), the next batch stops
// instead of removing that directory's files, which the plan's list of paths would also admit.
#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "connectors/registry.h"
#include "policies/planner.h"
#include "support/config_text.h"
#include "support/temp_dir.h"

using namespace retentiond;
using namespace retentiond::testing;

namespace {

// Three files in `dir`/`name`, last modified in 2020.
void three_old_files(const TempDir& dir, const std::string& name) {
  std::filesystem::create_directory(dir.file(name));
  for (const char* file : {"a.log", "b.log", "c.log"}) {
    const std::string path = dir.write(name + "/" + file, "x\n");
    const struct timespec old[2] = {{1577836800, 0}, {1577836800, 0}};  // 2020-01-01
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), old, 0) == 0);
  }
}

size_t files_in(const std::string& path) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a files pass stops when its root is replaced mid-pass", "[files][root_swap]") {
  TempDir dir;
  three_old_files(dir, "logs");
  three_old_files(dir, "victim");
  auto loaded = load_text(dir,
                          "state: state.db\nstores:\n  s: {type: files, root: logs}\npolicies:\n"
                          "  - {name: p, store: s, files: '*.log', expire_after: 10d, "
                          "max_affected: 100%}\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  const policies::Policy& policy = loaded.config->policies.at(0);
  auto connector = connectors::make_connector(loaded.config->stores.at(0));
  REQUIRE(connector->open(connectors::AccessMode::ReadWrite));
  connectors::PassContext ctx;
  ctx.cutoff = policies::cutoff_for(policy, policies::now_utc());
  auto plan = connector->plan(policy, ctx);
  REQUIRE(plan);
  CHECK(plan->matched == 3);
  auto first = connector->apply_batch(policy, ctx, plan->start, 1);
  REQUIRE(first);
  CHECK(first->affected == 1);

  std::filesystem::rename(dir.file("logs"), dir.file("logs.old"));
  std::filesystem::create_directory_symlink(dir.file("victim"), dir.file("logs"));
  auto second = connector->apply_batch(policy, ctx, first->next, 10);
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find("the root '") != std::string::npos);
  CHECK(second.error().message.find("is another directory than the one this pass began on") !=
        std::string::npos);
  CHECK(files_in(dir.file("victim")) == 3);
  CHECK(files_in(dir.file("logs.old")) == 2);

  // The next pass begins on the directory the root names now.
  auto again = connector->plan(policy, ctx);
  REQUIRE(again);
  CHECK(again->matched == 3);
}

TEST_CASE("min_keep is worked out again when its newest files go during a pass",
          "[files][min_keep]") {
  TempDir dir;
  std::filesystem::create_directory(dir.file("backups"));
  for (int day = 1; day <= 5; ++day) {
    const std::string path = dir.write("backups/b" + std::to_string(day) + ".tar", "x\n");
    const time_t at = 1577836800 + day * 86400;  // 2020-01-02 to 2020-01-06
    const struct timespec times[2] = {{at, 0}, {at, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  }
  auto loaded = load_text(dir,
                          "state: state.db\nstores:\n  s: {type: files, root: backups}\npolicies:\n"
                          "  - {name: p, store: s, files: '*.tar', expire_after: 10d, "
                          "min_keep: 2, max_affected: 100%}\n");
  REQUIRE(loaded.config);
  const policies::Policy& policy = loaded.config->policies.at(0);
  auto connector = connectors::make_connector(loaded.config->stores.at(0));
  REQUIRE(connector->open(connectors::AccessMode::ReadWrite));
  connectors::PassContext ctx;
  ctx.cutoff = policies::cutoff_for(policy, policies::now_utc());
  auto plan = connector->plan(policy, ctx);
  REQUIRE(plan);
  CHECK(plan->matched == 3);  // b4 and b5 are kept as the newest two
  // Someone removes the two newest before the first batch: b2 and b3 are the newest now.
  std::filesystem::remove(dir.file("backups/b4.tar"));
  std::filesystem::remove(dir.file("backups/b5.tar"));
  auto batch = connector->apply_batch(policy, ctx, plan->start, 10);
  REQUIRE(batch);
  CHECK(batch->affected == 1);
  CHECK(files_in(dir.file("backups")) == 2);
  CHECK(std::filesystem::exists(dir.file("backups/b2.tar")));
  CHECK(std::filesystem::exists(dir.file("backups/b3.tar")));
}
