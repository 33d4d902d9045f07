-- Version 2 → 3: the meeting's decisions on referrals.

-- One row per decision. A correction adds a new row and points the old one to it
-- (superseded_by), so every version is kept; the current decision has superseded_by NULL.
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
) STRICT;

CREATE INDEX decisions_by_referral ON decisions (referral_id);
CREATE INDEX decisions_by_meeting ON decisions (meeting_id);
