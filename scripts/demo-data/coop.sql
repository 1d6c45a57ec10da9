-- A small database shaped like "La coop de la médiation numérique" (seed 004), with dates
-- relative to today so that the demo always has something expired and something fresh.
-- Names and addresses are invented.
PRAGMA foreign_keys = ON;

CREATE TABLE users (
  id TEXT PRIMARY KEY,                -- uuid
  email TEXT NOT NULL UNIQUE,
  first_name TEXT, last_name TEXT,
  created TEXT NOT NULL,              -- ISO-8601 text
  last_login TEXT,                    -- NULL: never signed in
  deleted TEXT
);
CREATE TABLE beneficiaires (
  id TEXT PRIMARY KEY,
  mediateur_id TEXT NOT NULL,        -- a users.id
  prenom TEXT, nom TEXT, telephone TEXT,
  creation TEXT NOT NULL,
  modification TEXT NOT NULL,         -- last update: the basis of the 1-year promise
  suppression TEXT
);
CREATE TABLE newsletter_subscribers (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  subscribed_at INTEGER NOT NULL,     -- epoch seconds, as a mailing tool exports them
  unsubscribed_at INTEGER             -- NULL while subscribed: kept
);
CREATE TABLE contact_messages (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL,
  message TEXT NOT NULL,
  sent_on TEXT NOT NULL               -- a date, YYYY-MM-DD
);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)
INSERT INTO users
SELECT printf('00000000-0000-4000-8000-%012d', i), printf('mediateur%d@example.org', i),
       'Prénom' || i, 'Nom' || i,
       strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('-%d days', 200 + i * 20)),
       CASE WHEN i % 9 = 0 THEN NULL
            ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('-%d days', i * 17)) END,
       NULL
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO beneficiaires
SELECT printf('10000000-0000-4000-8000-%012d', i), printf('00000000-0000-4000-8000-%012d', 1 + i % 40),
       'Prénom' || i, 'Nom' || i, '0600000000',
       strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('-%d days', 30 + i * 3)),
       strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('-%d days', 10 + i * 2)),
       NULL
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 120)
INSERT INTO newsletter_subscribers
SELECT i, printf('lecteur%d@example.org', i),
       CAST(strftime('%s', 'now', printf('-%d days', 800 - i)) AS INTEGER),
       CASE WHEN i % 3 = 0 THEN CAST(strftime('%s', 'now', printf('-%d days', i * 5)) AS INTEGER) END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60)
INSERT INTO contact_messages
SELECT i, printf('visiteur%d@example.org', i), 'Bonjour, ...', date('now', printf('-%d days', i * 11))
FROM n;
