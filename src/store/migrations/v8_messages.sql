-- Version 7 → 8: referral messages as hospitals send them (issue 24).
--
-- Every Henvisning message read is kept by its ids: a new referral, a change (endring) or a
-- cancellation (kansellering) of one, so the same message is never read twice and a later
-- message finds the referral it is about. A forwarded referral may carry the sender's rights
-- assessment. The electronic answer to the referrer's system (a Dialogmelding) is recorded
-- like a printed letter, with its channel.
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

-- How a letter went out: printed (papir) or as a Dialogmelding to the referrer's system.
ALTER TABLE letters ADD COLUMN channel TEXT NOT NULL DEFAULT 'papir'
    CHECK (channel IN ('papir', 'dialogmelding'));
