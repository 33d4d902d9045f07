//! The referral's own writes: register, edit, withdraw, reopen, and the preparation before
//! the meeting (the presenter's note and the provisional views).

use super::Ctx;
use crate::domain::meeting::{MemberId, Profession};
use crate::domain::preparation::Assessment;
use crate::domain::{ReferralFields, ReferralId, ReferralStatus};
use crate::store::{StoreError, audit, preparations, referrals};

/// Registers a new referral (til vurdering) and returns its id.
pub fn register(ctx: &mut Ctx<'_>, fields: &ReferralFields) -> Result<ReferralId, StoreError> {
    let change = ctx.change;
    ctx.store.write(|tx| {
        referrals::insert(
            tx,
            fields,
            ReferralStatus::TilVurdering,
            None,
            change,
            audit::ReferralAction::Create,
        )
    })
}

/// Saves an edited referral made from the form opened at version `seen` (see
/// [`referrals::version`]); `false` when nothing had changed (nothing written or logged).
/// Someone else's save since then refuses it ([`StoreError::ChangedMeanwhile`]).
pub fn edit(
    ctx: &mut Ctx<'_>,
    id: ReferralId,
    fields: &ReferralFields,
    seen: i64,
) -> Result<bool, StoreError> {
    let change = ctx.change;
    ctx.store
        .write(|tx| referrals::update_seen(tx, id, fields, change, seen))
}

/// Withdraws a referral with the reason given (it leaves the queue and planned agendas).
pub fn withdraw(ctx: &mut Ctx<'_>, id: ReferralId, reason: &str) -> Result<(), StoreError> {
    let change = ctx.change;
    ctx.store
        .write(|tx| referrals::withdraw(tx, id, reason, change))
}

/// Puts a withdrawn referral back in the queue.
pub fn reopen(ctx: &mut Ctx<'_>, id: ReferralId) -> Result<(), StoreError> {
    let change = ctx.change;
    ctx.store.write(|tx| referrals::reopen(tx, id, change))
}

/// Saves the preparation's note and presenter.
pub fn save_preparation(
    ctx: &mut Ctx<'_>,
    referral: ReferralId,
    note: &str,
    presenter: Option<MemberId>,
) -> Result<(), StoreError> {
    let change = ctx.change;
    ctx.store
        .write(|tx| preparations::save(tx, referral, note, presenter, change))
}

/// Sets (or clears) one profession's provisional view before the meeting.
pub fn set_provisional_view(
    ctx: &mut Ctx<'_>,
    referral: ReferralId,
    profession: Profession,
    view: Option<Assessment>,
) -> Result<(), StoreError> {
    let change = ctx.change;
    ctx.store
        .write(|tx| preparations::set_view(tx, referral, profession, view, change))
}

/// On the clinic's server: logs that the login has read the referral (the detail opened), so
/// `inntak audit --referral ID` answers the patient's "who has looked at my referral". A file
/// has one reader at the laptop, whose prints and exports are logged; nothing is written.
pub fn record_read(ctx: &mut Ctx<'_>, id: ReferralId) -> Result<(), StoreError> {
    if !ctx.store.is_server() {
        return Ok(());
    }
    let change = ctx.change;
    ctx.store.write(|tx| {
        audit::record(
            tx,
            &crate::store::timestamp(change.at),
            change.actor,
            audit::Event::Referral(audit::ReferralAction::Read),
            Some(id.0),
            &serde_json::json!({}),
        )
        .map_err(StoreError::from)
    })
}

/// Why another team's referral cannot be opened.
pub const REASON_NEEDED: &str = "Skriv hvorfor du trenger henvisningen (tjenstlig behov, minst \
    3 tegn). Den hører til et annet team; grunnen føres i endringsloggen.";

/// On the clinic's server: opens another team's referral for a service need (tjenstlig
/// behov). The reason is required; the access (for the rest of the day) and the reason are
/// logged in one transaction. A referral of the login's own team needs no reason.
pub fn open_other_team(ctx: &mut Ctx<'_>, id: ReferralId, reason: &str) -> Result<(), StoreError> {
    let reason = reason.trim();
    if reason.chars().count() < 3 {
        return Err(StoreError::Rule(REASON_NEEDED.into()));
    }
    if !ctx.store.is_server() {
        return Err(StoreError::Rule(
            "Bare klinikkens server har flere team; i en databasefil ser du alle henvisningene."
                .into(),
        ));
    }
    let change = ctx.change;
    ctx.store.write(|tx| {
        tx.query_row(
            "SELECT inntak_open_other_team(?1, ?2, ?3)::text",
            rusqlite::params![id.0, reason, crate::store::timestamp(change.at)],
            |_| Ok(()),
        )?;
        audit::record(
            tx,
            &crate::store::timestamp(change.at),
            change.actor,
            audit::Event::Referral(audit::ReferralAction::OtherTeam),
            Some(id.0),
            &serde_json::json!({ "grunn": reason }),
        )
        .map_err(StoreError::from)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::settings::ClinicSettings;
    use crate::ops::testing;

    /// Register, edit (a no-op edit writes nothing), withdraw, reopen: each one write with
    /// its audit row; a rule refusal leaves the referral as it was.
    #[test]
    fn a_referral_through_its_own_writes() {
        let (_scratch, mut store) = crate::ops::testing::empty();
        let settings = ClinicSettings::default();
        let mut ctx = Ctx {
            store: &mut store,
            settings: &settings,
            change: testing::change(9),
        };
        let f = testing::fields("Kari Nordmann");
        let id = register(&mut ctx, &f).unwrap();
        let v1 = referrals::version(ctx.store.conn(), id).unwrap();
        assert!(!edit(&mut ctx, id, &f, v1).unwrap(), "nothing changed");
        assert!(edit(&mut ctx, id, &testing::fields("Kari Nordmann-Berg"), v1).unwrap());
        // A second person's form opened before that save: refused, naming who, when and
        // what stands now; nothing of theirs written. Saved again knowing it, it goes through.
        let mut typed = testing::fields("Kari Berg");
        typed.problem = "Nakkesmerter".into();
        let stale = edit(&mut ctx, id, &typed, v1).unwrap_err();
        let text = stale.to_string();
        assert!(text.contains("leder endret henvisningen"), "{text}");
        assert!(text.contains("kl. 09:00"), "{text}");
        assert!(text.contains("Pasient: «Kari Nordmann-Berg»"), "{text}");
        assert_eq!(
            referrals::get(ctx.store.conn(), id).unwrap().fields.patient,
            "Kari Nordmann-Berg"
        );
        let StoreError::ChangedMeanwhile { version, .. } = stale else {
            panic!("{stale:?}")
        };
        assert!(edit(&mut ctx, id, &typed, version).unwrap());
        assert_eq!(
            referrals::get(ctx.store.conn(), id).unwrap().fields.problem,
            "Nakkesmerter"
        );
        assert!(
            reopen(&mut ctx, id).is_err(),
            "only a withdrawn referral reopens"
        );
        withdraw(&mut ctx, id, "Feilsendt").unwrap();
        let status = |ctx: &Ctx<'_>| referrals::get(ctx.store.conn(), id).unwrap().status;
        assert_eq!(status(&ctx), ReferralStatus::Trukket);
        reopen(&mut ctx, id).unwrap();
        assert_eq!(status(&ctx), ReferralStatus::TilVurdering);
        save_preparation(&mut ctx, id, "Les journalen", None).unwrap();
        let kinds: Vec<String> = audit::list(ctx.store.conn(), None, None, None)
            .unwrap()
            .into_iter()
            .map(|r| r.action)
            .collect();
        assert!(kinds.len() >= 5, "{kinds:?}");
    }
}
