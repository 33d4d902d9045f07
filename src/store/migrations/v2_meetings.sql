-- Version 1 → 2: the team, meetings, attendance and stored agendas.

-- The referral status list is widened for the meeting's decisions (sekundaer, kartlegging,
-- til_ny_vurdering). SQLite cannot alter a CHECK constraint, so the table is rebuilt; at
-- version 1 no other table refers to it.
CREATE TABLE referrals_new (
    id               INTEGER PRIMARY KEY,
    external_id      TEXT UNIQUE CHECK (external_id IS NULL OR length(external_id) BETWEEN 1 AND 64),
    received_on      TEXT NOT NULL CHECK (received_on = date(received_on)),
    patient          TEXT NOT NULL CHECK (length(patient) > 0),
    national_id      TEXT CHECK (national_id IS NULL OR (length(national_id) = 11 AND national_id NOT GLOB '*[^0-9]*')),
    birth_year       INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1800 AND 9999),
    referrer_name    TEXT NOT NULL DEFAULT '',
    referrer_kind    TEXT NOT NULL CHECK (referrer_kind IN ('fastlege', 'avtalespesialist', 'sykehusavdeling', 'annet')),
    specialty        TEXT NOT NULL DEFAULT '',
    is_secondary     INTEGER NOT NULL DEFAULT 0 CHECK (is_secondary IN (0, 1)),
    problem          TEXT NOT NULL DEFAULT '',
    diagnosis_group  TEXT NOT NULL DEFAULT '',
    -- sekundaer, kartlegging and til_ny_vurdering are reserved for the meeting's decisions.
    status           TEXT NOT NULL DEFAULT 'til_vurdering'
                     CHECK (status IN ('til_vurdering', 'rett', 'avslag', 'videresendt', 'feilsendt', 'trukket',
                                       'sekundaer', 'kartlegging', 'til_ny_vurdering')),
    decided_on       TEXT CHECK (decided_on IS NULL OR decided_on = date(decided_on)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

INSERT INTO referrals_new SELECT * FROM referrals;
DROP TABLE referrals;
ALTER TABLE referrals_new RENAME TO referrals;

CREATE INDEX referrals_by_status ON referrals (status, received_on);
CREATE INDEX referrals_by_received ON referrals (received_on);
CREATE INDEX referrals_by_national_id ON referrals (national_id) WHERE national_id IS NOT NULL;

CREATE TABLE team_members (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(name) > 0),
    profession  TEXT NOT NULL
                CHECK (profession IN ('lege', 'psykolog', 'psykologspesialist', 'fysioterapeut', 'sykepleier', 'annet')),
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

-- Meetings are generated from the schedule in settings (scheduled_date = the slot, unique, so
-- a moved or cancelled meeting is not generated again) or added by hand (scheduled_date NULL).
CREATE TABLE meetings (
    id               INTEGER PRIMARY KEY,
    date             TEXT NOT NULL CHECK (date = date(date)),
    time             TEXT NOT NULL CHECK (time GLOB '[0-2][0-9]:[0-5][0-9]'),
    status           TEXT NOT NULL DEFAULT 'planlagt'
                     CHECK (status IN ('planlagt', 'pagar', 'avsluttet', 'avlyst')),
    leader_id        INTEGER REFERENCES team_members (id),
    scheduled_date   TEXT UNIQUE CHECK (scheduled_date IS NULL OR scheduled_date = date(scheduled_date)),
    note             TEXT NOT NULL DEFAULT '',
    -- Set when the agenda was first stored; NULL means the app shows a live proposal.
    agenda_built_at  TEXT,
    created_at       TEXT NOT NULL
) STRICT;

CREATE INDEX meetings_by_date ON meetings (date);

CREATE TABLE meeting_attendees (
    meeting_id  INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES team_members (id),
    PRIMARY KEY (meeting_id, member_id)
) STRICT;

-- The stored agenda of a meeting, in order. reason: why the referral is on it.
CREATE TABLE agenda_items (
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    referral_id  INTEGER NOT NULL REFERENCES referrals (id),
    position     INTEGER NOT NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('overdue', 'last_meeting', 'by_deadline', 'manual')),
    PRIMARY KEY (meeting_id, referral_id)
) STRICT;

CREATE INDEX agenda_by_referral ON agenda_items (referral_id);
