//! Referral rows: insert, edit, status changes and reads, each write with its audit row.

use super::{StoreError, audit, timestamp};
use crate::domain::{Referral, ReferralFields, ReferralId, ReferralStatus, ReferrerKind};
use crate::store::db::{Connection, Row, Transaction};
use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value, json};

const COLUMNS: &str = "id, external_id, received_on, patient, national_id, birth_year, \
    referrer_name, referrer_kind, specialty, is_secondary, problem, diagnosis_group, status, \
    decided_on, patient_street, patient_postcode, patient_city, referrer_address, \
    referrer_electronic";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Referral> {
    // Codes are read as borrowed text: no allocation per row (100,000 rows at startup).
    let kind = row.get_ref(7)?.as_str()?;
    let status = row.get_ref(12)?.as_str()?;
    let bad = |col: usize, text: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            rusqlite::types::Type::Text,
            format!("ukjent verdi «{text}»").into(),
        )
    };
    Ok(Referral {
        id: ReferralId(row.get(0)?),
        fields: ReferralFields {
            external_id: row.get(1)?,
            received_on: row.get(2)?,
            patient: row.get(3)?,
            national_id: row.get(4)?,
            birth_year: row.get(5)?,
            referrer_name: row.get(6)?,
            referrer_kind: ReferrerKind::from_code(kind).ok_or_else(|| bad(7, kind))?,
            specialty: row.get(8)?,
            is_secondary: row.get(9)?,
            problem: row.get(10)?,
            diagnosis_group: row.get(11)?,
            patient_street: row.get(14)?,
            patient_postcode: row.get(15)?,
            patient_city: row.get(16)?,
            referrer_address: row.get(17)?,
            referrer_electronic: row.get(18)?,
        },
        status: ReferralStatus::from_code(status).ok_or_else(|| bad(12, status))?,
        decided_on: row.get(13)?,
    })
}

/// Who does a write, and when: the audit trail's "who" and "when".
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    pub actor: &'a str,
    pub at: NaiveDateTime,
}

/// The id of the referral with this external id, if any.
pub fn find_by_external_id(conn: &Connection, external_id: &str) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT id FROM referrals WHERE external_id = ?1")?
        .query_row([external_id], |r| r.get(0))
        .optional()
}

/// Every referral received between `from` and `to` (inclusive), as the duplicate check
/// compares them, with its external id: an import's possible duplicates are looked for among
/// these.
pub fn received_between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<Vec<(crate::domain::duplicate::Existing, Option<String>)>> {
    use crate::domain::duplicate::{Candidate, Existing};
    let mut stmt = conn.prepare(
        "SELECT id, received_on, patient, national_id, birth_year, referrer_name, status,
                external_id
         FROM referrals WHERE received_on BETWEEN ?1 AND ?2 ORDER BY id",
    )?;
    let rows = stmt.query_map([from.to_string(), to.to_string()], |r| {
        let received: NaiveDate = r.get(1)?;
        let patient: String = r.get(2)?;
        let national_id: Option<String> = r.get(3)?;
        let referrer: String = r.get(5)?;
        let status: String = r.get(6)?;
        let status =
            ReferralStatus::from_code(&status).map_or(status, |s| s.label_nb().to_lowercase());
        let candidate = Candidate::new(
            received,
            &patient,
            national_id.as_deref(),
            r.get(4)?,
            &referrer,
        );
        let by = if referrer.is_empty() {
            String::new()
        } else {
            format!(" fra {referrer}")
        };
        Ok((
            Existing {
                id: ReferralId(r.get(0)?),
                candidate,
                shown: format!(
                    "{patient}, mottatt {}{by} ({status})",
                    crate::calendar::format_date(received)
                ),
            },
            r.get(7)?,
        ))
    })?;
    rows.collect()
}

/// Inserts a referral and its audit row. `action` says where it came from (`Create` from the
/// form, `Import`, `Demo`).
pub fn insert(
    tx: &Transaction<'_>,
    fields: &ReferralFields,
    status: ReferralStatus,
    decided_on: Option<NaiveDate>,
    change: Change<'_>,
    action: audit::ReferralAction,
) -> Result<ReferralId, StoreError> {
    if let Some(ext) = &fields.external_id
        && find_by_external_id(tx, ext)?.is_some()
    {
        return Err(StoreError::DuplicateExternalId(ext.clone()));
    }
    let at = timestamp(change.at);
    tx.prepare_cached(
        "INSERT INTO referrals (external_id, received_on, patient, national_id, birth_year,
            referrer_name, referrer_kind, specialty, is_secondary, problem, diagnosis_group,
            status, decided_on, created_at, updated_at, patient_street, patient_postcode,
            patient_city, referrer_address, referrer_electronic)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16,
            ?17, ?18, ?19)",
    )?
    .execute(params![
        fields.external_id,
        fields.received_on,
        fields.patient,
        fields.national_id,
        fields.birth_year,
        fields.referrer_name,
        fields.referrer_kind.code(),
        fields.specialty,
        fields.is_secondary,
        fields.problem,
        fields.diagnosis_group,
        status.code(),
        decided_on,
        at,
        fields.patient_street,
        fields.patient_postcode,
        fields.patient_city,
        fields.referrer_address,
        fields.referrer_electronic,
    ])?;
    let id = tx.last_insert_rowid();
    // The received date as recorded, so `verify` can tell a date changed behind the log.
    let details = json!({ "status": status.code(), "mottatt": fields.received_on.to_string() });
    audit::log(
        tx,
        change,
        audit::Event::Referral(action),
        Some(id),
        &details,
    )?;
    Ok(ReferralId(id))
}

/// Saves edited fields. Returns false (and writes nothing) when nothing changed.
/// A referral's version: how many times its fields have been saved (optimistic concurrency).
pub fn version(conn: &Connection, id: ReferralId) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT row_version FROM referrals WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::NotFound(id.0))
}

/// Saves an edit made from the form opened at version `seen`: if someone else saved the
/// referral since, nothing is written and the refusal says who, when and what stands now.
pub fn update_seen(
    tx: &Transaction<'_>,
    id: ReferralId,
    fields: &ReferralFields,
    change: Change<'_>,
    seen: i64,
) -> Result<bool, StoreError> {
    let version = version(tx, id)?;
    if version != seen {
        let (by, at): (String, String) = tx
            .prepare_cached(
                "SELECT actor, at FROM audit_log WHERE entity = 'referral' AND entity_id = ?1 \
                 AND action = 'update' ORDER BY id DESC LIMIT 1",
            )?
            .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or_else(|| ("En annen".into(), String::new()));
        let at = NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M:%S").map_or(at, |t| {
            format!(
                "{} kl. {}",
                crate::calendar::format_date(t.date()),
                t.format("%H:%M")
            )
        });
        let current = get(tx, id)?;
        let now = fields
            .changes_to(&current.fields)
            .into_iter()
            .map(|(field, _, theirs)| format!("{}: «{theirs}»", field.label_nb()))
            .collect::<Vec<_>>();
        let now = if now.is_empty() {
            "Endringen deres er den samme som din.".to_string()
        } else {
            format!("Nå står det: {}.", now.join("; "))
        };
        return Err(StoreError::ChangedMeanwhile {
            by,
            at,
            now,
            version,
        });
    }
    update(tx, id, fields, change)
}

pub fn update(
    tx: &Transaction<'_>,
    id: ReferralId,
    fields: &ReferralFields,
    change: Change<'_>,
) -> Result<bool, StoreError> {
    let old = get(tx, id)?;
    let changes = old.fields.changes_to(fields);
    if changes.is_empty() {
        return Ok(false);
    }
    if let Some(ext) = &fields.external_id
        && find_by_external_id(tx, ext)?.is_some_and(|other| other != id.0)
    {
        return Err(StoreError::DuplicateExternalId(ext.clone()));
    }
    let at = timestamp(change.at);
    tx.execute(
        "UPDATE referrals SET external_id = ?2, received_on = ?3, patient = ?4,
            national_id = ?5, birth_year = ?6, referrer_name = ?7, referrer_kind = ?8,
            specialty = ?9, is_secondary = ?10, problem = ?11, diagnosis_group = ?12,
            updated_at = ?13, patient_street = ?14, patient_postcode = ?15, patient_city = ?16,
            referrer_address = ?17, referrer_electronic = ?18, row_version = row_version + 1
         WHERE id = ?1",
        params![
            id.0,
            fields.external_id,
            fields.received_on,
            fields.patient,
            fields.national_id,
            fields.birth_year,
            fields.referrer_name,
            fields.referrer_kind.code(),
            fields.specialty,
            fields.is_secondary,
            fields.problem,
            fields.diagnosis_group,
            at,
            fields.patient_street,
            fields.patient_postcode,
            fields.patient_city,
            fields.referrer_address,
            fields.referrer_electronic,
        ],
    )?;
    let mut details = Map::new();
    for (field, before, after) in changes {
        details.insert(field.csv_column().to_string(), json!([before, after]));
    }
    let details = Value::Object(details);
    audit::log(
        tx,
        change,
        audit::Event::Referral(audit::ReferralAction::Update),
        Some(id.0),
        &details,
    )?;
    Ok(true)
}

/// Withdraws an open referral (trukket), with the reason in the audit trail.
pub fn withdraw(
    tx: &Transaction<'_>,
    id: ReferralId,
    reason: &str,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let old = get(tx, id)?;
    if old.status != ReferralStatus::TilVurdering {
        return Err(StoreError::Rule(format!(
            "Bare henvisninger som venter på vurdering kan trekkes (status er «{}»)",
            old.status.label_nb()
        )));
    }
    set_status(tx, id, ReferralStatus::Trukket, None, change)?;
    // Off the agendas of meetings still to come (a running meeting keeps its numbered item,
    // shown as withdrawn); the meetings it left are named in the log.
    let meetings: Vec<i64> = tx
        .prepare_cached(
            "SELECT meeting_id FROM agenda_items WHERE referral_id = ?1 AND postponed = 0
               AND meeting_id IN (SELECT id FROM meetings WHERE status = 'planlagt')",
        )?
        .query_map([id.0], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    tx.prepare_cached(
        "DELETE FROM agenda_items WHERE referral_id = ?1 AND postponed = 0
           AND meeting_id IN (SELECT id FROM meetings WHERE status = 'planlagt')",
    )?
    .execute([id.0])?;
    let mut details = json!({ "status": [old.status.code(), "trukket"], "begrunnelse": reason });
    if !meetings.is_empty() {
        details["tatt_av_agendaen"] = json!(meetings);
    }
    audit::log(
        tx,
        change,
        audit::Event::Referral(audit::ReferralAction::Withdraw),
        Some(id.0),
        &details,
    )?;
    Ok(())
}

/// Puts a withdrawn referral back in the queue; its legal clock runs from receipt as before.
pub fn reopen(tx: &Transaction<'_>, id: ReferralId, change: Change<'_>) -> Result<(), StoreError> {
    let old = get(tx, id)?;
    if old.status != ReferralStatus::Trukket {
        return Err(StoreError::Rule(
            "Bare trukne henvisninger kan gjenåpnes".into(),
        ));
    }
    set_status(tx, id, ReferralStatus::TilVurdering, None, change)?;
    let details = json!({ "status": ["trukket", "til_vurdering"] });
    audit::log(
        tx,
        change,
        audit::Event::Referral(audit::ReferralAction::Reopen),
        Some(id.0),
        &details,
    )?;
    Ok(())
}

fn set_status(
    tx: &Transaction<'_>,
    id: ReferralId,
    status: ReferralStatus,
    decided_on: Option<NaiveDate>,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let n = tx.execute(
        "UPDATE referrals SET status = ?2, decided_on = ?3, updated_at = ?4 WHERE id = ?1",
        params![id.0, status.code(), decided_on, timestamp(change.at)],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound(id.0));
    }
    Ok(())
}

pub fn get(conn: &Connection, id: ReferralId) -> Result<Referral, StoreError> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM referrals WHERE id = ?1"))?
        .query_row([id.0], from_row)
        .optional()?
        .ok_or(StoreError::NotFound(id.0))
}

/// The referral's problemstilling ("" for an unknown id): meeting mode shows it for the
/// items of a running meeting (the queue rows do not keep it).
pub fn problem(conn: &Connection, id: ReferralId) -> rusqlite::Result<String> {
    Ok(conn
        .prepare_cached("SELECT problem FROM referrals WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

/// Every non-empty problemstilling by referral: what the queue's search needs besides the
/// rows' own texts, read at the first search.
pub fn problems(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<ReferralId, String>> {
    let mut stmt = conn.prepare_cached("SELECT id, problem FROM referrals WHERE problem <> ''")?;
    let rows = stmt.query_map([], |r| Ok((ReferralId(r.get(0)?), r.get(1)?)))?;
    rows.collect()
}

/// Every referral, in receipt order (then id): the queue's order, so it need not sort.
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<Referral>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM referrals ORDER BY received_on, id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    rows.collect()
}

/// The columns in [`COLUMNS`]' order, with the texts the queue does not keep (problemstilling,
/// postal addresses) read as empty: at 100,000 referrals that is half a million strings less
/// to allocate at startup.
const QUEUE_COLUMNS: &str = "id, external_id, received_on, patient, national_id, birth_year, \
    referrer_name, referrer_kind, specialty, is_secondary, '', diagnosis_group, status, \
    decided_on, '', '', '', '', 0";

/// Streams every referral for the queue (see [`QUEUE_COLUMNS`]: the problemstilling and the
/// addresses are left empty) in receipt order (then id) to `f`, with how many there are, so
/// the model is built without holding a list of them all.
pub fn with_all_for_queue<T>(
    conn: &Connection,
    f: impl FnOnce(&mut dyn Iterator<Item = rusqlite::Result<Referral>>, usize) -> T,
) -> rusqlite::Result<T> {
    let n = usize::try_from(count(conn)?).unwrap_or(0);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {QUEUE_COLUMNS} FROM referrals ORDER BY received_on, id"
    ))?;
    let mut rows = stmt.query_map([], from_row)?;
    Ok(f(&mut rows, n))
}

pub fn count(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT count(*) FROM referrals", [], |r| r.get(0))
}
