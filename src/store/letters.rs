//! Printed letters: which letter went to whom, when, by whom, with a hash of its text, and
//! when it was marked sent. The patient letter's sent date is when the patient was informed.

use super::{StoreError, audit, referrals::Change, timestamp};
use crate::domain::ReferralId;
use crate::domain::letter::{LetterKind, Recipient};
use crate::store::db::{Connection, Transaction};
use crate::store::decisions::DecisionId;
use chrono::NaiveDate;
use rusqlite::params;
use serde_json::json;
use std::collections::HashSet;

/// The settings key that holds the last decision made before letters were tracked (set by
/// the version 7 upgrade): those decisions were answered by letters written elsewhere.
pub const KEY_LETTERS_FROM: &str = "letters_from_decision";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LetterId(pub i64);

/// A letter as it was printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintedLetter {
    pub referral: ReferralId,
    pub decision: DecisionId,
    pub kind: LetterKind,
    pub recipient: Recipient,
    /// SHA-256 (hex) of the letter's text.
    pub text_hash: String,
    /// Fristbrudd: why the frist cannot be met (empty for other letters).
    pub note: String,
}

/// One earlier print of a letter, for "skrevet ut før" and the detail pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetterRecord {
    pub id: LetterId,
    pub decision: DecisionId,
    pub kind: LetterKind,
    pub recipient: Recipient,
    pub printed_at: String,
    pub printed_by: String,
    pub file: String,
    pub sent_on: Option<NaiveDate>,
    /// Sent as an electronic answer (Dialogmelding) to the referrer's system, not printed.
    pub electronic: bool,
}

/// Records printed letters (one row each) and one audit row for the print, inside the
/// caller's transaction; `sent_on` marks them sent at once. Returns their ids in order.
pub fn record_printed(
    tx: &Transaction<'_>,
    letters: &[PrintedLetter],
    file: &str,
    sent_on: Option<NaiveDate>,
    change: Change<'_>,
) -> Result<Vec<LetterId>, StoreError> {
    if sent_on.is_some_and(|d| d > change.at.date()) {
        return Err(StoreError::Rule(
            "Et brev kan ikke merkes sendt fram i tid".into(),
        ));
    }
    let at = timestamp(change.at);
    let mut ids = Vec::with_capacity(letters.len());
    let mut stmt = tx.prepare_cached(
        "INSERT INTO letters (referral_id, decision_id, kind, recipient, printed_at, printed_by,
            text_hash, file, sent_on, sent_by, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for l in letters {
        stmt.execute(params![
            l.referral.0,
            l.decision.0,
            l.kind.code(),
            l.recipient.code(),
            at,
            change.actor,
            l.text_hash,
            file,
            sent_on,
            sent_on.map(|_| change.actor),
            l.note.trim(),
        ])?;
        ids.push(LetterId(tx.last_insert_rowid()));
    }
    // Each referral once, in print order (its patient and referrer letters are two).
    let mut seen = HashSet::new();
    let referrals: Vec<i64> = letters
        .iter()
        .map(|l| l.referral.0)
        .filter(|id| seen.insert(*id))
        .collect();
    let log =
        audit::OutputLog::new(audit::OutputAction::PrintLetters, referrals.len()).with(json!({
            "brev": letters.len(),
            "henvisninger": referrals,
            "sendt": sent_on.map(|d| d.to_string()),
        }));
    audit::record_output(tx, change, &log, file)?;
    Ok(ids)
}

/// Marks letters sent on `on` (a later date is refused: a letter is marked sent when it went
/// out). Letters already marked keep their first date. Returns how many were marked.
pub fn mark_sent(
    tx: &Transaction<'_>,
    ids: &[LetterId],
    on: NaiveDate,
    change: Change<'_>,
) -> Result<usize, StoreError> {
    if on > change.at.date() {
        return Err(StoreError::Rule(
            "Et brev kan ikke merkes sendt fram i tid".into(),
        ));
    }
    let mut stmt = tx.prepare_cached(
        "UPDATE letters SET sent_on = ?2, sent_by = ?3 WHERE id = ?1 AND sent_on IS NULL",
    )?;
    let mut marked = Vec::new();
    for id in ids {
        if stmt.execute(params![id.0, on, change.actor])? == 1 {
            marked.push(id.0);
        }
    }
    if !marked.is_empty() {
        audit::log(
            tx,
            change,
            audit::Event::Output(audit::OutputAction::LettersSent),
            None,
            &json!({ "brev": marked, "sendt": on.to_string() }),
        )?;
    }
    Ok(marked.len())
}

/// Every print of a referral's letters, oldest first.
pub fn history(conn: &Connection, referral: ReferralId) -> rusqlite::Result<Vec<LetterRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, decision_id, kind, recipient, printed_at, printed_by, file, sent_on,
                channel = 'dialogmelding'
         FROM letters WHERE referral_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([referral.0], record_from_row)?;
    rows.collect()
}

/// The letters printed for these decisions, oldest first (the letters dialog's "skrevet ut").
pub fn for_decisions(
    conn: &Connection,
    decisions: &[DecisionId],
) -> rusqlite::Result<Vec<LetterRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, decision_id, kind, recipient, printed_at, printed_by, file, sent_on,
                channel = 'dialogmelding'
         FROM letters WHERE decision_id = ?1 ORDER BY id",
    )?;
    let mut out = Vec::new();
    for d in decisions {
        for row in stmt.query_map([d.0], record_from_row)? {
            out.push(row?);
        }
    }
    out.sort_by_key(|r| r.id);
    Ok(out)
}

fn record_from_row(r: &crate::store::db::Row<'_>) -> rusqlite::Result<LetterRecord> {
    let kind = r.get_ref(2)?.as_str()?;
    let recipient = r.get_ref(3)?.as_str()?;
    Ok(LetterRecord {
        id: LetterId(r.get(0)?),
        decision: DecisionId(r.get(1)?),
        kind: super::decode(LetterKind::from_code(kind), 2, kind)?,
        recipient: super::decode(Recipient::from_code(recipient), 3, recipient)?,
        printed_at: r.get(4)?,
        printed_by: r.get(5)?,
        file: r.get(6)?,
        sent_on: r.get(7)?,
        electronic: r.get(8)?,
    })
}

/// The last decision made before letters were tracked (0: all are tracked).
pub fn tracked_from(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(super::settings::get(conn, KEY_LETTERS_FROM)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// Where a decided referral stands with its patient letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LetterState {
    /// The current decision's patient letter was marked sent on this day.
    pub sent_on: Option<NaiveDate>,
    /// Whether the decision's letters are tracked (made in Inntak after letters began;
    /// imported history and earlier decisions are unknown).
    pub tracked: bool,
}

/// The referrals whose patient is not informed yet: their current decision calls for a rights
/// letter, is tracked (made in Inntak after letters began, not imported), and no rights
/// letter to the patient is marked sent. Read at every queue load, so it walks only the
/// tracked decisions (a rowid range) with one index probe each.
pub fn pending(conn: &Connection) -> rusqlite::Result<HashSet<ReferralId>> {
    let from = tracked_from(conn)?;
    let mut stmt = conn.prepare_cached(
        "SELECT d.referral_id FROM decisions d
         WHERE d.id > ?1 AND d.superseded_by IS NULL AND d.decided_by <> 'import'
           AND d.outcome IN ('rett', 'avslag', 'videresendt', 'feilsendt')
           AND NOT EXISTS (SELECT 1 FROM letters l
                           WHERE l.decision_id = d.id AND l.recipient = 'pasient'
                             AND l.kind IN ('rett', 'avslag', 'videresendt') AND l.sent_on IS NOT NULL)",
    )?;
    let rows = stmt.query_map([from], |r| Ok(ReferralId(r.get(0)?)))?;
    rows.collect()
}

/// The letter state of one referral's current decision, when it calls for a rights letter.
pub fn state_of(conn: &Connection, referral: ReferralId) -> rusqlite::Result<Option<LetterState>> {
    use rusqlite::OptionalExtension;
    let from = tracked_from(conn)?;
    conn.prepare_cached(
        "SELECT d.id > ?2 AND d.decided_by <> 'import',
                (SELECT min(l.sent_on) FROM letters l
                 WHERE l.decision_id = d.id AND l.recipient = 'pasient' AND l.kind IN ('rett', 'avslag', 'videresendt')
                   AND l.sent_on IS NOT NULL)
         FROM decisions d
         WHERE d.referral_id = ?1 AND d.superseded_by IS NULL
           AND d.outcome IN ('rett', 'avslag', 'videresendt', 'feilsendt')
         ORDER BY d.id DESC LIMIT 1",
    )?
    .query_row(params![referral.0, from], |r| {
        Ok(LetterState {
            tracked: r.get(0)?,
            sent_on: r.get(1)?,
        })
    })
    .optional()
}

/// Records an electronic answer (a Dialogmelding written for the referrer's system) like a
/// printed letter to the referrer, sent when written (the message system sends it on), with
/// one audit row; inside the caller's transaction.
pub fn record_reply(
    tx: &Transaction<'_>,
    reply: &crate::domain::records::Reply,
    file: &str,
    change: Change<'_>,
) -> Result<LetterId, StoreError> {
    let at = timestamp(change.at);
    let on = change.at.date();
    tx.prepare_cached(
        "INSERT INTO letters (referral_id, decision_id, kind, recipient, printed_at, printed_by,
            text_hash, file, sent_on, sent_by, channel)
         VALUES (?1, ?2, ?3, 'henviser', ?4, ?5, ?6, ?7, ?8, ?5, 'dialogmelding')",
    )?
    .execute(params![
        reply.referral.0,
        reply.decision.0,
        reply.kind.code(),
        at,
        change.actor,
        reply.hash(),
        file,
        on,
    ])?;
    let id = LetterId(tx.last_insert_rowid());
    let log = audit::OutputLog::new(audit::OutputAction::SendReply, 1).with(json!({
        "henvisninger": [reply.referral.0],
        "meldingsid": reply.message_id,
    }));
    audit::record_output(tx, change, &log, file)?;
    Ok(id)
}
