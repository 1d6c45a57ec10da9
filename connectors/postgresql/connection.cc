#include "connectors/postgresql/connection.h"

#include <libpq-fe.h>

#include "connectors/secret.h"
#include "policies/printable.h"

namespace retentiond::connectors::postgresql {

std::string conninfo_value(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

namespace {

// Reads any date text retentiond accepts as ISO-8601 and returns NULL for anything else, where a
// plain ::timestamptz cast would raise an error (aborting the batch) or accept words such as
// 'epoch' or 'now'. Digits alone are epoch seconds unless the format says otherwise. Dates
// outside years 1 to 9999 (policies/timestamp.h) are NULL too.
constexpr const char* kReadDateFunction = R"sql(
CREATE OR REPLACE FUNCTION pg_temp.rd_ts(v text, fmt text) RETURNS timestamptz
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  t timestamptz;
BEGIN
  IF v IS NULL THEN RETURN NULL; END IF;
  IF v ~ '^[0-9]{1,18}$' THEN
    -- Digits are read only as the policy's epoch format: under auto '20991231' is no 1970 date.
    IF fmt = 'epoch' THEN t := to_timestamp(v::bigint);
    ELSIF fmt = 'epoch_ms' THEN t := to_timestamp(v::bigint / 1000.0);
    ELSE RETURN NULL;
    END IF;
  ELSE
    IF fmt = 'epoch' OR fmt = 'epoch_ms' THEN RETURN NULL; END IF;
    IF v !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?$' THEN
      RETURN NULL;
    END IF;
    t := v::timestamptz;
  END IF;
  IF t < '0001-01-01 00:00:00+00' OR t >= '10000-01-01 00:00:00+00' THEN RETURN NULL; END IF;
  RETURN t;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$fn$)sql";

// `json_remove:` (sql/anonymise.h): a document without the members at the dotted paths, and
// whether it holds one of them, for json, jsonb and text (varchar reads as text) columns, each
// returning the column's own type. Text that is not JSON stays as it is and holds nothing.
constexpr const char* kJsonFunctions = R"sql(
CREATE OR REPLACE FUNCTION pg_temp.rd_jsonb(v text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
  RETURN v::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION pg_temp.rd_json_remove(v jsonb, paths text[]) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $fn$
DECLARE
  p text;
BEGIN
  -- Only a member that is there is removed: #- raises an error on a path through an array or a
  -- scalar, where #> finds nothing.
  FOREACH p IN ARRAY paths LOOP
    IF v #> string_to_array(p, '.') IS NOT NULL THEN v := v #- string_to_array(p, '.'); END IF;
  END LOOP;
  RETURN v;
END
$fn$;
CREATE OR REPLACE FUNCTION pg_temp.rd_json_remove(v json, paths text[]) RETURNS json
LANGUAGE sql IMMUTABLE AS $fn$ SELECT pg_temp.rd_json_remove(v::jsonb, paths)::json $fn$;
CREATE OR REPLACE FUNCTION pg_temp.rd_json_remove(v text, paths text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT CASE WHEN pg_temp.rd_jsonb(v) IS NULL THEN v
              ELSE pg_temp.rd_json_remove(pg_temp.rd_jsonb(v), paths)::text END
$fn$;
CREATE OR REPLACE FUNCTION pg_temp.rd_json_has(v jsonb, paths text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $fn$
  SELECT COALESCE(bool_or(v #> string_to_array(p, '.') IS NOT NULL), false) FROM unnest(paths) p
$fn$;
CREATE OR REPLACE FUNCTION pg_temp.rd_json_has(v json, paths text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $fn$ SELECT pg_temp.rd_json_has(v::jsonb, paths) $fn$;
CREATE OR REPLACE FUNCTION pg_temp.rd_json_has(v text, paths text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $fn$ SELECT pg_temp.rd_json_has(pg_temp.rd_jsonb(v), paths) $fn$;
)sql";

}  // namespace

Result<std::string> connection_string(const policies::StoreConfig& store) {
  const std::string dsn = store.value("dsn");
  // The operator's dsn (key=value words or a URI) read alone: a mistake in it (an unclosed
  // quote, an unknown key) is named as theirs; then written again as key='value' words with
  // retentiond's own, so that nothing of theirs (a trailing "sslmode=") swallows ours.
  char* why = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn.c_str(), &why);
  if (!parsed) {
    std::string message = why ? why : "cannot be read";
    if (why) PQfreemem(why);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    return Error{ErrorKind::Config,
                 error_prefix(store.name) + "its dsn cannot be read: " + message};
  }
  std::string out;
  bool timeout = false;
  for (const PQconninfoOption* o = parsed; o->keyword; ++o) {
    if (!o->val) continue;
    if (std::string_view(o->keyword) == "connect_timeout") timeout = true;
    out += (out.empty() ? "" : " ") + std::string(o->keyword) + "=" + conninfo_value(o->val);
  }
  PQconninfoFree(parsed);
  auto password = store_password(store);
  if (!password) return password.error();
  std::vector<std::pair<std::string, std::string>> extra = {{"application_name", "retentiond"}};
  if (!timeout) extra.push_back({"connect_timeout", "10"});
  if (password.value()) extra.push_back({"password", *password.value()});
  for (const auto& [k, v] : extra) out += (out.empty() ? "" : " ") + k + "=" + conninfo_value(v);
  return out;
}

Result<std::unique_ptr<pqxx::connection>> connect(const policies::StoreConfig& store,
                                                  AccessMode mode) {
  auto conninfo = connection_string(store);
  if (!conninfo) return conninfo.error();
  try {
    auto c = std::make_unique<pqxx::connection>(conninfo.value());
    pqxx::nontransaction setup(*c);
    setup.exec("SET TIME ZONE 'UTC'");
    // And how values are written as text, whatever the database or the environment (PGDATESTYLE)
    // sets: held keys are compared with the store's text of a key (a timestamptz key written
    // '01/01/2020 ...' would match no hold), and partition bounds are read as ISO dates.
    setup.exec("SET DateStyle = 'ISO, YMD'");
    setup.exec("SET IntervalStyle = 'postgres'");
    setup.exec("SET extra_float_digits = 1");
    setup.exec("SET bytea_output = 'hex'");
    // The policy's SQL fragments were validated as read with these (policies/sql_fragment.h): a
    // backslash in '...' is a plain character, and no client encoding hides an ASCII quote.
    setup.exec("SET standard_conforming_strings = on");
    setup.exec("SET client_encoding = 'UTF8'");
    setup.exec("SET lock_timeout = '5s'");
    setup.exec("SET idle_in_transaction_session_timeout = '60s'");
    try {
      setup.exec(kReadDateFunction);
      setup.exec(kJsonFunctions);
    } catch (const pqxx::insufficient_privilege&) {
      // Reachable, but the role may not create retentiond's functions in pg_temp (SQLSTATE
      // 42501; libpqxx 6.4 leaves sqlstate() empty for these statements, its type tells).
      return Error{ErrorKind::Config,
                   error_prefix(store.name) + "role " + setup.quote_name(c->username()) +
                       " may not create temporary objects in database " +
                       setup.quote_name(c->dbname()) +
                       ", which retentiond's date functions need: GRANT TEMPORARY ON DATABASE " +
                       setup.quote_name(c->dbname()) + " TO " + setup.quote_name(c->username())};
    }
    if (mode == AccessMode::ReadOnly)
      setup.exec("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
    setup.commit();
    return c;
  } catch (const std::exception& e) {
    std::string why = policies::one_line(e.what());
    while (!why.empty() && why.back() == ' ') why.pop_back();
    return Error{ErrorKind::StoreUnreachable,
                 error_prefix(store.name) + "cannot connect to PostgreSQL: " + why};
  }
}

}  // namespace retentiond::connectors::postgresql
