//! Preparing referrals for the meeting: the note, the presenter and the disciplines'
//! provisional views. Every write records an audit row.

use super::{StoreError, audit, referrals::Change, timestamp};
use crate::domain::ReferralId;
use crate::domain::meeting::{MemberId, Profession};
use crate::domain::preparation::{Assessed, Assessment};
pub use crate::domain::records::Preparation;
use crate::store::db::{Connection, Transaction};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde_json::json;

/// The referral's preparation (empty when nothing is prepared).
pub fn get(conn: &Connection, referral: ReferralId) -> rusqlite::Result<Preparation> {
    let (note, presenter) = conn
        .prepare_cached("SELECT note, presenter_id FROM preparations WHERE referral_id = ?1")?
        .query_row([referral.0], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
        })
        .optional()?
        .unwrap_or_default();
    Ok(Preparation {
        note,
        presenter: presenter.map(MemberId),
        views: views(conn, referral)?,
    })
}

fn views(
    conn: &Connection,
    referral: ReferralId,
) -> rusqlite::Result<Vec<(Profession, Assessment)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT profession, assessment FROM provisional_views WHERE referral_id = ?1",
    )?;
    let mut views = stmt
        .query_map([referral.0], |r| {
            let p: String = r.get(0)?;
            let a: String = r.get(1)?;
            Ok((
                super::decode(Profession::parse(&p), 0, &p)?,
                super::decode(Assessment::parse(&a), 1, &a)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    views.sort_by_key(|(p, _)| Profession::ALL.iter().position(|x| x == p));
    Ok(views)
}

/// Provisional views are given before the decision: once the referral is decided they are
/// kept as they were (so the comparison with the decision is honest).
fn refuse_after_decision(tx: &Transaction<'_>, referral: ReferralId) -> Result<(), StoreError> {
    let r = super::referrals::get(tx, referral)?;
    // Only before the rights decision: "til ny vurdering" after a kartlegging chooses a
    // track, and the views given before the first decision are compared with that one.
    if r.status != crate::domain::ReferralStatus::TilVurdering {
        return Err(StoreError::Rule(format!(
            "«{}» er allerede avgjort ({}); foreløpige vurderinger gis før vedtaket",
            r.fields.patient,
            r.status.label_nb().to_lowercase()
        )));
    }
    Ok(())
}

/// Saves the note and the presenter (the note may be changed also after the decision).
pub fn save(
    tx: &Transaction<'_>,
    referral: ReferralId,
    note: &str,
    presenter: Option<MemberId>,
    change: Change<'_>,
) -> Result<(), StoreError> {
    super::referrals::get(tx, referral)?;
    let at = timestamp(change.at);
    tx.execute(
        "INSERT INTO preparations (referral_id, note, presenter_id, updated_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (referral_id) DO UPDATE SET note = excluded.note,
            presenter_id = excluded.presenter_id, updated_by = excluded.updated_by,
            updated_at = excluded.updated_at",
        params![
            referral.0,
            note.trim(),
            presenter.map(|m| m.0),
            change.actor,
            at
        ],
    )?;
    audit::log(
        tx,
        change,
        audit::Event::Referral(audit::ReferralAction::Preparation),
        Some(referral.0),
        &json!({ "notat": !note.trim().is_empty(), "presenterer": presenter.map(|m| m.0) }),
    )?;
    Ok(())
}

/// Sets (or with `None` clears) one profession's provisional view; refused once decided.
pub fn set_view(
    tx: &Transaction<'_>,
    referral: ReferralId,
    profession: Profession,
    view: Option<Assessment>,
    change: Change<'_>,
) -> Result<(), StoreError> {
    refuse_after_decision(tx, referral)?;
    let at = timestamp(change.at);
    match view {
        Some(v) => tx.execute(
            "INSERT INTO provisional_views (referral_id, profession, assessment, given_by, given_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (referral_id, profession) DO UPDATE SET assessment = excluded.assessment,
                given_by = excluded.given_by, given_at = excluded.given_at",
            params![referral.0, profession.code(), v.code(), change.actor, at],
        )?,
        None => tx.execute(
            "DELETE FROM provisional_views WHERE referral_id = ?1 AND profession = ?2",
            params![referral.0, profession.code()],
        )?,
    };
    audit::log(
        tx,
        change,
        audit::Event::Referral(audit::ReferralAction::ProvisionalView),
        Some(referral.0),
        &json!({ "yrke": profession.code(), "vurdering": view.map(Assessment::code) }),
    )?;
    Ok(())
}

/// The referrals decided rett or avslag from `from` to `to` (current decisions) that had
/// provisional views, with their views: what the consistency table is computed from. One
/// query, grouped here.
pub fn assessed_between(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<Vec<Assessed>> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.referral_id, d.outcome, d.track, v.profession, v.assessment
         FROM decisions d JOIN provisional_views v ON v.referral_id = d.referral_id
         WHERE d.superseded_by IS NULL AND d.decided_on BETWEEN ?1 AND ?2
           AND d.outcome IN ('rett', 'avslag')
         ORDER BY d.referral_id",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    let mut out: Vec<Assessed> = Vec::new();
    let mut last = None;
    while let Some(r) = rows.next()? {
        let referral: i64 = r.get(0)?;
        if last != Some(referral) {
            let outcome = r.get_ref(1)?.as_str()?;
            let track: Option<&str> = r.get_ref(2)?.as_str_or_null()?;
            let code = match (outcome, track) {
                ("avslag", _) => "avslag".to_string(),
                ("rett", Some(t)) => format!("rett_{t}"),
                _ => "rett".to_string(),
            };
            out.push(Assessed {
                decision: super::decode(Assessment::parse(&code), 1, &code)?,
                views: Vec::new(),
            });
            last = Some(referral);
        }
        let p = r.get_ref(3)?.as_str()?;
        let a = r.get_ref(4)?.as_str()?;
        let view = (
            super::decode(Profession::parse(p), 3, p)?,
            super::decode(Assessment::parse(a), 4, a)?,
        );
        if let Some(current) = out.last_mut() {
            current.views.push(view);
        }
    }
    for a in &mut out {
        a.views
            .sort_by_key(|(p, _)| Profession::ALL.iter().position(|x| x == p));
    }
    Ok(out)
}
