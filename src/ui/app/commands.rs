//! Applying actions: one transaction per action, then a reload of what it touched.

use super::*;
use crate::calendar::format_date_weekday;
use crate::demo;
use crate::domain::{Field, FieldError, ReferralFields, ReferralId};
use crate::ops;
use crate::ops::StoreError;
use crate::ui::detail_panel::WithdrawState;
use crate::ui::referral_form::ReferralForm;

impl App {
    /// Applies one action; each write is one transaction, each error shown once. Every
    /// feature's handler matches its own enum exhaustively.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Nav(a) => self.apply_nav(a),
            Action::Referral(a) => self.apply_referral(a),
            Action::Clinic(a) => self.apply_clinic(a),
            Action::Team(a) => self.apply_team(a),
            Action::Meeting(a) => self.apply_meeting(a),
            Action::Plan(a) => self.apply_plan(a),
            Action::FollowUp(a) => self.apply_follow_up(a),
            Action::Output(a) => self.apply_output(a),
            Action::Backup(a) => self.apply_backup(a),
            Action::Import(a) => self.apply_import(a),
        }
    }

    /// Moving around: nothing is written.
    fn apply_nav(&mut self, action: NavAction) {
        match action {
            NavAction::Select(id) => {
                if self.selected != Some(id) {
                    self.selected = Some(id);
                    self.withdraw = WithdrawState::default();
                    self.load_detail();
                    // On the clinic's server every look at a patient is logged (Normen).
                    if let Err(e) = ops::referrals::record_read(&mut self.ctx(), id) {
                        self.error(format!(
                            "At du har åpnet henvisningen, kunne ikke føres i endringsloggen \
                             ({e})."
                        ));
                    }
                }
            }
            NavAction::NewReferral => {
                self.form = Some(ReferralForm::new_referral(self.clock.today()));
            }
            NavAction::EditReferral(id) => match crate::model::referral_for_edit(&self.store, id) {
                Ok((r, version)) => self.form = Some(ReferralForm::edit(&r, version)),
                Err(e) => self.error(e.to_string()),
            },
            NavAction::CloseForm => self.form = None,
            NavAction::Show(view) => {
                if self.view == View::MeetingMode
                    && view != View::MeetingMode
                    && let Some(patient) = self.meeting_mode.unsaved(&self.queue)
                {
                    self.info(format!(
                        "Det påbegynte vedtaket for {patient} er ikke lagret ennå; det står \
                         klart når du fortsetter møtet."
                    ));
                }
                self.view = view;
            }
            NavAction::SelectMeeting(id) => self.meetings_view.select(id),
            NavAction::SelectFollowUp(id) => {
                self.follow_up_view
                    .select(&self.follow_ups, id, self.clock.today());
            }
            NavAction::LoadSearch => {
                if !self.queue.has_search_texts()
                    && let Err(e) = crate::model::queue_search(&self.store, &mut self.queue)
                {
                    // Search the rows' own texts rather than ask again every frame.
                    self.queue.set_problems(std::collections::HashMap::new());
                    self.error(format!(
                        "Søket ser ikke i problemstillingene: de kunne ikke leses ({e})"
                    ));
                }
            }
        }
    }

    /// Referral writes.
    fn apply_referral(&mut self, action: ReferralAction) {
        match action {
            ReferralAction::SaveReferral {
                id,
                fields,
                and_new,
                version,
            } => self.save_referral(id, *fields, and_new, version),
            ReferralAction::Withdraw { id, reason } => {
                match ops::referrals::withdraw(&mut self.ctx(), id, &reason) {
                    Ok(()) => {
                        self.withdraw = WithdrawState::default();
                        self.info("Henvisningen er trukket");
                        self.mark_stale(Stale::ALL);
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
            ReferralAction::Reopen(id) => match ops::referrals::reopen(&mut self.ctx(), id) {
                Ok(()) => {
                    self.info("Henvisningen er gjenåpnet og står i køen igjen");
                    self.mark_stale(Stale::ALL);
                }
                Err(e) => self.error(e.to_string()),
            },
            ReferralAction::FillDemo => {
                self.demo_offer = false;
                let (count, seed) = (demo::DEFAULT_REFERRALS, demo::DEFAULT_SEED);
                match crate::ops::demo::fill(&mut self.ctx(), count, seed) {
                    Ok(n) => self.info(format!("La inn {n} fiktive henvisninger")),
                    Err(e) => self.error(e.to_string()),
                }
                self.mark_stale(Stale::ALL);
            }
            ReferralAction::DeclineDemo => {
                self.demo_offer = false;
                if let Err(e) = crate::ops::demo::decline(&mut self.ctx()) {
                    self.error(e.to_string());
                }
            }
            ReferralAction::SavePreparation {
                referral,
                note,
                presenter,
            } => {
                let result =
                    ops::referrals::save_preparation(&mut self.ctx(), referral, &note, presenter);
                match result {
                    Ok(()) => {
                        self.info("Forberedelsen er lagret");
                        // The note, presenter and views show in the meeting and the detail pane.
                        self.mark_stale(Stale::MEETINGS);
                    }
                    Err(e) => self.error(format!("Forberedelsen ble ikke lagret: {e}")),
                }
            }
            ReferralAction::SetProvisionalView {
                referral,
                profession,
                view,
            } => {
                let result = ops::referrals::set_provisional_view(
                    &mut self.ctx(),
                    referral,
                    profession,
                    view,
                );
                match result {
                    Ok(()) => {
                        self.info(format!(
                            "Foreløpig vurdering ({}) lagret",
                            profession.label_nb().to_lowercase()
                        ));
                        // The note, presenter and views show in the meeting and the detail pane.
                        self.mark_stale(Stale::MEETINGS);
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
        }
    }

    /// Settings writes.
    fn apply_clinic(&mut self, action: ClinicAction) {
        match action {
            ClinicAction::SaveSettings(new) => {
                let result = ops::meetings::save_settings(&mut self.ctx(), &new);
                match result {
                    Ok(()) => {
                        self.info("Innstillingene er lagret");
                        self.mark_stale(Stale::ALL);
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
        }
    }

    /// Printing and exporting.
    fn apply_output(&mut self, action: OutputAction) {
        match action {
            OutputAction::PrintAgenda {
                meeting,
                initials_only,
            } => self.print_agenda(meeting, initials_only, false),
            OutputAction::PrintMinutes(meeting) => self.print_agenda(meeting, false, true),
            OutputAction::PrepareLetters(target) => self.prepare_letters(target),
            OutputAction::PrintLetters {
                target,
                mark_sent,
                to,
            } => self.print_letters(target, mark_sent, to),
            OutputAction::CancelLetters => self.letters_prompt = None,
            OutputAction::PreviewLetters(target) => self.preview_letters(target),
            OutputAction::MarkLettersSent(referral) => self.mark_letters_sent(referral),
            OutputAction::SendReplies(target) => self.send_replies(target),
            OutputAction::ExportBreaches => {
                if self.follow_ups_generation != self.generations.referrals {
                    self.load_follow_ups();
                }
                match crate::ops::documents::breaches(&self.follow_ups, self.clock.today()) {
                    Ok(doc) => self.export_csv(doc),
                    Err(e) => self.error(e.to_string()),
                }
            }
            OutputAction::ExportStats => {
                let Some(report) = self.stats_view.report() else {
                    return self.error("Ingen statistikk å eksportere");
                };
                match crate::ops::documents::stats(report, true) {
                    Ok(doc) => self.export_csv(doc),
                    Err(e) => self.error(e.to_string()),
                }
            }
        }
    }

    /// Backups and restore.
    fn apply_backup(&mut self, action: BackupAction) {
        match action {
            BackupAction::BackupNow => {
                if self.start_backup(true) {
                    self.info("Tar sikkerhetskopi …");
                }
            }
            BackupAction::AskRestore(file) => self.ask_restore(file),
            BackupAction::RestoreFrom(file, passphrase) => self.restore_from(&file, passphrase),
            BackupAction::Encrypt {
                current,
                new,
                remember,
            } => self.reencrypt(current, &new, remember),
            BackupAction::SetBackupDir(dir) => {
                match ops::meetings::set_backup_dir(&mut self.ctx(), dir.as_deref()) {
                    Ok(value) => {
                        self.backups.set_dir(self.store.path(), Some(&value));
                        self.info(format!(
                            "Sikkerhetskopier lagres i {}",
                            self.backups.dir().display()
                        ));
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
        }
    }

    pub(super) fn save_referral(
        &mut self,
        id: Option<ReferralId>,
        fields: ReferralFields,
        and_new: bool,
        version: Option<i64>,
    ) {
        let result = match id {
            None => ops::referrals::register(&mut self.ctx(), &fields).map(Some),
            Some(id) => ops::referrals::edit(&mut self.ctx(), id, &fields, version.unwrap_or(0))
                .map(|changed| changed.then_some(id)),
        };
        match result {
            Ok(saved) => {
                let deadline = self
                    .settings
                    .working_day_rule()
                    .assessment_deadline(fields.received_on);
                self.form = (and_new && id.is_none())
                    .then(|| ReferralForm::next_referral(fields.received_on));
                match (id, saved) {
                    (None, Some(new_id)) => {
                        self.selected = Some(new_id);
                        let renewal = self.queue.renewal_for(
                            fields.national_id.as_deref(),
                            &fields.diagnosis_group,
                            fields.received_on,
                            None,
                        );
                        let text = format!(
                            "Henvisningen for {} er registrert, frist {}",
                            fields.patient,
                            format_date_weekday(deadline)
                        );
                        match renewal {
                            Some(r) if r.is_warning() => self.error(format!(
                                "{text}. {}",
                                r.text_nb(fields.diagnosis_group.trim())
                            )),
                            _ => self.info(text),
                        }
                    }
                    (Some(_), Some(_)) => self.info("Endringene er lagret"),
                    _ => self.info("Ingen endringer å lagre"),
                }
                self.mark_stale(Stale::ALL);
            }
            Err(e @ StoreError::ChangedMeanwhile { version, .. }) => {
                // The form stays with what was typed; saving again, knowing, goes through.
                if let Some(form) = &mut self.form {
                    form.saw_version(version);
                }
                self.mark_stale(Stale::ALL);
                self.error(e.to_string());
            }
            Err(StoreError::DuplicateExternalId(ext)) => {
                if let Some(form) = &mut self.form {
                    form.set_errors(vec![FieldError::new(
                        Field::ExternalId,
                        format!("«{ext}» er allerede registrert på en annen henvisning"),
                    )]);
                }
            }
            Err(e) => self.error(e.to_string()),
        }
    }
}
