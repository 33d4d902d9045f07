-- Version 5 → 6: preparing referrals for the meeting.

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
