//! Møtemodus: one agenda item at a time — the referral and its deadline on one side, the
//! decision form on the other, the agenda with each item's state along the edge. Single keys
//! drive it (shown on screen), so a referral can be decided without the mouse.

mod form;

use crate::agenda::Reason;
use crate::calendar::{WorkingDayRule, format_date_weekday};
use crate::domain::decision::{
    Clinician, Outcome, Source, TeamMode, Track, propose_start_of_care_deadline,
};
use crate::domain::meeting::MeetingId;
use crate::domain::records::StoredDecision;
use crate::domain::{ReferralId, ReferralStatus};
use crate::followup::FollowUps;
use crate::planning::MeetingView;
use crate::queue::QueueModel;
use crate::ui::{Action, PlanAction, labelled_date_ui, theme};
use crate::ui::{FollowUpAction, MeetingAction, NavAction};
use chrono::NaiveDate;
use form::*;

mod keys;

const TAKE_BACK_HINT: &str = "Ta utsettelsen tilbake: punktet behandles på dette møtet";

#[derive(Default)]
pub struct MeetingMode {
    meeting: Option<MeetingId>,
    index: usize,
    form: Option<Form>,
    /// A text field had focus at the end of the last frame: Esc then only leaves the field
    /// (egui drops the focus before this frame's widgets run), it does not leave the meeting.
    text_had_focus: bool,
    /// Go to the first undecided item from this position (wrapping round): set on opening
    /// (from 0) and after each save (from the next item).
    seek_from: Option<usize>,
    /// "Avslutt møtet" was clicked: the confirmation is showing.
    confirm_close: bool,
    /// An arrow key asked to move this many items (applied on the next frame).
    move_by: isize,
    /// The decision form's first field this frame, where Tab brings the focus.
    first_field: Option<egui::Id>,
    /// The suggested råd og veiledning per avslag reason (Innstillinger → Brev).
    advice: Vec<(String, String)>,
    /// Decisions started on other items and left with ↑/↓ or a click: each comes back when
    /// its item is chosen again (nothing chosen is thrown away by moving).
    drafts: std::collections::HashMap<ReferralId, Form>,
    /// Enter was pressed this frame outside a text field: it saves, and no focused button
    /// sees it (a Tab-focused "Utsett" would otherwise postpone).
    enter: bool,
}

impl MeetingMode {
    /// The suggested advice texts from the settings (copied only when they changed).
    pub fn set_advice(&mut self, advice: &[(String, String)]) {
        if self.advice != advice {
            self.advice = advice.to_vec();
        }
    }

    pub fn open(&mut self, meeting: MeetingId) {
        if self.meeting != Some(meeting) {
            *self = Self {
                meeting: Some(meeting),
                seek_from: Some(0),
                ..Default::default()
            };
        }
    }

    pub fn meeting(&self) -> Option<MeetingId> {
        self.meeting
    }

    /// The decision form's first field (the first outcome or track choice).
    pub fn first_field(&self) -> Option<egui::Id> {
        self.first_field
    }

    /// The patient of a decision started but not saved (a choice or text entered in a new
    /// form), if any.
    pub fn unsaved(&self, queue: &QueueModel) -> Option<String> {
        let mut names: Vec<String> = self
            .form
            .iter()
            .chain(self.drafts.values())
            .filter(|f| !f.corrects && f.started())
            .map(|f| {
                queue
                    .row(f.referral)
                    .map_or_else(String::new, |r| r.patient().to_string())
            })
            .collect();
        names.dedup();
        match names.len() {
            0 => None,
            1 | 2 => Some(names.join(" og ")),
            n => Some(format!("{} og {} andre", names[0], n - 1)),
        }
    }

    /// Leaves the current item: a started decision is kept as a draft for when it is chosen
    /// again.
    fn leave_item(&mut self) {
        if let Some(mut form) = self.form.take()
            && form.started()
            && !form.corrects
        {
            form.error = None;
            form.focus_advice = false;
            form.focus_unit = false;
            self.drafts.insert(form.referral, form);
        }
    }

    /// A save was refused: the reason is shown at the form, where the leader is looking
    /// (it goes with the form when another item is chosen).
    pub fn refuse(&mut self, referral: ReferralId, message: String) {
        if let Some(form) = self.form.as_mut().filter(|f| f.referral == referral) {
            form.error = Some(message);
        }
    }

    /// Another leader's decision was saved first: the form, with what was typed, now
    /// corrects that decision.
    pub fn now_corrects(
        &mut self,
        referral: ReferralId,
        decision: crate::domain::records::DecisionId,
    ) {
        if let Some(form) = self.form.as_mut().filter(|f| f.referral == referral) {
            form.corrects = true;
            form.corrects_decision = Some(decision);
        }
    }

    /// After a save: go to the next undecided item.
    pub fn advance(&mut self) {
        self.seek_from = Some(self.index + 1);
        if let Some(form) = self.form.take() {
            self.drafts.remove(&form.referral);
        }
    }

    /// The meeting, one item at a time: the agenda on the left, the item and its decision
    /// form in the middle, the preparation beside it (or folded under it when narrow).
    pub fn ui(&mut self, ui: &mut egui::Ui, cx: &ModeContext<'_>, actions: &mut Vec<Action>) {
        // Before any widget of the view: Enter saves, whatever button has the focus.
        self.enter = !ui.ctx().text_edit_focused()
            && !self.confirm_close
            && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Enter));
        let view = cx.view;
        let items = &view.plan.items;
        self.agenda_panel_ui(ui, cx, actions);
        if self.confirm_close {
            let undecided = items
                .iter()
                .filter(|(id, _)| !decided_here(view, *id))
                .count();
            self.close_confirmation_ui(
                ui.ctx(),
                &view.meeting,
                undecided,
                cx.next_meeting,
                actions,
            );
        }
        if items.is_empty() {
            egui::CentralPanel::default().show(ui, |ui| {
                ui.label(
                    "Ingen henvisninger igjen på agendaen. Avslutt møtet i listen til venstre.",
                );
            });
            return;
        }
        self.select_item(cx);
        let (id, reason) = items[self.index];
        let Some(row) = cx.queue.row(id) else { return };
        self.open_form(cx, id, reason, row);
        self.keys(
            ui,
            view.meeting.id,
            id,
            row.deadline,
            cx.avslag_reasons,
            actions,
        );
        if let Some(form) = &mut self.form
            && form.suggest_advice(&self.advice)
        {
            ui.ctx().request_repaint();
        }
        self.item_ui(ui, cx, id, row, actions);
        self.text_had_focus = ui.ctx().egui_wants_keyboard_input();
    }

    /// The agenda down the left: each item with where it stands, the postponed ones (with
    /// "Angre"), and closing, letters and the way back.
    fn agenda_panel_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ModeContext<'_>,
        actions: &mut Vec<Action>,
    ) {
        let (view, queue) = (cx.view, cx.queue);
        let items = &view.plan.items;
        let m = &view.meeting;
        egui::Panel::left("mode_agenda")
            .resizable(true)
            .default_size(260.0)
            .show(ui, |ui| {
                ui.heading(format!("Møte {}", format_date_weekday(m.date)));
                let done = items
                    .iter()
                    .filter(|(id, _)| decided_here(view, *id))
                    .count();
                ui.label(format!(
                    "{done} av {} besluttet · {} utsatt",
                    items.len(),
                    view.postponed.len()
                ));
                ui.separator();
                egui::ScrollArea::vertical()
                    // Room below for the "all done" line and both buttons.
                    .max_height(ui.available_height() - 130.0)
                    .show(ui, |ui| {
                        for (i, (id, _)) in items.iter().enumerate() {
                            let Some(r) = queue.row(*id) else { continue };
                            let state = self.item_state(view, *id, r);
                            let text =
                                format!("{}. {} – {state}", view.number(*id, i), r.patient());
                            if ui.selectable_label(i == self.index, text).clicked()
                                && i != self.index
                            {
                                self.index = i;
                                self.leave_item();
                            }
                        }
                        postponed_ui(ui, cx, actions);
                    });
                ui.separator();
                if done == items.len() {
                    ui.colored_label(
                        theme::OK_TEXT,
                        "Alle punkter er behandlet. Avslutt møtet for å låse vedtakene.",
                    );
                }
                if ui.button("Avslutt møtet").on_hover_text("L").clicked() {
                    self.confirm_close = true;
                }
                if done > 0
                    && ui
                        .button("Brev…")
                        .on_hover_text(
                            "Brevene til pasient og henviser for vedtakene så langt, i én PDF",
                        )
                        .clicked()
                {
                    actions.push(Action::Output(super::OutputAction::PrepareLetters(
                        super::LetterTarget::Meeting(m.id),
                    )));
                }
                if ui.button("Tilbake til Møter (Esc)").clicked() {
                    actions.push(Action::Nav(NavAction::Show(super::View::Meetings)));
                }
            });
    }

    /// Where an agenda item stands: decided (what, and whether the patient is told), begun,
    /// not yet taken, or its status.
    fn item_state(&self, view: &MeetingView, id: ReferralId, r: &crate::queue::QueueRow) -> String {
        if decided_here(view, id) {
            // Decided: whether the patient has been told yet.
            let informed = if r.not_informed.is_some() {
                ", ikke informert"
            } else {
                ""
            };
            // What was decided, with the track where there is one.
            let track = view
                .track_changed
                .iter()
                .find(|(x, _)| *x == id)
                .map(|(_, t)| *t)
                .or_else(|| {
                    view.decided
                        .iter()
                        .find(|d| d.referral == id)
                        .and_then(|d| d.outcome.track())
                });
            match track {
                Some(t) => format!(
                    "besluttet: {} – {}{informed}",
                    r.status.label_nb().to_lowercase(),
                    t.label_nb()
                ),
                None => format!(
                    "besluttet: {}{informed}",
                    r.status.label_nb().to_lowercase()
                ),
            }
        } else if self.drafts.contains_key(&id) {
            "påbegynt, ikke lagret".to_string()
        } else if r.status.awaits_meeting() {
            "ikke behandlet".to_string()
        } else {
            r.status.label_nb().to_lowercase()
        }
    }

    /// Which item is shown: after a save the next undecided one, after ↑/↓ the one moved to.
    fn select_item(&mut self, cx: &ModeContext<'_>) {
        let items = &cx.view.plan.items;
        if let Some(from) = self.seek_from.take() {
            let undecided = |i: usize| {
                let id = items[i].0;
                !decided_here(cx.view, id)
                    && cx.queue.row(id).is_some_and(|r| r.status.awaits_meeting())
            };
            let n = items.len();
            self.index = (0..n)
                .map(|k| (from + k) % n)
                .find(|i| undecided(*i))
                .unwrap_or(from.min(n - 1));
        }
        if self.move_by != 0 {
            let n = items.len() as isize;
            let to = (self.index as isize + std::mem::take(&mut self.move_by)).clamp(0, n - 1);
            if to as usize != self.index {
                self.index = to as usize;
                self.leave_item();
            }
        }
        self.index = self.index.min(items.len() - 1);
    }

    /// The decision form for the item shown: its stored decision (a correction), a draft
    /// begun earlier, or a new one dated today.
    fn open_form(
        &mut self,
        cx: &ModeContext<'_>,
        id: ReferralId,
        reason: Reason,
        row: &crate::queue::QueueRow,
    ) {
        if self.form.as_ref().is_some_and(|f| f.referral == id) {
            return;
        }
        self.leave_item();
        let view = cx.view;
        let existing = view.decided.iter().find(|d| d.referral == id);
        let draft = self.drafts.remove(&id);
        // Decisions are dated the day they are made.
        let mut form = match (existing, draft) {
            (Some(d), _) => Form::correcting(d, row.received_on),
            (None, Some(draft)) => draft,
            (None, None) => Form::new(id, row.received_on, cx.today),
        };
        form.track_only =
            row.status == ReferralStatus::TilNyVurdering || reason == Reason::AfterMapping;
        form.advice_to = if row.referrer_kind == crate::domain::ReferrerKind::Fastlege {
            "fastlegen"
        } else {
            "henviseren"
        };
        // A track already chosen here: show it; saving again corrects it.
        if let Some((_, track)) = view.track_changed.iter().find(|(r, _)| *r == id)
            && form.track_only
        {
            form.track = Some(*track);
            form.corrects = true;
        }
        self.form = Some(form);
    }

    /// The item: the patient, the deadline (or the mapping report), the referrer, the
    /// problem and the preparation's summary, then the decision form and the keys.
    fn item_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ModeContext<'_>,
        id: ReferralId,
        row: &crate::queue::QueueRow,
        actions: &mut Vec<Action>,
    ) {
        let (view, members) = (cx.view, cx.members);
        let m = &view.meeting;
        let prep = view
            .preparations
            .iter()
            .find(|(r, _)| *r == id)
            .map(|(_, p)| p);
        // Views belong to the rights decision: after a kartlegging (the track is chosen
        // again) the first round's views stay as they were given.
        let open_for_views = row.status == ReferralStatus::TilVurdering;
        let decided_as = view
            .decided
            .iter()
            .find(|d| d.referral == id)
            .and_then(|d| crate::domain::preparation::Assessment::of_decision(&d.outcome));
        let prep_block = |ui: &mut egui::Ui, actions: &mut Vec<Action>| {
            if let Some(prep) = prep {
                super::preparation::preparation_ui(
                    ui,
                    id,
                    prep,
                    members,
                    open_for_views,
                    decided_as,
                    actions,
                );
            }
        };
        // Wide enough: the preparation beside the decision form; narrow: folded under it.
        let beside = ui.available_width() >= PREPARATION_BESIDE_WIDTH;
        if beside {
            egui::Panel::right("mode_preparation")
                .resizable(true)
                .default_size(320.0)
                .min_size(260.0)
                .show(ui, |ui| {
                    ui.heading("Forberedelse");
                    egui::ScrollArea::vertical().show(ui, |ui| prep_block(ui, actions));
                });
        }
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading(row.patient());
            let track_only = self.form.as_ref().is_some_and(|f| f.track_only);
            facts_ui(ui, cx, id, row, track_only);
            if let Some(prep) = prep {
                let mut summary = Vec::new();
                if !prep.note.is_empty() {
                    summary.push(format!("Notat: {}", prep.note));
                }
                if let Some(name) = prep
                    .presenter
                    .and_then(|p| members.iter().find(|m| m.id == p))
                {
                    summary.push(format!("presenteres av {}", name.name));
                }
                if !summary.is_empty() {
                    ui.label(egui::RichText::new(summary.join(" · ")).italics());
                }
            }
            ui.separator();
            if let Some(form) = &mut self.form {
                if form.corrects {
                    ui.colored_label(
                        theme::MUTED_TEXT,
                        "Vedtaket er lagret. Endrer du og lagrer igjen, blir det en retting (begge versjoner tas vare på).",
                    );
                }
                self.first_field = Some(form_ui(
                    ui,
                    form,
                    m.id,
                    row.deadline,
                    cx.avslag_reasons,
                    actions,
                ));
                if form.suggest_advice(&self.advice) {
                    ui.ctx().request_repaint();
                }
            }
            ui.separator();
            let keys = if track_only {
                "Taster: M monofaglig · T tverrfaglig · Enter lagre og neste · Mellomrom trykker knappen med fokus · Esc tilbake"
            } else {
                "Taster: R rett · A avslag · V videresendt · F feilsendt · S sekundær · M mono · T tverr · \
                 K kartlegging · Enter lagre og neste (alltid) · Mellomrom trykker knappen med fokus · \
                 U utsett · L avslutt møtet · Esc tilbake"
            };
            ui.colored_label(theme::MUTED_TEXT, keys);
            if !beside {
                egui::CollapsingHeader::new("Forberedelse og foreløpige vurderinger")
                    .id_salt("mode_preparation_folded")
                    .show(ui, |ui| prep_block(ui, actions));
            }
        });
    }
}

/// What meeting mode is handed to draw: read-only, for one frame.
pub struct ModeContext<'a> {
    pub view: &'a MeetingView,
    /// The next meeting after this one (where undecided items go at the close).
    pub next_meeting: Option<NaiveDate>,
    pub queue: &'a QueueModel,
    pub follow_ups: &'a FollowUps,
    pub members: &'a [crate::domain::meeting::TeamMember],
    pub avslag_reasons: &'a [String],
    pub rule: WorkingDayRule,
    pub today: NaiveDate,
}

/// Whether the referral was decided (or its track chosen) at this meeting.
fn decided_here(view: &MeetingView, id: ReferralId) -> bool {
    view.decided.iter().any(|d| d.referral == id)
        || view.track_changed.iter().any(|(r, _)| *r == id)
}

/// The postponed items under the agenda, each with "Angre" (take the postponement back).
fn postponed_ui(ui: &mut egui::Ui, cx: &ModeContext<'_>, actions: &mut Vec<Action>) {
    let view = cx.view;
    for id in &view.postponed {
        if let Some(r) = cx.queue.row(*id) {
            ui.horizontal_wrapped(|ui| {
                ui.colored_label(
                    theme::MUTED_TEXT,
                    format!(
                        "{}{} – utsatt til neste møte",
                        view.stored_number(*id)
                            .map_or(String::new(), |n| format!("{n}. ")),
                        r.patient()
                    ),
                );
                if ui
                    .small_button("Angre")
                    .on_hover_text(TAKE_BACK_HINT)
                    .clicked()
                {
                    actions.push(Action::Plan(PlanAction::TakeBackPostponement {
                        meeting: view.meeting.id,
                        referral: *id,
                    }));
                }
            });
        }
    }
}

/// The item's facts under its heading: the deadline (or, choosing the track after a
/// kartlegging, the mapping report), the sender's assessment, the referrer, the diagnosis
/// group, fornyet vurdering and the problemstilling.
fn facts_ui(
    ui: &mut egui::Ui,
    cx: &ModeContext<'_>,
    id: ReferralId,
    row: &crate::queue::QueueRow,
    track_only: bool,
) {
    let (view, queue) = (cx.view, cx.queue);
    if track_only {
        ui.label(format!(
            "Mottatt {} · rett til helsehjelp er gitt; velg forløp etter kartleggingen",
            format_date_weekday(row.received_on)
        ));
        if let Some(mapping) = cx.follow_ups.mapping.iter().find(|r| r.id == id) {
            let clinician = mapping.clinician.map_or("", |c| c.label_nb());
            let when = mapping
                .reported_on
                .map(format_date_weekday)
                .unwrap_or_default();
            ui.label(format!("Kartlegging ({clinician}) meldt tilbake {when}"));
            if !mapping.summary.is_empty() {
                ui.label(egui::RichText::new(&mapping.summary).italics());
            }
        }
    } else {
        let left = crate::planning::left_at_meeting(cx.rule, view.meeting.date, row.deadline);
        ui.label(format!(
            "Mottatt {} → frist {} ({left}) · {}",
            format_date_weekday(row.received_on),
            format_date_weekday(row.deadline),
            if row.is_secondary {
                "sekundær"
            } else {
                "primær"
            }
        ));
    }
    if let Some(a) = view.assessment(id) {
        ui.colored_label(theme::WARNING_TEXT, a);
    }
    ui.label(format!(
        "Henviser: {} ({})",
        queue.referrer_name(row),
        row.referrer_kind.label_nb()
    ));
    if !queue.diagnosis_group(row).is_empty() {
        ui.label(format!("Diagnosegruppe: {}", queue.diagnosis_group(row)));
    }
    if let Some(renewal) = queue.renewal(id) {
        super::renewal_ui(ui, &renewal, queue.diagnosis_group(row));
    }
    let problem = match view.problem(id) {
        "" => "Ingen problemstilling oppgitt",
        given => given,
    };
    ui.label(egui::RichText::new(problem).strong());
}

/// From this width of the meeting view on, the preparation stands beside the decision form.
const PREPARATION_BESIDE_WIDTH: f32 = 1000.0;
