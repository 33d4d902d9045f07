//! Follow-ups after the rights decision: the kartleggingssamtale's report back, track changes
//! (kartlegging → monofaglig/tverrfaglig, monofaglig → tverrfaglig) kept as history, and the
//! start of care (booked and actual). Each write is audited in the caller's transaction.

use super::{StoreError, audit, decisions, referrals, referrals::Change, timestamp};
use crate::calendar::format_date;
use crate::domain::decision::{Outcome, Track};
use crate::domain::meeting::{MeetingId, MeetingStatus};
pub use crate::domain::records::CareStart;
use crate::domain::{ReferralId, ReferralStatus};
use crate::store::db::{Connection, Transaction};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

/// One track change as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackChange {
    pub meeting: Option<MeetingId>,
    pub decided_on: NaiveDate,
    pub from: Track,
    pub to: Track,
    pub note: String,
    pub decided_by: String,
}

/// "2027-W05" as stored.
fn week_code(week: Option<(i32, u32)>) -> Option<String> {
    week.map(|(y, w)| format!("{y:04}-W{w:02}"))
}

fn parse_week_code(code: &str) -> Option<(i32, u32)> {
    let (y, w) = code.split_once("-W")?;
    Some((y.parse().ok()?, w.parse().ok()?))
}

/// The mapping clinician's report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingReport {
    pub reported_on: NaiveDate,
    pub summary: String,
    pub reported_by: String,
}

fn rule(text: impl Into<String>) -> StoreError {
    StoreError::Rule(text.into())
}

/// Track changes of a referral, oldest first.
pub fn track_history(
    conn: &Connection,
    referral: ReferralId,
) -> rusqlite::Result<Vec<TrackChange>> {
    let mut stmt = conn.prepare_cached(
        "SELECT meeting_id, decided_on, from_track, from_detail, track, track_detail, note, decided_by
         FROM track_changes WHERE referral_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([referral.0], |r| {
        let track = |a: usize, b: usize| -> rusqlite::Result<Track> {
            let (t, d): (String, String) = (r.get(a)?, r.get(b)?);
            Track::from_codes(&t, &d).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    a,
                    rusqlite::types::Type::Text,
                    format!("ugyldig forløp {t} {d}").into(),
                )
            })
        };
        Ok(TrackChange {
            meeting: r.get::<_, Option<i64>>(0)?.map(MeetingId),
            decided_on: r.get(1)?,
            from: track(2, 3)?,
            to: track(4, 5)?,
            note: r.get(6)?,
            decided_by: r.get(7)?,
        })
    })?;
    rows.collect()
}

/// Referrals whose track was chosen or changed at a meeting, with the track chosen last there.
pub fn changed_at_meeting(
    conn: &Connection,
    meeting: MeetingId,
) -> rusqlite::Result<Vec<(ReferralId, Track)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT referral_id, track, track_detail FROM track_changes
         WHERE id IN (SELECT max(id) FROM track_changes WHERE meeting_id = ?1 GROUP BY referral_id)
         ORDER BY referral_id",
    )?;
    let rows = stmt.query_map([meeting.0], |r| {
        let (id, track, detail): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        Ok((ReferralId(id), Track::from_codes(&track, &detail)))
    })?;
    Ok(rows
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter_map(|(id, t)| Some((id, t?)))
        .collect())
}

/// The referral's track now: the latest change, else the current decision's track.
pub fn current_track(conn: &Connection, referral: ReferralId) -> rusqlite::Result<Option<Track>> {
    if let Some(last) = track_history(conn, referral)?.pop() {
        return Ok(Some(last.to));
    }
    Ok(decisions::current(conn, referral)?.and_then(|d| d.outcome.track()))
}

pub fn mapping_report(
    conn: &Connection,
    referral: ReferralId,
) -> rusqlite::Result<Option<MappingReport>> {
    conn.prepare_cached(
        "SELECT reported_on, summary, reported_by FROM mapping_reports WHERE referral_id = ?1",
    )?
    .query_row([referral.0], |r| {
        Ok(MappingReport {
            reported_on: r.get(0)?,
            summary: r.get(1)?,
            reported_by: r.get(2)?,
        })
    })
    .optional()
}

pub fn care_start(conn: &Connection, referral: ReferralId) -> rusqlite::Result<CareStart> {
    Ok(conn
        .prepare_cached(
            "SELECT booked_start, started_on, booked_time, booked_week FROM care_starts
             WHERE referral_id = ?1",
        )?
        .query_row([referral.0], |r| {
            Ok(CareStart {
                booked: r.get(0)?,
                started: r.get(1)?,
                booked_time: stored_time(r.get(2)?, 2)?,
                booked_week: stored_week(r.get(3)?, 3)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

/// The clinician reports back from the kartleggingssamtale: the referral returns to the queue
/// as "til ny vurdering" for a later meeting to choose monofaglig or tverrfaglig.
pub fn report_mapping(
    tx: &Transaction<'_>,
    referral: ReferralId,
    reported_on: NaiveDate,
    summary: &str,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let r = referrals::get(tx, referral)?;
    if r.status != ReferralStatus::Kartlegging {
        return Err(rule(format!(
            "Henvisningen har status «{}», ikke «{}»",
            r.status.label_nb(),
            ReferralStatus::Kartlegging.label_nb()
        )));
    }
    if let Some(decided) = r.decided_on
        && reported_on < decided
    {
        return Err(rule(format!(
            "Tilbakemeldingsdatoen kan ikke være før vedtaket ({})",
            format_date(decided)
        )));
    }
    if reported_on > change.at.date() {
        return Err(rule("Tilbakemeldingsdatoen kan ikke være fram i tid"));
    }
    let at = timestamp(change.at);
    tx.execute(
        "INSERT INTO mapping_reports (referral_id, reported_on, summary, reported_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (referral_id) DO UPDATE SET reported_on = excluded.reported_on,
            summary = excluded.summary, reported_by = excluded.reported_by, created_at = excluded.created_at",
        params![referral.0, reported_on, summary.trim(), change.actor, at],
    )?;
    set_status(tx, referral, ReferralStatus::TilNyVurdering, &at)?;
    audit::log(
        tx,
        change,
        audit::Event::Referral(audit::ReferralAction::MappingReport),
        Some(referral.0),
        &json!({
            "dato": reported_on.to_string(),
            "status": [r.status.code(), "til_ny_vurdering"],
        }),
    )?;
    Ok(())
}

fn set_status(
    tx: &Transaction<'_>,
    referral: ReferralId,
    status: ReferralStatus,
    at: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE referrals SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![referral.0, status.code(), at],
    )?;
    Ok(())
}

/// A track change: after a kartleggingssamtale (the referral is "til ny vurdering") to
/// monofaglig or tverrfaglig, or an upgrade from monofaglig to tverrfaglig. The history is kept.
pub fn change_track(
    tx: &Transaction<'_>,
    referral: ReferralId,
    meeting: Option<MeetingId>,
    decided_on: NaiveDate,
    to: Track,
    note: &str,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let r = referrals::get(tx, referral)?;
    let decision = decisions::current(tx, referral)?
        .ok_or_else(|| rule("Henvisningen har ikke noe vedtak å endre forløp for"))?;
    // A change made at this same meeting is corrected: the new choice is checked against what
    // the track was before it, and both rows are kept (the latest is the current one).
    let last = track_history(tx, referral)?.pop();
    let correcting = last
        .as_ref()
        .filter(|t| meeting.is_some() && t.meeting == meeting);
    let (from, status) = match correcting {
        Some(t) if matches!(t.from, Track::Kartlegging(_)) => {
            (t.from, ReferralStatus::TilNyVurdering)
        }
        Some(t) => (t.from, r.status),
        None => (
            current_track(tx, referral)?.ok_or_else(|| rule("Henvisningen har ikke noe forløp"))?,
            r.status,
        ),
    };
    crate::domain::decision::track_change_allowed(from, to, status).map_err(rule)?;
    if decided_on < decision.decided_on {
        return Err(rule(format!(
            "Forløpsendringen kan ikke være før vedtaket ({})",
            format_date(decision.decided_on)
        )));
    }
    if let Some(m) = meeting
        && super::meetings::get(tx, m)?.status == MeetingStatus::Avsluttet
    {
        return Err(rule("Møtet er avsluttet; gjenåpne det for å endre"));
    }
    let at = timestamp(change.at);
    let (from_track, from_detail) = from.codes();
    let (track, detail) = to.codes();
    tx.execute(
        "INSERT INTO track_changes (referral_id, meeting_id, decided_on, from_track, from_detail, track,
            track_detail, note, decided_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            referral.0,
            meeting.map(|m| m.0),
            decided_on,
            from_track,
            from_detail,
            track,
            detail,
            note.trim(),
            change.actor,
            at
        ],
    )?;
    let new_status = match decision.outcome {
        Outcome::Sekundaer { .. } => ReferralStatus::Sekundaer,
        _ => ReferralStatus::Rett,
    };
    set_status(tx, referral, new_status, &at)?;
    audit::log(
        tx,
        change,
        audit::Event::Referral(audit::ReferralAction::TrackChange),
        Some(referral.0),
        &json!({
            "fra": format!("{from_track} {from_detail}"),
            "til": format!("{track} {detail}"),
            "møte": meeting.map(|m| m.0),
            "retter": correcting.is_some(),
            "status": [r.status.code(), new_status.code()],
        }),
    )?;
    Ok(())
}

/// Records the booked first appointment and/or the date care started for a granted or
/// secondary referral. `None` clears a date.
pub fn set_care_start(
    tx: &Transaction<'_>,
    referral: ReferralId,
    care: CareStart,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let r = referrals::get(tx, referral)?;
    let decision = decisions::current(tx, referral)?;
    let granted = matches!(
        decision.as_ref().map(|d| &d.outcome),
        Some(Outcome::Rett { .. } | Outcome::Sekundaer { .. })
    );
    if !granted || r.status == ReferralStatus::Trukket {
        return Err(rule(
            "Oppstart registreres bare for henvisninger med rett til helsehjelp eller sekundærhenvisninger",
        ));
    }
    for (date, what) in [
        (care.booked, "Planlagt oppstart"),
        (care.started, "Oppstart"),
    ] {
        if let Some(d) = date
            && d < r.fields.received_on
        {
            return Err(rule(format!(
                "{what} kan ikke være før mottaksdatoen ({})",
                format_date(r.fields.received_on)
            )));
        }
    }
    if care.booked_time.is_some() && care.booked.is_none() {
        return Err(rule("Klokkeslett for oppmøte krever en dato"));
    }
    if care.booked_week.is_some() {
        if care.booked.is_some() {
            return Err(rule("Oppgi enten dato for oppmøte eller uke, ikke begge"));
        }
        if let Some(StoredDecisionFacts { decided_on, frist }) = decision_facts(&decision) {
            crate::domain::letter::check_appointment(care.appointment(), decided_on, frist)
                .map_err(rule)?;
        }
    }
    if care.started.is_some_and(|d| d > change.at.date()) {
        return Err(rule(
            "Oppstart kan ikke være fram i tid; bruk planlagt oppstart",
        ));
    }
    let before = care_start(tx, referral)?;
    let at = timestamp(change.at);
    tx.execute(
        "INSERT INTO care_starts (referral_id, booked_start, started_on, updated_by, updated_at,
            booked_time, booked_week)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (referral_id) DO UPDATE SET booked_start = excluded.booked_start,
            started_on = excluded.started_on, updated_by = excluded.updated_by,
            updated_at = excluded.updated_at, booked_time = excluded.booked_time,
            booked_week = excluded.booked_week",
        params![
            referral.0,
            care.booked,
            care.started,
            change.actor,
            at,
            care.booked_time.map(|t| t.format("%H:%M").to_string()),
            week_code(care.booked_week),
        ],
    )?;
    let text = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    audit::log(
        tx,
        change,
        audit::Event::Referral(audit::ReferralAction::CareStart),
        Some(referral.0),
        &json!({
            "planlagt_oppstart": [text(before.booked), text(care.booked)],
            "oppmøte_tid": [
                before.booked_time.map(|t| t.format("%H:%M").to_string()),
                care.booked_time.map(|t| t.format("%H:%M").to_string()),
            ],
            "oppmøte_uke": [week_code(before.booked_week), week_code(care.booked_week)],
            "oppstart": [text(before.started), text(care.started)],
        }),
    )?;
    Ok(())
}

struct StoredDecisionFacts {
    decided_on: NaiveDate,
    frist: Option<NaiveDate>,
}

fn decision_facts(d: &Option<decisions::StoredDecision>) -> Option<StoredDecisionFacts> {
    let d = d.as_ref()?;
    let frist = match &d.outcome {
        Outcome::Rett {
            start_of_care_deadline,
            ..
        } => *start_of_care_deadline,
        _ => None,
    };
    Some(StoredDecisionFacts {
        decided_on: d.decided_on,
        frist,
    })
}

/// A granted referral's current decision, latest track and care dates, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CareRecord {
    pub id: ReferralId,
    pub external_id: String,
    pub patient: String,
    pub national_id: String,
    pub received_on: NaiveDate,
    pub decided_on: NaiveDate,
    pub frist: NaiveDate,
    /// The track now (after any change).
    pub track: Option<Track>,
    pub status: ReferralStatus,
    pub booked: Option<NaiveDate>,
    pub booked_time: Option<chrono::NaiveTime>,
    pub booked_week: Option<(i32, u32)>,
    pub started: Option<NaiveDate>,
}

/// A referral in or back from a kartleggingssamtale, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingRecord {
    pub id: ReferralId,
    pub patient: String,
    pub track: Option<Track>,
    pub decided_on: NaiveDate,
    pub status: ReferralStatus,
    pub reported_on: Option<NaiveDate>,
    pub summary: String,
}

/// A stored oppmøte time ("09:30"), strictly.
fn stored_time(text: Option<String>, column: usize) -> rusqlite::Result<Option<chrono::NaiveTime>> {
    let Some(t) = text else { return Ok(None) };
    super::decode(
        chrono::NaiveTime::parse_from_str(&t, "%H:%M").ok(),
        column,
        &t,
    )
    .map(Some)
}

/// A stored oppmøte week ("2027-W05"), strictly.
fn stored_week(text: Option<String>, column: usize) -> rusqlite::Result<Option<(i32, u32)>> {
    let Some(w) = text else { return Ok(None) };
    super::decode(parse_week_code(&w), column, &w).map(Some)
}

/// A stored track, strictly: an unknown code is an error.
fn stored_track(
    track: Option<String>,
    detail: Option<String>,
    column: usize,
) -> rusqlite::Result<Option<Track>> {
    let Some(track) = track else { return Ok(None) };
    let detail = detail.unwrap_or_default();
    super::decode(
        Track::from_codes(&track, &detail),
        column,
        &format!("{track} {detail}"),
    )
    .map(Some)
}

/// Every granted referral (rett, also while in kartlegging or back from it), by juridisk
/// frist, then receipt. Imported history without a juridisk frist is left out: its frist is
/// unknown, so it can be neither followed up nor counted as a breach. A forwarded referral
/// the sender assessed is watched against the frist the sender gave, from the day it came
/// (before the meeting chose its track: decided on the sender's assessment date).
pub fn care_records(conn: &Connection) -> rusqlite::Result<Vec<CareRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, coalesce(r.external_id, ''), r.patient, coalesce(r.national_id, ''),
                r.received_on, d.decided_on, d.start_of_care_deadline,
                coalesce(t.track, d.track), coalesce(t.track_detail, d.track_detail),
                r.status, c.booked_start, c.started_on, c.booked_time, c.booked_week
         FROM decisions d
         JOIN referrals r ON r.id = d.referral_id
         LEFT JOIN care_starts c ON c.referral_id = r.id
         LEFT JOIN track_changes t ON t.id =
              (SELECT max(id) FROM track_changes WHERE referral_id = r.id)
         WHERE d.superseded_by IS NULL AND d.outcome = 'rett'
           AND d.start_of_care_deadline IS NOT NULL
           AND r.status IN ('rett', 'kartlegging', 'til_ny_vurdering')
         UNION ALL
         -- Forwarded referrals the sender assessed (few): driven from their assessments.
         SELECT r.id, coalesce(r.external_id, ''), r.patient, coalesce(r.national_id, ''),
                r.received_on, coalesce(d.decided_on, sa.assessed_on, r.received_on),
                sa.deadline,
                coalesce(t.track, d.track), coalesce(t.track_detail, d.track_detail),
                r.status, c.booked_start, c.started_on, c.booked_time, c.booked_week
         FROM sender_assessments sa
         JOIN referrals r ON r.id = sa.referral_id
         LEFT JOIN decisions d ON d.referral_id = r.id AND d.superseded_by IS NULL
         LEFT JOIN care_starts c ON c.referral_id = r.id
         LEFT JOIN track_changes t ON t.id =
              (SELECT max(id) FROM track_changes WHERE referral_id = r.id)
         WHERE sa.deadline IS NOT NULL
           AND ((d.id IS NULL AND r.status = 'til_vurdering')
             OR (d.outcome = 'sekundaer'
                 AND r.status IN ('sekundaer', 'kartlegging', 'til_ny_vurdering')))
         ORDER BY 7, 5, 1",
    )?;
    let rows = stmt.query_map([], |row| {
        let status = row.get_ref(9)?.as_str()?;
        Ok(CareRecord {
            id: ReferralId(row.get(0)?),
            external_id: row.get(1)?,
            patient: row.get(2)?,
            national_id: row.get(3)?,
            received_on: row.get(4)?,
            decided_on: row.get(5)?,
            frist: row.get(6)?,
            track: stored_track(row.get(7)?, row.get(8)?, 7)?,
            status: super::decode(ReferralStatus::from_code(status), 9, status)?,
            booked: row.get(10)?,
            started: row.get(11)?,
            booked_time: stored_time(row.get(12)?, 12)?,
            booked_week: stored_week(row.get(13)?, 13)?,
        })
    })?;
    rows.collect()
}

/// The referrals in or back from a kartleggingssamtale, by status, decision date and id.
pub fn mapping_records(conn: &Connection) -> rusqlite::Result<Vec<MappingRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.patient, d.track, d.track_detail, d.decided_on, r.status,
                m.reported_on, coalesce(m.summary, '')
         FROM referrals r
         JOIN decisions d ON d.referral_id = r.id AND d.superseded_by IS NULL
         LEFT JOIN mapping_reports m ON m.referral_id = r.id
         WHERE r.status IN ('kartlegging', 'til_ny_vurdering')
         ORDER BY r.status, d.decided_on, r.id",
    )?;
    let rows = stmt.query_map([], |row| {
        let status = row.get_ref(5)?.as_str()?;
        Ok(MappingRecord {
            id: ReferralId(row.get(0)?),
            patient: row.get(1)?,
            track: stored_track(row.get(2)?, row.get(3)?, 2)?,
            decided_on: row.get(4)?,
            status: super::decode(ReferralStatus::from_code(status), 5, status)?,
            reported_on: row.get(6)?,
            summary: row.get(7)?,
        })
    })?;
    rows.collect()
}
