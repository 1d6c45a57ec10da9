// `retentiond register`: the published retention table, regenerated from each shipped example
// alone (every seed's promises with their durations and starting events), in both languages and
// every format, without contacting any store.
#include <catch2/catch.hpp>

#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

struct Expected {
  std::string file;
  std::vector<std::string> rows;  // "data | ... | retention" fragments that must appear
};

bool has_row(const std::string& table, const std::string& data, const std::string& retention) {
  std::size_t from = 0;
  while ((from = table.find("\n| " + data + " |", from)) != std::string::npos) {
    auto end = table.find('\n', from + 1);
    if (table.substr(from, end - from).find("| " + retention + " |") != std::string::npos)
      return true;
    from = end;
  }
  return false;
}

}  // namespace

TEST_CASE("register regenerates each seed's retention table from its example",
          "[cli][register][examples]") {
  const std::vector<std::tuple<std::string, std::string, std::string>> rows = {
      {"000-le-pic.yaml", "Adresse e-mail et nom des abonnés aux listes",
       "7 jours à compter de la désinscription de toutes les listes"},
      {"000-le-pic.yaml", "Journaux d'accès des sites des adhérents",
       "52 jours à compter de leur enregistrement"},
      {"000-le-pic.yaml", "Traces des accès à l'ensemble des sites",
       "1 an à compter de leur enregistrement"},
      {"000-le-pic.yaml", "Sauvegardes", "10 jours à compter de la sauvegarde"},
      {"000-le-pic.yaml", "Contacts technique et administratif des associations adhérentes",
       "1 an à compter de la fin de l'adhésion non renouvelée"},
      {"001-sidec-jura.yaml", "Compte utilisateur (identifiant, statut, notes)",
       "1 an à compter de la dernière activité du compte"},
      {"001-sidec-jura.yaml", "Identité et compte d'une personne ayant cessé son activité",
       "3 mois à compter de la notification de la cessation d'activité"},
      {"001-sidec-jura.yaml",
       "Sauvegardes de la base, de la configuration et des personnalisations",
       "14 jours à compter de la sauvegarde"},
      {"002-minet.yaml", "Nom et prénom / Raison sociale",
       "5 ans à compter de la fin de l'adhésion"},
      {"002-minet.yaml", "Adresse email", "5 ans à compter de la fin de l'adhésion"},
      {"002-minet.yaml", "N° de chambre", "5 ans à compter de la fin de l'adhésion"},
      {"002-minet.yaml", "Identifiant utilisateur",
       "1 an à compter de la fin de la fourniture de services Internet"},
      {"002-minet.yaml", "Données de vérification de mot de passe",
       "1 an à compter de la fin de la fourniture de services Internet"},
      {"002-minet.yaml", "Adresses IP de l'utilisateur",
       "1 an à compter de la fin de la fourniture de services Internet"},
      {"002-minet.yaml", "Adresses MAC des terminaux",
       "1 an à compter de la fin de la fourniture de services Internet"},
      {"002-minet.yaml", "Le montant", "1 an à compter de la fin de l'adhésion"},
      {"002-minet.yaml", "Baux DHCP", "1 an à compter de leur enregistrement"},
      {"002-minet.yaml", "Journaux applicatifs (adresse IP)",
       "1 an à compter de leur enregistrement"},
      {"003-grand-nancy.yaml",
       "Compte de participant (nom, pseudonyme, adresse e-mail, biographie)",
       "14 mois à compter de la dernière connexion"},
      {"004-coop-mediation.yaml", "Comptes des médiateurs",
       "1 an à compter du dernier contact avec l'utilisateur"},
      {"004-coop-mediation.yaml", "Données des bénéficiaires",
       "1 an à compter de leur dernière mise à jour"},
      {"004-coop-mediation.yaml", "Inscription à la lettre d'information",
       "1 an à compter de la désinscription"},
      {"004-coop-mediation.yaml", "Messages du formulaire de contact",
       "1 an à compter de l'envoi du message"},
  };
  for (const auto& [file, data, retention] : rows) {
    INFO(file << ": " << data);
    auto r = run_retentiond(
        {"register", "-c", source_dir() + "/policies/examples/" + file, "--language", "fr"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(has_row(r.out, data, retention));
  }
  auto nancy =
      run_retentiond({"register", "-c", source_dir() + "/policies/examples/003-grand-nancy.yaml",
                      "--language", "fr"});
  CHECK(nancy.out.find("| avis par e-mail 30 jours avant |") != std::string::npos);
  CHECK(nancy.out.find("anonymisation (name, nickname, email") != std::string::npos);
}

TEST_CASE("register: defaults, languages and formats", "[cli][register]") {
  TempDir dir;
  std::string config = dir.write("r.yaml", R"(state: state.db
stores:
  db: {type: sqlite, path: nowhere.db}
  logs: {type: files, root: /nonexistent}
policies:
  - name: sessions
    description: Sessions <expire> after 2 weeks | always
    store: db
    table: sessions
    expire_after: 2w
    since: [last_seen, created_at]
  - name: logs
    description: Web logs
    source: privacy policy, section 4
    store: logs
    files: "*.log"
    expire_after: 52d
    since: mtime
)");
  auto en = run_retentiond({"register", "-c", config}, dir.path());
  INFO(en.err);
  REQUIRE(en.exit_code == 0);
  CHECK(en.out.find("# Retention periods") != std::string::npos);
  CHECK(has_row(en.out, "Sessions <expire> after 2 weeks \\| always",
                "2 weeks from the latest of last_seen or created_at"));
  CHECK(has_row(en.out, "Web logs", "52 days from the file's last modification"));

  auto html = run_retentiond({"register", "-c", config, "--format", "html", "--language", "fr"},
                             dir.path());
  REQUIRE(html.exit_code == 0);
  CHECK(html.out.find("<td>Sessions &lt;expire&gt; after 2 weeks | always</td>") !=
        std::string::npos);
  CHECK(html.out.find("<td>52 jours à compter de la dernière modification du fichier</td>") !=
        std::string::npos);
  CHECK(html.out.find("<html lang=\"fr\">") != std::string::npos);

  auto text = run_retentiond(
      {"register", "-c", config, "--format", "text", "--policy", "logs", "-o", "reg.txt"},
      dir.path());
  REQUIRE(text.exit_code == 0);
  std::string written = read_file(dir.file("reg.txt"));
  CHECK(written.find("Web logs\n  Retention: 52 days from the file's last modification\n") !=
        std::string::npos);
  CHECK(written.find("Sessions") == std::string::npos);

  CHECK(run_retentiond({"register", "-c", config, "--format", "pdf"}, dir.path()).exit_code == 2);
  CHECK(run_retentiond({"register", "-c", config, "--language", "de"}, dir.path()).exit_code == 2);
  CHECK(run_retentiond({"register", "-c", config, "--policy", "nope"}, dir.path()).exit_code == 2);
}

TEST_CASE("register says when a record is acted on against the end of its retention",
          "[register][deadline]") {
  TempDir dir;
  sqlite_exec(dir.file("app.db"), "CREATE TABLE t (id INTEGER PRIMARY KEY, ts TEXT);");
  const std::string config = dir.write(
      "c.yaml",
      "state: state.db\nstores:\n  app: {type: sqlite, path: app.db}\npolicies:\n"
      "  - {name: weekly, description: W, store: app, table: t, since: ts, expire_after: 1y,\n"
      "     schedule: weekly sun 04:00, deadline: exact}\n"
      "  - {name: strict, description: S, store: app, table: t, since: ts, expire_after: 1y,\n"
      "     schedule: weekly sun 04:00, deadline: strict}\n"
      "  - {name: daily, description: D, store: app, table: t, since: ts, expire_after: 1y, "
      "schedule: daily 03:00}\n"
      "  - {name: manual, description: M, store: app, table: t, since: ts, expire_after: 1y}\n");
  auto fr = run_retentiond({"register", "-c", config, "--language", "fr", "--format", "text"},
                           dir.path(), {{"TZ", "UTC"}});
  REQUIRE(fr.exit_code == 0);
  CHECK(
      fr.out.find(
          "W\n  Durée de conservation: 1 an à compter de la date ts\n  À l'échéance: suppression\n"
          "  Délai: au plus 7 jours après l'échéance\n") != std::string::npos);
  CHECK(fr.out.find("  Délai: avant l'échéance\n") != std::string::npos);
  CHECK(fr.out.find("  Délai: au plus 24 heures après l'échéance\n") != std::string::npos);
  CHECK(fr.out.find("  Délai: lors d'une exécution manuelle\n") != std::string::npos);
  auto en =
      run_retentiond({"register", "-c", config, "--format", "text"}, dir.path(), {{"TZ", "UTC"}});
  CHECK(en.out.find("  When: at most 7 days after it ends\n") != std::string::npos);
  CHECK(en.out.find("  When: before it ends\n") != std::string::npos);
}
