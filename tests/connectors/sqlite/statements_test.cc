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
  CHECK(s.table == "\"decidim users\"");
  CHECK(s.key == "\"id\"");
  CHECK(s.basis == "rd_epoch(\"last_sign_in_at\")");
  CHECK(s.next_action ==
        "DELETE FROM \"decidim users\" WHERE \"id\" > ?3 AND \"id\" <= ?2 AND "
        "rd_epoch(\"last_sign_in_at\") < ?1");
  CHECK(s.next_batch ==
        "SELECT max(k), count(*) FROM (SELECT \"id\" AS k FROM \"decidim users\" WHERE \"id\" > ?3 "
        "AND rd_epoch(\"last_sign_in_at\") < ?1 ORDER BY \"id\" LIMIT ?2)");
  CHECK_FALSE(s.holds);
}

TEST_CASE("latest-of basis, explicit formats and where", "[sqlite][statements]") {
  auto s = build_statements(
      policy({column("last_sign_in_at"), column("created_at", DateFormat::Epoch)}, "deleted_at IS NULL"),
      "id", false);
  CHECK(s.basis == "rd_latest(rd_epoch(\"last_sign_in_at\"), rd_epoch(\"created_at\", 'epoch'))");
  CHECK(contains(s.first_action, s.basis + " < ?1 AND (deleted_at IS NULL)"));
  CHECK(contains(s.next_action, s.basis + " < ?1 AND (deleted_at IS NULL)"));
  CHECK(contains(s.plan, "FROM \"decidim users\" WHERE (deleted_at IS NULL)"));
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
  CHECK(s.holds);
  CHECK(contains(s.next_action,
                 "AND NOT (COALESCE((litigation = 1), 0) OR rowid IN (SELECT value FROM json_each(?4)))"));
  CHECK(contains(s.first_action, "AND NOT ("));
}
