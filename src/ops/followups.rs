//! After the decision: the kartleggingssamtale reported back, the track chosen or changed,
//! the start of care.

use super::Ctx;
use crate::domain::ReferralId;
use crate::domain::decision::Track;
use crate::domain::meeting::MeetingId;
use crate::store::StoreError;
use crate::store::followups::{self, CareStart};
use chrono::NaiveDate;

/// One follow-up write.
#[derive(Clone, Debug, PartialEq)]
pub enum FollowUpChange {
    /// The kartleggingssamtale is reported back: the referral goes to til ny vurdering.
    ReportMapping {
        referral: ReferralId,
        date: NaiveDate,
        summary: String,
    },
    /// A track choice after kartlegging (at a meeting) or an upgrade to tverrfaglig.
    ChangeTrack {
        referral: ReferralId,
        meeting: Option<MeetingId>,
        track: Track,
        note: String,
    },
    SetCareStart {
        referral: ReferralId,
        care: CareStart,
    },
}

/// Applies one follow-up in one transaction. A track change is dated today.
pub fn apply(ctx: &mut Ctx<'_>, change: &FollowUpChange) -> Result<(), StoreError> {
    let (who, on) = (ctx.change, ctx.today());
    ctx.store.write(|tx| match change {
        FollowUpChange::ReportMapping {
            referral,
            date,
            summary,
        } => followups::report_mapping(tx, *referral, *date, summary, who),
        FollowUpChange::ChangeTrack {
            referral,
            meeting,
            track,
            note,
        } => followups::change_track(tx, *referral, *meeting, on, *track, note, who),
        FollowUpChange::SetCareStart { referral, care } => {
            followups::set_care_start(tx, *referral, *care, who)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ReferralStatus;
    use crate::domain::settings::ClinicSettings;
    use crate::ops::testing;
    use crate::store::{Store, referrals};

    /// A kartlegging reported back sends the referral to til ny vurdering; reporting one for
    /// a referral not in kartlegging is refused with its status and changes nothing.
    #[test]
    fn mapping_reported_back_and_refused_where_there_is_none() {
        let (today, change) = (testing::today(), testing::change(9));
        let (_dir, mut store) = testing::demo(300, 11);
        let settings = ClinicSettings::default();
        let with = |status: ReferralStatus, store: &Store| {
            referrals::all(store.conn())
                .unwrap()
                .into_iter()
                .find(|r| r.status == status)
                .map(|r| r.id)
        };
        let mapping = with(ReferralStatus::Kartlegging, &store).expect("the demo maps some");
        let waiting = with(ReferralStatus::TilVurdering, &store).expect("and has a queue");
        let mut ctx = Ctx {
            store: &mut store,
            settings: &settings,
            change,
        };
        let refused = apply(
            &mut ctx,
            &FollowUpChange::ReportMapping {
                referral: waiting,
                date: today,
                summary: "Samtale holdt".into(),
            },
        )
        .unwrap_err()
        .to_string();
        assert!(
            refused.starts_with("Henvisningen har status «"),
            "{refused}"
        );
        apply(
            &mut ctx,
            &FollowUpChange::ReportMapping {
                referral: mapping,
                date: today,
                summary: "Samtale holdt".into(),
            },
        )
        .unwrap();
        let status = |id, ctx: &Ctx<'_>| referrals::get(ctx.store.conn(), id).unwrap().status;
        assert_eq!(status(mapping, &ctx), ReferralStatus::TilNyVurdering);
        assert_eq!(status(waiting, &ctx), ReferralStatus::TilVurdering);
    }
}
