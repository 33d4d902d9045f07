-- Inntak: the complete current schema (user_version 1).
-- A fresh database is created from this file; older databases are upgraded by the
-- migrations in src/store/migrations.rs. Dates are ISO text (YYYY-MM-DD), timestamps
-- ISO 8601 local time (YYYY-MM-DDTHH:MM:SS).

-- Clinic settings as key/value pairs (clinic name, Saturday rule, meeting schedule, capacity).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- Extra days the clinic is closed. They affect the meeting calendar, never the legal deadline.
CREATE TABLE closure_days (
    day   TEXT PRIMARY KEY NOT NULL CHECK (day = date(day)),
    label TEXT NOT NULL DEFAULT ''
) STRICT;

-- One row per referral (henvisning). The assessment deadline is not stored: it is computed
-- from received_on and the working-day rule, so it can never disagree with the calendar.
CREATE TABLE referrals (
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
    status           TEXT NOT NULL DEFAULT 'til_vurdering'
                     CHECK (status IN ('til_vurdering', 'rett', 'avslag', 'videresendt', 'feilsendt', 'trukket')),
    decided_on       TEXT CHECK (decided_on IS NULL OR decided_on = date(decided_on)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;

CREATE INDEX referrals_by_status ON referrals (status, received_on);
CREATE INDEX referrals_by_received ON referrals (received_on);
CREATE INDEX referrals_by_national_id ON referrals (national_id) WHERE national_id IS NOT NULL;

-- Every change to clinical data: who, when, what. Append-only; details is JSON.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL,
    entity_id   INTEGER,
    details     TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_by_entity ON audit_log (entity, entity_id);
