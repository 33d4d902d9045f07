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
