// `also:` entries that name another store (policies/sympa_also.cc and parse_also in
// policies/action_parser.cc): a Sympa store unsubscribing the policy's records' addresses from
// lists. Exact texts.
#include <catch2/catch.hpp>

#include "support/config_text.h"

using namespace retentiond::policies;
using namespace retentiond::testing;

namespace {

// kTablePolicy is lines 7 to 11; `also:` is line 12, its value from column 11.
std::string with_also(const std::string& also) { return kTablePolicy + "    also: " + also + "\n"; }

}  // namespace

TEST_CASE("also in another store: exact errors", "[config][sympa_also]") {
  const std::string where = "'also' #1 of policy 'p'";
  check_error_cases({
      {"an unknown store",
       with_also("[{store: list, sympa: subscribers, lists: [a], email: email}]"),
       {"DIR/r.yaml:12:20: error: unknown store 'list' in " + where + " (did you mean 'lists'?)"}},
      {"a store that is not a name",
       with_also("[{store: [lists], sympa: subscribers, lists: [a], email: email}]"),
       {"DIR/r.yaml:12:20: error: 'store' of " + where + " must name a store"}},
      {"a files store",
       with_also("[{store: logs, sympa: subscribers, lists: [a], email: email}]"),
       {"DIR/r.yaml:12:20: error: store 'logs' in " + where +
        " is of type files, which does nothing for other stores' records (an 'also:' entry may "
        "name a store of type sympa)"}},
      {"the policy's own store",
       with_also("[{store: app, table: sessions, on: \"sessions.u = users.id\"}]"),
       {"DIR/r.yaml:12:20: error: store 'app' in " + where +
        " is of type sqlite, which does nothing for other stores' records (an 'also:' entry may "
        "name a store of type sympa)"}},
      {"another kind of Sympa records",
       with_also("[{store: lists, sympa: users, lists: [a], email: email}]"),
       {"DIR/r.yaml:12:34: error: 'sympa' in " + where +
        " must be 'subscribers' (a Sympa store unsubscribes the records' addresses from lists), "
        "not 'users'"}},
      {"no sympa, no lists, no email",
       with_also("[{store: lists}]"),
       {"DIR/r.yaml:12:12: error: " + where + " has no 'sympa'"}},
      {"no lists",
       with_also("[{store: lists, sympa: subscribers, email: email}]"),
       {"DIR/r.yaml:12:12: error: " + where + " has no 'lists'"}},
      {"no email",
       with_also("[{store: lists, sympa: subscribers, lists: [a]}]"),
       {"DIR/r.yaml:12:12: error: " + where + " has no 'email'"}},
      {"an empty list of lists",
       with_also("[{store: lists, sympa: subscribers, lists: [], email: email}]"),
       {"DIR/r.yaml:12:54: error: 'lists' of " + where + " must name one or more Sympa lists"}},
      {"a list name Sympa would not take",
       with_also("[{store: lists, sympa: subscribers, lists: [ok, Pic-Adherents], email: email}]"),
       {"DIR/r.yaml:12:59: error: 'Pic-Adherents' in 'lists' of " + where +
        " is not a Sympa list name (lower-case letters, digits, '-', '.', '+' and '_', at most 50 "
        "characters)"}},
      {"a list named twice",
       with_also("[{store: lists, sympa: subscribers, lists: [a, a], email: email}]"),
       {"DIR/r.yaml:12:58: error: 'lists' of " + where + " names 'a' twice"}},
      {"a list that is not a name",
       with_also("[{store: lists, sympa: subscribers, lists: [{a: b}], email: email}]"),
       {"DIR/r.yaml:12:55: error: 'lists' of " + where + " must hold list names"}},
      {"a robot that is not a domain",
       with_also("[{store: lists, sympa: subscribers, lists: a, robot: \"x y\", email: email}]"),
       {"DIR/r.yaml:12:64: error: 'robot' of " + where +
        " must be a mail domain (the robot's name), not 'x y'"}},
      {"an unsafe email column",
       with_also("[{store: lists, sympa: subscribers, lists: a, email: \"e;mail\"}]"),
       {"DIR/r.yaml:12:64: error: email: unsafe identifier 'e;mail': character ';' is not "
        "allowed (use letters, digits, '_', '$', '-' or spaces)"}},
      {"anonymising in another store",
       with_also("[{store: lists, sympa: subscribers, lists: a, email: email, action: "
                 "anonymise}]"),
       {"DIR/r.yaml:12:79: error: " + where +
        " can only delete in store 'lists' (unsubscribe the records' addresses from lists "
        "('sympa: subscribers')); 'action' must be delete"}},
      {"a key of related tables",
       with_also("[{store: lists, sympa: subscribers, lists: a, email: email, on: \"x = y\"}]"),
       {"DIR/r.yaml:12:71: error: unknown key 'on' in " + where}},
      {"a files policy takes no also",
       kFilesPolicy + "    also: [{store: lists, sympa: subscribers, lists: a, email: email}]\n",
       {"DIR/r.yaml:11:5: error: 'also' does not apply to store 'logs' (type files), whose "
        "policies select files with 'files:'"}},
      {"the second entry's errors, the first read",
       with_also("[{table: s, on: \"s.u = users.id\"}, {store: lists, sympa: subscribers, "
                 "lists: a, email: \"?\"}]"),
       {"DIR/r.yaml:12:98: error: email: unsafe identifier '?': character '?' is not allowed "
        "(use letters, digits, '_', '$', '-' or spaces)"}},
  });
}

TEST_CASE("also in another store is read into the policy", "[config][sympa_also]") {
  TempDir dir;
  auto loaded = load_text(
      dir, kThreeStores + kTablePolicy +
               "    also:\n"                                                       // 12
               "      - {table: sessions, on: \"sessions.user_id = users.id\"}\n"  // 13
               "      - store: lists\n"                                            // 14
               "        sympa: subscribers\n"                                      // 15
               "        lists: [pic-adherents, pic.infos_2]\n"                     // 16
               "        robot: lists.example.org\n"                                // 17
               "        email: contact_email\n"                                    // 18
               "        action: delete\n"                                          // 19
               "      - {store: lists, sympa: subscribers, lists: pic-listmaster, email: e}\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  CHECK(loaded.warnings.empty());
  const Policy& p = loaded.config->policies.at(0);
  REQUIRE(p.also.size() == 1);
  CHECK(p.also[0].table.name == "sessions");
  REQUIRE(p.also_stores.size() == 2);
  const AlsoStoreRule& r = p.also_stores[0];
  CHECK(r.store == "lists");
  CHECK(r.store_location.line == 14);
  CHECK(r.store_location.column == 16);
  CHECK(r.kind == "subscribers");
  CHECK(r.kind_location.line == 15);
  CHECK(r.lists == std::vector<std::string>{"pic-adherents", "pic.infos_2"});
  CHECK(r.lists_location.line == 16);
  CHECK(r.robot == "lists.example.org");
  CHECK(r.robot_location.line == 17);
  CHECK(r.column == "contact_email");
  CHECK(r.column_location.line == 18);
  CHECK(r.column_location.column == 16);
  CHECK(r.location.line == 14);
  CHECK(p.also_stores[1].lists == std::vector<std::string>{"pic-listmaster"});
  CHECK(p.also_stores[1].robot.empty());
  CHECK(p.also_stores[1].column == "e");
  CHECK(also_store_unit(r) == "subscriptions");
}
