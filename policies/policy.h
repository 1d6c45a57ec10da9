// The configuration model: stores, policies and their retention rules, as loaded from YAML.
// Plain data; every field a later stage may blame (an online `check`, a failed pass) keeps the
// Location it was read from. Built by config_loader.h, read by the planner and the connectors.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policies/duration.h"
#include "policies/identifier.h"
#include "policies/language.h"
#include "policies/location.h"
#include "policies/schedule.h"
#include "policies/throttle.h"

namespace retentiond::policies {

enum class Action { Delete, Anonymise };

// What the policy's duration promises: Maximum, "deleted after at most N" (the default; a pass
// may act up to one schedule gap late); Exact, "kept N, then deleted" (lateness is expected);
// Strict, a maximum kept to the letter: the cut-off is taken from the next scheduled pass, so
// records are acted on before they would outlive the promise (see policies/deadline.h).
enum class Deadline { Maximum, Exact, Strict };
std::string_view action_name(Action a);  // "delete", "anonymise"

// How a date is stored. Auto lets the store decide from the column's type (and, on SQLite, from
// each value's type: integers are epoch seconds, text is ISO-8601).
enum class DateFormat { Auto, Epoch, EpochMs, Iso, Date, Timestamp };
std::string_view date_format_name(DateFormat f);

// One date the expiry is measured from: a column of the policy's table, or of a related table
// joined by `on` (the latest matching related row counts).
struct BasisTerm {
  std::string column;
  DateFormat format = DateFormat::Auto;
  std::optional<QualifiedName> related;
  std::string on;
  // `{fallback: ...}`: counts only when every other term's date is unknown (an account that
  // never logged in is measured from its creation). Fallback terms come last in `since`.
  bool fallback = false;
  Location location;
  Location on_location;
};

// The policy's `since`. Columns: the latest non-NULL of the terms, or when they are all NULL the
// latest non-NULL of the fallback terms; NULL everywhere keeps the record. Mtime and NameDate apply
// to the files store; Target lets the store define the date (Sympa targets).
struct Basis {
  enum class Kind { Columns, Mtime, NameDate, Target };
  Kind kind = Kind::Target;
  std::vector<BasisTerm> terms;
  std::string name_date_format;  // NameDate: strftime-like, e.g. "%Y%m%d"
  // NameDate: search the relative path below its first directory, not only the base name. Set
  // by the sympa store for its archives (<list>/<YYYY-MM>/...); not a YAML option.
  bool name_date_in_path = false;
  Location location;
};

// What `anonymise:` writes into one column.
struct AnonymiseStrategy {
  enum class Kind {
    Null,
    Value,
    Now,
    Hash,
    Hmac,
    UniquePlaceholder,
    Template,
    Generalise,
    JsonRemove
  };
  Kind kind = Kind::Null;
  std::string text;     // Value: the literal; UniquePlaceholder, Template: the pattern;
                        // Hmac: the key file; Generalise: "year", "month" or "day"
  int hash_length = 0;  // Hash: hex characters kept
  // JsonRemove: the members to remove, each as its keys from the document's root ("user.email"
  // is {"user", "email"}). Keys hold only ASCII letters, digits, '_' and '-'.
  std::vector<std::vector<std::string>> json_paths;
  Location location;
};

struct ColumnAnonymisation {
  std::string column;
  AnonymiseStrategy strategy;
  Location location;
};

// A related table handled with each batch, before the main action (`also:`).
struct AlsoRule {
  QualifiedName table;
  std::string on;
  Action action = Action::Delete;
  std::vector<ColumnAnonymisation> anonymise;
  Location location;
  Location table_location;
  Location on_location;
};

// Records in another store of the configuration that go with each batch (`also:` with
// `store:`): the store named acts on what the batch's records relate to there, before the batch's
// action and inside its transaction, so that a failure there keeps the batch's records. The one
// kind so far is a Sympa store's subscriptions (`sympa: subscribers`): the addresses in `column`
// of the batch's records are unsubscribed from `lists` (of `robot`, or of every robot).
struct AlsoStoreRule {
  std::string store;
  Location store_location;
  std::string kind;  // what the other store acts on: "subscribers" (`sympa:`)
  Location kind_location;
  std::vector<std::string> lists;
  Location lists_location;
  std::string robot;  // empty: the lists of that name on every robot
  Location robot_location;
  std::string column;  // the column of the policy's table that holds the value (`email:`)
  Location column_location;
  Location location;
};
// What the other store removes for the rule, in counts: "subscriptions".
std::string_view also_store_unit(const AlsoStoreRule& rule);

// E-mail notice before the action (`notify:`).
struct Notify {
  Duration before;
  std::string email_column;
  std::string template_file;  // resolved against the declaring file's directory
  std::string subject;
  std::string from;
  // The notice's language: its {date} and {before} words, and the description {description}
  // inserts. Default: the configuration's first language.
  Language language = Language::English;
  Location location;
};

// One language's wording of the policy as it is published (`register:`): in the retention
// register (`retentiond register`) and in notices. Every field is optional; what is missing is
// said from the policy itself.
struct RegisterText {
  std::vector<std::string> data;  // categories of data, one register row each
  std::string purpose;
  std::string legal_basis;
  std::string event;        // the starting event, in words ("the end of membership")
  std::string duration;     // the retention as published ("une dizaine de jours"), replacing the
                            // computed "<N units> from <event>"
  std::string at_expiry;    // what happens at the end ("suppression du compte")
  std::string description;  // the promise: the notices' {description}; the register's data
                            // when `data` is not given
  Location location;
};

// The policy's `register:`: its text in one or more of the configuration's languages.
struct RegisterEntry {
  // In the order of the configuration's `languages:`; never empty.
  std::vector<std::pair<Language, RegisterText>> texts;
  Location location;

  // The text in `l`, or null.
  const RegisterText* in(Language l) const;
  // The text in `l`, else the first one (in the configuration's order of languages).
  const RegisterText& for_language(Language l) const;
};

// What a pass does with the partitions of a range-partitioned table (`partitions:`). Rows: every
// expired row is deleted in batches, as on any table. Drop and Detach: a partition whose whole
// range lies before the cut-off goes as a unit (dropped, or detached under a recognisable name and
// dropped once `grace` has passed); the others (the boundary, the default partition) go through
// the batched row deletion. Only for a policy that deletes every expired row of its table, by one
// date column that is the partition key (see partitions_forced_to_rows()).
enum class PartitionMode { Rows, Drop, Detach };
std::string_view partition_mode_name(PartitionMode m);  // "rows", "drop", "detach"

// The guard. Default: refuse a pass that would touch more than 90% of more than 10 selected
// records.
struct MaxAffected {
  enum class Kind { Default, Percent, Count };
  Kind kind = Kind::Default;
  long long count = 0;         // Count
  long long millipercent = 0;  // Percent: 5% is 5000
  std::string text;            // as written
  Location location;
};

struct Policy {
  std::string name;
  Location location;  // the policy's map
  std::string file;   // file that declared it
  std::string description;
  std::string source;

  std::string store;
  Location store_location;

  // Table stores (sqlite, postgresql, mysql).
  std::optional<QualifiedName> table;
  Location table_location;
  std::string key;  // empty: the table's primary key
  Location key_location;
  // false: several rows may share a key (Sympa's tables without a primary key, walked on their
  // date column): a batch then takes every row of its last key, however many.
  bool key_unique = true;

  Duration expire_after;
  Location expire_after_location;
  Basis since;

  std::string where;
  Location where_location;

  Action action = Action::Delete;
  Location action_location;
  std::vector<ColumnAnonymisation> anonymise;
  Location anonymise_location;
  std::vector<AlsoRule> also;              // related tables of the same store
  std::vector<AlsoStoreRule> also_stores;  // related records in other stores
  std::optional<Notify> notify;
  std::string hold_where;
  Location hold_where_location;

  std::optional<RegisterEntry> register_entry;

  PartitionMode partitions = PartitionMode::Rows;
  Location partitions_location;
  // Detach: how long a detached partition is kept before a pass drops it (default 7 days).
  Duration grace{7, DurationUnit::Day};
  Location grace_location;

  MaxAffected max_affected;
  std::optional<Schedule> schedule;
  Location schedule_location;
  std::optional<std::chrono::seconds> random_delay;
  Deadline deadline = Deadline::Maximum;
  Location deadline_location;
  bool dry_run = false;  // `serve` and `enforce` only plan this policy
  // The time each batch should stay under; unset: the pass's default (200 ms).
  std::optional<std::chrono::milliseconds> batch_budget;

  // Files store.
  std::vector<std::string> files;
  Location files_location;
  std::optional<long long> min_keep;
  Location min_keep_location;
  // `min_keep_per: directory`: the newest min_keep files of each directory are kept (one backup
  // job per directory: a job that stopped keeps its own), instead of the newest of the whole tree.
  bool min_keep_per_directory = false;
  Location min_keep_per_location;

  // Sympa store.
  std::string sympa_target;
  Location sympa_target_location;
};

// Why `policy`, though it says `partitions: drop` or `detach`, must delete row by row in every
// partition ("'where:' selects rows within a partition"), or nullopt when partitions may go as
// units. Rows mode: nullopt.
std::optional<std::string> partitions_forced_to_rows(const Policy& policy);
// Why `policy`'s `since` cannot be a table's partition key (several columns, a related table, an
// epoch or text format), or nullopt. Rows mode: nullopt.
std::optional<std::string> partition_basis_problem(const Policy& policy);

struct StoreOption {
  std::string value;
  Location location;
};

struct StoreConfig {
  std::string name;
  std::string type;
  Location location;
  std::string base_dir;  // directory of the declaring file; relative paths resolve against it
  std::map<std::string, StoreOption, std::less<>> options;  // every key but `type` and `throttle`
  std::optional<ThrottleConfig> throttle;                   // `throttle:` (mysql, postgresql)
  // retentiond's own files (absolute): the state file and its companions, the configuration
  // files; a directory's ends in '/'. No files store ever selects them under its root.
  std::vector<std::string> own_files;

  const StoreOption* option(std::string_view key) const;
  // The option's value, or `fallback` when absent.
  std::string value(std::string_view key, std::string_view fallback = "") const;
  // A path option resolved against base_dir; empty when absent.
  std::string path(std::string_view key) const;
};

struct SmtpConfig {
  std::string host;
  int port = 25;
  bool starttls = true;
  std::string user;
  std::string password_file;
  std::string from;
  Location location;
};

struct MetricsConfig {
  std::string listen;  // "127.0.0.1:9187"
  Location location;
};

struct Config {
  std::string file;  // the main configuration file
  // The languages published text is written in (`languages:`), the first being the default:
  // register text without a language block, notices without `language:`. Default: English.
  std::vector<Language> languages{Language::English};
  Location languages_location;  // unknown when `languages:` is not given
  std::string state_path;       // resolved; "" when the state is in PostgreSQL
  Location state_location;
  // `state: {type: postgresql, dsn, password_file}`: a state several hosts share. Its name is
  // "state" (the systemd credential holding its password, when no password_file is named).
  std::optional<StoreConfig> state_store;
  std::string audit_key_file;  // resolved; "" when not set (see daemon/state.h audit_key_for)
  Location audit_key_location;
  std::vector<StoreConfig> stores;
  std::vector<Policy> policies;
  std::optional<SmtpConfig> smtp;
  std::optional<MetricsConfig> metrics;
  std::vector<std::string> included_files;

  const StoreConfig* store(std::string_view name) const;
  const Policy* policy(std::string_view name) const;
};

}  // namespace retentiond::policies
