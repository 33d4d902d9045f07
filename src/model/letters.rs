//! The letters to print, read from the store: a meeting's decisions (or one referral's, or a
//! fristbrudd) with each referral, its booked oppmøte and earlier prints. Composing, checking
//! and typesetting them is `crate::letters`'s.

use crate::domain::ReferralId;
use crate::domain::decision::Outcome;
use crate::domain::letter::{LetterKind, Recipient};
use crate::domain::meeting::MeetingId;
use crate::domain::settings::ClinicSettings;
use crate::letters::{PlannedLetter, Selection, plan_one};
use crate::store::Store;
use crate::store::db::Connection;
use crate::store::decisions::{self, StoredDecision};
use crate::store::{StoreError, followups, letters, referrals};
use chrono::NaiveDate;

/// The letters of a meeting's decisions: the patient letters first (one envelope each), then
/// the referrer copies, each in decision order.
pub fn for_meeting(
    store: &Store,
    settings: &ClinicSettings,
    meeting: MeetingId,
    selection: Selection,
    today: NaiveDate,
) -> Result<Vec<PlannedLetter>, StoreError> {
    for_meeting_on(store.conn(), settings, meeting, selection, today)
}

/// [`for_meeting`] on a connection or inside a transaction (the demo writer).
pub(crate) fn for_meeting_on(
    conn: &Connection,
    settings: &ClinicSettings,
    meeting: MeetingId,
    selection: Selection,
    today: NaiveDate,
) -> Result<Vec<PlannedLetter>, StoreError> {
    let decided = decisions::at_meeting(conn, meeting)?;
    plan_all(conn, settings, &decided, selection, today)
}

/// The letters of one referral's current decision.
pub fn for_referral(
    store: &Store,
    settings: &ClinicSettings,
    referral: ReferralId,
    only: Option<Recipient>,
    today: NaiveDate,
) -> Result<Vec<PlannedLetter>, StoreError> {
    let conn = store.conn();
    let decided: Vec<_> = decisions::current(conn, referral)?.into_iter().collect();
    let selection = Selection {
        referral: Some(referral),
        only,
    };
    plan_all(conn, settings, &decided, selection, today)
}

/// The fristbrudd of a referral whose juridisk frist cannot be met: the "Varsel om
/// fristbrudd" to the patient and the sheet for Helfo's form, with `reason` (why).
pub fn for_breach(
    store: &Store,
    settings: &ClinicSettings,
    referral: ReferralId,
    reason: &str,
    today: NaiveDate,
) -> Result<Vec<PlannedLetter>, StoreError> {
    let conn = store.conn();
    let Some(d) = decisions::current(conn, referral)? else {
        return Ok(Vec::new());
    };
    if !matches!(d.outcome, Outcome::Rett { .. }) {
        return Ok(Vec::new());
    }
    let r = referrals::get(conn, referral)?;
    let care = followups::care_start(conn, referral)?;
    // Helfo is told the helsehjelp the patient is waiting for now: after a kartlegging or an
    // upgrade that is the changed track, not the one first decided.
    let track_now = followups::current_track(conn, referral)?;
    let earlier = letters::for_decisions(conn, &[d.id])?;
    Ok(Recipient::BREACH
        .into_iter()
        .map(|to| {
            plan_one(
                settings,
                &d,
                &r,
                care,
                (LetterKind::Fristbrudd, to),
                earlier.clone(),
                (reason, track_now),
                today,
            )
        })
        .collect())
}

fn plan_all(
    conn: &Connection,
    settings: &ClinicSettings,
    decided: &[StoredDecision],
    selection: Selection,
    today: NaiveDate,
) -> Result<Vec<PlannedLetter>, StoreError> {
    let mut out = Vec::new();
    for d in decided {
        if selection.referral.is_some_and(|r| r != d.referral) {
            continue;
        }
        let kind = match LetterKind::for_outcome(d.outcome.code()) {
            Some(kind) => kind,
            None if matches!(d.outcome, Outcome::Sekundaer { .. })
                && settings.letters.secondary_confirmation =>
            {
                LetterKind::Sekundaer
            }
            None => continue,
        };
        let referral = referrals::get(conn, d.referral)?;
        let care = followups::care_start(conn, d.referral)?;
        let earlier = letters::for_decisions(conn, &[d.id])?;
        let recipients: &[Recipient] = if kind == LetterKind::Sekundaer {
            &[Recipient::Patient]
        } else {
            &Recipient::RIGHTS
        };
        for &recipient in recipients {
            if selection.only.is_some_and(|o| o != recipient) {
                continue;
            }
            out.push(plan_one(
                settings,
                d,
                &referral,
                care,
                (kind, recipient),
                earlier.clone(),
                ("", None),
                today,
            ));
        }
    }
    out.sort_by_key(|p| p.recipient);
    Ok(out)
}
