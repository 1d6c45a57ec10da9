// The shipped example configurations: one per seed, each valid, each promise's duration present.
#include <filesystem>

#include <catch2/catch.hpp>

#include "connectors/registry.h"
#include "policies/config_loader.h"
#include "support/run.h"

using namespace retentiond;
using retentiond::testing::run_retentiond;
using retentiond::testing::source_dir;

namespace {

std::string example(const std::string& name) { return source_dir() + "/policies/examples/" + name; }

policies::Config load(const std::string& name) {
  auto result = policies::load_config(example(name), connectors::store_specs());
  for (const auto& d : result.diagnostics.all()) INFO(d.str());
  REQUIRE(result.config);
  return *result.config;
}

// The durations of the policies acting on `target` (a table, a Sympa target or a file glob).
std::vector<std::string> durations_on(const policies::Config& c, const std::string& target) {
  std::vector<std::string> out;
  for (const auto& p : c.policies) {
    bool on = (p.table && p.table->str() == target) || p.sympa_target == target ||
              (!p.files.empty() && p.store == target);
    if (on) out.push_back(p.expire_after.str());
  }
  return out;
}

}  // namespace

TEST_CASE("there is one example per seed and each passes check --offline", "[examples]") {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(source_dir() + "/policies/examples"))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  CHECK(files == std::vector<std::string>{"000-le-pic.yaml", "001-sidec-jura.yaml",
                                          "002-minet.yaml", "003-grand-nancy.yaml",
                                          "004-coop-mediation.yaml"});
  for (const auto& f : files) {
    INFO(f);
    // On a host in UTC and on one in France, where a day may be 25 hours long.
    for (const char* zone : {"UTC", "Europe/Paris"}) {
      INFO(zone);
      auto r = run_retentiond({"check", "--offline", "-c", example(f)}, "", {{"TZ", zone}});
      INFO(r.err);
      CHECK(r.exit_code == 0);
      // Each deadline says what the seed means (at most, or at the end), so no lateness warning.
      CHECK(r.err.find("warning") == std::string::npos);
    }
  }
}

TEST_CASE("every seed promise is expressed with its duration", "[examples]") {
  auto pic = load("000-le-pic.yaml");
  CHECK(durations_on(pic, "unsubscribed_users") == std::vector<std::string>{"7d"});
  CHECK(durations_on(pic, "member-sites-logs") == std::vector<std::string>{"52d"});
  CHECK(durations_on(pic, "all-sites-traces") == std::vector<std::string>{"1y"});
  CHECK(durations_on(pic, "backups") == std::vector<std::string>{"10d"});
  CHECK(durations_on(pic, "contacts") == std::vector<std::string>{"1y"});
  CHECK(durations_on(pic, "logs") == std::vector<std::string>{"3mo"});   // Sympa's own default
  CHECK(durations_on(pic, "stats") == std::vector<std::string>{"3mo"});  // likewise
  // "Au plus tard après une année", "dans un délai de 3 mois": no record outlives them.
  CHECK(pic.policy("contacts-of-former-member-associations")->deadline ==
        policies::Deadline::Strict);

  auto sidec = load("001-sidec-jura.yaml");
  CHECK(durations_on(sidec, "priv_user") == std::vector<std::string>{"1y"});
  CHECK(durations_on(sidec, "contact") == std::vector<std::string>{"3mo"});
  CHECK(durations_on(sidec, "backups") == std::vector<std::string>{"14d"});
  CHECK(sidec.policy("inactive-accounts")->action == policies::Action::Anonymise);
  CHECK(sidec.policy("persons-who-left")->deadline == policies::Deadline::Strict);
  CHECK(sidec.policy("inactive-accounts")->since.terms.back().fallback);

  auto minet = load("002-minet.yaml");
  // Column-level retention: two policies on one table.
  CHECK(durations_on(minet, "adherents") == std::vector<std::string>{"1y", "5y"});
  CHECK(minet.policy("member-credentials-and-addresses")->action == policies::Action::Anonymise);
  CHECK(minet.policy("former-members")->action == policies::Action::Delete);
  // A member who never paid counts from the sign-up; their devices and payments go with them.
  CHECK(minet.policy("former-members")->since.terms.back().fallback);
  CHECK(minet.policy("former-members")->also.size() == 4);
  CHECK(durations_on(minet, "devices") == std::vector<std::string>{"1y"});
  CHECK(durations_on(minet, "membership") == std::vector<std::string>{"1y"});
  CHECK(durations_on(minet, "network-logs") == std::vector<std::string>{"1y"});
  CHECK(durations_on(minet, "app-logs") == std::vector<std::string>{"1y"});
  REQUIRE(minet.policy("devices-of-former-members")->since.terms.at(0).related);
  // The room number is a promise of internet service, apart from the member's identity.
  CHECK(durations_on(minet, "rooms_members_association") == std::vector<std::string>{"5y"});

  auto nancy = load("003-grand-nancy.yaml");
  const auto* inactive = nancy.policy("inactive-participants");
  REQUIRE(inactive);
  CHECK(inactive->expire_after.str() == "14mo");
  CHECK(inactive->notify.has_value());
  CHECK(inactive->action == policies::Action::Anonymise);
  CHECK(inactive->since.terms.size() == 3);
  CHECK(nancy.smtp.has_value());

  auto coop = load("004-coop-mediation.yaml");
  CHECK(durations_on(coop, "coop.users") == std::vector<std::string>{"1y"});
  // Kept beneficiaries, and those the platform merged or deleted without clearing them.
  CHECK(durations_on(coop, "coop.beneficiaires") == std::vector<std::string>{"1y", "1y"});
  CHECK(durations_on(coop, "coop.newsletter_subscriptions") == std::vector<std::string>{"1y"});
  CHECK(durations_on(coop, "contact-mailbox") == std::vector<std::string>{"1y"});
}

TEST_CASE("examples keep secrets out of the YAML", "[examples]") {
  for (const char* f : {"000-le-pic.yaml", "001-sidec-jura.yaml", "002-minet.yaml",
                        "003-grand-nancy.yaml", "004-coop-mediation.yaml"}) {
    auto c = load(f);
    for (const auto& s : c.stores) {
      INFO(f << " store " << s.name);
      CHECK_FALSE(s.option("password"));
      if (const auto* pf = s.option("password_file"))
        CHECK(pf->value.rfind("/run/credentials/retentiond.service/", 0) == 0);
    }
  }
}
