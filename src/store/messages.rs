//! Referral messages (issue 24): every Henvisning message read, by its ids, and a forwarded
//! referral's assessment by its sender. A change or cancellation finds the referral it is
//! about here; the electronic answer is addressed from what the first message said.

use super::StoreError;
use super::audit;
use super::referrals::Change;
use crate::domain::ReferralId;
use crate::domain::message::{ReferralMessage as Message, SenderAssessment, Version};
pub use crate::domain::records::{MessageOutcome as Outcome, StoredMessage as Stored};
use crate::store::db::{Connection, Transaction};
use rusqlite::{OptionalExtension, params};
use serde_json::json;

fn version_code(v: Version) -> &'static str {
    match v {
        Version::V1_0 => "1.0",
        Version::V1_1 => "1.1",
        Version::V2_0 => "2.0",
    }
}

const COLUMNS: &str = "referral_id, message_id, kind, written_on, comment, outcome, sender_name, \
                       sender_her, sender_person, sender_person_her, imported_at";

fn stored(row: &crate::store::db::Row<'_>) -> rusqlite::Result<Stored> {
    let outcome: String = row.get(5)?;
    Ok(Stored {
        referral: row.get::<_, Option<i64>>(0)?.map(ReferralId),
        message_id: row.get(1)?,
        kind: row.get(2)?,
        written_on: row.get(3)?,
        comment: row.get(4)?,
        outcome: Outcome::from_code(&outcome).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                5,
                rusqlite::types::Type::Text,
                format!("ukjent utfall «{outcome}»").into(),
            )
        })?,
        sender_name: row.get(6)?,
        sender_her: row.get(7)?,
        sender_person: row.get(8)?,
        sender_person_her: row.get(9)?,
        imported_at: row.get(10)?,
    })
}

/// The message with this id, if it was read before.
pub fn find(conn: &Connection, message_id: &str) -> rusqlite::Result<Option<Stored>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM referral_messages WHERE message_id = ?1"
    ))?
    .query_row([message_id], stored)
    .optional()
}

/// The referral a change or cancellation is about: the message it names in its
/// ConversationRef (v2.0), else a message with the same referral id from the same sender
/// (v1.x `ServReq/Id`), else a referral imported before version 8 under one of those ids.
pub fn original(conn: &Connection, m: &Message) -> rusqlite::Result<Option<ReferralId>> {
    let refs: Vec<&str> = [m.conversation_ref.as_str(), m.parent_ref.as_str()]
        .into_iter()
        .filter(|r| !r.is_empty())
        .collect();
    for r in &refs {
        if let Some(id) = find(conn, r)?.and_then(|s| s.referral) {
            return Ok(Some(id));
        }
    }
    if !m.own_id.is_empty() {
        let found: Option<i64> = conn
            .prepare_cached(
                "SELECT referral_id FROM referral_messages
                 WHERE own_id = ?1 AND referral_id IS NOT NULL
                   AND (sender_her = ?2 OR sender_her = '' OR ?2 = '')
                 ORDER BY id LIMIT 1",
            )?
            .query_row(params![m.own_id, m.sender.organisation_her], |r| r.get(0))
            .optional()?;
        if let Some(id) = found {
            return Ok(Some(ReferralId(id)));
        }
    }
    for r in refs.iter().copied().chain([m.own_id.as_str()]) {
        if r.is_empty() {
            continue;
        }
        if let Some(id) = super::referrals::find_by_external_id(conn, r)? {
            return Ok(Some(ReferralId(id)));
        }
    }
    Ok(None)
}

/// Records a message and what was done with it.
pub fn record(
    tx: &Transaction<'_>,
    m: &Message,
    referral: Option<ReferralId>,
    outcome: Outcome,
    change: Change<'_>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO referral_messages (referral_id, message_id, own_id, parent_ref,
            conversation_ref, version, kind, written_on, comment, outcome, sender_name,
            sender_her, sender_person, sender_person_her, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            referral.map(|r| r.0),
            m.message_id,
            m.own_id,
            m.parent_ref,
            m.conversation_ref,
            version_code(m.version),
            m.kind.code(),
            m.written_on,
            m.comment,
            outcome.code(),
            m.sender.organisation,
            m.sender.organisation_her,
            m.sender.person,
            m.sender.person_her,
            super::timestamp(change.at),
            change.actor,
        ],
    )?;
    // A change or a cancellation that was not applied is still a fact about the referral.
    if matches!(outcome, Outcome::Warning | Outcome::Note) {
        audit::log(
            tx,
            change,
            audit::Event::Referral(audit::ReferralAction::Message),
            referral.map(|r| r.0),
            &json!({
                "melding": m.kind.code(),
                "meldingsid": m.message_id,
                "utfall": outcome.code(),
                "begrunnelse": m.comment,
            }),
        )?;
    }
    Ok(())
}

/// The messages about a referral, oldest first.
pub fn for_referral(conn: &Connection, referral: ReferralId) -> rusqlite::Result<Vec<Stored>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM referral_messages WHERE referral_id = ?1 ORDER BY id"
    ))?
    .query_map([referral.0], stored)?
    .collect()
}

/// Stores a forwarded referral's assessment by its sender.
pub fn record_assessment(
    tx: &Transaction<'_>,
    referral: ReferralId,
    a: &SenderAssessment,
    by: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO sender_assessments (referral_id, has_right, assessed_on, deadline,
            waiting_end, seniority_on, outcome, assessed_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            referral.0,
            a.has_right,
            a.assessed_on,
            a.deadline,
            a.waiting_end,
            a.seniority_on,
            a.outcome,
            by
        ],
    )?;
    Ok(())
}

/// A referral's assessment by the unit that forwarded it, and who that was.
pub fn assessment(
    conn: &Connection,
    referral: ReferralId,
) -> rusqlite::Result<Option<(SenderAssessment, String)>> {
    conn.prepare_cached(
        "SELECT has_right, assessed_on, deadline, waiting_end, seniority_on, outcome, assessed_by
         FROM sender_assessments WHERE referral_id = ?1",
    )?
    .query_row([referral.0], |r| {
        Ok((
            SenderAssessment {
                has_right: r.get(0)?,
                assessed_on: r.get(1)?,
                deadline: r.get(2)?,
                waiting_end: r.get(3)?,
                seniority_on: r.get(4)?,
                outcome: r.get(5)?,
            },
            r.get(6)?,
        ))
    })
    .optional()
}

/// What a message will do, shown before the import writes anything and followed by it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// A new referral.
    New,
    /// A new referral forwarded with the sender's rights assessment (its text).
    Forwarded(String),
    /// Read before: skipped.
    AlreadyImported(Option<ReferralId>),
    /// A change of a stored referral: the fields that change ("Problemstilling", ...), and
    /// whether the referral is decided (a change then needs the leader's confirmation).
    Change {
        referral: ReferralId,
        fields: Box<crate::domain::ReferralFields>,
        changed: Vec<String>,
        decided: Option<String>,
    },
    /// A cancellation: withdraws an open referral; a decided one is put before the leader.
    Cancel {
        referral: ReferralId,
        decided: Option<String>,
    },
    /// A change or cancellation of a referral Inntak does not have.
    Unknown,
}

impl Plan {
    /// What the preview and the summary say: "ny", "endring av henvisning nr. 7: …".
    pub fn text(&self, m: &Message) -> String {
        match self {
            Self::New => "ny henvisning".into(),
            Self::Forwarded(a) => format!("videresendt med vurdering: {a}"),
            Self::AlreadyImported(Some(id)) => {
                format!("allerede importert (henvisning nr. {})", id.0)
            }
            Self::AlreadyImported(None) => "allerede importert".into(),
            Self::Change {
                referral,
                changed,
                decided,
                ..
            } => {
                let what = if changed.is_empty() {
                    "ingen felt endres".to_string()
                } else {
                    format!("endrer {}", changed.join(", "))
                };
                match decided {
                    Some(d) => format!(
                        "endring av henvisning nr. {}: {what} – allerede avgjort ({d}), må \
                         bekreftes",
                        referral.0
                    ),
                    None => format!("endring av henvisning nr. {}: {what}", referral.0),
                }
            }
            Self::Cancel {
                referral,
                decided: None,
            } => format!(
                "kansellering: henvisning nr. {} trekkes{}",
                referral.0,
                reason(m)
            ),
            Self::Cancel {
                referral,
                decided: Some(d),
            } => format!(
                "kansellering av henvisning nr. {} som allerede er avgjort ({d}): trekkes ikke, \
                 legges fram for møteleder som varsel{}",
                referral.0,
                reason(m)
            ),
            Self::Unknown => format!(
                "{} av en henvisning som ikke finnes i Inntak{}",
                if m.kind == crate::domain::message::MessageKind::Cancel {
                    "kansellering"
                } else {
                    "endring"
                },
                refs(m)
            ),
        }
    }
}

impl Plan {
    /// What was done, for the summary after the import: "henvisning nr. 7 er trukket (…)",
    /// "henvisning nr. 7 er endret: problemstilling"; the others as planned.
    pub fn done_text(&self, m: &Message) -> String {
        match self {
            Self::Cancel {
                referral,
                decided: None,
            } => format!(
                "kansellering: henvisning nr. {} er trukket{}",
                referral.0,
                reason(m)
            ),
            Self::Change {
                referral, changed, ..
            } if !changed.is_empty() => format!(
                "endring: henvisning nr. {} er endret ({})",
                referral.0,
                changed.join(", ")
            ),
            _ => self.text(m),
        }
    }
}

/// " (pasienten ønsker …)", or nothing.
fn reason(m: &Message) -> String {
    if m.comment.is_empty() {
        String::new()
    } else {
        format!(" («{}»)", m.comment)
    }
}

/// " (viser til melding «…»)", or nothing.
fn refs(m: &Message) -> String {
    let r = [&m.conversation_ref, &m.parent_ref, &m.own_id]
        .into_iter()
        .find(|r| !r.is_empty());
    r.map(|r| format!(" (viser til «{r}»)")).unwrap_or_default()
}

/// What a message will do against the store as it is. `fields` is the message's referral as
/// validated (a change takes its fields from it; the received date, the referrer kind and the
/// specialty stay as stored).
pub fn plan(
    conn: &Connection,
    m: &Message,
    fields: Option<&crate::domain::ReferralFields>,
) -> Result<Plan, StoreError> {
    use crate::domain::message::MessageKind;
    if let Some(before) = find(conn, &m.message_id)? {
        return Ok(Plan::AlreadyImported(before.referral));
    }
    if m.kind == MessageKind::New {
        if let Some(id) = super::referrals::find_by_external_id(conn, &m.message_id)? {
            return Ok(Plan::AlreadyImported(Some(ReferralId(id))));
        }
        return Ok(match &m.assessment {
            Some(a) => Plan::Forwarded(a.text()),
            None => Plan::New,
        });
    }
    let Some(referral) = original(conn, m)? else {
        return Ok(Plan::Unknown);
    };
    let stored = super::referrals::get(conn, referral)?;
    let decided = (stored.status != crate::domain::ReferralStatus::TilVurdering
        && stored.status != crate::domain::ReferralStatus::Trukket)
        .then(|| {
            let mut d = stored.status.label_nb().to_lowercase();
            if let Some(on) = stored.decided_on {
                d = format!("{d} {}", crate::calendar::format_date(on));
            }
            d
        });
    if m.kind == MessageKind::Cancel {
        return Ok(Plan::Cancel { referral, decided });
    }
    let mut new = stored.fields.clone();
    if let Some(f) = fields {
        let take = |old: &mut String, new: &str| {
            if !new.trim().is_empty() {
                *old = new.to_string();
            }
        };
        take(&mut new.patient, &f.patient);
        if f.national_id.is_some() {
            new.national_id.clone_from(&f.national_id);
        }
        if f.birth_year.is_some() {
            new.birth_year = f.birth_year;
        }
        take(&mut new.referrer_name, &f.referrer_name);
        take(&mut new.problem, &f.problem);
        take(&mut new.diagnosis_group, &f.diagnosis_group);
        if !f.patient_street.is_empty() {
            new.patient_street.clone_from(&f.patient_street);
            new.patient_postcode.clone_from(&f.patient_postcode);
            new.patient_city.clone_from(&f.patient_city);
        }
        take(&mut new.referrer_address, &f.referrer_address);
    }
    let changed = stored
        .fields
        .changes_to(&new)
        .into_iter()
        .map(|(field, _, _)| field.label_nb().to_lowercase())
        .collect();
    Ok(Plan::Change {
        referral,
        fields: Box::new(new),
        changed,
        decided,
    })
}

/// Notes waiting for this new referral: changes and cancellations that came before it (kept
/// by the leader's choice when their referral was unknown). Each is linked to it; a
/// cancellation withdraws it at once. Returns what was done, for the summary.
pub fn claim_notes(
    tx: &Transaction<'_>,
    m: &Message,
    referral: ReferralId,
    change: Change<'_>,
) -> Result<Vec<String>, StoreError> {
    let notes: Vec<(i64, String, String, String)> = tx
        .prepare_cached(
            "SELECT id, kind, message_id, comment FROM referral_messages
             WHERE referral_id IS NULL AND outcome = 'notat'
               AND (conversation_ref = ?1 OR parent_ref = ?1
                    OR (?2 <> '' AND own_id = ?2 AND (sender_her = ?3 OR sender_her = '' OR ?3 = '')))
             ORDER BY id",
        )?
        .query_map(
            params![m.message_id, m.own_id, m.sender.organisation_her],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut done = Vec::new();
    for (id, kind, message_id, comment) in notes {
        let outcome = if kind == "kansellering"
            && super::referrals::get(tx, referral)?.status
                == crate::domain::ReferralStatus::TilVurdering
        {
            let reason = if comment.is_empty() {
                "Kansellert av henviser (meldingen kom før henvisningen)".to_string()
            } else {
                format!("Kansellert av henviser (meldingen kom før henvisningen): {comment}")
            };
            super::referrals::withdraw(tx, referral, &reason, change)?;
            done.push(format!(
                "kanselleringen «{message_id}» som kom før henvisningen er gjennomført: \
                 henvisning nr. {} er trukket",
                referral.0
            ));
            Outcome::Withdrawn
        } else {
            done.push(format!(
                "endringsmeldingen «{message_id}» kom før henvisningen og er knyttet til \
                 henvisning nr. {}: kontroller opplysningene",
                referral.0
            ));
            Outcome::Note
        };
        tx.execute(
            "UPDATE referral_messages SET referral_id = ?2, outcome = ?3 WHERE id = ?1",
            params![id, referral.0, outcome.code()],
        )?;
        audit::log(
            tx,
            change,
            audit::Event::Referral(audit::ReferralAction::Message),
            Some(referral.0),
            &json!({ "meldingsid": message_id, "melding": kind, "utfall": outcome.code(), "knyttet": true }),
        )?;
    }
    Ok(done)
}
