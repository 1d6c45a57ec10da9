#include "support/check_scenarios.h"

#include <catch2/catch.hpp>

#include "support/config_text.h"
#include "support/run.h"

namespace retentiond::testing {
namespace {

// Lines 5 to 16; $follows, $note and $email are the names under test. The SMTP server is never
// contacted by `check`.
const std::string kAlsoAndNotify = R"(  - name: f
    store: $store
    table: users
    expire_after: 1y
    since: last_login
    also:
      - {table: $follows, on: "$follows.user_id = users.id"}
      - {table: follows, on: "follows.nosuch = users.id"}
      - {table: follows, on: "follows.user_id = users.id", action: anonymise,
         anonymise: {$note: null}}
    notify: {before: 30d, email: $email, template: notice.txt, subject: s, from: dpo@example.org}
smtp: {host: 127.0.0.1, port: 2525, starttls: false}
)";

// Policy a on lines 5-9, b 10-14, c 15-20, d 21-26, e 27-31.
const std::string kWhatTheStoreLacks = R"(  - name: a
    store: $store
    table: userz
    expire_after: 1y
    since: x
  - name: b
    store: $store
    table: users
    expire_after: 1y
    since: last_logn
  - name: c
    store: $store
    table: users
    expire_after: 1y
    since: last_login
    where: "nosuch = 1"
  - name: d
    store: $store
    table: nokey
    expire_after: 1y
    since: ts
    also: [{table: users, on: "users.id = nokey.a"}]
  - name: e
    store: $store
    table: users
    expire_after: 1y
    since: flag
)";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

void check_reports_also_and_notify_names(const TempDir& dir, const SqlStore& store) {
  dir.write("notice.txt", "Your account will be deleted.\n");
  std::string typos = store.write(filled(
      kAlsoAndNotify,
      {{"store", store.name}, {"follows", "followz"}, {"note", "note"}, {"email", "emial"}}));
  auto r = run_retentiond({"check", "-c", typos}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, typos + ":11:17: error: no table 'followz' in store '" + store.name +
                       "' (did you mean 'follows'?)"));
  CHECK(has(r.err,
            typos + ":14:22: error: no column 'note' in table 'follows' (did you mean 'notes'?)"));
  CHECK(has(r.err,
            typos + ":15:13: error: no column 'emial' in table 'users' (did you mean 'email'?)"));
  std::string names_right = store.write(filled(
      kAlsoAndNotify,
      {{"store", store.name}, {"follows", "follows"}, {"note", "notes"}, {"email", "email"}}));
  auto again = run_retentiond({"check", "-c", names_right}, dir.path());
  INFO(again.err);
  CHECK(again.exit_code == 1);
  CHECK(has(again.err, names_right + ":12:30: error: on: "));
  CHECK(has(again.err, "nosuch"));
}

void check_reports_what_the_store_lacks(const TempDir& dir, const SqlStore& store) {
  const std::string config = store.write(filled(kWhatTheStoreLacks, {{"store", store.name}}));
  auto r = run_retentiond({"check", "-c", config}, dir.path());
  CHECK(r.exit_code == 1);
  INFO(r.err);
  CHECK(has(r.err, config + ":7:12: error: no table 'userz' in store '" + store.name +
                       "' (did you mean 'users'?)"));
  CHECK(has(r.err, config + ":14:12: error: no column 'last_logn' in table 'users' (did you mean "
                            "'last_login'?)"));
  CHECK(has(r.err, config + ":20:12: error: where: "));
  CHECK(has(r.err, "nosuch"));
  CHECK(has(r.err, config + ":23:12: error: table 'nokey' has no single-column primary key, and "
                            "'also:' needs one"));
  CHECK(has(r.err, "column 'flag' cannot hold a date"));
}

void check_refuses_null_on_not_null(const TempDir& dir, const SqlStore& store) {
  store.db.exec(
      "CREATE TABLE nn (id integer PRIMARY KEY, seen date, name varchar(20) NOT NULL, "
      "nick varchar(20))");
  const std::string config = store.write("  - name: nn\n    store: " + store.name +
                                         "\n    table: nn\n    expire_after: 1y\n    since: "
                                         "seen\n    action: anonymise\n    anonymise: {name: "
                                         "null, nick: null}\n");
  auto r = run_retentiond({"check", "-c", config}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(has(r.err, config + ":11:17: error: column 'name' of table 'nn' is NOT NULL: it cannot be "
                            "anonymised to null"));
  CHECK(!has(r.err, "'nick'"));
  const std::string fixed = store.write("  - name: nn\n    store: " + store.name +
                                        "\n    table: nn\n    expire_after: 1y\n    since: "
                                        "seen\n    action: anonymise\n    anonymise: {name: "
                                        "{value: ''}, nick: null}\n");
  auto ok = run_retentiond({"check", "-c", fixed}, dir.path());
  INFO(ok.err);
  CHECK(ok.exit_code == 0);
}

}  // namespace retentiond::testing
