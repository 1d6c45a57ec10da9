// Seed 001 (SIDEC du Jura, "Mes demandes" on iTop) end to end:
// policies/examples/001-sidec-jura.yaml as shipped, on a MariaDB schema shaped like iTop's
// (shared/schemas/itop.md). Two persons with unique names and addresses, one whose account has been
// idle for a year and one whose end of activity was notified, are written where iTop keeps them:
// identity, account, change history (author names, old and new values), event log and e-mails sent.
// Past the promises neither name nor address is in any column of any table, an account that never
// logged in is measured from its creation, and the tickets still point at their (anonymous)
// contacts.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/example_file.h"
#include "support/mysql_server.h"
#include "support/report.h"
#include "support/run.h"
#include "support/temp_dir.h"
#include "support/trace_search.h"

using namespace retentiond::testing;
using nlohmann::json;

namespace {

const char* kItopTables = R"sql(
CREATE TABLE contact (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255),
  status ENUM('active','inactive') DEFAULT 'active', org_id INT(11) DEFAULT 0, email VARCHAR(255),
  phone VARCHAR(255), notify ENUM('yes','no') DEFAULT 'yes', `function` VARCHAR(255), finalclass VARCHAR(255),
  obsolescence_date DATE) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE person (id INT(11) NOT NULL PRIMARY KEY, picture_data LONGBLOB, picture_mimetype VARCHAR(255),
  picture_filename VARCHAR(255), picture_downloads_count INT(11) UNSIGNED, first_name VARCHAR(255),
  employee_number VARCHAR(255), mobile_phone VARCHAR(255), location_id INT(11) DEFAULT 0,
  manager_id INT(11) DEFAULT 0) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE priv_user (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, contactid INT(11) DEFAULT 0,
  login VARCHAR(255), language VARCHAR(255) DEFAULT 'EN US', status ENUM('enabled','disabled') DEFAULT 'enabled',
  log LONGTEXT, log_index BLOB, finalclass VARCHAR(255)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE priv_internaluser (id INT(11) NOT NULL PRIMARY KEY, reset_pwd_token_hash TINYBLOB,
  reset_pwd_token_salt TINYBLOB) ENGINE=InnoDB;
CREATE TABLE priv_user_local (id INT(11) NOT NULL PRIMARY KEY, password_hash TINYBLOB, password_salt TINYBLOB,
  expiration ENUM('can_expire','never_expire','force_expire','otp_expire') DEFAULT 'never_expire',
  password_renewed_date DATE) ENGINE=InnoDB;
CREATE TABLE priv_urp_userprofile (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, userid INT(11) DEFAULT 0,
  profileid INT(11) DEFAULT 0, description VARCHAR(255)) ENGINE=InnoDB;
CREATE TABLE priv_urp_userorg (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, userid INT(11) DEFAULT 0,
  allowed_org_id INT(11) DEFAULT 0, reason VARCHAR(255)) ENGINE=InnoDB;
CREATE TABLE priv_event (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, message TEXT, date DATETIME,
  userinfo VARCHAR(255), realclass VARCHAR(255)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE priv_event_loginusage (id INT(11) NOT NULL PRIMARY KEY, user_id INT(11) DEFAULT 0) ENGINE=InnoDB;
CREATE TABLE priv_event_email (id INT(11) NOT NULL PRIMARY KEY, `to` TEXT, cc TEXT, bcc TEXT, `from` TEXT,
  subject TEXT, body LONGTEXT, attachments LONGTEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE priv_change (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, date DATETIME, userinfo VARCHAR(255),
  user_id INT(11) DEFAULT 0, origin VARCHAR(40)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE priv_changeop (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, changeid INT(11) DEFAULT 0,
  objclass VARCHAR(255), objkey INT(11) DEFAULT 0, optype VARCHAR(255)) ENGINE=InnoDB;
CREATE TABLE priv_changeop_setatt (id INT(11) NOT NULL PRIMARY KEY, attcode VARCHAR(255)) ENGINE=InnoDB;
CREATE TABLE priv_changeop_setatt_scalar (id INT(11) NOT NULL PRIMARY KEY, oldvalue VARCHAR(255),
  newvalue VARCHAR(255)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE ticket (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, ref VARCHAR(255), caller_id INT(11) DEFAULT 0,
  agent_id INT(11) DEFAULT 0, title VARCHAR(255), finalclass VARCHAR(255)) ENGINE=InnoDB;
)sql";

// Philibert Cornemuse (contact 21, account 1) last logged in on 2026-05-01: idle for a year on
// 2027-06-01. Ursule Grelotte (contact 22, account 2) left, notified 2027-01-10: 3 months are
// over. Account 3 (contact 23, Kept Present) was created in 2027 and never logged in: kept.
// Account 4 (contact 24, Old Newcomer) was created in 2025 and never logged in: idle since.
// Sylvain Present (contact 25, account 5) logged in last week and is Philibert's manager.
const char* kItopRows = R"sql(
INSERT INTO contact (id, name, status, email, phone, `function`, finalclass, obsolescence_date) VALUES
 (21, 'Cornemuse', 'active', 'philibert.cornemuse@sidec.example', '0384110021', 'Secrétaire Cornemuse', 'Person', NULL),
 (22, 'Grelotte', 'inactive', 'ursule.grelotte@sidec.example', '0384110022', 'Maire', 'Person', '2027-01-10'),
 (23, 'Present', 'active', 'kept.present@sidec.example', NULL, NULL, 'Person', NULL),
 (24, 'Newcomer', 'active', 'old.newcomer@sidec.example', NULL, NULL, 'Person', NULL),
 (25, 'Manager', 'active', 'sylvain.manager@sidec.example', NULL, NULL, 'Person', NULL);
INSERT INTO person (id, first_name, employee_number, mobile_phone, picture_filename, manager_id) VALUES
 (21, 'Philibert', 'E-Cornemuse', '0611000021', 'philibert.jpg', 25), (22, 'Ursule', 'E-Grelotte', '0611000022', NULL, 0),
 (23, 'Kept', NULL, NULL, NULL, 0), (24, 'Old', NULL, NULL, NULL, 0), (25, 'Sylvain', NULL, NULL, NULL, 0);
INSERT INTO priv_user (id, contactid, login, status, log, finalclass) VALUES
 (1, 21, 'pcornemuse', 'enabled', 'Philibert Cornemuse asked for a reset', 'UserLocal'),
 (2, 22, 'ugrelotte', 'enabled', NULL, 'UserLocal'),
 (3, 23, 'kpresent', 'enabled', NULL, 'UserLocal'),
 (4, 24, 'onewcomer', 'enabled', NULL, 'UserLocal'),
 (5, 25, 'smanager', 'enabled', NULL, 'UserLocal');
INSERT INTO priv_internaluser VALUES (1, 'reset-pcornemuse', 'rs1'), (2, 'reset-ugrelotte', 'rs2'),
 (3, 'reset-kpresent', 'rs3'), (4, NULL, NULL), (5, NULL, NULL);
INSERT INTO priv_user_local (id, password_hash, password_salt) VALUES
 (1, 'h1', 's1'), (2, 'h2', 's2'), (3, 'h3', 's3'), (4, 'h4', 's4'), (5, 'h5', 's5');
INSERT INTO priv_urp_userprofile (userid, profileid) VALUES (1, 2), (2, 2), (3, 2), (4, 2), (5, 2);
INSERT INTO priv_urp_userorg (userid, allowed_org_id) VALUES (1, 1), (2, 1), (5, 1);
INSERT INTO priv_event (id, message, date, userinfo, realclass) VALUES
 (1, 'Login', '2026-05-01 10:00:00', 'Philibert Cornemuse', 'EventLoginUsage'),
 (2, 'Login', '2026-12-01 10:00:00', 'Ursule Grelotte', 'EventLoginUsage'),
 (3, 'Login', '2027-05-25 10:00:00', 'Sylvain Manager', 'EventLoginUsage'),
 (4, 'Notification', '2026-04-01 10:00:00', 'Sylvain Manager', 'EventNotificationEmail'),
 (5, 'Notification', '2026-11-01 10:00:00', 'Sylvain Manager', 'EventNotificationEmail');
INSERT INTO priv_event_loginusage (id, user_id) VALUES (1, 1), (2, 2), (3, 5);
INSERT INTO priv_event_email (id, `to`, cc, `from`, subject, body) VALUES
 (4, 'philibert.cornemuse@sidec.example', 'sylvain.manager@sidec.example', 'support@sidec.example',
  'R-1 for Philibert Cornemuse', 'Dear Philibert Cornemuse, your request R-1 ...'),
 (5, 'ursule.grelotte@sidec.example', NULL, 'support@sidec.example', 'R-2 for Ursule Grelotte',
  'Dear Ursule Grelotte, ...'),
 (6, 'agent@sidec.example', 'Philibert Cornemuse <Philibert.Cornemuse@sidec.example>', 'support@sidec.example',
  'R-3 copied to Philibert Cornemuse', 'Philibert Cornemuse is copied'),
 (7, 'support@sidec.example', 'marie-ursule.grelotte@sidec.example', 'support@sidec.example',
  'Bonjour Marie', 'Another person, whose address ends like Ursule''s');
-- Changes made by the accounts (their author names), and made to them and their persons.
INSERT INTO priv_change (id, date, userinfo, user_id, origin) VALUES
 (1, '2026-03-01 09:00:00', 'Philibert Cornemuse', 1, 'interactive'),
 (2, '2026-11-01 09:00:00', 'Ursule Grelotte', 2, 'interactive'),
 (3, '2027-02-01 09:00:00', 'Sylvain Manager', 5, 'interactive'),
 (4, '2025-01-01 09:00:00', 'Sylvain Manager', 5, 'interactive');
INSERT INTO priv_changeop (id, changeid, objclass, objkey, optype) VALUES
 (1, 1, 'Person', 21, 'CMDBChangeOpSetAttributeScalar'),
 (2, 2, 'Person', 22, 'CMDBChangeOpSetAttributeScalar'),
 (3, 2, 'UserLocal', 2, 'CMDBChangeOpSetAttributeScalar'),
 (4, 3, 'UserLocal', 3, 'CMDBChangeOpCreate'),
 (5, 4, 'UserLocal', 4, 'CMDBChangeOpCreate');
INSERT INTO priv_changeop_setatt (id, attcode) VALUES (1, 'email'), (2, 'name'), (3, 'login');
INSERT INTO priv_changeop_setatt_scalar (id, oldvalue, newvalue) VALUES
 (1, 'p.cornemuse@old.example', 'philibert.cornemuse@sidec.example'),
 (2, 'Grelotte-Dupont', 'Grelotte'),
 (3, 'ugrelotte2', 'ugrelotte');
INSERT INTO ticket (ref, caller_id, agent_id, title, finalclass) VALUES
 ('R-1', 21, 25, 'Printer', 'UserRequest'), ('R-2', 22, 25, 'Network', 'UserRequest');
)sql";

}  // namespace

TEST_CASE("seed 001: the SIDEC's idle account and departed person leave no trace in iTop",
          "[cli][mysql][examples][seeds]") {
  MysqlDatabase db;
  db.exec(kItopTables);
  db.exec(kItopRows);
  TempDir dir;
  dir.write("my.password", MysqlDatabase::password() + "\n");
  const std::string config = dir.write(
      "sidec.yaml",
      without_guards(example_with_stores(
          "001-sidec-jura.yaml", "  itop: " + db.store_yaml("my.password") +
                                     "\n  backups: {type: files, root: " + dir.path() + "}\n")));
  const std::vector<std::string> policies{"--policy", "inactive-accounts", "--policy",
                                          "persons-who-left"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), policies.begin(), policies.end());
    return run_retentiond(args, dir.path());
  };
  auto check = run({"check", "-c", config});
  INFO(check.out << check.err);
  REQUIRE(check.exit_code == 0);

  auto enforce = run({"enforce", "-c", config, "--at", "2027-06-01T00:00:00Z", "--format", "json"});
  INFO(enforce.out << enforce.err);
  REQUIRE(enforce.exit_code == 0);
  const json report = json::parse(enforce.out);
  // Accounts 1 (idle since its last login) and 4 (never logged in, created in 2025); account 2
  // changed things in November 2026, so the person's departure reaches it, not its idleness.
  CHECK(policy_in(report, "inactive-accounts").at("affected") == 2);
  CHECK(policy_in(report, "persons-who-left").at("affected") == 1);

  // An e-mail that names the person only in copy is anonymised too; one to another address
  // that merely contains theirs is not.
  CHECK(db.column("SELECT CONCAT_WS('|', `to`, subject) FROM priv_event_email WHERE id = 6") ==
        std::vector<std::string>{"anonyme|Notification"});
  CHECK(db.column("SELECT CONCAT_WS('|', cc, subject) FROM priv_event_email WHERE id = 7") ==
        std::vector<std::string>{"marie-ursule.grelotte@sidec.example|Bonjour Marie"});
  db.exec("DELETE FROM priv_event_email WHERE id = 7");  // it holds "ursule.grelotte", rightly
  for (const char* trace :
       {"Philibert", "Cornemuse", "philibert.cornemuse", "p.cornemuse", "0384110021", "0611000021",
        "Ursule", "Grelotte", "ursule.grelotte", "0384110022", "0611000022", "old.newcomer",
        "reset-pcornemuse", "reset-ugrelotte"}) {
    INFO(trace);
    CHECK(mysql_tables_holding(db, trace).empty());
  }
  // Everyone else is as they were: the manager (also named in Philibert's e-mail, whose copy
  // goes with it), the account created this year.
  CHECK(db.column("SELECT CONCAT_WS('|', name, email) FROM contact WHERE id IN (23, 25) ORDER BY "
                  "id") == std::vector<std::string>{"Present|kept.present@sidec.example",
                                                    "Manager|sylvain.manager@sidec.example"});
  CHECK(db.column("SELECT CONCAT_WS('|', login, status) FROM priv_user ORDER BY id").at(2) ==
        "kpresent|enabled");
  CHECK(db.column("SELECT userinfo FROM priv_change WHERE id = 3") ==
        std::vector<std::string>{"Sylvain Manager"});
  CHECK(db.column("SELECT status FROM priv_user ORDER BY id") ==
        std::vector<std::string>{"disabled", "disabled", "enabled", "disabled", "enabled"});
  CHECK(db.column("SELECT manager_id FROM person WHERE id = 21") == std::vector<std::string>{"0"});
  // Tickets still point at their contacts, now anonymous; no row was deleted but the links of
  // the closed accounts.
  CHECK(db.column("SELECT CONCAT_WS('|', t.ref, c.name) FROM ticket t JOIN contact c ON c.id = "
                  "t.caller_id ORDER BY t.id") ==
        std::vector<std::string>{"R-1|Anonymous", "R-2|Anonymous"});
  CHECK(db.integer("SELECT COUNT(*) FROM contact") == 5);
  CHECK(db.integer("SELECT COUNT(*) FROM priv_changeop_setatt_scalar") == 3);
  CHECK(db.column("SELECT userid FROM priv_urp_userprofile ORDER BY userid") ==
        std::vector<std::string>{"3", "5"});

  auto again = run({"enforce", "-c", config, "--at", "2027-06-01T00:00:00Z", "--format", "json"});
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  const json again_report = json::parse(again.out);
  REQUIRE_FALSE(again_report.at("policies").empty());
  for (const auto& p : again_report.at("policies")) CHECK(p.at("affected") == 0);
}
