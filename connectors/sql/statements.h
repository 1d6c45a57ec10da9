// The statements every SQL store runs for a table policy, written once: the conditions (expired,
// held, already anonymised, noticed), the keyset batches, their actions and `also:` rules, the
// counts that reconcile a batch, samples and notice candidates. What differs between SQLite,
// PostgreSQL and MySQL comes from a Dialect, which each store's statements.cc fills with its
// date terms, casts and quirks. Each piece makes its placeholders where its text goes, left to
// right, so that MySQL's positional placeholders bind in order (see sql/params.h). Every value
// from the configuration or the pass is bound, never spliced.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "connectors/sql/anonymise.h"
#include "connectors/sql/expiry.h"
#include "connectors/sql/params.h"
#include "policies/policy.h"

namespace retentiond::connectors::sql {

// How one dialect spells what the shared statements need.
struct Dialect {
  char quote = '"';
  Placeholders::Style style = Placeholders::Style::Numbered;
  const AnonymiseDialect* anonymise = nullptr;
  std::string max = "max";            // the aggregate maximum
  std::string greatest = "GREATEST";  // the n-ary maximum of latest_of (sql/expiry.h)
  std::string false_value = "false";  // what an unknown hold_where counts as
  // Appended to a SELECT whose rows the batch then acts on (the values read for other stores),
  // so that they are read as the action finds them and cannot change before it: " FOR UPDATE"
  // on the servers; empty on SQLite, whose batch holds the database's write lock throughout.
  std::string locking_read = " FOR UPDATE";
  // A store whose keys may be NULL (SQLite lets a primary key hold NULL): the first batch and
  // the samples leave those rows out, as `key > after` does for the next batches.
  bool null_keys = false;
  // One basis column, `column` qualified with its table: its date in the dialect's form (NULL
  // when it holds none) and "known and before the cut-off". Throws std::invalid_argument with a
  // sentence when the column cannot hold a date the way the policy reads it.
  std::function<TermSql(const policies::BasisTerm& term, const std::string& column,
                        Placeholders& p)>
      term;
  // The cut-off and the pass's moment, as compared with a term's date.
  std::function<std::string(Placeholders& p)> cutoff;
  std::function<std::string(Placeholders& p)> now;
  // "`key` is among the keys in the JSON array bound as `name`" (held, noticed).
  std::function<std::string(const std::string& key, Placeholders& p, const std::string& name)>
      key_among;
  // A key, or an address, read back as text; a term's date as epoch seconds.
  std::function<std::string(const std::string& expr)> key_text;
  std::function<std::string(const std::string& expr)> email_text;
  // An address as Sympa compares it (blanks around it dropped, lower case), for the addresses an
  // `also:` rule hands to another store and those the table still holds: the same function on
  // both sides, so ' Zed@Ex.org ' of a record gone is still held by 'zed@ex.org' of one kept.
  std::function<std::string(const std::string& expr)> address_key;
  std::function<std::string(const std::string& expr)> epoch_of;
  // The batch statement around `keys` (SELECT <key> AS k ... LIMIT n): the batch's last key and
  // its count. `lock`: the records stay locked until the action (`also:` rules run first).
  std::function<std::string(const std::string& keys, bool lock)> batch;
};

// The type category ('D', 'N', 'S', ...) of a column of the policy's table (related empty) or of
// a related table; 0 when unknown (sql/catalog.h PolicyTables::category).
using CategoryOf = std::function<char(const std::optional<policies::QualifiedName>& related,
                                      const std::string& column)>;

// How a server store's basis column holds its dates, from its type category, checked against the
// term's `format:`. Throws std::invalid_argument with a sentence when it cannot hold a date (a
// boolean) or its format does not fit its type (format: date on an integer).
enum class DateColumn { Date, Epoch, EpochMs, Text };
DateColumn date_column(const policies::BasisTerm& term, char category);

// How a server store reads each kind of basis column (DateColumn) as a date in its dialect,
// NULL when the column holds no usable date (policies/timestamp.h).
struct ServerDates {
  // A date/time column: its date, and "usable and before the cut-off" (on the column itself, so
  // that its index stays usable).
  TermSql (*date)(const std::string& column, Placeholders& p);
  // An epoch number, in seconds or milliseconds (`ms`), as a date.
  std::string (*epoch)(const std::string& column, bool ms);
  // Text written in `format`, as a date.
  std::string (*text)(const std::string& column, policies::DateFormat format);
  // The cut-off, as compared with a date.
  std::string (*cutoff)(Placeholders& p);
  // A text column holds blank text (empty or spaces): no value, as NULL (sql/expiry.h absent).
  std::string (*blank)(const std::string& column);
};

// What a server store's Dialect holds alike (PostgreSQL, MySQL): its quoting, placeholder style
// and anonymisation, and terms read by their column's type category (date_column, category_of is
// kept by reference), epoch numbers compared as numbers with the cut-off in their unit. The store
// sets the rest.
Dialect server_dialect(char quote, Placeholders::Style style, const AnonymiseDialect& anonymise,
                       const CategoryOf& category_of, const ServerDates& dates);

// The statements every SQL store runs for a table policy (values bound by name: cutoff and its
// kin from the dialect's terms, limit, after (the previous batch's last key), last (this batch's
// last key), held, noticed, and the an_* of anonymisation).
struct PolicyStatements {
  std::string key;    // the quoted key column; empty for a table without one
  std::string basis;  // the latest known date (no placeholders), NULL when none is known
  Sql first_batch;    // last key and count of the first batch
  Sql next_batch;     // the same, after `after`
  Sql samples;        // keys (text) of the first `limit` records the action would touch
  // The keys (text, as the store writes them; at most 2) of the records whose key equals `key`,
  // compared in the key column's type ('05' finds 5, an upper-case UUID its lower-case form);
  // for holds.
  Sql key_lookup;
  Sql first_action;  // DELETE, or UPDATE for anonymise, of the batch's key range
  Sql next_action;
  std::vector<Sql> first_also;  // `also:` rules, before the action, on the same range
  std::vector<Sql> next_also;
  // For each `also:` rule in another store (policy.also_stores): the values of its column in the
  // records the batch acts on (NULLs left out), read before the `also:` rules and the action.
  std::vector<Sql> first_related;
  std::vector<Sql> next_related;
  // For each such rule: the values among `related` (a JSON array of the batch's values) that
  // rows of the table still hold once the batch's action ran (inside its transaction): another
  // store keeps those (an address still a contact of a kept member stays subscribed).
  std::vector<Sql> related_kept;
  // The expired records (holds and notices aside) left in a batch's range, counted before it
  // commits and again after a crash to tell whether it did (Connector::reconcile).
  Sql first_count;
  Sql next_count;
  // With `notify:`: key, basis (epoch) and address of the records expired at the bound cut-off
  // (the notice cut-off); every other statement then only touches the keys in `noticed`.
  Sql notice_candidates;

  // What plan shows of a keyset walk, in the order a batch runs them: the next batch's SELECT,
  // the values it reads for other stores, its `also:` rules, its action.
  std::vector<const Sql*> shown() const;
  // The texts `check` compiles: the batches, actions, `also:` rules (and the values read for
  // other stores) and notice candidates.
  std::vector<std::string> texts() const;
};

// The pieces of a policy's statements in one dialect. Each piece that takes Placeholders makes
// its placeholders as its text goes; build a statement left to right, one piece at a time.
class StatementBuilder {
 public:
  // `key` is the quoted key column (or a key without a column: rowid, ctid), empty when the
  // table has none. Throws std::invalid_argument like Dialect::term.
  StatementBuilder(const policies::Policy& policy, std::string key, bool operator_holds,
                   const Dialect& dialect);

  const std::string& table() const { return table_; }  // quoted
  const std::string& key() const { return key_; }
  const std::string& basis() const { return basis_; }
  Placeholders placeholders() const { return Placeholders(dialect_.style); }

  // Known and before the cut-off.
  std::string expired(Placeholders& p) const;
  // Held (hold_where, operator holds); empty when no hold applies.
  std::string held(Placeholders& p) const;
  // " AND NOT (already anonymised)" where that can be told, else empty.
  std::string not_done(Placeholders& p) const;
  // " AND (where)", or empty.
  std::string selected() const;
  // What a batch may touch: expired, selected, not held, not done, and noticed unless
  // `noticed` is false (notice candidates).
  std::string acted(Placeholders& p, bool noticed = true) const;
  // The expired records left in the key range (lower, upper] (no bound where a name is null),
  // holds and notices aside.
  Sql remaining(const char* lower, const char* upper) const;
  // One statement with the plan's counts: total, matched, held, oldest (epoch), undated,
  // future, then whatever `extra(matched condition)` adds (", col, col"); over the rows that
  // `within` (a condition, given the statement's placeholders) admits when it is set: a part of
  // the table, for a plan counted in parts.
  Sql plan(const std::function<std::string(const std::string& matched)>& extra = {},
           const std::function<std::string(Placeholders& p)>& within = {}) const;
  // The counts `status` needs, and no more: matched, held, oldest (epoch) over the expired rows
  // only (WHERE expired ...), so that an index on a plain date column answers it instead of a
  // scan of the whole table.
  Sql tally() const;
  // Every statement of PolicyStatements.
  PolicyStatements statements() const;

 private:
  TermSql term(const policies::BasisTerm& t, Placeholders& p) const;
  std::string range(Placeholders& p, bool next, const std::string& key) const;
  Sql batch(bool next) const;
  Sql action(bool next) const;
  Sql also(const policies::AlsoRule& rule, int index, bool next) const;
  Sql related_values(const policies::AlsoStoreRule& rule, bool next) const;
  Sql related_kept(const policies::AlsoStoreRule& rule) const;

  const policies::Policy& policy_;
  const Dialect& dialect_;
  std::string table_, key_, basis_;
  bool operator_holds_;
};

}  // namespace retentiond::connectors::sql
