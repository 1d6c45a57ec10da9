// The shipped unit is hardened: systemd's own offline security analysis scores it 1.5 or better.
#include <regex>

#include <catch2/catch.hpp>

#include "support/run.h"

using namespace retentiond::testing;

TEST_CASE("systemd-analyze security scores the unit 1.5 or better", "[systemd]") {
  auto r = run_program({"/usr/bin/systemd-analyze", "security", "--offline=true",
                        source_dir() + "/systemd/retentiond.service"});
  INFO(r.out << r.err);
  std::smatch m;
  std::string text = r.out + r.err;
  REQUIRE(std::regex_search(
      text, m, std::regex("Overall exposure level for retentiond.service: ([0-9.]+)")));
  CHECK(std::stod(m[1].str()) <= 1.5);
  auto verify = run_program({"/usr/bin/systemd-analyze", "verify", "--man=no",
                             source_dir() + "/systemd/retentiond.service"});
  INFO(verify.err);
  CHECK(verify.err.find("Unknown key") == std::string::npos);
  CHECK(verify.err.find("Unknown section") == std::string::npos);
}
