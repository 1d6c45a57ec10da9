// Seed 004 (La coop de la médiation numérique) end to end:
// policies/examples/004-coop-mediation.yaml as shipped, on a PostgreSQL schema shaped like the
// platform's (shared/schemas/ coop-mediation-numerique.md: schema `coop`, uuid keys, timestamp(3)
// columns, its foreign keys). A mediator and a beneficiary, each with a unique name and e-mail
// address, are written in every table the seed's promises cover; past the promises, their names and
// addresses are in no column of any table, the year of birth is gone, and what the seed keeps
// (activity reports, statistics fields, the rows that other rows point at) is still there with its
// foreign keys valid.
#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/example_file.h"
#include "support/pg_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/temp_dir.h"
#include "support/trace_search.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const char* kCoop = R"sql(
CREATE SCHEMA coop;
CREATE TABLE coop.users (
  id uuid PRIMARY KEY, first_name text, last_name text, name text, role text NOT NULL DEFAULT 'user',
  email text NOT NULL UNIQUE, phone text, location text, title text, description text, image_id uuid,
  created timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, updated timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted timestamp(3), last_login timestamp(3), last_seen timestamp(3));
CREATE TABLE coop.accounts (id text PRIMARY KEY, user_id uuid NOT NULL REFERENCES coop.users ON DELETE CASCADE,
  type text NOT NULL, provider text NOT NULL, provider_account_id text NOT NULL, access_token text, id_token text);
CREATE TABLE coop.sessions (id uuid PRIMARY KEY, session_token text NOT NULL UNIQUE,
  user_id uuid NOT NULL REFERENCES coop.users ON DELETE CASCADE, expires timestamp(3) NOT NULL,
  usurper_id uuid REFERENCES coop.users ON DELETE SET NULL);
CREATE TABLE coop.mediateurs (id uuid PRIMARY KEY, user_id uuid NOT NULL UNIQUE REFERENCES coop.users ON DELETE RESTRICT,
  creation timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE coop.rdv_users (id integer PRIMARY KEY, address text, address_details text, affiliation_number text,
  birth_date date, birth_name text, created_at timestamp(3), email text, first_name text NOT NULL,
  last_name text NOT NULL, notify_by_email boolean NOT NULL DEFAULT false, phone_number text,
  phone_number_formatted text, synced_at timestamp(3) NOT NULL, caisse_affiliation text);
CREATE TABLE coop.rdv_participations (id integer PRIMARY KEY,
  user_id integer NOT NULL REFERENCES coop.rdv_users ON DELETE RESTRICT, status text NOT NULL,
  synced_at timestamp(3) NOT NULL);
CREATE TABLE coop.beneficiaires (id uuid PRIMARY KEY,
  mediateur_id uuid NOT NULL REFERENCES coop.mediateurs ON DELETE RESTRICT, anonyme boolean NOT NULL DEFAULT false,
  prenom text, nom text, telephone text, pas_de_telephone boolean, email text, annee_naissance integer,
  adresse text, commune text, genre text, tranche_age text, statut_social text, notes text,
  creation timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, modification timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  suppression timestamp(3), rdv_user_id integer REFERENCES coop.rdv_users ON DELETE SET NULL);
CREATE TABLE coop.activites (id uuid PRIMARY KEY, mediateur_id uuid NOT NULL REFERENCES coop.mediateurs,
  date date NOT NULL, duree integer NOT NULL, notes text);
CREATE TABLE coop.accompagnements (id uuid PRIMARY KEY,
  beneficiaire_id uuid NOT NULL REFERENCES coop.beneficiaires ON DELETE RESTRICT,
  activite_id uuid NOT NULL REFERENCES coop.activites ON DELETE RESTRICT);
CREATE TABLE coop.mutations (id uuid PRIMARY KEY, user_id uuid REFERENCES coop.users ON DELETE SET NULL,
  nom text NOT NULL, duration integer NOT NULL, data jsonb NOT NULL,
  "timestamp" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE coop.newsletter_subscriptions (id integer PRIMARY KEY, email text NOT NULL, unsubscribed_at timestamp(3));

-- Zéphyrine Quenouille, a mediator last seen in January 2025; Barnabé Tirelire, a beneficiary
-- last updated in March 2025, also an RDV Service Public user. Kept Active stays.
INSERT INTO coop.users (id, first_name, last_name, name, email, phone, location, title, description,
                        created, last_login, last_seen) VALUES
 ('10000000-0000-4000-8000-000000000001', 'Zéphyrine', 'Quenouille', 'Zéphyrine Quenouille',
  'zephyrine.quenouille@example.net', '0611223344', 'Lons', 'Médiatrice Quenouille', 'Zéphyrine aide',
  '2023-01-01', '2025-01-10', '2025-01-15'),
 ('10000000-0000-4000-8000-000000000002', 'Kept', 'Active', 'Kept Active', 'kept.active@example.net',
  NULL, NULL, NULL, NULL, '2023-01-01', '2027-05-01', '2027-05-01');
INSERT INTO coop.accounts VALUES
 ('acc1', '10000000-0000-4000-8000-000000000001', 'oidc', 'proconnect', 'zephyrine.quenouille@example.net', 'tok', 'idt');
INSERT INTO coop.sessions VALUES
 ('20000000-0000-4000-8000-000000000001', 'sess-zephyrine', '10000000-0000-4000-8000-000000000001', '2025-02-01', NULL);
INSERT INTO coop.mediateurs (id, user_id) VALUES
 ('30000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001'),
 ('30000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000002');
INSERT INTO coop.rdv_users VALUES
 (501, '3 rue Tirelire', 'Bât. B', 'CAF-Tirelire-42', '1961-04-02', 'Tirelire', '2024-01-01',
  'barnabe.tirelire@example.net', 'Barnabé', 'Tirelire', true, '0655443322', '+33655443322', '2025-03-01', 'CAF Jura');
INSERT INTO coop.rdv_participations VALUES (1, 501, 'seen', '2025-03-01');
-- Gaston Partage's RDV identity is shared by two beneficiaries (two mediators): one last updated
-- in February 2025, one in May 2027, which keeps it.
INSERT INTO coop.rdv_users VALUES
 (502, '9 place Partage', NULL, 'CAF-Partage-77', '1950-05-05', NULL, '2024-01-01',
  'gaston.partage@example.net', 'Gaston', 'Partage', true, NULL, NULL, '2025-02-01', NULL);
INSERT INTO coop.beneficiaires (id, mediateur_id, prenom, nom, telephone, pas_de_telephone, email,
                                annee_naissance, adresse, commune, genre, tranche_age, statut_social,
                                notes, creation, modification, rdv_user_id) VALUES
 ('40000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', 'Barnabé', 'Tirelire',
  '0655443322', false, 'barnabe.tirelire@example.net', 1961, '3 rue Tirelire', 'Lons-le-Saunier',
  'masculin', '60-69', 'retraite', 'Barnabé veut écrire à sa fille', '2024-01-01', '2025-03-01', 501),
 ('40000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000002', 'Recent', 'Beneficiary',
  NULL, NULL, 'recent.beneficiary@example.net', 1990, NULL, 'Dole', 'feminin', '30-39', NULL, NULL,
  '2027-01-01', '2027-01-01', NULL),
 ('40000000-0000-4000-8000-000000000003', '30000000-0000-4000-8000-000000000001', 'Gaston', 'Partage',
  NULL, NULL, NULL, 1950, NULL, 'Dole', 'masculin', '70-79', NULL, NULL, '2024-01-01', '2025-02-01', 502),
 ('40000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000002', 'Gaston', 'Partage',
  NULL, NULL, NULL, 1950, NULL, 'Dole', 'masculin', '70-79', NULL, NULL, '2024-01-01', '2027-05-01', 502);
-- Set aside by the platform: Bob Doublon, a duplicate merged in January 2025 (its data left as
-- it was), and a beneficiary it deleted itself, which kept the year of birth.
INSERT INTO coop.beneficiaires (id, mediateur_id, prenom, nom, telephone, pas_de_telephone, email,
                                annee_naissance, adresse, commune, genre, tranche_age, statut_social,
                                notes, creation, modification, suppression, anonyme) VALUES
 ('40000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000002', 'Bob', 'Doublon',
  NULL, NULL, 'bob.doublon@example.net', 1983, NULL, 'Dole', 'masculin', '40-49', NULL, NULL,
  '2024-01-01', '2025-01-01', '2025-01-02 10:00', false),
 ('40000000-0000-4000-8000-000000000006', '30000000-0000-4000-8000-000000000002', NULL, NULL,
  NULL, NULL, NULL, 1947, NULL, 'Dole', 'feminin', '70-79', NULL, NULL,
  '2024-01-01', '2025-01-05', '2025-01-05 10:00', true);
INSERT INTO coop.activites VALUES
 ('50000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000001', '2025-03-01', 60, 'atelier mail');
INSERT INTO coop.accompagnements VALUES
 ('60000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', '50000000-0000-4000-8000-000000000001');
INSERT INTO coop.mutations (id, user_id, nom, duration, data, "timestamp") VALUES
 ('70000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001', 'ModifierProfil', 12,
  '{"firstName": "Zéphyrine", "lastName": "Quenouille", "email": "zephyrine.quenouille@example.net", "phone": "0611223344", "timezone": "Europe/Paris"}', '2024-06-01'),
 ('70000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001', 'ModifierBeneficiaire', 20,
  '{"id": "40000000-0000-4000-8000-000000000001", "prenom": "Barnabé", "nom": "Tirelire", "email": "barnabe.tirelire@example.net", "telephone": "0655443322", "anneeNaissance": 1961, "adresse": "3 rue Tirelire", "notes": "Barnabé veut écrire à sa fille", "genre": "masculin"}', '2025-03-01'),
 ('70000000-0000-4000-8000-000000000003', '10000000-0000-4000-8000-000000000002', 'ModifierBeneficiaire', 20,
  '{"id": "40000000-0000-4000-8000-000000000005", "prenom": "Bob", "nom": "Doublon", "email": "bob.doublon@example.net", "anneeNaissance": 1983, "genre": "masculin"}', '2025-01-01');
INSERT INTO coop.newsletter_subscriptions VALUES
 (1, 'zephyrine.quenouille@example.net', '2025-02-01'), (2, 'kept.active@example.net', NULL);
)sql";

}  // namespace

TEST_CASE("seed 004: the coop's mediator and beneficiary leave no trace past the promises",
          "[cli][postgresql][examples][seeds]") {
  PgDatabase db;
  db.exec(kCoop);
  TempDir dir;
  // The contact form's mailbox: Zéphyrine wrote in January 2025.
  std::filesystem::create_directories(dir.file("mail/cur"));
  const std::string message = dir.write(
      "mail/cur/1736500000.M1.host:2,S",
      "From: zephyrine.quenouille@example.net\nSubject: Bonjour\n\nZéphyrine Quenouille\n");
  REQUIRE(run_program({"/usr/bin/touch", "-d", "2025-01-10", message}).exit_code == 0);
  const std::string config = dir.write(
      "coop.yaml",
      without_guards(example_with_stores(
          "004-coop-mediation.yaml",
          "  coop: {type: postgresql, dsn: \"" + db.dsn() +
              "\"}\n  contact-mailbox: {type: files, root: " + dir.file("mail") + "}\n")));
  auto check = run_retentiond({"check", "-c", config}, dir.path());
  INFO(check.out << check.err);
  REQUIRE(check.exit_code == 0);

  // 2027-06-01 is more than a year after every date of the two persons.
  auto enforce = run_retentiond(
      {"enforce", "-c", config, "--at", "2027-06-01T00:00:00Z", "--format", "json"}, dir.path());
  INFO(enforce.out << enforce.err);
  REQUIRE(enforce.exit_code == 0);
  const json report = json::parse(enforce.out);
  CHECK(policy_in(report, "mediator-accounts").at("affected") == 1);
  CHECK(policy_in(report, "beneficiaries").at("affected") == 2);
  CHECK(policy_in(report, "set-aside-beneficiaries").at("affected") == 2);
  CHECK(policy_in(report, "beneficiaries-rdv-identities").at("affected") == 1);
  CHECK(policy_in(report, "newsletter-subscriptions").at("affected") == 1);
  CHECK(policy_in(report, "contact-form-messages").at("affected") == 1);

  for (const char* trace : {"Zéphyrine", "Quenouille", "zephyrine.quenouille", "0611223344",
                            "Barnabé", "Tirelire", "barnabe.tirelire", "0655443322", "1961",
                            "CAF-Tirelire", "Doublon", "bob.doublon", "1983", "1947"}) {
    INFO(trace);
    CHECK(pg_tables_holding(db, "coop", trace).empty());
  }
  CHECK_FALSE(std::filesystem::exists(message));

  // What stays: the rows that others point at, flagged as the platform flags them, the
  // statistics fields, the activity report and its link, the audit log's other keys.
  CHECK(db.column("SELECT concat_ws('|', anonyme, suppression IS NOT NULL, commune, genre, "
                  "tranche_age, statut_social) FROM coop.beneficiaires ORDER BY id") ==
        std::vector<std::string>{"t|t|Lons-le-Saunier|masculin|60-69|retraite",
                                 "f|f|Dole|feminin|30-39", "t|t|Dole|masculin|70-79",
                                 "f|f|Dole|masculin|70-79", "t|t|Dole|masculin|40-49",
                                 "t|t|Dole|feminin|70-79"});
  // The platform's own deletion and merge dates stay.
  CHECK(db.column("SELECT suppression FROM coop.beneficiaires WHERE id >= "
                  "'40000000-0000-4000-8000-000000000005' ORDER BY id") ==
        std::vector<std::string>{"2025-01-02 10:00:00", "2025-01-05 10:00:00"});
  // The RDV identity a kept beneficiary still uses stays whole; the other is anonymised.
  CHECK(db.column("SELECT concat_ws('|', id, first_name, last_name, email, birth_date) FROM "
                  "coop.rdv_users ORDER BY id") ==
        std::vector<std::string>{"501|Anonyme|Anonyme",
                                 "502|Gaston|Partage|gaston.partage@example.net|1950-05-05"});
  CHECK(db.column("SELECT concat_ws('|', first_name, last_name, deleted IS NOT NULL) FROM "
                  "coop.users ORDER BY id") ==
        std::vector<std::string>{"Utilisateur|Supprimé|t", "Kept|Active|f"});
  CHECK(db.integer("SELECT count(*) FROM coop.rdv_participations WHERE user_id = 501") == 1);
  CHECK(db.integer("SELECT count(*) FROM coop.accompagnements") == 1);
  CHECK(db.integer("SELECT count(*) FROM coop.sessions") == 0);
  CHECK(db.integer("SELECT count(*) FROM coop.accounts") == 0);
  CHECK(db.column("SELECT data->>'genre' FROM coop.mutations WHERE nom = 'ModifierBeneficiaire'") ==
        std::vector<std::string>{"masculin", "masculin"});
  CHECK(db.column("SELECT data->>'timezone' FROM coop.mutations WHERE nom = 'ModifierProfil'") ==
        std::vector<std::string>{"Europe/Paris"});
  CHECK(db.column("SELECT email FROM coop.newsletter_subscriptions") ==
        std::vector<std::string>{"kept.active@example.net"});
  CHECK(pg_tables_holding(db, "coop", "recent.beneficiary@example.net") ==
        std::vector<std::string>{"coop.beneficiaires"});

  // A second pass finds nothing left to do.
  auto again = run_retentiond(
      {"enforce", "-c", config, "--at", "2027-06-01T00:00:00Z", "--format", "json"}, dir.path());
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  const json again_report = json::parse(again.out);
  REQUIRE_FALSE(again_report.at("policies").empty());
  for (const auto& p : again_report.at("policies")) CHECK(p.at("affected") == 0);
}
