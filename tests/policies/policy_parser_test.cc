// The keys every policy takes, and the keys its store's spec declares: unknown keys, keys of
// another store, the store itself, the action, the guard and the schedule. Exact texts.
#include "policies/policy_parser.h"

#include <catch2/catch.hpp>

#include "connectors/specs.h"
#include "support/config_text.h"

using namespace retentiond::policies;
using namespace retentiond::testing;

TEST_CASE("policy keys: unknown ones, and those of another store", "[config][policy_parser]") {
  check_error_cases({
      {"a typo",
       kTablePolicy + "    expire_aftr: 2y\n",
       {"DIR/r.yaml:12:5: error: unknown key 'expire_aftr' in policy 'p' (did you mean "
        "'expire_after'?)"}},
      {"a typo of a key only some stores take",
       kFilesPolicy + "    min_kep: 3\n",
       {"DIR/r.yaml:11:5: error: unknown key 'min_kep' in policy 'f' (did you mean 'min_keep'?)"}},
      {"no plausible key",
       kTablePolicy + "    colour: red\n",
       {"DIR/r.yaml:12:5: error: unknown key 'colour' in policy 'p'"}},
      {"a key twice",
       kTablePolicy + "    table: again\n",
       {"DIR/r.yaml:12:5: error: duplicate key 'table' in policy 'p'"}},
      {"files keys on a table store",
       kTablePolicy + "    files: \"*.log\"\n    min_keep: 2\n",
       {"DIR/r.yaml:12:5: error: 'files' does not apply to store 'app' (type sqlite), whose "
        "policies select a table with 'table:'",
        "DIR/r.yaml:13:5: error: 'min_keep' does not apply to store 'app' (type sqlite), whose "
        "policies select a table with 'table:'"}},
      {"table keys on a files store, in file order",
       kFilesPolicy + "    where: \"a = 1\"\n    table: t\n",
       {"DIR/r.yaml:11:5: error: 'where' does not apply to store 'logs' (type files), whose "
        "policies select files with 'files:'",
        "DIR/r.yaml:12:5: error: 'table' does not apply to store 'logs' (type files), whose "
        "policies select files with 'files:'"}},
      {"since on a Sympa store",
       kSympaPolicy + "    since: created\n",
       {"DIR/r.yaml:11:5: error: 'since' does not apply to store 'lists' (type sympa), whose "
        "policies select a Sympa target with 'sympa:'"}},
      {"the sympa key on a table store",
       kTablePolicy + "    sympa: logs\n",
       {"DIR/r.yaml:12:5: error: 'sympa' does not apply to store 'app' (type sqlite), whose "
        "policies select a table with 'table:'"}},
  });
}

TEST_CASE("policy keys every store takes", "[config][policy_parser]") {
  check_error_cases({
      {"an unknown store with a guess",
       "  - name: x\n    store: ap\n    table: t\n    expire_after: 1y\n    since: ts\n",
       {"DIR/r.yaml:8:12: error: unknown store 'ap' in policy 'x' (did you mean 'app'?)"}},
      {"an unknown store, no guess",
       "  - name: x\n    store: warehouse\n    table: t\n    expire_after: 1y\n    since: ts\n",
       {"DIR/r.yaml:8:12: error: unknown store 'warehouse' in policy 'x'"}},
      {"an unknown store's policy is still read as a table's",
       "  - name: x\n    store: nowhere\n    table: \"a;b\"\n    expire_after: 1y\n",
       {"DIR/r.yaml:8:12: error: unknown store 'nowhere' in policy 'x'",
        "DIR/r.yaml:9:12: error: table: unsafe identifier 'a;b': character ';' is not allowed "
        "(use letters, digits, '_', '$', '-' or spaces)",
        "DIR/r.yaml:7:5: error: policy 'x' has no 'since' (the date column(s) the retention "
        "period starts from)"}},
      {"no store",
       "  - name: x\n    table: t\n    expire_after: 1y\n    since: ts\n",
       {"DIR/r.yaml:7:5: error: policy 'x' has no 'store'"}},
      {"no name: the policy is numbered",
       kTablePolicy + "  - store: app\n    table: t\n    since: ts\n",
       {"DIR/r.yaml:12:5: error: policy #2 has no 'name'",
        "DIR/r.yaml:12:5: error: policy #2 has no 'expire_after'"}},
      {"a bad name",
       "  - name: \"-x\"\n" + kTablePolicy.substr(kTablePolicy.find("    store")),
       {"DIR/r.yaml:7:11: error: policy name '-x' must start with a letter or digit and use only "
        "letters, digits, '-', '_' and '.'"}},
      {"a policy that is not a map",
       "  - just words\n",
       {"DIR/r.yaml:7:5: error: policy #1 must be a mapping of keys to values, not a scalar"}},
      {"no expire_after",
       "  - name: x\n    store: app\n    table: t\n    since: ts\n",
       {"DIR/r.yaml:7:5: error: policy 'x' has no 'expire_after'"}},
      {"a bad action",
       kTablePolicy + "    action: shred\n",
       {"DIR/r.yaml:12:13: error: unknown action 'shred' (use delete or anonymise)"}},
      {"what the policy selects is read before its action",
       without_key(kTablePolicy, "table") + "    action: shred\n",
       {"DIR/r.yaml:7:5: error: policy 'p' has no 'table'",
        "DIR/r.yaml:11:13: error: unknown action 'shred' (use delete or anonymise)"}},
      {"both spellings of anonymise",
       kTablePolicy +
           "    action: anonymise\n    anonymise: {a: {value: x}}\n    anonymize: {b: null}\n",
       {"DIR/r.yaml:14:5: error: use 'anonymise' or 'anonymize', not both"}},
      {"a files store cannot anonymise",
       kFilesPolicy + "    action: anonymize\n",
       {"DIR/r.yaml:11:13: error: only table stores can anonymise; policy 'f' can only delete"}},
      {"a Sympa store cannot anonymise",
       kSympaPolicy + "    action: anonymise\n",
       {"DIR/r.yaml:11:13: error: only table stores can anonymise; policy 's' can only delete"}},
      {"register entries",
       kTablePolicy + "    register: {data: [emails, \"\"], purpose: x}\n",
       {"DIR/r.yaml:12:31: error: 'data' entries must be non-empty text"}},
      {"an unknown register key",
       kTablePolicy + "    register: {data: emails, purpos: x}\n",
       {"DIR/r.yaml:12:30: error: unknown key 'purpos' in 'register' of policy 'p' (did you mean "
        "'purpose'?)"}},
      {"a bad schedule",
       kTablePolicy + "    schedule: hourly\n",
       {"DIR/r.yaml:12:15: error: unknown schedule 'hourly' (expected 'daily HH:MM', 'weekly DAY "
        "HH:MM' or 'every N' with a unit s, m, h or d)"}},
      {"random_delay needs a schedule",
       kTablePolicy + "    random_delay: 10m\n",
       {"DIR/r.yaml:12:5: error: 'random_delay' needs a 'schedule' in policy 'p'"}},
      {"a bad random_delay",
       kTablePolicy + "    schedule: daily 03:00\n    random_delay: soon\n",
       {"DIR/r.yaml:13:19: error: random_delay: interval 'soon' must be a whole number with a "
        "unit, as in '6h' or '30m'"}},
      {"dry_run is true or false",
       kTablePolicy + "    dry_run: maybe\n",
       {"DIR/r.yaml:12:14: error: 'dry_run' in policy 'p' must be true or false, not 'maybe'"}},
      {"a batch budget too long",
       kTablePolicy + "    batch_budget: 5m\n",
       {"DIR/r.yaml:12:19: error: batch budget '5m' must be a whole number of ms or s between "
        "10ms and 60s, as in '200ms' or '2s' (in policy 'p')"}},
      {"max_affected over 100%",
       kTablePolicy + "    max_affected: 100.5%\n",
       {"DIR/r.yaml:12:19: error: 'max_affected' in policy 'p' must be a percentage between 0% "
        "and 100% ('5%', '0.5%') or a whole count ('200'), not '100.5%'"}},
      {"max_affected as a list",
       kTablePolicy + "    max_affected: [5]\n",
       {"DIR/r.yaml:12:19: error: 'max_affected' in policy 'p' must be a percentage ('5%') or a "
        "count ('200')"}},
      {"max_affected too large a count",
       kTablePolicy + "    max_affected: 1234567890123456\n",
       {"DIR/r.yaml:12:19: error: 'max_affected' in policy 'p' is out of range: a count has at "
        "most 15 digits, not 16"}},
  });
}

TEST_CASE("the common keys are read into the policy", "[config][policy_parser]") {
  TempDir dir;
  auto loaded =
      load_text(dir, kThreeStores + kTablePolicy +
                         "    description: Accounts unused for a year\n"
                         "    source: privacy policy, section 4\n"
                         "    max_affected: 0.5%\n"
                         "    schedule: weekly sun 04:00\n"
                         "    random_delay: 30m\n"
                         "    dry_run: yes\n"
                         "    register: {data: [accounts, emails], legal_basis: consent}\n"
                         "    action: anonymize\n"
                         "    anonymise: {email: {value: gone}}\n" +
                         kFilesPolicy + "    max_affected: 200\n");
  INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
  REQUIRE(loaded.config);
  const Policy& p = loaded.config->policies.at(0);
  CHECK(p.description == "Accounts unused for a year");
  CHECK(p.source == "privacy policy, section 4");
  CHECK(p.store == "app");
  CHECK(p.store_location.line == 8);
  CHECK(p.expire_after == Duration{1, DurationUnit::Year});
  CHECK(p.max_affected.kind == MaxAffected::Kind::Percent);
  CHECK(p.max_affected.millipercent == 500);
  REQUIRE(p.schedule);
  CHECK(p.schedule->kind == Schedule::Kind::Weekly);
  CHECK(p.random_delay == std::chrono::minutes(30));
  CHECK(p.dry_run);
  REQUIRE(p.register_entry);
  // No `languages:`: the text is English.
  const RegisterText* words = p.register_entry->in(Language::English);
  REQUIRE(words);
  CHECK(words->data == std::vector<std::string>{"accounts", "emails"});
  CHECK(words->legal_basis == "consent");
  CHECK(p.action == Action::Anonymise);
  CHECK(p.action_location.line == 19);
  const Policy& f = loaded.config->policies.at(1);
  CHECK(f.action == Action::Delete);
  CHECK(f.action_location.str() == f.location.str());  // no action: blamed on the policy's map
  CHECK(f.max_affected.kind == MaxAffected::Kind::Count);
  CHECK(f.max_affected.count == 200);
}

namespace {

using K = OptionSpec::Kind;

// A store type declared the way connectors/<store>/spec.cc declare theirs, with nothing added to
// policies/: a table store that takes fewer keys, and a store with its own kind of target.
StoreSpec narrow_table_spec() {
  return {.type = "narrow",
          .summary = "a table store without also, notify or anonymise",
          .target = table_target(),
          .policy_fields = {"table", "key", "since", "where"},
          .options = {{"path", true, K::Path, "the database"}},
          .dialect = SqlDialect::Sqlite};
}

void parse_queue(const TargetInput& in, Policy& p) {
  collect(in.ctx.diags, [&] { p.sympa_target = in.map.text(in.required("queue")); });
}

StoreSpec queue_spec() {
  return {.type = "queue",
          .summary = "messages in named queues",
          .target = {"select a queue with 'queue:'", {"queue"}, parse_queue},
          .policy_fields = {"queue"},
          .options = {{"url", true, K::Text, "where the queues are"}}};
}

}  // namespace

TEST_CASE("a store type declares its policy keys beside its spec", "[config][policy_parser]") {
  const std::vector<StoreSpec> specs = {retentiond::connectors::sqlite_spec(), narrow_table_spec(),
                                        queue_spec()};
  const std::string stores =
      "stores:\n"                                  // 1
      "  app: {type: sqlite, path: app.db}\n"      // 2
      "  small: {type: narrow, path: small.db}\n"  // 3
      "  mq: {type: queue, url: \"amqp://mq\"}\n"  // 4
      "policies:\n";                               // 5
  TempDir dir;
  SECTION("its own kind of target") {
    auto loaded = load_text(dir,
                            stores +
                                "  - name: q\n    store: mq\n    queue: outgoing\n"
                                "    expire_after: 7d\n",
                            specs);
    INFO((loaded.errors.empty() ? "" : loaded.errors.front()));
    REQUIRE(loaded.config);
    CHECK(loaded.config->policies.at(0).sympa_target == "outgoing");
    CHECK(load_text(dir, stores + "  - name: q\n    store: mq\n    expire_after: 7d\n", specs)
              .errors == std::vector<std::string>{"DIR/r.yaml:6:5: error: policy 'q' has no "
                                                  "'queue'"});
  }
  SECTION("its keys are known to every policy, and apply to its own") {
    CHECK(load_text(dir,
                    stores + "  - name: q\n    store: mq\n    queu: outgoing\n"
                             "    expire_after: 7d\n    table: t\n",
                    specs)
              .errors ==
          std::vector<std::string>{
              "DIR/r.yaml:8:5: error: unknown key 'queu' in policy 'q' (did you mean 'queue'?)",
              "DIR/r.yaml:10:5: error: 'table' does not apply to store 'mq' (type queue), whose "
              "policies select a queue with 'queue:'",
              "DIR/r.yaml:6:5: error: policy 'q' has no 'queue'"});
    CHECK(load_text(dir,
                    stores + "  - name: t\n    store: app\n    table: t\n"
                             "    expire_after: 7d\n    since: ts\n    queue: outgoing\n",
                    specs)
              .errors ==
          std::vector<std::string>{"DIR/r.yaml:11:5: error: 'queue' does not apply to store 'app' "
                                   "(type sqlite), whose policies select a table with 'table:'"});
  }
  SECTION("a table store that takes fewer keys does not read the others") {
    // The bad `also` would be an error if it were read.
    CHECK(load_text(dir,
                    stores + "  - name: n\n    store: small\n    table: t\n"
                             "    expire_after: 7d\n    since: ts\n    also: 12\n",
                    specs)
              .errors ==
          std::vector<std::string>{"DIR/r.yaml:11:5: error: 'also' does not apply to store "
                                   "'small' (type narrow), whose policies select a table with "
                                   "'table:'"});
    auto loaded = load_text(dir,
                            stores +
                                "  - name: n\n    store: small\n    table: t\n"
                                "    expire_after: 7d\n    since: ts\n    where: \"a = 1\"\n",
                            specs);
    REQUIRE(loaded.config);
    CHECK(loaded.config->policies.at(0).where == "a = 1");
  }
  SECTION("keys no store of the build declares are unknown") {
    const std::vector<StoreSpec> sqlite_only = {retentiond::connectors::sqlite_spec()};
    CHECK(load_text(dir,
                    "stores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
                    "  - name: t\n    store: app\n    table: t\n    expire_after: 7d\n"
                    "    since: ts\n    files: \"*.log\"\n",
                    sqlite_only)
              .errors ==
          std::vector<std::string>{"DIR/r.yaml:9:5: error: unknown key 'files' in policy 't'"});
  }
}
