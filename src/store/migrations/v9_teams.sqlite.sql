-- Version 8 → 9: teams, row versions and decision keys (issue 26, the clinic's server).
--
-- A hospital has several intake teams; each referral belongs to one. A file holds one team
-- (Inntaksteamet); the server's copy of this migration adds the logins' teams and the
-- row-level security that shows each login only its team's referrals.
-- row_version counts a referral's changes: an edit made from an older version is refused
-- with who changed it and when (optimistic concurrency), never written over it.
-- request_key: the key a decision is sent with; sent twice (a lost connection), it is stored
-- once.
CREATE TABLE teams (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100)
) STRICT;
INSERT INTO teams (id, name) VALUES (1, 'Inntaksteamet');
ALTER TABLE referrals ADD COLUMN team_id INTEGER NOT NULL DEFAULT 1 CHECK (team_id >= 1);
ALTER TABLE referrals ADD COLUMN row_version INTEGER NOT NULL DEFAULT 1 CHECK (row_version >= 1);
ALTER TABLE decisions ADD COLUMN request_key TEXT
    CHECK (request_key IS NULL OR length(request_key) BETWEEN 1 AND 64);
CREATE INDEX referrals_by_team ON referrals (team_id);
CREATE UNIQUE INDEX decisions_by_request_key ON decisions (request_key)
    WHERE request_key IS NOT NULL;
