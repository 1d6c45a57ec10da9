#include "support/check_scenarios.h"

#include <catch2/catch.hpp>

#include "support/run.h"

namespace retentiond::testing {

void check_reports_also_and_notify_names(const TempDir& dir, const std::string& store,
                                         const WriteConfig& write) {
  dir.write("notice.txt", "Your account will be deleted.\n");
  // The policy with the `also:` table, the anonymised column and the e-mail column as given.
  auto policy = [&](const std::string& follows, const std::string& note, const std::string& email) {
    return "  - name: f\n    store: " + store +
           "\n    table: users\n    expire_after: 1y\n"  // 5-8
           "    since: last_login\n    also:\n"          // 9-10
           "      - {table: " +
           follows + ", on: \"" + follows +
           ".user_id = users.id\"}\n"                                       // 11
           "      - {table: follows, on: \"follows.nosuch = users.id\"}\n"  // 12
           "      - {table: follows, on: \"follows.user_id = users.id\", action: "
           "anonymise,\n"  // 13
           "         anonymise: {" +
           note +
           ": null}}\n"  // 14
           "    notify: {before: 30d, email: " +
           email +  // 15
           ", template: notice.txt, subject: s, from: dpo@example.org}\n"
           "smtp: {host: 127.0.0.1, port: 2525, starttls: false}\n";  // never contacted by
                                                                      // check
  };
  std::string typos = write(policy("followz", "note", "emial"));
  auto r = run_retentiond({"check", "-c", typos}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(typos + ":11:17: error: no table 'followz' in store '" + store +
                   "' (did you mean 'follows'?)") != std::string::npos);
  CHECK(r.err.find(typos +
                   ":14:22: error: no column 'note' in table 'follows' (did you mean 'notes'?)") !=
        std::string::npos);
  CHECK(r.err.find(typos +
                   ":15:13: error: no column 'emial' in table 'users' (did you mean 'email'?)") !=
        std::string::npos);
  std::string names_right = write(policy("follows", "notes", "email"));
  auto again = run_retentiond({"check", "-c", names_right}, dir.path());
  INFO(again.err);
  CHECK(again.exit_code == 1);
  CHECK(again.err.find(names_right + ":12:30: error: on: ") != std::string::npos);
  CHECK(again.err.find("nosuch") != std::string::npos);
}

}  // namespace retentiond::testing
