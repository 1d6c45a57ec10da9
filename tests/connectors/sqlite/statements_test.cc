// The SQLite store's statements: quoted identifiers, bound values, and a DELETE that re-checks
// the expiry condition, the policy's `where` and the holds itself.
#include "connectors/sqlite/statements.h"

#include <catch2/catch.hpp>

using namespace retentiond::connectors::sqlite;
using namespace retentiond::policies;

namespace {

Policy policy(std::vector<BasisTerm> terms, std::string where = "") {
  Policy p;
  p.name = "p";
  p.table = QualifiedName{"", "decidim users"};
  p.expire_after = Duration{14, DurationUnit::Month};
  p.since.kind = Basis::Kind::Columns;
  p.since.terms = std::move(terms);
  p.where = std::move(where);
  return p;
}

BasisTerm column(std::string name, DateFormat format = DateFormat::Auto) {
  BasisTerm t;
  t.column = std::move(name);
  t.format = format;
  return t;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("one column basis", "[sqlite][statements]") {
  auto s = build_statements(policy({column("last_sign_in_at")}), "id", false);
  CHECK(s.key == "\"id\"");
  CHECK(s.basis == "rd_epoch(\"decidim users\".\"last_sign_in_at\")");
  CHECK(s.next_action.text ==
        "DELETE FROM \"decidim users\" WHERE \"id\" > ?1 AND \"id\" <= ?2 AND "
        "(rd_epoch(\"decidim users\".\"last_sign_in_at\") < ?3)");
  CHECK(s.next_action.params == std::vector<std::string>{"after", "last", "cutoff_epoch"});
  CHECK(s.next_batch.text ==
        "SELECT max(k), count(*) FROM (SELECT \"id\" AS k FROM \"decidim users\" WHERE \"id\" > ?1 "
        "AND (rd_epoch(\"decidim users\".\"last_sign_in_at\") < ?2) ORDER BY \"id\" LIMIT ?3)");
  CHECK(s.next_batch.params == std::vector<std::string>{"after", "cutoff_epoch", "limit"});
  // A primary key may hold NULL in SQLite: the first batch leaves those rows out.
  CHECK(contains(s.first_batch.text, "WHERE \"id\" IS NOT NULL AND "));
  CHECK_FALSE(contains(s.plan.text + s.next_action.text, "json_each"));  // no holds
}

TEST_CASE("latest-of basis, explicit formats and where", "[sqlite][statements]") {
  auto s =
      build_statements(policy({column("last_sign_in_at"), column("created_at", DateFormat::Epoch)},
                              "deleted_at IS NULL"),
                       "id", false);
  const std::string a = "rd_epoch(\"decidim users\".\"last_sign_in_at\")";
  const std::string b = "rd_epoch(\"decidim users\".\"created_at\", 'epoch')";
  // The latest known date (sql/expiry.h); expired when every known date is before the cut-off.
  CHECK(s.basis == "max(COALESCE(" + a + ", " + b + "), COALESCE(" + b + ", " + a + "))");
  CHECK(contains(s.first_action.text, "WHERE \"id\" <= ?1 AND ((" + a + " < ?2 OR " + a +
                                          " IS NULL) AND (" + b + " < ?2 OR " + b +
                                          " IS NULL) AND (" + a + " IS NOT NULL OR " + b +
                                          " IS NOT NULL)) AND (deleted_at IS NULL)"));
  CHECK(contains(s.next_action.text, " IS NOT NULL)) AND (deleted_at IS NULL)"));
  CHECK(contains(s.plan.text, "FROM \"decidim users\" WHERE (deleted_at IS NULL)"));
}

TEST_CASE("related-table basis is a correlated subquery", "[sqlite][statements]") {
  BasisTerm t = column("date_de_depart");
  t.related = QualifiedName{"", "adherents"};
  t.on = "adherents.id = devices.adherent_id";
  auto s = build_statements(policy({t}), "id", false);
  CHECK(s.basis ==
        "(SELECT max(rd_epoch(\"adherents\".\"date_de_depart\")) FROM \"adherents\" WHERE "
        "(adherents.id = devices.adherent_id))");
}

TEST_CASE("holds are excluded by the deleting statement itself", "[sqlite][statements]") {
  auto p = policy({column("ts")});
  p.hold_where = "litigation = 1";
  auto s = build_statements(p, "rowid", true);
  CHECK(s.key == "rowid");
  CHECK(contains(
      s.next_action.text,
      "AND NOT (COALESCE((litigation = 1), 0) OR rowid IN (SELECT value FROM json_each(?4)))"));
  CHECK(s.next_action.params == std::vector<std::string>{"after", "last", "cutoff_epoch", "held"});
  CHECK(contains(s.first_action.text, "AND NOT ("));
  CHECK_FALSE(contains(s.first_batch.text, "IS NOT NULL"));  // a rowid is never NULL
}
