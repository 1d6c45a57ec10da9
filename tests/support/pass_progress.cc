#include "support/pass_progress.h"

#include <signal.h>

#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>

#include "support/sqlite_file.h"

namespace retentiond::testing {

bool batch_committed(const std::string& state) {
  return std::filesystem::exists(state) &&
         sqlite_int(state, "SELECT count(*) FROM pass_in_progress WHERE affected > 0") > 0;
}

void stop_between_batches(Child& pass, const std::string& state) {
  REQUIRE(wait_until([&] { return batch_committed(state); }));
  for (int attempt = 0; attempt < 1000; ++attempt) {
    pass.signal(SIGSTOP);
    try {
      sqlite_exec(state, "BEGIN IMMEDIATE; ROLLBACK;");
      REQUIRE(pass.alive());
      return;
    } catch (const std::exception&) {  // stopped inside a batch's transaction
    }
    pass.signal(SIGCONT);
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  FAIL("could not stop the pass between two state writes");
}

}  // namespace retentiond::testing
