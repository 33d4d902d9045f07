//! Applying the meeting's actions: starting it, decisions, postponing, closing, the agenda,
//! the team, and the follow-ups after the decision.

use super::*;
use crate::calendar::format_date_weekday;
use crate::domain::ReferralId;
use crate::domain::decision::Outcome;
use crate::domain::meeting::MeetingId;
use crate::domain::records::DecisionExtras;
use crate::ops;

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
                key,
                corrects,
            } => {
                let sending = ops::meetings::Sending {
                    key: Some(&key),
                    corrects,
                };
                self.decide(meeting, referral, &outcome, &extras, sending)
            }
            MeetingAction::Postpone {
                meeting,
                referral,
                deadline,
            } => match ops::meetings::postpone(&mut self.ctx(), meeting, referral, deadline) {
                Ok(_) => {
                    self.info("Utsatt til neste møte");
                    self.mark_stale(Stale::MEETINGS);
                }
                Err(e) => self.meeting_mode.refuse(referral, e.to_string()),
            },
            MeetingAction::CloseMeeting(id) => {
                match ops::meetings::close(&mut self.ctx(), id) {
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
        if let Err(e) = ops::followups::apply(&mut self.ctx(), &action) {
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
            if let Err(e) = ops::meetings::start(&mut self.ctx(), id, &proposal) {
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
        sending: ops::meetings::Sending<'_>,
    ) {
        match ops::meetings::decide(&mut self.ctx(), meeting, referral, outcome, extras, sending) {
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
            Err(e) => {
                // Another leader's decision stands: the form keeps what was typed and now
                // corrects theirs, so saving it again (after reading theirs) is a correction.
                if let ops::StoreError::Meeting(
                    crate::domain::meeting::MeetingRefusal::DecidedMeanwhile { decision, .. },
                ) = &e
                {
                    self.meeting_mode
                        .now_corrects(referral, crate::domain::records::DecisionId(*decision));
                    self.mark_stale(Stale::ALL);
                }
                self.meeting_mode.refuse(referral, e.to_string());
            }
        }
    }

    /// The meeting writes that need nothing but a transaction and a message (the agenda,
    /// the schedule, attendance, reopening): one transaction each, then a reload.
    pub(super) fn apply_plan(&mut self, action: PlanAction) {
        let extra = match ops::meetings::plan(&mut self.ctx(), &action) {
            Ok(extra) => extra,
            Err(e) => return self.error(e.to_string()),
        };
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
        if let Some(id) = extra {
            self.meetings_view.select(id);
        }
        // The agenda, schedule and team live in the planning only.
        self.mark_stale(Stale::MEETINGS);
    }

    /// The team: adding a member, setting one inactive.
    pub(super) fn apply_team(&mut self, action: TeamAction) {
        let result = ops::meetings::team(&mut self.ctx(), &action);
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
