// `retentiond register`: the published retention table, regenerated from each shipped example
// alone (every seed's promises in the seed's own words), in the configuration's languages and
// every format, without contacting any store.
#include <catch2/catch.hpp>

#include "support/run.h"
#include "support/sqlite_file.h"
#include "support/temp_dir.h"

using namespace retentiond::testing;

namespace {

// The Markdown row whose data cell is `data` and whose retention cell is `retention`, or "".
std::string row_with(const std::string& table, const std::string& data,
                     const std::string& retention) {
  std::size_t from = 0;
  while ((from = table.find("\n| " + data + " |", from)) != std::string::npos) {
    auto end = table.find('\n', from + 1);
    std::string row = table.substr(from + 1, end - from - 1);
    if (row.find("| " + retention + " |") != std::string::npos) return row;
    from = end;
  }
  return "";
}

bool has_row(const std::string& table, const std::string& data, const std::string& retention) {
  return !row_with(table, data, retention).empty();
}

std::string seed_text(const std::string& name) {
  return read_file(shared_dir() + "/seeds/" + name);
}

struct SeedRow {
  std::string data;
  std::string retention;
  // Phrases of the seed that the row must quote as they are written there.
  std::vector<std::string> quoted;
};

struct SeedRegister {
  std::string example;
  std::string seed;
  std::vector<SeedRow> rows;
};

}  // namespace

// Issue 18 (4): the register showed "—" for purposes and legal bases the seeds state, raw column
// names at the end, and a section Le PIC's policy does not have. Each example's register, in its
// configuration's language (French), now quotes its seed.
TEST_CASE("register quotes each seed's own wording, in French by default",
          "[cli][register][examples]") {
  const std::string consent = "Aucune donnée n’est collectée sans le consentement des personnes";
  const std::string sidec_basis =
      "l'exécution du contrat entre le SIDEC et les collectivités ou agents utilisateurs du "
      "logiciel, ainsi que sur le respect des obligations légales auxquelles le SIDEC est soumis";
  const std::string sidec_anonymised =
      "afin de maintenir la fonctionnalité de l’outil, une anonymisation des données "
      "personnelles est effectuée";
  const std::string internet = "1 an à compter de la fin de la fourniture de services Internet";
  const std::vector<std::string> internet_quoted = {
      "Fourniture de services Internet", "Obligation légale",
      "Exécution du contrat de fourniture de services Internet", internet};
  const std::string membership = "5 ans à compter de la fin de l'adhésion";
  const std::vector<std::string> membership_quoted = {
      "Identification de l'adhérent", "Exécution du contrat d'association", membership};
  const std::string nancy_basis = "La base légale du traitement est le consentement des personnes";
  const std::string anct =
      "mission d’intérêt public ou relevant de l’exercice de l’autorité "
      "publique dont est investie l’ANCT";
  const std::vector<SeedRegister> registers = {
      {"000-le-pic.yaml",
       "000_640148af34dab43c.txt",
       {
           {"Adresse électronique, éventuellement nom et prénom des abonnés, dans la base de "
            "données de SYMPA",
            "jusqu’au désabonnement de toutes les listes hébergées par le PIC, puis quelques jours "
            "(7 jours)",
            {"Listes de diffusion", consent, "toutes les listes hébergées par le PIC",
             "base de données de SYMPA"}},
           {"Journal des actions sur les listes",
            "3 mois à compter de leur enregistrement",
            {"Listes de diffusion"}},
           {"Statistiques d'utilisation des listes",
            "3 mois à compter de leur enregistrement",
            {"Listes de diffusion"}},
           {"« Journaux » d’utilisation du site de chaque association adhérente",
            "automatiquement retirés au bout de 52 jours",
            {"automatiquement retirés au bout de 52 jours",
             "chaque association adhérente a accès aux \"journaux\" d’utilisation de son site"}},
           {"Traces des accès à tous les sites du PIC",
            "conservées une année (1 an)",
            {"Conformément à la loi, nous conservons dans nos journaux systèmes une trace de tous "
             "les accès des utilisateurs aux sites web",
             "conservées une année",
             "l’accès à ces fichiers est réservé aux administrateurs du PIC"}},
           {"Toutes les données, sauvegardées quotidiennement",
            "une dizaine de jours (c’est-à-dire qu’on peut restaurer une sauvegarde datant de 10 "
            "jours au maximum)",
            {"un site ou une application web en cas de problème majeur (intrusion, crash système, "
             "etc.)",
             "Mise en sécurité des données"}},
           {"Un contact technique et un contact administratif (nom, prénom, adresse postale et "
            "électronique)",
            "retirées de nos bases de données au plus tard après une année, si une association ne "
            "renouvelle pas son adhésion (1 an)",
            {"contact avec nos adhérents, soit pour des raisons administratives (renouvellement de "
             "l’adhésion par exemple), soit pour des raisons techniques",
             consent, "Adhérents ayant un site ou une application Web hébergée au PIC"}},
       }},
      {"001-sidec-jura.yaml",
       "001_14ca450dcb55c250.txt",
       {
           {"Compte d'utilisateur : Login",
            "En cas d’inactivité pendant une année, le compte est supprimé (1 an)",
            {"(administratives, techniques, informatiques, etc.)", sidec_basis, sidec_anonymised}},
           {"Compte d'utilisateur : Login",
            "Dès la notification de la cessation d’activité d’une personne, le compte est "
            "supprimé dans un délai de 3 mois",
            {sidec_basis, sidec_anonymised}},
           {"La base de données, le fichier de configuration du logiciel et les personnalisations "
            "du SIDEC",
            "Sauvegardées une fois par jour avec une rétention de 14 jours",
            {"Sauvegarde des données", "une rétention de 14 jours"}},
       }},
      {"002-minet.yaml",
       "002_0c3642cfea99d747.txt",
       {
           {"Nom et prénom / Raison sociale", membership, membership_quoted},
           {"Adresse email", membership, membership_quoted},
           {"N° de chambre",
            "5 ans à compter de la fin de la fourniture de services Internet",
            {"Fourniture de services Internet", "Obligation légale",
             "Exécution du contrat de fourniture de services Internet"}},
           {"Identifiant utilisateur", internet, internet_quoted},
           {"Données de vérification de mot de passe", internet, internet_quoted},
           {"Adresses IP de l'utilisateur", internet, internet_quoted},
           {"Adresses MAC des terminaux", internet, internet_quoted},
           {"Le montant",
            "1 an à compter de la fin de l'adhésion",
            {"Gestion des paiements", "Obligation légale"}},
           {"Baux DHCP",
            "1 an à compter de la fin de la fourniture de services Internet : chaque fichier est "
            "supprimé 1 an après son enregistrement, donc au plus tard 1 an après la fin de la "
            "fourniture",
            {"Fourniture de services Internet",
             "Exécution du contrat de fourniture de services Internet"}},
           {"Journaux applicatifs : l'adresse IP lors de la navigation sur les plateformes mises à "
            "disposition par MiNET",
            "au plus un an (1 an)",
            {"notamment en cas d'attaques ou de tentatives d'attaques informatiques",
             "au plus un an"}},
       }},
      {"003-grand-nancy.yaml",
       "003_edc4c8ee11a490df.txt",
       {
           {"Nom, prénom, photographie ou avatar",
            "Au bout de 14 mois d’absence sur le site",
            {"la participation des citoyens sur des projets à l’échelle du territoire "
             "métropolitain",
             nancy_basis,
             "contenus produits sont conservés mais placés sous un statut de contributeur "
             "anonyme"}},
           {"Pseudonyme", "Au bout de 14 mois d’absence sur le site", {nancy_basis}},
           {"Adresse courriel", "Au bout de 14 mois d’absence sur le site", {nancy_basis}},
           {"Historique des modifications des comptes supprimés",
            "30 jours à compter de la suppression du compte",
            {nancy_basis}},
       }},
      {"004-coop-mediation.yaml",
       "004_ecb18a7368c21f3e.txt",
       {
           {"Données relatives aux comptes des médiateurs : nom, prénom, courriel, numéro de "
            "téléphone (facultatif)",
            "1 an après le dernier contact avec l’utilisateur",
            {"Fournir un accès authentifié à la plateforme aux médiateurs numériques "
             "professionnels",
             anct, "article 6-1 e) du RGPD"}},
           {"Données relatives aux bénéficiaires pour la transmission à l’entrepôt de données "
            "partagé de l’inclusion numérique : nom, prénom, année de naissance",
            "1 an après la dernière mise à jour des données",
            {"Transmettre les données des bénéficiaires à l’entrepôt de données partagé de "
             "l’inclusion numérique",
             anct}},
           {"Données relatives à la lettre d’information : nom, prénom, adresse courriel",
            "Jusqu’à la désinscription de l’utilisateur et 1 an après sa demande de "
            "désinscription",
            {"Gérer l’inscription et la diffusion de la newsletter", anct}},
           {"Données relatives au formulaire de contact : nom, prénom, adresse courriel",
            "1 an après l’envoi du message par l’utilisateur",
            {"Recueillir les demandes au sein d’un formulaire de contact", anct}},
       }},
  };
  for (const auto& r : registers) {
    const std::string seed = seed_text(r.seed);
    REQUIRE_FALSE(seed.empty());
    // No --language: the configuration declares French.
    auto out = run_retentiond({"register", "-c", source_dir() + "/policies/examples/" + r.example});
    INFO(r.example << "\n" << out.out << out.err);
    REQUIRE(out.exit_code == 0);
    CHECK(out.out.find("# Durées de conservation") == 0);
    CHECK(out.out.find("anonymisation (") == std::string::npos);  // no raw column names
    for (const auto& row : r.rows) {
      INFO(row.data << " | " << row.retention);
      const std::string line = row_with(out.out, row.data, row.retention);
      CHECK_FALSE(line.empty());
      for (const auto& phrase : row.quoted) {
        INFO("quoted: " << phrase);
        CHECK(seed.find(phrase) != std::string::npos);
        CHECK(line.find(phrase) != std::string::npos);
      }
    }
  }

  // The Coop's newsletter list is kept by a third party: its row says so, plainly.
  auto coop = run_retentiond(
      {"register", "-c", source_dir() + "/policies/examples/004-coop-mediation.yaml"});
  CHECK(row_with(coop.out,
                 "Données relatives à la lettre d’information : nom, prénom, adresse courriel",
                 "Jusqu’à la désinscription de l’utilisateur et 1 an après sa demande de "
                 "désinscription")
            .find("tenue par un prestataire tiers (Brevo)") != std::string::npos);

  auto pic =
      run_retentiond({"register", "-c", source_dir() + "/policies/examples/000-le-pic.yaml"});
  CHECK(pic.out.find(", Sauvegardes |") == std::string::npos);  // a section seed 000 lacks
  auto nancy =
      run_retentiond({"register", "-c", source_dir() + "/policies/examples/003-grand-nancy.yaml"});
  CHECK(nancy.out.find("| avis par e-mail 30 jours avant |") != std::string::npos);
  CHECK(nancy.out.find("| Le compte est supprimé ; les contenus produits sont conservés mais "
                       "placés sous un statut de contributeur anonyme |") != std::string::npos);
  CHECK(nancy.out.find("nickname") == std::string::npos);
}

TEST_CASE("register: text per language, worded durations, words at the end", "[cli][register]") {
  TempDir dir;
  std::string config = dir.write("r.yaml", R"(state: state.db
languages: [fr, en]
stores:
  db: {type: sqlite, path: nowhere.db}
  logs: {type: files, root: /nonexistent}
policies:
  - name: accounts
    store: db
    table: accounts
    expire_after: 1y
    since: last_seen
    action: anonymise
    anonymise: {email: {value: ""}}
    register:
      fr: {data: [Comptes], purpose: Participation, duration: "une année", at_expiry: "anonymisation du compte"}
      en: {data: [Accounts], purpose: Participation, duration: "one year after the last visit"}
  - name: logs
    description: Web logs
    store: logs
    files: "*.log"
    expire_after: 52d
    since: mtime
    register: {fr: {duration: "52 jours après leur écriture"}}
  - name: sessions
    description: Sessions
    store: db
    table: sessions
    expire_after: 2w
    since: created_at
    action: anonymise
    anonymise: {token: null}
)");
  // The configuration's first language by default.
  auto fr = run_retentiond({"register", "-c", config}, dir.path());
  INFO(fr.out << fr.err);
  REQUIRE(fr.exit_code == 0);
  CHECK(fr.err.find("policy 'logs' has no 'register' text in en") != std::string::npos);
  CHECK(
      fr.out.find("| Comptes | Participation | — | une année (1 an) | anonymisation du compte |") !=
      std::string::npos);
  CHECK(fr.out.find("| Web logs | — | — | 52 jours après leur écriture | suppression |") !=
        std::string::npos);
  CHECK(fr.out.find("| Sessions | — | — | 2 semaines à compter de la date created_at | "
                    "anonymisation |") != std::string::npos);
  CHECK(fr.out.find("token") == std::string::npos);

  auto en = run_retentiond({"register", "-c", config, "--language", "en"}, dir.path());
  INFO(en.out << en.err);
  REQUIRE(en.exit_code == 0);
  CHECK(en.out.find("# Retention periods") == 0);
  CHECK(en.out.find("| Accounts | Participation | — | one year after the last visit (1 year) | "
                    "anonymised |") != std::string::npos);
  // No English text: the French one, followed by the enforced duration in English.
  CHECK(en.out.find("| Web logs | — | — | 52 jours après leur écriture (52 days) | deleted |") !=
        std::string::npos);
  CHECK(en.out.find("| Sessions | — | — | 2 weeks from the date created_at | anonymised |") !=
        std::string::npos);
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
  CHECK(has_row(en.out, "Sessions \\<expire\\> after 2 weeks \\| always",
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
  CHECK(fr.out.find(
            "W\n  Durée de conservation\u00a0: 1 an à compter de la date ts\n  À l'échéance\u00a0: "
            "suppression\n  Délai\u00a0: au plus 7 jours après l'échéance\n") != std::string::npos);
  CHECK(fr.out.find("  Délai\u00a0: avant l'échéance\n") != std::string::npos);
  CHECK(fr.out.find("  Délai\u00a0: au plus 24 heures après l'échéance\n") != std::string::npos);
  CHECK(fr.out.find("  Délai\u00a0: lors d'une exécution manuelle\n") != std::string::npos);
  auto en =
      run_retentiond({"register", "-c", config, "--format", "text"}, dir.path(), {{"TZ", "UTC"}});
  CHECK(en.out.find("  When: at most 7 days after it ends\n") != std::string::npos);
  CHECK(en.out.find("  When: before it ends\n") != std::string::npos);
}

TEST_CASE("register: Markdown shows the policy's text as written, text keeps one line per field",
          "[cli][register]") {
  TempDir dir;
  std::string config = dir.write("r.yaml", R"yaml(state: state.db
languages: fr
stores:
  db: {type: sqlite, path: nowhere.db}
policies:
  - name: accounts
    store: db
    table: accounts
    expire_after: 1y
    since: last_seen
    source: "politique, *article* 4"
    register:
      fr:
        data: ["<script>alert(1)</script>", "_souligné_ [lien](http://x)", "a \\| b", "created_at"]
        purpose: "Base « légale » & <b>"
        legal_basis: "ligne un\nligne deux"
)yaml");
  auto md = run_retentiond({"register", "-c", config}, dir.path());
  INFO(md.out << md.err);
  REQUIRE(md.exit_code == 0);
  CHECK(md.out.find("\\<script\\>alert(1)\\</script\\>") != std::string::npos);
  CHECK(md.out.find("\\_souligné\\_ \\[lien\\](http://x)") != std::string::npos);
  CHECK(md.out.find("a \\\\\\| b") != std::string::npos);  // the backslash and the bar, literal
  CHECK(md.out.find("created_at") != std::string::npos);   // inside a word: no emphasis
  CHECK(md.out.find("Base « légale » \\& \\<b\\>") != std::string::npos);
  CHECK(md.out.find("politique, \\*article\\* 4") != std::string::npos);
  CHECK(md.out.find("ligne un ligne deux") != std::string::npos);
  CHECK(md.out.find("<script>") == std::string::npos);
  auto text = run_retentiond({"register", "-c", config, "--format", "text"}, dir.path());
  INFO(text.out << text.err);
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("ligne un ligne deux\n") != std::string::npos);
}

TEST_CASE("plan's Markdown shows a description that starts like a block as text",
          "[cli][register][markdown]") {
  // '---' would be a rule, '- ' a list item joining the rule's list, '1. ' a numbered list.
  for (const auto& [description, shown] :
       std::vector<std::pair<std::string, std::string>>{{"---", "\\---"},
                                                        {"- list? x", "\\- list? x"},
                                                        {"1. starts", "1\\. starts"},
                                                        {"    indented", "indented"},
                                                        {"plain text", "plain text"}}) {
    TempDir dir;
    const std::string config =
        dir.write("r.yaml",
                  "state: state.db\nstores:\n  db: {type: sqlite, path: app.db}\npolicies:\n"
                  "  - name: p\n    description: \"" +
                      description +
                      "\"\n    store: db\n    table: t\n    expire_after: 1y\n    since: seen\n");
    sqlite_exec(dir.file("app.db"), "CREATE TABLE t (id INTEGER PRIMARY KEY, seen TEXT);");
    auto r = run_retentiond({"plan", "-c", config, "--format", "markdown"}, dir.path());
    INFO(description << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("## p\n\n" + shown + "\n\n- Rule:") != std::string::npos);
  }
}
