-- Version 6 → 7: letters that close the legal loop.
--
-- A letter needs what was not stored before: the patient's postal address, the referrer's
-- address (or that the copy goes electronically), whether the juridisk frist is for
-- utredning or behandling, and the planned oppmøte's time or week. Each printed letter is
-- kept (which, to whom, when, by whom, a hash of its text), and marked sent when it went out:
-- the patient letter's sent date is when the patient was informed.
ALTER TABLE referrals ADD COLUMN patient_street TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN patient_postcode TEXT NOT NULL DEFAULT ''
    CHECK (patient_postcode = '' OR (length(patient_postcode) = 4 AND patient_postcode NOT GLOB '*[^0-9]*'));
ALTER TABLE referrals ADD COLUMN patient_city TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN referrer_address TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN referrer_electronic INTEGER NOT NULL DEFAULT 0
    CHECK (referrer_electronic IN (0, 1));

-- What the juridisk frist is for (rett only); NULL on decisions made before version 7.
ALTER TABLE decisions ADD COLUMN care_kind TEXT
    CHECK (care_kind IS NULL OR care_kind IN ('utredning', 'behandling'));

-- The booked oppmøte's time, or only its ISO week (allowed when the frist is > 4 months away).
ALTER TABLE care_starts ADD COLUMN booked_time TEXT
    CHECK (booked_time IS NULL OR booked_time GLOB '[0-2][0-9]:[0-5][0-9]');
ALTER TABLE care_starts ADD COLUMN booked_week TEXT
    CHECK (booked_week IS NULL OR booked_week GLOB '[0-9][0-9][0-9][0-9]-W[0-5][0-9]');

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
) STRICT;

CREATE INDEX letters_by_referral ON letters (referral_id);
-- A decision's letters: what was printed before, and whether the patient was informed.
CREATE INDEX letters_by_decision ON letters (decision_id);

-- Decisions already made when letters began to be tracked were answered by letters written
-- elsewhere: they are shown as unknown, never as late.
INSERT INTO settings (key, value)
    SELECT 'letters_from_decision', CAST(coalesce(max(id), 0) AS TEXT) FROM decisions;
