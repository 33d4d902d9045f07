//! Decisions on referrals: recording one (with its audit row and the referral's new status in
//! the same transaction), corrections that keep every version, and reads.

use super::{StoreError, audit, referrals, referrals::Change, timestamp};
use crate::calendar::WorkingDayRule;
use crate::domain::ReferralId;
use crate::domain::decision::{Outcome, Previous, Source, Track, is_late, may_record, validate};
use crate::domain::letter::CareKind;
use crate::domain::meeting::{MeetingId, MeetingStatus};
pub use crate::domain::records::{DecisionExtras, DecisionId, StoredDecision};
use crate::store::db::{Connection, Row, Transaction};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

/// A decision to record: on which referral, at which meeting (if any), when, and what.
#[derive(Clone, Copy, Debug)]
pub struct NewDecision<'a> {
    pub referral: ReferralId,
    pub meeting: Option<MeetingId>,
    pub decided_on: NaiveDate,
    pub outcome: &'a Outcome,
    pub extras: &'a DecisionExtras,
}

const COLUMNS: &str = "id, referral_id, meeting_id, decided_on, outcome, start_of_care_deadline, track, \
    track_detail, priority_note, reason, advice, unit, sources, note, after_deadline, decided_by, superseded_by, care_kind";

fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredDecision> {
    let code: String = row.get(4)?;
    let track = match (row.get::<_, Option<String>>(6)?, row.get::<_, String>(7)?) {
        (Some(t), detail) => Some(super::decode(
            Track::from_codes(&t, &detail),
            6,
            &format!("{t} {detail}"),
        )?),
        (None, _) => None,
    };
    let bad = |what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            4,
            rusqlite::types::Type::Text,
            format!("ugyldig vedtak: {what}").into(),
        )
    };
    let outcome = match code.as_str() {
        // A frist or track may be missing only on imported history; an unknown track code
        // is an error (not read as "no track").
        "rett" => Outcome::Rett {
            start_of_care_deadline: row.get::<_, Option<NaiveDate>>(5)?,
            track,
            priority_note: row.get(8)?,
        },
        "avslag" => Outcome::Avslag {
            reason: row.get(9)?,
            advice: row.get(10)?,
        },
        "videresendt" => Outcome::Videresendt { unit: row.get(11)? },
        "feilsendt" => Outcome::Feilsendt,
        "sekundaer" => Outcome::Sekundaer { track },
        other => return Err(bad(other)),
    };
    Ok(StoredDecision {
        id: DecisionId(row.get(0)?),
        referral: ReferralId(row.get(1)?),
        meeting: row.get::<_, Option<i64>>(2)?.map(MeetingId),
        decided_on: row.get(3)?,
        outcome,
        extras: DecisionExtras {
            sources: Source::parse_list(&row.get::<_, String>(12)?),
            note: row.get(13)?,
            care_kind: match row.get_ref(17)?.as_str_or_null()? {
                None => None,
                Some(code) => Some(super::decode(CareKind::from_code(code), 17, code)?),
            },
        },
        after_deadline: row.get(14)?,
        decided_by: row.get(15)?,
        superseded_by: row.get::<_, Option<i64>>(16)?.map(DecisionId),
    })
}

/// The referral's current decision, if any.
pub fn current(
    conn: &Connection,
    referral: ReferralId,
) -> rusqlite::Result<Option<StoredDecision>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM decisions WHERE referral_id = ?1 AND superseded_by IS NULL ORDER BY id DESC LIMIT 1"
    ))?
    .query_row([referral.0], from_row)
    .optional()
}

/// The current decisions recorded at a meeting, in the order they were made.
pub fn at_meeting(conn: &Connection, meeting: MeetingId) -> rusqlite::Result<Vec<StoredDecision>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM decisions WHERE meeting_id = ?1 AND superseded_by IS NULL ORDER BY id"
    ))?;
    let rows = stmt.query_map([meeting.0], from_row)?;
    rows.collect()
}

/// Every version of the referral's decisions, oldest first.
pub fn history(conn: &Connection, referral: ReferralId) -> rusqlite::Result<Vec<StoredDecision>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM decisions WHERE referral_id = ?1 ORDER BY id"
    ))?;
    let rows = stmt.query_map([referral.0], from_row)?;
    rows.collect()
}

/// The outcome's track as the `track` and `track_detail` columns store it (`None`, "" without
/// one).
fn track_columns(outcome: &Outcome) -> (Option<&'static str>, &'static str) {
    outcome.track().map_or((None, ""), |t| {
        let (track, detail) = t.codes();
        (Some(track), detail)
    })
}

/// Who an imported decision was made by, as stored (`decided_by`).
pub const IMPORTED_BY: &str = "import";

/// A decision made before Inntak, ready to store.
#[derive(Clone, Copy, Debug)]
pub struct ImportedDecision<'a> {
    pub referral: ReferralId,
    pub received_on: NaiveDate,
    pub decided_on: NaiveDate,
    pub outcome: &'a Outcome,
    pub started: Option<NaiveDate>,
}

/// Records a decision made before Inntak, for a referral just imported with its decided
/// status (which the import already wrote): no meeting, `decided_by` "import", late when
/// `decided_on` is after the assessment deadline, and the care start when the file gave one.
/// The outcome comes from `domain::decision::imported_outcome`, which checked its rules.
pub fn record_imported(
    tx: &Transaction<'_>,
    imported: &ImportedDecision<'_>,
    rule: WorkingDayRule,
    change: Change<'_>,
) -> Result<DecisionId, StoreError> {
    let ImportedDecision {
        referral,
        received_on,
        decided_on,
        outcome,
        started,
    } = *imported;
    let after_deadline = is_late(received_on, decided_on, rule);
    let (track, detail) = track_columns(outcome);
    let (frist, reason) = match outcome {
        Outcome::Rett {
            start_of_care_deadline,
            ..
        } => (*start_of_care_deadline, ""),
        Outcome::Avslag { reason, .. } => (None, reason.as_str()),
        _ => (None, ""),
    };
    let at = timestamp(change.at);
    tx.prepare_cached(
        "INSERT INTO decisions (referral_id, meeting_id, decided_on, outcome, start_of_care_deadline, track,
            track_detail, reason, after_deadline, decided_by, created_at)
         VALUES (?1, NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        referral.0,
        decided_on,
        outcome.code(),
        frist,
        track,
        detail,
        reason.trim(),
        after_deadline,
        IMPORTED_BY,
        at,
    ])?;
    let id = DecisionId(tx.last_insert_rowid());
    if let Some(started) = started {
        tx.prepare_cached(
            "INSERT INTO care_starts (referral_id, booked_start, started_on, updated_by, updated_at)
             VALUES (?1, NULL, ?2, ?3, ?4)",
        )?
        .execute(params![referral.0, started, IMPORTED_BY, at])?;
    }
    let details = json!({
        "vedtak": id.0,
        "utfall": outcome.code(),
        "avgjort": decided_on.to_string(),
        "forløp": track.map(|t| format!("{t} {detail}").trim().to_string()),
        "juridisk_frist": frist.map(|d| d.to_string()),
        "oppstart": started.map(|d| d.to_string()),
        "etter_frist": after_deadline,
    });
    audit::log(
        tx,
        change,
        audit::Event::Referral(audit::ReferralAction::ImportDecision),
        Some(referral.0),
        &details,
    )?;
    Ok(id)
}

/// The columns an export writes for a referral's current decision: track (as decided),
/// juridisk frist, avslag reason, and the day care started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportedDecision {
    pub track: String,
    pub frist: Option<NaiveDate>,
    pub avslag_reason: String,
    pub started: Option<NaiveDate>,
}

/// Every referral's current decision as the export writes it, by referral id.
pub fn for_export(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<i64, ExportedDecision>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.referral_id, d.track, d.track_detail, d.start_of_care_deadline,
                CASE WHEN d.outcome = 'avslag' THEN d.reason ELSE '' END, c.started_on
         FROM decisions d LEFT JOIN care_starts c ON c.referral_id = d.referral_id
         WHERE d.superseded_by IS NULL",
    )?;
    let rows = stmt.query_map([], |row| {
        let track = match row.get::<_, Option<String>>(1)? {
            Some(t) => {
                let detail: String = row.get(2)?;
                super::decode(Track::from_codes(&t, &detail), 1, &format!("{t} {detail}"))?
                    .label_nb()
            }
            None => String::new(),
        };
        Ok((
            row.get::<_, i64>(0)?,
            ExportedDecision {
                track,
                frist: row.get(3)?,
                avslag_reason: row.get(4)?,
                started: row.get(5)?,
            },
        ))
    })?;
    rows.collect()
}

/// Records the meeting's decision on a referral, or corrects the current one.
///
/// In one transaction (the caller's): the rules of the outcome are checked, the decision row is
/// written (marked after the deadline when it is), a previous decision is superseded (only
/// while its meeting is not closed), the referral gets its new status and decision date, and
/// the audit log gets who, when and what.
/// How a decision was sent from the meeting: its key (the form's; the same decision sent
/// again after a lost connection is stored once) and the decision the form corrects, if any
/// (another decision saved since then is not written over).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sending<'a> {
    pub key: Option<&'a str>,
    pub corrects: Option<DecisionId>,
}

/// Records a decision sent from the meeting (see [`Sending`]): the one already stored under
/// the same key is returned as it is; a decision another leader saved for the referral at this
/// meeting while this one was typed (or a correction of it since) refuses this one, naming
/// who and when. Otherwise as [`record`].
pub fn record_sent(
    tx: &Transaction<'_>,
    decision: &NewDecision<'_>,
    rule: WorkingDayRule,
    change: Change<'_>,
    sending: Sending<'_>,
) -> Result<DecisionId, StoreError> {
    if let Some(key) = sending.key {
        let stored: Option<i64> = tx
            .prepare_cached("SELECT id FROM decisions WHERE request_key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        if let Some(id) = stored {
            return Ok(DecisionId(id));
        }
    }
    let current: Option<(i64, Option<i64>, String, String, String)> = tx
        .prepare_cached(
            "SELECT id, meeting_id, decided_by, created_at, outcome FROM decisions \
             WHERE referral_id = ?1 AND superseded_by IS NULL",
        )?
        .query_row([decision.referral.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    if let Some((id, meeting, by, at, outcome)) = current {
        let meanwhile = match sending.corrects {
            None => meeting.is_some() && meeting == decision.meeting.map(|m| m.0),
            Some(seen) => seen.0 != id,
        };
        if meanwhile {
            let at = chrono::NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M:%S").map_or(
                at.clone(),
                |t| {
                    format!(
                        "{} kl. {}",
                        crate::calendar::format_date(t.date()),
                        t.format("%H:%M")
                    )
                },
            );
            let outcome = crate::domain::ReferralStatus::from_code(&outcome)
                .map_or(outcome.clone(), |s| s.label_nb().to_lowercase());
            return Err(StoreError::Meeting(
                crate::domain::meeting::MeetingRefusal::DecidedMeanwhile {
                    decision: id,
                    by,
                    at,
                    outcome,
                },
            ));
        }
    }
    let id = record(tx, decision, rule, change)?;
    if let Some(key) = sending.key {
        tx.prepare_cached("UPDATE decisions SET request_key = ?2 WHERE id = ?1")?
            .execute(params![id.0, key])?;
    }
    Ok(id)
}

pub fn record(
    tx: &Transaction<'_>,
    decision: &NewDecision<'_>,
    rule: WorkingDayRule,
    change: Change<'_>,
) -> Result<DecisionId, StoreError> {
    let NewDecision {
        referral,
        meeting,
        decided_on,
        outcome,
        extras,
    } = *decision;
    let r = referrals::get(tx, referral)?;
    validate(
        outcome,
        decided_on,
        r.fields.is_secondary,
        r.fields.referrer_kind,
    )
    .map_err(|e| StoreError::Rule(e.to_string()))?;
    let previous = current(tx, referral)?;
    let state = match &previous {
        None => Previous::None,
        Some(p) => match p.meeting {
            Some(m) if super::meetings::get(tx, m)?.status == MeetingStatus::Avsluttet => {
                Previous::AtClosedMeeting
            }
            _ => Previous::Open,
        },
    };
    may_record(r.status, state).map_err(StoreError::Rule)?;
    let after_deadline = is_late(r.fields.received_on, decided_on, rule);
    let (track, detail) = track_columns(outcome);
    let (start, priority, reason, advice, unit) = match outcome {
        Outcome::Rett {
            start_of_care_deadline,
            priority_note,
            ..
        } => (*start_of_care_deadline, priority_note.as_str(), "", "", ""),
        Outcome::Avslag { reason, advice } => (None, "", reason.as_str(), advice.as_str(), ""),
        Outcome::Videresendt { unit } => (None, "", "", "", unit.as_str()),
        Outcome::Feilsendt | Outcome::Sekundaer { .. } => (None, "", "", "", ""),
    };
    // Only a rett has a juridisk frist to be for utredning or behandling.
    let care_kind = match outcome {
        Outcome::Rett { .. } => extras.care_kind,
        _ => None,
    };
    let at = timestamp(change.at);
    tx.prepare_cached(
        "INSERT INTO decisions (referral_id, meeting_id, decided_on, outcome, start_of_care_deadline, track,
            track_detail, priority_note, reason, advice, unit, sources, note, after_deadline, decided_by, created_at,
            care_kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
            referral.0,
            meeting.map(|m| m.0),
            decided_on,
            outcome.code(),
            start,
            track,
            detail,
            priority.trim(),
            reason.trim(),
            advice.trim(),
            unit.trim(),
            Source::format_list(&extras.sources),
            extras.note.trim(),
            after_deadline,
            change.actor,
            at,
            care_kind.map(CareKind::code),
        ],
    )?;
    let id = DecisionId(tx.last_insert_rowid());
    if let Some(p) = &previous {
        tx.prepare_cached("UPDATE decisions SET superseded_by = ?2 WHERE id = ?1")?
            .execute(params![p.id.0, id.0])?;
    }
    let status = outcome.referral_status();
    tx.prepare_cached(
        "UPDATE referrals SET status = ?2, decided_on = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![referral.0, status.code(), decided_on, at])?;
    let details = json!({
        "vedtak": id.0,
        "utfall": outcome.code(),
        "avgjort": decided_on.to_string(),
        "juridisk_frist": start.map(|d| d.to_string()),
        "forløp": track.map(|t| format!("{t} {detail}").trim().to_string()),
        "status": [r.status.code(), status.code()],
        "etter_frist": after_deadline,
        "retter": previous.as_ref().map(|p| p.id.0),
        "frist_gjelder": care_kind.map(CareKind::code),
    });
    let action = if previous.is_some() {
        audit::ReferralAction::Correct
    } else {
        audit::ReferralAction::Decide
    };
    audit::log(
        tx,
        change,
        audit::Event::Referral(action),
        Some(referral.0),
        &details,
    )?;
    // Decided: it waits for no later meeting (a referral is on at most one open agenda, and
    // a decided one on none but the meeting that decided it).
    super::meetings::remove_from_other_open_agendas(tx, referral, meeting)?;
    Ok(id)
}
