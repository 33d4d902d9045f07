//! Møter: the coming meetings with their load, the selected meeting's leader, attendance and
//! agenda (proposed from the deadlines, editable), and printing the agenda.

mod agenda;

use super::{Action, labelled_date_ui, theme};
use super::{AgendaChange, MeetingAction, NavAction, OutputAction, PlanAction};
use crate::agenda::Reason;
use crate::calendar::{WorkingDayRule, format_date, format_date_weekday, weekday_name_nb};
use crate::domain::ReferralId;
use crate::domain::meeting::{MeetingId, MeetingStatus};
use crate::domain::records::StoredItem;
use crate::domain::settings::ClinicSettings;
use crate::planning::{MeetingView, Planning};
use crate::queue::QueueModel;
use chrono::{Datelike, NaiveDate, NaiveTime};

/// What the selected meeting's pane reads.
#[derive(Clone, Copy)]
struct Context<'a> {
    planning: &'a Planning,
    queue: &'a QueueModel,
    today: NaiveDate,
    settings: &'a ClinicSettings,
}

#[derive(Default)]
pub struct MeetingsView {
    selected: Option<MeetingId>,
    initials_only: bool,
    /// Removing a must-decide item waits for confirmation.
    confirm_remove: Option<(MeetingId, ReferralId)>,
    moving: Option<(NaiveDate, String)>,
    extra: Option<(NaiveDate, String)>,
    /// Reopening a closed meeting: which, and the reason being typed.
    reopen: Option<(MeetingId, String)>,
    /// Starting a meeting on another day than its date waits for confirmation.
    confirm_start: Option<MeetingId>,
}

/// From this width of the view on, the meeting list stands beside the meeting; below it, it
/// folds above.
const LIST_BESIDE_WIDTH: f32 = 1150.0;

impl MeetingsView {
    pub fn select(&mut self, id: MeetingId) {
        self.selected = Some(id);
        self.moving = None;
        self.confirm_remove = None;
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        planning: &Planning,
        queue: &QueueModel,
        today: NaiveDate,
        settings: &ClinicSettings,
        actions: &mut Vec<Action>,
    ) {
        let default_time = settings.meeting_time;
        if self.selected.is_none_or(|id| planning.find(id).is_none()) {
            self.selected = planning.upcoming.first().map(|m| m.meeting.id);
        }
        if ui.available_width() >= LIST_BESIDE_WIDTH {
            egui::Panel::left("meeting_list")
                .resizable(true)
                .default_size(330.0)
                .min_size(300.0)
                .max_size(ui.available_width() * 0.4)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        self.list_ui(ui, planning, queue, today, default_time, actions)
                    });
                });
        } else {
            // A narrow window (1024 px, or a large text size): the list folds above the
            // meeting, so the agenda's columns and its buttons fit without sideways scrolling.
            let chosen = self
                .selected
                .and_then(|id| planning.find(id))
                .map(|v| crate::calendar::format_date_weekday(v.meeting.date))
                .unwrap_or_else(|| "ingen valgt".into());
            egui::Panel::top("meeting_list_folded").show(ui, |ui| {
                egui::CollapsingHeader::new(format!("Møteliste (valgt: {chosen})"))
                    .id_salt("meeting_list_folded")
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical()
                            .max_height((ui.ctx().content_rect().height() * 0.45).max(160.0))
                            .show(ui, |ui| {
                                self.list_ui(ui, planning, queue, today, default_time, actions)
                            });
                    });
            });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            match self.selected.and_then(|id| planning.find(id)) {
                Some(view) => {
                    // Both ways: on a narrow window the agenda's buttons are reached sideways.
                    egui::ScrollArea::both().show(ui, |ui| {
                        self.meeting_ui(
                            ui,
                            view,
                            &Context {
                                planning,
                                queue,
                                today,
                                settings,
                            },
                            actions,
                        )
                    });
                }
                None => {
                    ui.colored_label(
                        theme::MUTED_TEXT,
                        "Ingen kommende møter. Sjekk møtedagene under Innstillinger.",
                    );
                }
            }
        });
        self.confirm_ui(ui.ctx(), planning, queue, actions);
    }

    fn list_ui(
        &mut self,
        ui: &mut egui::Ui,
        planning: &Planning,
        queue: &QueueModel,
        today: NaiveDate,
        default_time: NaiveTime,
        actions: &mut Vec<Action>,
    ) {
        ui.heading("Kommende møter");
        let none_left = queue.counts.no_meeting_before_deadline;
        if none_left > 0 {
            ui.colored_label(
                theme::ERROR_TEXT,
                if none_left == 1 {
                    "1 åpen henvisning har ikke noe møte før fristen: sett opp et ekstramøte."
                        .to_string()
                } else {
                    format!(
                        "{none_left} åpne henvisninger har ikke noe møte før fristen: \
                         sett opp et ekstramøte."
                    )
                },
            );
        }
        for (i, view) in planning.upcoming.iter().enumerate() {
            let m = &view.meeting;
            let selected = self.selected == Some(m.id);
            let title = format!(
                "{} kl. {} · uke {}",
                format_date_weekday(m.date),
                m.time.format("%H:%M"),
                m.date.iso_week().week()
            );
            let response = ui.selectable_label(selected, egui::RichText::new(title).strong());
            if response.clicked() {
                actions.push(Action::Nav(NavAction::SelectMeeting(m.id)));
            }
            let plan = &view.plan;
            let mut line = format!(
                "{} på agendaen, {} må behandles",
                plan.items.len(),
                plan.must
            );
            if !plan.stored {
                line.push_str(" · forslag");
            }
            if i < 4 {
                line = format!("{line} · kapasitet {}", plan.capacity);
            }
            let color = if plan.must > plan.capacity || !plan.missing_must.is_empty() {
                theme::urgency_text(crate::queue::Urgency::Overdue)
            } else {
                theme::MUTED_TEXT
            };
            ui.colored_label(color, line);
            if let Some(text) = plan.overload_text() {
                ui.colored_label(theme::ERROR_TEXT, format!("Overbelastet: {text}"));
            }
            ui.add_space(4.0);
        }
        ui.separator();
        self.extra_meeting_ui(ui, today, default_time, actions);
        self.recent_ui(ui, planning, today, actions);
    }

    /// "Nytt ekstramøte…": the date and time asked for, then created.
    fn extra_meeting_ui(
        &mut self,
        ui: &mut egui::Ui,
        today: NaiveDate,
        default_time: NaiveTime,
        actions: &mut Vec<Action>,
    ) {
        match &mut self.extra {
            None => {
                if ui.button("Nytt ekstramøte…").clicked() {
                    let default = today.succ_opt().unwrap_or(today);
                    self.extra = Some((default, default_time.format("%H:%M").to_string()));
                }
            }
            Some((date, time)) => {
                ui.horizontal(|ui| {
                    labelled_date_ui(ui, "Dato:", date, "extra_date");
                    let label = ui.label("Tid:");
                    ui.add(egui::TextEdit::singleline(time).desired_width(50.0))
                        .labelled_by(label.id);
                });
                let mut close = false;
                ui.horizontal(|ui| {
                    if ui.button("Opprett ekstramøte").clicked()
                        && let Ok(time) = NaiveTime::parse_from_str(time.trim(), "%H:%M")
                    {
                        actions.push(Action::Plan(PlanAction::AddExtraMeeting {
                            date: *date,
                            time,
                        }));
                        close = true;
                    }
                    close |= ui.button("Avbryt").clicked();
                });
                if close {
                    self.extra = None;
                }
            }
        }
    }

    /// The meetings of the last four weeks: the minutes, letters and electronic answers of a
    /// closed one, reopening it (with a reason), restoring a cancelled one.
    fn recent_ui(
        &mut self,
        ui: &mut egui::Ui,
        planning: &Planning,
        today: NaiveDate,
        actions: &mut Vec<Action>,
    ) {
        if !planning.recent.is_empty() {
            ui.separator();
            ui.strong("Siste fire uker");
            for m in &planning.recent {
                ui.horizontal(|ui| {
                    ui.label(format!(
                        "{} – {}",
                        format_date_weekday(m.date),
                        m.status.label_nb()
                    ));
                    if m.status == MeetingStatus::Avsluttet
                        && ui.small_button("Referat (PDF)").clicked()
                    {
                        actions.push(Action::Output(OutputAction::PrintMinutes(m.id)));
                    }
                    if m.status == MeetingStatus::Avsluttet
                        && ui
                            .small_button("Brev (PDF)")
                            .on_hover_text(
                                "Brevene til pasient og henviser for møtets vedtak, i én PDF",
                            )
                            .clicked()
                    {
                        actions.push(Action::Output(OutputAction::PrepareLetters(
                            super::LetterTarget::Meeting(m.id),
                        )));
                    }
                    if m.status == MeetingStatus::Avsluttet
                        && ui
                            .small_button("Elektroniske svar")
                            .on_hover_text(
                                "Dialogmelding «Status på henvisning» til henviserens system for \
                                 møtets vedtak på henvisninger som kom elektronisk",
                            )
                            .clicked()
                    {
                        actions.push(Action::Output(OutputAction::SendReplies(
                            super::LetterTarget::Meeting(m.id),
                        )));
                    }
                    if m.status == MeetingStatus::Avsluttet
                        && self.reopen.as_ref().is_none_or(|(id, _)| *id != m.id)
                        && ui
                            .small_button("Gjenåpne…")
                            .on_hover_text(
                                "For å rette et vedtak; handlingen logges med begrunnelse",
                            )
                            .clicked()
                    {
                        self.reopen = Some((m.id, String::new()));
                    }
                    if m.status == MeetingStatus::Avlyst
                        && m.date >= today
                        && ui.small_button("Gjenopprett").clicked()
                    {
                        actions.push(Action::Plan(PlanAction::SetCancelled {
                            id: m.id,
                            cancelled: false,
                        }));
                    }
                });
                let mut close = false;
                if let Some((id, reason)) = &mut self.reopen
                    && *id == m.id
                {
                    ui.horizontal(|ui| {
                        let label = ui.label("Hvorfor gjenåpnes møtet?");
                        ui.add(egui::TextEdit::singleline(reason).desired_width(260.0))
                            .labelled_by(label.id);
                        let ok = !reason.trim().is_empty();
                        if ui.add_enabled(ok, egui::Button::new("Gjenåpne")).clicked() {
                            actions.push(Action::Plan(PlanAction::ReopenMeeting {
                                id: m.id,
                                reason: reason.clone(),
                            }));
                            close = true;
                        }
                        close |= ui.button("Avbryt").clicked();
                    });
                }
                if close {
                    self.reopen = None;
                }
            }
        }
    }

    /// Asked before a meeting is started on another day than it is set up for.
    fn confirm_start_ui(
        &mut self,
        ui: &mut egui::Ui,
        view: &MeetingView,
        planning: &Planning,
        actions: &mut Vec<Action>,
    ) {
        let m = &view.meeting;
        if self.confirm_start == Some(m.id) {
            let today = planning.today;
            let modal = egui::Modal::new(egui::Id::unique("confirm_start")).show(ui.ctx(), |ui| {
                ui.set_max_width(500.0);
                ui.heading("Starte møtet en annen dag?");
                ui.label(format!(
                    "Møtet er satt opp {} {}, men i dag er {} {}. Vedtakene dateres den dagen \
                     de fattes ({}), og referatet sier at møtet ble holdt da.",
                    weekday_name_nb(m.date.weekday()),
                    format_date(m.date),
                    weekday_name_nb(today.weekday()),
                    format_date(today),
                    format_date(today),
                ));
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    let confirm_key = ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if ui.button("Start likevel (Enter)").clicked() || confirm_key {
                        actions.push(Action::Meeting(MeetingAction::StartMeeting(m.id)));
                        self.confirm_start = None;
                    }
                    if ui.button("Avbryt (Esc)").clicked() {
                        self.confirm_start = None;
                    }
                });
            });
            if modal.should_close() {
                self.confirm_start = None;
            }
        }
    }

    /// An overloaded agenda (with an extra meeting proposed before the deadlines) and the
    /// referrals that must be decided here but are not on the agenda.
    fn warnings_ui(
        &self,
        ui: &mut egui::Ui,
        view: &MeetingView,
        cx: &Context<'_>,
        actions: &mut Vec<Action>,
    ) {
        let Context {
            planning,
            queue,
            today,
            settings,
        } = *cx;
        let m = &view.meeting;
        let rule = settings.working_day_rule();
        let plan = &view.plan;
        if let Some(text) = plan.overload_text() {
            ui.colored_label(
                theme::ERROR_TEXT,
                format!("{text}. Foreslå et ekstramøte før fristene."),
            );
            let upcoming = planning.upcoming_dates();
            let earliest = plan
                .items
                .iter()
                .filter(|(_, r)| r.is_must())
                .filter_map(|(id, _)| queue.row(*id))
                .map(|r| r.deadline)
                .filter(|d| *d >= m.date)
                .min();
            let closed: Vec<NaiveDate> = settings.closure_days.iter().map(|c| c.date).collect();
            let suggestion = earliest.and_then(|d| {
                crate::agenda::suggest_extra_meeting(today, d, &upcoming, &closed, rule)
                    .filter(|s| *s != m.date)
            });
            if let Some(date) = suggestion
                && ui
                    .button(format!("Opprett ekstramøte {}", format_date_weekday(date)))
                    .clicked()
            {
                actions.push(Action::Plan(PlanAction::AddExtraMeeting {
                    date,
                    time: m.time,
                }));
            }
        }
        if !plan.missing_must.is_empty() {
            ui.horizontal(|ui| {
                ui.colored_label(
                    theme::ERROR_TEXT,
                    format!(
                        "{} henvisning(er) må behandles i dette møtet, men står ikke på agendaen.",
                        plan.missing_must.len()
                    ),
                );
                if ui.button("Legg dem til").clicked() {
                    let mut items = view.stored_items();
                    items.extend(plan.missing_must.iter().map(|id| StoredItem {
                        referral: *id,
                        reason: Reason::LastMeetingBeforeDeadline,
                    }));
                    actions.push(Action::Plan(PlanAction::SetAgenda {
                        meeting: m.id,
                        items,
                        action: AgendaChange::AgendaAdd,
                    }));
                }
            });
        }
    }

    fn meeting_ui(
        &mut self,
        ui: &mut egui::Ui,
        view: &MeetingView,
        cx: &Context<'_>,
        actions: &mut Vec<Action>,
    ) {
        let Context {
            planning,
            queue,
            today: _,
            settings,
        } = *cx;
        let m = &view.meeting;
        let rule = settings.working_day_rule();
        ui.horizontal(|ui| {
            ui.heading(format!(
                "Inntaksmøte {} {} kl. {}",
                weekday_name_nb(m.date.weekday()),
                format_date(m.date),
                m.time.format("%H:%M")
            ));
            ui.label(format!(
                "uke {} · {}",
                m.date.iso_week().week(),
                m.status.label_nb()
            ));
        });
        ui.horizontal(|ui| {
            let label = match m.status {
                MeetingStatus::Pagar => "Fortsett møtet",
                _ => "Start møtet",
            };
            // Ctrl+Enter starts (or continues) the selected meeting from the keyboard.
            let start_key = self.confirm_start.is_none()
                && ui.input_mut(|i| {
                    i.consume_shortcut(&egui::KeyboardShortcut::new(
                        egui::Modifiers::COMMAND,
                        egui::Key::Enter,
                    ))
                });
            if ui
                .button(label)
                .on_hover_text("Møtemodus: ett punkt om gangen, med tastatur (Ctrl+Enter)")
                .clicked()
                || start_key
            {
                if m.status == MeetingStatus::Planlagt && m.date != planning.today {
                    self.confirm_start = Some(m.id);
                } else {
                    actions.push(Action::Meeting(MeetingAction::StartMeeting(m.id)));
                }
            }
        });
        self.confirm_start_ui(ui, view, planning, actions);
        self.admin_ui(ui, view, actions);
        self.team_ui(ui, view, planning, actions);
        ui.separator();

        self.warnings_ui(ui, view, cx, actions);
        let plan = &view.plan;

        ui.horizontal_wrapped(|ui| {
            let state = if plan.stored {
                "lagret"
            } else {
                "forslag, ikke lagret"
            };
            ui.strong(format!(
                "Agenda ({state}): {} henvisninger, {} må behandles",
                plan.items.len(),
                plan.must
            ));
            if !plan.stored && ui.button("Lagre forslaget").clicked() {
                actions.push(Action::Plan(PlanAction::SetAgenda {
                    meeting: m.id,
                    items: view.stored_items(),
                    action: AgendaChange::AgendaAccept,
                }));
            }
            if plan.stored
                && ui
                    .button("Foreslå på nytt")
                    .on_hover_text("Forkaster endringene og lager nytt forslag")
                    .clicked()
            {
                actions.push(Action::Plan(PlanAction::ResetAgenda(m.id)));
            }
            ui.separator();
            ui.checkbox(&mut self.initials_only, "Bare initialer");
            if ui.button("Skriv ut agenda (PDF)…").clicked() {
                actions.push(Action::Output(OutputAction::PrintAgenda {
                    meeting: m.id,
                    initials_only: self.initials_only,
                }));
            }
        });
        self.agenda_table_ui(ui, view, queue, rule, actions);
        ui.add_space(8.0);
        self.others_ui(ui, view, planning, queue, actions);
    }

    fn admin_ui(&mut self, ui: &mut egui::Ui, view: &MeetingView, actions: &mut Vec<Action>) {
        let m = &view.meeting;
        ui.horizontal(|ui| match &mut self.moving {
            None => {
                if ui.button("Flytt…").clicked() {
                    self.moving = Some((m.date, m.time.format("%H:%M").to_string()));
                }
                if m.status == MeetingStatus::Planlagt && ui.button("Avlys møtet").clicked() {
                    actions.push(Action::Plan(PlanAction::SetCancelled {
                        id: m.id,
                        cancelled: true,
                    }));
                }
            }
            Some((date, time)) => {
                labelled_date_ui(ui, "Ny dato:", date, "move_date");
                let label = ui.label("Tid:");
                ui.add(egui::TextEdit::singleline(time).desired_width(50.0))
                    .labelled_by(label.id);
                if ui.button("Flytt møtet").clicked()
                    && let Ok(t) = NaiveTime::parse_from_str(time.trim(), "%H:%M")
                {
                    let d = *date;
                    actions.push(Action::Plan(PlanAction::MoveMeeting {
                        id: m.id,
                        date: d,
                        time: t,
                    }));
                    self.moving = None;
                } else if ui.button("Avbryt").clicked() {
                    self.moving = None;
                }
            }
        });
    }
}
