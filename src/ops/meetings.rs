//! Running and planning meetings: start, decide, postpone, close; the agenda, the schedule,
//! attendance, reopening; the team; the clinic's settings (which move the schedule).

use super::Ctx;
use crate::domain::ReferralId;
use crate::domain::decision::Outcome;
use crate::domain::meeting::{MeetingId, MemberId, Profession};
use crate::domain::settings::ClinicSettings;
use crate::store::decisions::{self, DecisionExtras, DecisionId, NewDecision};
use crate::store::meetings::{self, StoredItem};
use crate::store::{StoreError, settings};
use chrono::{NaiveDate, NaiveTime};

/// How an agenda change is logged (accept, add, remove, reorder).
pub type AgendaChange = crate::store::audit::MeetingAction;

/// Starts a planned meeting, storing `proposal` as its agenda.
pub fn start(ctx: &mut Ctx<'_>, id: MeetingId, proposal: &[StoredItem]) -> Result<(), StoreError> {
    let change = ctx.change;
    ctx.store
        .write(|tx| meetings::start(tx, id, proposal, change))
}

/// How a decision is sent from the meeting (its key, the decision it corrects).
pub use crate::store::decisions::Sending;

/// Records the meeting's decision for a referral, dated today (a meeting run early or
/// reopened later says so in its minutes).
pub fn decide(
    ctx: &mut Ctx<'_>,
    meeting: MeetingId,
    referral: ReferralId,
    outcome: &Outcome,
    extras: &DecisionExtras,
    sending: decisions::Sending<'_>,
) -> Result<DecisionId, StoreError> {
    let (change, rule) = (ctx.change, ctx.settings.working_day_rule());
    let new = NewDecision {
        referral,
        meeting: Some(meeting),
        decided_on: ctx.today(),
        outcome,
        extras,
    };
    ctx.store
        .write(|tx| decisions::record_sent(tx, &new, rule, change, sending))
}

/// Postpones a referral to the next meeting before `deadline`; returns that meeting.
pub fn postpone(
    ctx: &mut Ctx<'_>,
    meeting: MeetingId,
    referral: ReferralId,
    deadline: NaiveDate,
) -> Result<MeetingId, StoreError> {
    let change = ctx.change;
    ctx.store
        .write(|tx| meetings::postpone(tx, meeting, referral, deadline, change))
}

/// Closes a meeting; returns how many undecided items moved to the next one.
pub fn close(ctx: &mut Ctx<'_>, id: MeetingId) -> Result<usize, StoreError> {
    let change = ctx.change;
    ctx.store.write(|tx| meetings::close(tx, id, change))
}

/// The simple meeting writes of the Møter view and meeting mode: the agenda, the schedule,
/// attendance, reopening, taking a postponement back.
#[derive(Clone, Debug, PartialEq)]
pub enum PlanChange {
    /// Stores a meeting's agenda as given, logged as `action` (accept, add, remove,
    /// reorder).
    SetAgenda {
        meeting: MeetingId,
        items: Vec<StoredItem>,
        action: AgendaChange,
    },
    ResetAgenda(MeetingId),
    AddExtraMeeting {
        date: NaiveDate,
        time: NaiveTime,
    },
    MoveMeeting {
        id: MeetingId,
        date: NaiveDate,
        time: NaiveTime,
    },
    SetCancelled {
        id: MeetingId,
        cancelled: bool,
    },
    SetLeader {
        id: MeetingId,
        leader: Option<MemberId>,
    },
    SetAttendance {
        id: MeetingId,
        member: MemberId,
        present: bool,
    },
    /// Take a postponement back at the same meeting.
    TakeBackPostponement {
        meeting: MeetingId,
        referral: ReferralId,
    },
    ReopenMeeting {
        id: MeetingId,
        reason: String,
    },
}

/// Applies one planning change in one transaction. An extra meeting's id is returned.
pub fn plan(ctx: &mut Ctx<'_>, change: &PlanChange) -> Result<Option<MeetingId>, StoreError> {
    let who = ctx.change;
    ctx.store.write(|tx| {
        match change {
            PlanChange::SetAgenda {
                meeting,
                items,
                action,
            } => meetings::store_agenda(tx, *meeting, items, *action, who),
            PlanChange::ResetAgenda(id) => meetings::clear_agenda(tx, *id, who),
            PlanChange::AddExtraMeeting { date, time } => {
                return meetings::add_extra(tx, *date, *time, who).map(Some);
            }
            PlanChange::MoveMeeting { id, date, time } => {
                meetings::move_to(tx, *id, *date, *time, who)
            }
            PlanChange::SetCancelled { id, cancelled } => {
                meetings::set_cancelled(tx, *id, *cancelled, who)
            }
            PlanChange::SetLeader { id, leader } => meetings::set_leader(tx, *id, *leader, who),
            PlanChange::SetAttendance {
                id,
                member,
                present,
            } => meetings::set_attendance(tx, *id, *member, *present, who),
            PlanChange::ReopenMeeting { id, reason } => meetings::reopen(tx, *id, reason, who),
            PlanChange::TakeBackPostponement { meeting, referral } => {
                meetings::take_back_postponement(tx, *meeting, *referral, who)
            }
        }
        .map(|()| None)
    })
}

/// The team: adding a member, setting one inactive.
#[derive(Clone, Debug, PartialEq)]
pub enum TeamChange {
    AddMember {
        name: String,
        profession: Profession,
    },
    SetMemberActive {
        id: MemberId,
        active: bool,
    },
}

/// Applies one change to the team.
pub fn team(ctx: &mut Ctx<'_>, change: &TeamChange) -> Result<(), StoreError> {
    let who = ctx.change;
    ctx.store.write(|tx| match change {
        TeamChange::AddMember { name, profession } => {
            meetings::add_member(tx, name, *profession, who).map(|_| ())
        }
        TeamChange::SetMemberActive { id, active } => {
            meetings::set_member_active(tx, *id, *active, who)
        }
    })
}

/// Saves the clinic's settings and moves the planned schedule to the new meeting days.
pub fn save_settings(ctx: &mut Ctx<'_>, new: &ClinicSettings) -> Result<(), StoreError> {
    let (today, change) = (ctx.today(), ctx.change);
    ctx.store
        .write(|tx| meetings::save_settings_and_reschedule(tx, new, today, change))
}

/// Brings the schedule up to the horizon (meetings on the clinic's days, as stored at the
/// moment of the write); returns how many were added. A database that can only be read gets
/// none (0): it is read as it is, and whoever shows it says why it cannot be written.
pub fn ensure_schedule(ctx: &mut Ctx<'_>) -> Result<usize, StoreError> {
    // A read-only file, or a login whose role plans no meetings (a member, a reader on the
    // clinic's server): the schedule is laid out by whoever may.
    if ctx.store.read_only().is_some() || !ctx.store.may_write("meetings") {
        return Ok(0);
    }
    let (today, change) = (ctx.today(), ctx.change);
    ctx.store.write(|tx| {
        let s = settings::load(tx)?;
        meetings::ensure_schedule(tx, &s, today, change)
    })
}

/// Sets where backups go (`None`: beside the database).
pub fn set_backup_dir(
    ctx: &mut Ctx<'_>,
    dir: Option<&std::path::Path>,
) -> Result<String, StoreError> {
    let value = dir.map(|d| d.display().to_string()).unwrap_or_default();
    ctx.store
        .write(|tx| Ok(settings::put(tx, settings::KEY_BACKUP_DIR, &value)?))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::referrals::Change;

    /// An extra meeting is added and returned, moved, cancelled; a second close of a closed
    /// meeting is refused with the meeting's status; the team grows by one.
    #[test]
    fn plan_team_and_close_through_the_operations() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let (_scratch, mut store) = crate::ops::testing::empty();
        let settings = ClinicSettings::default();
        let mut ctx = Ctx {
            store: &mut store,
            settings: &settings,
            change: Change {
                actor: "leder",
                at: today.and_hms_opt(9, 0, 0).unwrap(),
            },
        };
        assert!(ensure_schedule(&mut ctx).unwrap() > 0);
        let friday = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
        let extra = plan(
            &mut ctx,
            &PlanChange::AddExtraMeeting {
                date: friday,
                time: nine,
            },
        )
        .unwrap()
        .expect("the extra meeting's id");
        let found = meetings::get(ctx.store.conn(), extra).unwrap();
        assert_eq!(found.date, friday);
        team(
            &mut ctx,
            &TeamChange::AddMember {
                name: "Lege Lise".into(),
                profession: Profession::Lege,
            },
        )
        .unwrap();
        assert_eq!(meetings::members(ctx.store.conn()).unwrap().len(), 1);
        start(&mut ctx, extra, &[]).unwrap();
        assert_eq!(close(&mut ctx, extra).unwrap(), 0);
        let again = close(&mut ctx, extra).unwrap_err().to_string();
        assert!(again.starts_with("Møtet har status"), "{again}");
    }

    /// A referral on a started meeting's agenda is postponed to the next meeting and decided
    /// there (dated today, at that meeting); a decided referral cannot be postponed.
    #[test]
    fn postpone_then_decide_through_the_operations() {
        use crate::domain::decision::Outcome;
        use crate::domain::meeting::Reason;
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let (_scratch, mut store) = crate::ops::testing::empty();
        let settings = ClinicSettings::default();
        let mut ctx = Ctx {
            store: &mut store,
            settings: &settings,
            change: Change {
                actor: "leder",
                at: today.and_hms_opt(9, 0, 0).unwrap(),
            },
        };
        ensure_schedule(&mut ctx).unwrap();
        let fields = crate::ops::testing::fields("Kari Nordmann");
        let referral = crate::ops::referrals::register(&mut ctx, &fields).unwrap();
        let first = meetings::from_date(ctx.store.conn(), today)
            .unwrap()
            .into_iter()
            .next()
            .expect("a meeting from today");
        let item = StoredItem {
            referral,
            reason: Reason::Manual,
        };
        start(&mut ctx, first.id, &[item]).unwrap();
        let deadline = settings.working_day_rule().assessment_deadline(today);
        let next = postpone(&mut ctx, first.id, referral, deadline).unwrap();
        assert_ne!(next, first.id);
        start(&mut ctx, next, &[item]).unwrap();
        let outcome = Outcome::Avslag {
            reason: "Ikke smerteklinikkens pasientgruppe".into(),
            advice: "Fysioterapi".into(),
        };
        let sent = decisions::Sending {
            key: Some("skjema-1"),
            corrects: None,
        };
        let first_id = decide(
            &mut ctx,
            next,
            referral,
            &outcome,
            &DecisionExtras::default(),
            sent,
        )
        .unwrap();
        // Sent again (the answer was lost on the way): stored once.
        let resent = decide(
            &mut ctx,
            next,
            referral,
            &outcome,
            &DecisionExtras::default(),
            sent,
        );
        assert_eq!(resent.unwrap(), first_id);
        let current = decisions::current(ctx.store.conn(), referral)
            .unwrap()
            .expect("decided");
        assert_eq!(current.id, first_id);
        assert_eq!(current.meeting, Some(next));
        assert_eq!(current.decided_on, today);
        let again = postpone(&mut ctx, next, referral, deadline).unwrap_err();
        assert!(again.to_string().contains("er allerede avgjort"), "{again}");

        // A second leader who typed a decision for the same referral meanwhile: refused with
        // the first one's name and time, nothing written; saved as a correction, it stands.
        let other = crate::store::referrals::Change {
            actor: "annen.leder",
            at: ctx.change.at,
        };
        let mut ctx2 = Ctx {
            store: &mut *ctx.store,
            settings: &settings,
            change: other,
        };
        let rett = Outcome::Feilsendt;
        let mine = decisions::Sending {
            key: Some("skjema-2"),
            corrects: None,
        };
        let refused = decide(
            &mut ctx2,
            next,
            referral,
            &rett,
            &DecisionExtras::default(),
            mine,
        )
        .unwrap_err()
        .to_string();
        assert!(refused.contains("leder lagret et vedtak"), "{refused}");
        assert!(refused.contains("kl. 09:00"), "{refused}");
        let still = decisions::current(ctx2.store.conn(), referral)
            .unwrap()
            .unwrap();
        assert_eq!(still.id, first_id);
        let correction = decisions::Sending {
            key: Some("skjema-2"),
            corrects: Some(first_id),
        };
        let corrected = decide(
            &mut ctx2,
            next,
            referral,
            &rett,
            &DecisionExtras::default(),
            correction,
        )
        .unwrap();
        assert_ne!(corrected, first_id);
    }
}
