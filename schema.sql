-- Inntak: the complete current schema (user_version 9).
-- A fresh database is created from this file; older databases are upgraded by the
-- migrations in src/store/migrations/ (listed in src/store/migrate.rs), and a test checks that
-- both give the same schema. Dates are ISO text (YYYY-MM-DD), timestamps
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
-- The columns after updated_at were added in version 7 (the postal addresses letters need:
-- the patient's, and the referrer's or that the copy goes electronically); they are written
-- as ALTER TABLE ADD COLUMN stores them, so a fresh and an upgraded file have one schema.
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
    -- sekundaer, kartlegging and til_ny_vurdering are reserved for the meeting's decisions.
    status           TEXT NOT NULL DEFAULT 'til_vurdering'
                     CHECK (status IN ('til_vurdering', 'rett', 'avslag', 'videresendt', 'feilsendt', 'trukket',
                                       'sekundaer', 'kartlegging', 'til_ny_vurdering')),
    decided_on       TEXT CHECK (decided_on IS NULL OR decided_on = date(decided_on)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
    , patient_street TEXT NOT NULL DEFAULT '', patient_postcode TEXT NOT NULL DEFAULT ''
      CHECK (patient_postcode = '' OR (length(patient_postcode) = 4 AND patient_postcode NOT GLOB '*[^0-9]*')),
      patient_city TEXT NOT NULL DEFAULT '', referrer_address TEXT NOT NULL DEFAULT '',
      referrer_electronic INTEGER NOT NULL DEFAULT 0
      CHECK (referrer_electronic IN (0, 1)), team_id INTEGER NOT NULL DEFAULT 1 CHECK (team_id >= 1), row_version INTEGER NOT NULL DEFAULT 1 CHECK (row_version >= 1)) STRICT;

CREATE INDEX referrals_by_status ON referrals (status, received_on);
CREATE INDEX referrals_by_received ON referrals (received_on);
CREATE INDEX referrals_by_national_id ON referrals (national_id) WHERE national_id IS NOT NULL;

-- Every change to clinical data, and every print, export and backup: who, when, what.
-- Append-only (the triggers refuse UPDATE and DELETE); details is JSON. recorded_at is the
-- real time of writing with UTC offset (at follows the app's clock, which --today may move);
-- hash is SHA-256 over the previous row's hash and this row's content (a chain that
-- `inntak verify` walks). Added in version 5.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    INTEGER,
    details      TEXT NOT NULL DEFAULT '{}',
    recorded_at  TEXT NOT NULL DEFAULT '',
    hash         TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_by_entity ON audit_log (entity, entity_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    WHEN OLD.hash <> '' OR NEW.id <> OLD.id OR NEW.at <> OLD.at OR NEW.actor <> OLD.actor
      OR NEW.action <> OLD.action OR NEW.entity <> OLD.entity
      OR NEW.entity_id IS NOT OLD.entity_id OR NEW.details <> OLD.details
BEGIN
    SELECT RAISE(ABORT, 'endringsloggen kan ikke endres');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'endringsloggen kan ikke slettes');
END;

-- The team, meetings, attendance and stored agendas (added in version 2).

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
    reason       TEXT NOT NULL CHECK (reason IN ('overdue', 'last_meeting', 'by_deadline', 'manual', 'after_mapping')),
    -- Postponed (utsatt) to the next meeting: kept here so the meeting shows it as such.
    postponed    INTEGER NOT NULL DEFAULT 0 CHECK (postponed IN (0, 1)),
    PRIMARY KEY (meeting_id, referral_id)
) STRICT;

CREATE INDEX agenda_by_referral ON agenda_items (referral_id);

-- The meeting's decisions on referrals (added in version 3).

-- One row per decision. A correction adds a new row and points the old one to it
-- (superseded_by), so every version is kept; the current decision has superseded_by NULL.
-- care_kind (version 7): whether the juridisk frist is for utredning or behandling (rett).
CREATE TABLE decisions (
    id                      INTEGER PRIMARY KEY,
    referral_id             INTEGER NOT NULL REFERENCES referrals (id),
    meeting_id              INTEGER REFERENCES meetings (id),
    decided_on              TEXT NOT NULL CHECK (decided_on = date(decided_on)),
    outcome                 TEXT NOT NULL
                            CHECK (outcome IN ('rett', 'avslag', 'videresendt', 'feilsendt', 'sekundaer')),
    -- Juridisk frist: the date care must start by (rett only).
    start_of_care_deadline  TEXT CHECK (start_of_care_deadline IS NULL OR start_of_care_deadline = date(start_of_care_deadline)),
    track                   TEXT CHECK (track IS NULL OR track IN ('monofaglig', 'tverrfaglig', 'kartlegging')),
    -- monofaglig/kartlegging: lege, psykolog or fysioterapeut; tverrfaglig: sekvensiell or samlet.
    track_detail            TEXT NOT NULL DEFAULT ''
                            CHECK (track_detail IN ('', 'lege', 'psykolog', 'fysioterapeut', 'sekvensiell', 'samlet')),
    priority_note           TEXT NOT NULL DEFAULT '',
    reason                  TEXT NOT NULL DEFAULT '',
    advice                  TEXT NOT NULL DEFAULT '',
    unit                    TEXT NOT NULL DEFAULT '',
    -- Extra sources consulted, comma-separated: pasientjournal, kjernejournal, henvisende_lege.
    sources                 TEXT NOT NULL DEFAULT '',
    note                    TEXT NOT NULL DEFAULT '',
    -- Decided after the assessment deadline (fristoverskridelse).
    after_deadline          INTEGER NOT NULL DEFAULT 0 CHECK (after_deadline IN (0, 1)),
    decided_by              TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    superseded_by           INTEGER REFERENCES decisions (id)
    , care_kind TEXT
      CHECK (care_kind IS NULL OR care_kind IN ('utredning', 'behandling')), request_key TEXT
    CHECK (request_key IS NULL OR length(request_key) BETWEEN 1 AND 64)) STRICT;

CREATE INDEX decisions_by_referral ON decisions (referral_id);
CREATE INDEX decisions_by_meeting ON decisions (meeting_id);

-- Follow-ups after the rights decision (added in version 4).

-- Start of care for a granted referral: the booked first appointment and the date care
-- actually started. Every change is also in the audit log. Version 7 added the booked
-- oppmøte's time, or only its ISO week (enough when the frist is more than 4 months away).
CREATE TABLE care_starts (
    referral_id   INTEGER PRIMARY KEY REFERENCES referrals (id),
    booked_start  TEXT CHECK (booked_start IS NULL OR booked_start = date(booked_start)),
    started_on    TEXT CHECK (started_on IS NULL OR started_on = date(started_on)),
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
    , booked_time TEXT
      CHECK (booked_time IS NULL OR booked_time GLOB '[0-2][0-9]:[0-5][0-9]'), booked_week TEXT
      CHECK (booked_week IS NULL OR booked_week GLOB '[0-9][0-9][0-9][0-9]-W[0-5][0-9]')) STRICT;

-- The kartleggingssamtale clinician's report back to the intake meeting.
CREATE TABLE mapping_reports (
    referral_id  INTEGER PRIMARY KEY REFERENCES referrals (id),
    reported_on  TEXT NOT NULL CHECK (reported_on = date(reported_on)),
    summary      TEXT NOT NULL DEFAULT '',
    reported_by  TEXT NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;

-- Track changes after the rights decision, kept as history: kartlegging → monofaglig or
-- tverrfaglig (after the mapping), and monofaglig → tverrfaglig (an upgrade).
CREATE TABLE track_changes (
    id            INTEGER PRIMARY KEY,
    referral_id   INTEGER NOT NULL REFERENCES referrals (id),
    meeting_id    INTEGER REFERENCES meetings (id),
    decided_on    TEXT NOT NULL CHECK (decided_on = date(decided_on)),
    from_track    TEXT NOT NULL CHECK (from_track IN ('monofaglig', 'kartlegging')),
    from_detail   TEXT NOT NULL CHECK (from_detail IN ('lege', 'psykolog', 'fysioterapeut')),
    track         TEXT NOT NULL CHECK (track IN ('monofaglig', 'tverrfaglig')),
    track_detail  TEXT NOT NULL
                  CHECK (track_detail IN ('lege', 'psykolog', 'fysioterapeut', 'sekvensiell', 'samlet')),
    note          TEXT NOT NULL DEFAULT '',
    decided_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

CREATE INDEX track_changes_by_referral ON track_changes (referral_id);
CREATE INDEX track_changes_by_meeting ON track_changes (meeting_id);

-- Statistics select decisions by date.
CREATE INDEX decisions_by_date ON decisions (decided_on) WHERE superseded_by IS NULL;
-- Statistics count juridisk frist breaches by the frist date.
CREATE INDEX decisions_by_frist ON decisions (start_of_care_deadline)
    WHERE superseded_by IS NULL AND outcome = 'rett';

-- Preparing referrals for the meeting (added in version 6).

-- A note for the meeting ("les journal", "ring fastlege") and who presents the referral. One
-- row per referral: it follows the referral when it is postponed to the next meeting.
CREATE TABLE preparations (
    referral_id   INTEGER PRIMARY KEY REFERENCES referrals (id),
    note          TEXT NOT NULL DEFAULT '',
    presenter_id  INTEGER REFERENCES team_members (id),
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

-- Each discipline's provisional view before the decision: rett (with the track it would
-- choose) or avslag. One per profession and referral; the statistics compare them with each
-- other and with the decision.
CREATE TABLE provisional_views (
    referral_id  INTEGER NOT NULL REFERENCES referrals (id),
    profession   TEXT NOT NULL
                 CHECK (profession IN ('lege', 'psykolog', 'psykologspesialist', 'fysioterapeut', 'sykepleier', 'annet')),
    assessment   TEXT NOT NULL
                 CHECK (assessment IN ('avslag', 'rett', 'rett_monofaglig', 'rett_tverrfaglig', 'rett_kartlegging')),
    given_by     TEXT NOT NULL,
    given_at     TEXT NOT NULL,
    PRIMARY KEY (referral_id, profession)
) STRICT;

-- Letters (added in version 7).

-- Each printed letter: which, to whom, when, by whom, a hash of its text; marked sent when
-- it went out. A reprint adds a row, so earlier prints are kept. channel (version 8): printed
-- (papir) or sent as a Dialogmelding to the referrer's system. The patient letter's sent
-- date is when the patient was informed (the end of the 10-working-day clock).
CREATE TABLE letters (
    id           INTEGER PRIMARY KEY,
    referral_id  INTEGER NOT NULL REFERENCES referrals (id),
    decision_id  INTEGER NOT NULL REFERENCES decisions (id),
    -- fristbrudd: the patient's "Varsel om fristbrudd" and the sheet for Helfo's portal;
    -- sekundaer: a confirmation to the patient, where the clinic wants one (no rights letter).
    kind         TEXT NOT NULL
                 CHECK (kind IN ('rett', 'avslag', 'videresendt', 'fristbrudd', 'sekundaer')),
    recipient    TEXT NOT NULL CHECK (recipient IN ('pasient', 'henviser', 'helfo')),
    printed_at   TEXT NOT NULL,
    printed_by   TEXT NOT NULL,
    -- SHA-256 (hex) of the letter's text as printed: which words went out.
    text_hash    TEXT NOT NULL CHECK (length(text_hash) = 64),
    -- The PDF it was printed to (as the user chose it).
    file         TEXT NOT NULL DEFAULT '',
    sent_on      TEXT CHECK (sent_on IS NULL OR sent_on = date(sent_on)),
    sent_by      TEXT,
    -- Fristbrudd: why the juridisk frist cannot be met, as the letter and the sheet say it.
    note         TEXT NOT NULL DEFAULT ''
    , channel TEXT NOT NULL DEFAULT 'papir'
    CHECK (channel IN ('papir', 'dialogmelding'))) STRICT;

CREATE INDEX letters_by_referral ON letters (referral_id);
-- A decision's letters: what was printed before, and whether the patient was informed.
CREATE INDEX letters_by_decision ON letters (decision_id);

-- Referral messages and the sender's assessment (added in version 8).

-- Every Henvisning message read, by its ids: the same message is never read twice, and a
-- change or cancellation finds the referral it is about.
CREATE TABLE referral_messages (
    id                 INTEGER PRIMARY KEY,
    -- NULL: a change or cancellation whose referral is unknown, kept as a note by choice.
    referral_id        INTEGER REFERENCES referrals (id),
    message_id         TEXT NOT NULL UNIQUE CHECK (length(message_id) BETWEEN 1 AND 200),
    -- The referral's own id in the sender's system (v1.x ServReq/Id), and v2.0's
    -- ConversationRef (RefToParent, RefToConversation).
    own_id             TEXT NOT NULL DEFAULT '',
    parent_ref         TEXT NOT NULL DEFAULT '',
    conversation_ref   TEXT NOT NULL DEFAULT '',
    version            TEXT NOT NULL CHECK (version IN ('1.0', '1.1', '2.0')),
    kind               TEXT NOT NULL CHECK (kind IN ('ny', 'endring', 'kansellering')),
    written_on         TEXT CHECK (written_on IS NULL OR written_on = date(written_on)),
    -- ReqComment: the reason of a cancellation or change, as written.
    comment            TEXT NOT NULL DEFAULT '',
    -- What Inntak did: opprettet, endret, trukket; varsel (a cancellation after a decision,
    -- put before the leader instead); notat (the referral is unknown; kept by choice).
    outcome            TEXT NOT NULL
                       CHECK (outcome IN ('opprettet', 'endret', 'trukket', 'varsel', 'notat')),
    -- The sender, to address the electronic answer (HER-ids from the address register).
    sender_name        TEXT NOT NULL DEFAULT '',
    sender_her         TEXT NOT NULL DEFAULT '',
    sender_person      TEXT NOT NULL DEFAULT '',
    sender_person_her  TEXT NOT NULL DEFAULT '',
    imported_at        TEXT NOT NULL,
    imported_by        TEXT NOT NULL
) STRICT;

CREATE INDEX referral_messages_by_referral ON referral_messages (referral_id);
CREATE INDEX referral_messages_by_own_id ON referral_messages (own_id) WHERE own_id <> '';

-- A forwarded referral's rights assessment by the sender (VurderingAvHenvisning): the
-- referral then awaits triage only, and keeps the frist the patient was given.
CREATE TABLE sender_assessments (
    referral_id   INTEGER PRIMARY KEY REFERENCES referrals (id),
    has_right     INTEGER CHECK (has_right IS NULL OR has_right IN (0, 1)),
    assessed_on   TEXT CHECK (assessed_on IS NULL OR assessed_on = date(assessed_on)),
    deadline      TEXT CHECK (deadline IS NULL OR deadline = date(deadline)),
    waiting_end   TEXT CHECK (waiting_end IS NULL OR waiting_end = date(waiting_end)),
    -- TypeDato 1: when the patient's rights clock started at the sender.
    seniority_on  TEXT CHECK (seniority_on IS NULL OR seniority_on = date(seniority_on)),
    outcome       TEXT NOT NULL DEFAULT '',
    assessed_by   TEXT NOT NULL DEFAULT ''
) STRICT;

-- Teams, row versions and decision keys (added in version 9). A file holds one team; on the
-- clinic's server each referral belongs to one of several, and each login sees its teams'
-- (schema.postgres.sql). referrals.team_id, referrals.row_version (a referral's changes,
-- for optimistic concurrency) and decisions.request_key (a decision sent twice is stored
-- once) are above, where ALTER TABLE ADD COLUMN put them.
CREATE TABLE teams (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100)
) STRICT;
INSERT INTO teams (id, name) VALUES (1, 'Inntaksteamet');
CREATE INDEX referrals_by_team ON referrals (team_id);
CREATE UNIQUE INDEX decisions_by_request_key ON decisions (request_key)
    WHERE request_key IS NOT NULL;
