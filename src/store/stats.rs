//! What the statistics read: one period's received referrals, decisions, juridisk frister,
//! meetings held and provisional views, each by an indexed date.

use crate::domain::ReferrerKind;
use crate::store::db::Connection;
use chrono::NaiveDate;

/// A received referral, as the statistics need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    pub kind: ReferrerKind,
    pub specialty: String,
    /// Withdrawn since (trukket: cancelled by the referrer, or by hand).
    pub withdrawn: bool,
}

/// A current decision in the period, with its referral's receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decided {
    pub received_on: NaiveDate,
    pub decided_on: NaiveDate,
    /// outcome code: rett, avslag, videresendt, feilsendt, sekundaer.
    pub outcome: String,
    /// "monofaglig lege", "tverrfaglig samlet", "kartlegging psykolog"; empty without a track.
    pub track: String,
    pub reason: String,
    pub after_deadline: bool,
    /// The decision's letters are tracked (made in Inntak after letters began), and the day
    /// its patient letter was first marked sent.
    pub letters_tracked: bool,
    pub informed_on: Option<NaiveDate>,
}

/// A granted referral whose juridisk frist falls in the period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frist {
    pub frist: NaiveDate,
    pub started: Option<NaiveDate>,
}

/// What one period's statistics are computed from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeriodData {
    pub received: Vec<Received>,
    pub decided: Vec<Decided>,
    pub frister: Vec<Frist>,
    pub meetings: Vec<super::meetings::HeldSummary>,
    pub assessed: Vec<crate::domain::preparation::Assessed>,
}

/// Reads one period from the store (indexed by receipt, decision and frist date).
pub fn load_period(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<PeriodData> {
    let mut stmt = conn.prepare_cached(
        "SELECT referrer_kind, specialty, status = 'trukket' FROM referrals
         WHERE received_on BETWEEN ?1 AND ?2",
    )?;
    let received = stmt
        .query_map((from, to), |r| {
            let kind: String = r.get(0)?;
            Ok(Received {
                kind: super::decode(ReferrerKind::from_code(&kind), 0, &kind)?,
                specialty: r.get(1)?,
                withdrawn: r.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT r.received_on, d.decided_on, d.outcome, coalesce(d.track || ' ' || d.track_detail, ''),
                d.reason, d.after_deadline, d.id > ?3 AND d.decided_by <> 'import',
                (SELECT min(l.sent_on) FROM letters l
                 WHERE l.decision_id = d.id AND l.recipient = 'pasient' AND l.kind IN ('rett', 'avslag', 'videresendt')
                   AND l.sent_on IS NOT NULL)
         FROM decisions d JOIN referrals r ON r.id = d.referral_id
         WHERE d.superseded_by IS NULL AND d.decided_on BETWEEN ?1 AND ?2",
    )?;
    let letters_from = super::letters::tracked_from(conn)?;
    let decided = stmt
        .query_map((from, to, letters_from), |r| {
            Ok(Decided {
                received_on: r.get(0)?,
                decided_on: r.get(1)?,
                outcome: r.get(2)?,
                track: r.get(3)?,
                reason: r.get(4)?,
                after_deadline: r.get(5)?,
                letters_tracked: r.get(6)?,
                informed_on: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT d.start_of_care_deadline, c.started_on
         FROM decisions d
         JOIN referrals r ON r.id = d.referral_id
         LEFT JOIN care_starts c ON c.referral_id = d.referral_id
         WHERE d.superseded_by IS NULL AND d.outcome = 'rett'
           AND d.start_of_care_deadline BETWEEN ?1 AND ?2 AND r.status <> 'trukket'
         UNION ALL
         -- A forwarded referral the sender assessed keeps the frist the patient was given.
         SELECT sa.deadline, c.started_on
         FROM sender_assessments sa
         JOIN referrals r ON r.id = sa.referral_id
         LEFT JOIN care_starts c ON c.referral_id = sa.referral_id
         WHERE sa.deadline BETWEEN ?1 AND ?2
           AND r.status NOT IN ('trukket', 'avslag', 'videresendt', 'feilsendt')",
    )?;
    let frister = stmt
        .query_map((from, to), |r| {
            Ok(Frist {
                frist: r.get(0)?,
                started: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let meetings = super::meetings::held_between(conn, from, to)?;
    let assessed = super::preparations::assessed_between(conn, from, to)?;
    Ok(PeriodData {
        received,
        decided,
        frister,
        meetings,
        assessed,
    })
}
