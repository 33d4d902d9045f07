//! The records the store hands back, as the views and operations use them: a decision as
//! stored, its extras, a stored agenda row, a held meeting's summary, the preparation, the
//! start of care, an audit entry, a stored referral message. Plain data (no SQL): the store
//! reads and writes them, `store::*` re-exports them where they were first defined.

use crate::domain::ReferralId;
use crate::domain::decision::{Outcome, Source};
use crate::domain::letter::{CareKind, LetterKind};
use crate::domain::meeting::{MeetingId, MemberId, Profession, Reason};
use crate::domain::preparation::Assessment;
use chrono::NaiveDate;
use sha2::Digest;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DecisionId(pub i64);

/// What the decision form produces, besides the outcome itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecisionExtras {
    pub sources: Vec<Source>,
    pub note: String,
    /// Rett: whether the juridisk frist is for the start of utredning or of behandling (the
    /// letter says which). `None` on decisions made before version 7 and on other outcomes.
    pub care_kind: Option<CareKind>,
}

/// A decision as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDecision {
    pub id: DecisionId,
    pub referral: ReferralId,
    pub meeting: Option<MeetingId>,
    pub decided_on: NaiveDate,
    pub outcome: Outcome,
    pub extras: DecisionExtras,
    /// Decided after the assessment deadline (fristoverskridelse).
    pub after_deadline: bool,
    pub decided_by: String,
    pub superseded_by: Option<DecisionId>,
}

/// The booked and actual start of care.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CareStart {
    pub booked: Option<NaiveDate>,
    /// The booked oppmøte's time, when known (with `booked`).
    pub booked_time: Option<chrono::NaiveTime>,
    /// Only the ISO week of the oppmøte (year, week), when no day is booked yet.
    pub booked_week: Option<(i32, u32)>,
    pub started: Option<NaiveDate>,
}

impl CareStart {
    /// The oppmøte as a letter states it.
    pub fn appointment(&self) -> crate::domain::letter::Appointment {
        use crate::domain::letter::Appointment;
        match (self.booked, self.booked_week) {
            (Some(day), _) => Appointment::Day(day, self.booked_time),
            (None, Some((year, week))) => Appointment::Week { year, week },
            (None, None) => Appointment::SeparateNotice,
        }
    }
}

/// A stored agenda row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredItem {
    pub referral: ReferralId,
    pub reason: Reason,
}

/// A held meeting in the statistics: who led it, how many attended, and what its agenda came
/// to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldSummary {
    pub id: MeetingId,
    pub date: NaiveDate,
    pub leader: Option<String>,
    pub attendees: usize,
    /// Referrals on its agenda (postponed ones included).
    pub items: usize,
    /// Referrals decided at it (a decision or a track chosen after mapping).
    pub decided: usize,
    /// Referrals postponed from it to the next meeting.
    pub postponed: usize,
}

/// What the team prepared for one referral.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preparation {
    pub note: String,
    pub presenter: Option<MemberId>,
    /// Profession → view, in profession order.
    pub views: Vec<(Profession, Assessment)>,
}

/// What Inntak did with a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageOutcome {
    Created,
    Changed,
    Withdrawn,
    /// A cancellation of a referral already decided: put before the leader, not applied.
    Warning,
    /// A change or cancellation whose referral is unknown, kept by the leader's choice.
    Note,
}

impl MessageOutcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Created => "opprettet",
            Self::Changed => "endret",
            Self::Withdrawn => "trukket",
            Self::Warning => "varsel",
            Self::Note => "notat",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Self> {
        [
            Self::Created,
            Self::Changed,
            Self::Withdrawn,
            Self::Warning,
            Self::Note,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
}

/// A message as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    pub referral: Option<ReferralId>,
    pub message_id: String,
    pub kind: String,
    pub written_on: Option<NaiveDate>,
    pub comment: String,
    pub outcome: MessageOutcome,
    pub sender_name: String,
    pub sender_her: String,
    pub sender_person: String,
    pub sender_person_her: String,
    pub imported_at: String,
}

/// One reply, ready to be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub referral: ReferralId,
    pub decision: DecisionId,
    pub kind: LetterKind,
    pub patient: String,
    /// The message id of this reply (a new UUID) and the file name it is written under.
    pub message_id: String,
    pub file_name: String,
    pub xml: String,
}

impl Reply {
    /// SHA-256 (hex) of the file as written: stored with the record, like a letter's text.
    pub fn hash(&self) -> String {
        hex::encode(sha2::Sha256::digest(self.xml.as_bytes()))
    }
}
