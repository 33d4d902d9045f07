//! Applying the meeting's actions: starting it, decisions, postponing, closing, the agenda,
//! the team, and the follow-ups after the decision.

use super::*;
use crate::calendar::format_date_weekday;
use crate::domain::ReferralId;
use crate::domain::decision::Outcome;
use crate::domain::meeting::MeetingId;
use crate::store::decisions::{self, DecisionExtras, NewDecision};
use crate::store::followups::{self};
use crate::store::meetings::{self};
use crate::store::referrals::Change;

impl App {
    /// Meeting writes.
    pub(super) fn apply_meeting(&mut self, action: MeetingAction) {
        match action {
            MeetingAction::StartMeeting(id) => self.start_meeting(id),
            MeetingAction::Decide {
                meeting,
                referral,
                outcome,
                extras,
            } => self.decide(meeting, referral, &outcome, &extras),
            MeetingAction::Postpone {
                meeting,
                referral,
                deadline,
            } => {
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                match self
                    .store
                    .write(|tx| meetings::postpone(tx, meeting, referral, deadline, change))
                {
                    Ok(_) => {
                        self.info("Utsatt til neste møte");
                        self.mark_stale(Stale::MEETINGS);
                    }
                    Err(e) => self.meeting_mode.refuse(referral, e.to_string()),
                }
            }
            MeetingAction::CloseMeeting(id) => {
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                match self.store.write(|tx| meetings::close(tx, id, change)) {
                    Ok(moved) => {
                        self.info(format!(
                            "Møtet er avsluttet; {moved} ikke avgjorte er flyttet til neste møte"
                        ));
                        self.view = View::Meetings;
                        // Statuses do not change at a close: the agendas do.
                        self.mark_stale(Stale::MEETINGS);
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
        }
    }

    /// Follow-up writes: one transaction each, then a reload.
    pub(super) fn apply_follow_up(&mut self, action: FollowUpAction) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        // A decision is dated the day it is made (a meeting run early or reopened later
        // says so in its minutes).
        let on = self.clock.today();
        let result = self.store.write(|tx| match &action {
            FollowUpAction::ReportMapping {
                referral,
                date,
                summary,
            } => followups::report_mapping(tx, *referral, *date, summary, change),
            FollowUpAction::ChangeTrack {
                referral,
                meeting,
                track,
                note,
            } => followups::change_track(tx, *referral, *meeting, on, *track, note, change),
            FollowUpAction::SetCareStart { referral, care } => {
                followups::set_care_start(tx, *referral, *care, change)
            }
        });
        if let Err(e) = result {
            return self.error(e.to_string());
        }
        let name = |id: ReferralId| {
            self.queue
                .row(id)
                .map_or(String::new(), |r| r.patient().to_string())
        };
        let text = match &action {
            FollowUpAction::ReportMapping { referral, .. } => {
                self.follow_up_view.report_done();
                format!("{} er sendt til ny vurdering", name(*referral))
            }
            FollowUpAction::ChangeTrack {
                referral,
                meeting,
                track,
                ..
            } => {
                if meeting.is_some() {
                    self.meeting_mode.advance();
                }
                format!("Forløp lagret: {} – {}", name(*referral), track.label_nb())
            }
            FollowUpAction::SetCareStart { referral, .. } => {
                format!("Oppstart lagret for {}", name(*referral))
            }
        };
        self.info(text);
        self.mark_stale(Stale::ALL);
    }

    /// Starts a planned meeting (storing its proposed agenda) or continues one in progress,
    /// and opens meeting mode.
    pub(super) fn start_meeting(&mut self, id: MeetingId) {
        let Some(view) = self.planning.find(id) else {
            return;
        };
        if view.meeting.status == crate::domain::meeting::MeetingStatus::Planlagt {
            let proposal = view.stored_items();
            let change = Change {
                actor: &self.actor,
                at: self.clock.now(),
            };
            if let Err(e) = self
                .store
                .write(|tx| meetings::start(tx, id, &proposal, change))
            {
                return self.error(e.to_string());
            }
            self.mark_stale(Stale::MEETINGS);
        }
        self.meeting_mode.open(id);
        self.view = View::MeetingMode;
    }

    pub(super) fn decide(
        &mut self,
        meeting: MeetingId,
        referral: ReferralId,
        outcome: &Outcome,
        extras: &DecisionExtras,
    ) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let rule = self.settings.working_day_rule();
        let new = NewDecision {
            referral,
            meeting: Some(meeting),
            decided_on: self.clock.today(),
            outcome,
            extras,
        };
        match self
            .store
            .write(|tx| decisions::record(tx, &new, rule, change))
        {
            Ok(_) => {
                let name = self
                    .queue
                    .row(referral)
                    .map_or(String::new(), |r| r.patient().to_string());
                self.info(format!(
                    "Vedtak lagret: {name} – {}",
                    outcome.referral_status().label_nb()
                ));
                self.meeting_mode.advance();
                self.mark_stale(Stale::ALL);
            }
            Err(e) => self.meeting_mode.refuse(referral, e.to_string()),
        }
    }

    /// The meeting writes that need nothing but a transaction and a message (the agenda,
    /// the schedule, attendance, reopening): one transaction each, then a reload.
    pub(super) fn apply_plan(&mut self, action: PlanAction) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let result = self.store.write(|tx| match &action {
            PlanAction::SetAgenda {
                meeting,
                items,
                action,
            } => meetings::store_agenda(tx, *meeting, items, *action, change),
            PlanAction::ResetAgenda(id) => meetings::clear_agenda(tx, *id, change),
            PlanAction::AddExtraMeeting { date, time } => {
                meetings::add_extra(tx, *date, *time, change).map(|_| ())
            }
            PlanAction::MoveMeeting { id, date, time } => {
                meetings::move_to(tx, *id, *date, *time, change)
            }
            PlanAction::SetCancelled { id, cancelled } => {
                meetings::set_cancelled(tx, *id, *cancelled, change)
            }
            PlanAction::SetLeader { id, leader } => meetings::set_leader(tx, *id, *leader, change),
            PlanAction::SetAttendance {
                id,
                member,
                present,
            } => meetings::set_attendance(tx, *id, *member, *present, change),
            PlanAction::ReopenMeeting { id, reason } => meetings::reopen(tx, *id, reason, change),
            PlanAction::TakeBackPostponement { meeting, referral } => {
                meetings::take_back_postponement(tx, *meeting, *referral, change)
            }
        });
        if let Err(e) = result {
            return self.error(e.to_string());
        }
        let message = match &action {
            PlanAction::AddExtraMeeting { date, .. } => Some(format!(
                "Ekstramøte {} er lagt til",
                format_date_weekday(*date)
            )),
            PlanAction::MoveMeeting { date, .. } => Some(format!(
                "Møtet er flyttet til {}",
                format_date_weekday(*date)
            )),
            PlanAction::SetCancelled {
                cancelled: true, ..
            } => Some("Møtet er avlyst; agendaen går til neste møte".into()),
            PlanAction::SetAgenda { .. } => Some("Agendaen er lagret".into()),
            PlanAction::ResetAgenda(_) => Some("Nytt forslag til agenda".into()),
            PlanAction::ReopenMeeting { .. } => {
                Some("Møtet er gjenåpnet; fortsett det for å rette, og avslutt det igjen".into())
            }
            PlanAction::TakeBackPostponement { .. } => {
                Some("Utsettelsen er tatt tilbake; punktet behandles på dette møtet".into())
            }
            PlanAction::SetCancelled {
                cancelled: false, ..
            }
            | PlanAction::SetLeader { .. }
            | PlanAction::SetAttendance { .. } => None,
        };
        if let Some(text) = message {
            self.info(text);
        }
        if let PlanAction::AddExtraMeeting { date, .. } = action
            && let Ok(Some(m)) = meetings::upcoming_on(self.store.conn(), date)
        {
            self.meetings_view.select(m.id);
        }
        // The agenda, schedule and team live in the planning only.
        self.mark_stale(Stale::MEETINGS);
    }

    /// The team: adding a member, setting one inactive.
    pub(super) fn apply_team(&mut self, action: TeamAction) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let result = self.store.write(|tx| match &action {
            TeamAction::AddMember { name, profession } => {
                meetings::add_member(tx, name, *profession, change).map(|_| ())
            }
            TeamAction::SetMemberActive { id, active } => {
                meetings::set_member_active(tx, *id, *active, change)
            }
        });
        match result {
            Ok(()) => {
                if let TeamAction::AddMember { name, .. } = &action {
                    self.info(format!("{name} er lagt til i teamet"));
                }
                self.mark_stale(Stale::MEETINGS);
            }
            Err(e) => self.error(e.to_string()),
        }
    }
}
