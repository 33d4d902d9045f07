-- Version 3 → 4: follow-ups after the rights decision.

-- Agenda items may now be on the agenda for a new track choice after a kartleggingssamtale
-- (after_mapping), and a postponed item stays on its meeting marked as such. SQLite cannot alter a CHECK constraint, so the table is rebuilt; no other
-- table refers to it.
CREATE TABLE agenda_items_new (
    meeting_id   INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    referral_id  INTEGER NOT NULL REFERENCES referrals (id),
    position     INTEGER NOT NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('overdue', 'last_meeting', 'by_deadline', 'manual', 'after_mapping')),
    -- Postponed (utsatt) to the next meeting: kept here so the meeting shows it as such.
    postponed    INTEGER NOT NULL DEFAULT 0 CHECK (postponed IN (0, 1)),
    PRIMARY KEY (meeting_id, referral_id)
) STRICT;

INSERT INTO agenda_items_new (meeting_id, referral_id, position, reason)
    SELECT meeting_id, referral_id, position, reason FROM agenda_items;
DROP TABLE agenda_items;
ALTER TABLE agenda_items_new RENAME TO agenda_items;

CREATE INDEX agenda_by_referral ON agenda_items (referral_id);

-- Start of care for a granted referral: the booked first appointment and the date care
-- actually started. Every change is also in the audit log.
CREATE TABLE care_starts (
    referral_id   INTEGER PRIMARY KEY REFERENCES referrals (id),
    booked_start  TEXT CHECK (booked_start IS NULL OR booked_start = date(booked_start)),
    started_on    TEXT CHECK (started_on IS NULL OR started_on = date(started_on)),
    updated_by    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

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
