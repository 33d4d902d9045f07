-- Version 1 → 2: the team, meetings, attendance and stored agendas.

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
