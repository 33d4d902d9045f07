//! Meeting mode's keyboard (the leader runs the meeting without the mouse) and the
//! confirmation before closing the meeting.

use super::*;

impl MeetingMode {
    /// Asks before closing: how many items are undecided and where they go.
    pub(super) fn close_confirmation_ui(
        &mut self,
        ctx: &egui::Context,
        m: &crate::domain::meeting::Meeting,
        undecided: usize,
        next_meeting: Option<NaiveDate>,
        actions: &mut Vec<Action>,
    ) {
        let modal = egui::Modal::new(egui::Id::unique("confirm_close")).show(ctx, |ui| {
            ui.set_max_width(480.0);
            ui.heading(format!("Avslutte møtet {}?", format_date_weekday(m.date)));
            let moving = match (undecided, next_meeting) {
                (0, _) => "Alle punkter er avgjort.".to_string(),
                (1, Some(next)) => format!(
                    "1 punkt er ikke avgjort og flyttes til agendaen for møtet {}.",
                    format_date_weekday(next)
                ),
                (n, Some(next)) => format!(
                    "{n} punkter er ikke avgjort og flyttes til agendaen for møtet {}.",
                    format_date_weekday(next)
                ),
                (n, None) => format!(
                    "{n} punkter er ikke avgjort, og det er ikke noe senere møte å flytte dem til."
                ),
            };
            ui.label(moving);
            ui.label("Vedtakene låses. Et avsluttet møte kan gjenåpnes med begrunnelse.");
            ui.colored_label(theme::MUTED_TEXT, "Taster: J ja · Esc avbryt");
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                // J answers yes from the keyboard (Enter does not: it saves decisions, and a
                // stray Enter must not close the meeting).
                let yes_key = ui.input(|i| i.key_pressed(egui::Key::J));
                if ui.button("Ja, avslutt møtet").on_hover_text("J").clicked() || yes_key {
                    actions.push(Action::Meeting(MeetingAction::CloseMeeting(m.id)));
                    self.confirm_close = false;
                }
                if ui.button("Avbryt").clicked() {
                    self.confirm_close = false;
                }
            });
        });
        if modal.should_close() {
            self.confirm_close = false;
        }
    }

    /// Single keys, only while no text field has focus.
    pub(super) fn keys(
        &mut self,
        ui: &egui::Ui,
        meeting: MeetingId,
        referral: ReferralId,
        deadline: NaiveDate,
        avslag_reasons: &[String],
        actions: &mut Vec<Action>,
    ) {
        // Only a text field takes the keys; a focused radio or checkbox does not.
        if ui.ctx().text_edit_focused() || self.confirm_close {
            return;
        }
        let Some(form) = &mut self.form else { return };
        let pressed = |k| ui.input(|i| i.key_pressed(k));
        // 1–9 pick the avslag reason.
        if form.choice == Some(Choice::Avslag) {
            use egui::Key::*;
            let digits = [Num1, Num2, Num3, Num4, Num5, Num6, Num7, Num8, Num9];
            for (key, reason) in digits.into_iter().zip(avslag_reasons) {
                if pressed(key) {
                    form.reason = reason.clone();
                    form.focus_advice = form.advice.trim().is_empty();
                    // "Avslag må ha en begrunnelse" is answered.
                    form.error = None;
                }
            }
        }
        use egui::Key;
        let track_only = form.track_only;
        for (key, choice) in [
            (Key::R, Choice::Rett),
            (Key::A, Choice::Avslag),
            (Key::V, Choice::Videresendt),
            (Key::F, Choice::Feilsendt),
            (Key::S, Choice::Sekundaer),
        ] {
            if pressed(key) && !track_only {
                form.choice = Some(choice);
                // Videresendt needs the unit: the cursor goes there, Esc leaves, Enter saves.
                form.focus_unit = choice == Choice::Videresendt && form.unit.trim().is_empty();
            }
        }
        // ↑/↓ and PgUp/PgDn move between the agenda's items.
        let step = if pressed(Key::ArrowDown) || pressed(Key::PageDown) {
            Some(1isize)
        } else if pressed(Key::ArrowUp) || pressed(Key::PageUp) {
            Some(-1)
        } else {
            None
        };
        if let Some(step) = step {
            self.move_by = step;
        }
        if pressed(Key::M) {
            form.track = Some(Track::Monofaglig(Clinician::Lege));
        }
        if pressed(Key::T) {
            form.track = Some(Track::Tverrfaglig(TeamMode::Sekvensiell));
        }
        if pressed(Key::K) && !track_only {
            form.track = Some(Track::Kartlegging(Clinician::Lege));
        }
        if std::mem::take(&mut self.enter) {
            save(form, meeting, actions);
        }
        // L: close the meeting (lås vedtakene) – it asks first.
        if pressed(Key::L) {
            self.confirm_close = true;
        }
        if pressed(Key::U) && !track_only {
            actions.push(Action::Meeting(MeetingAction::Postpone {
                meeting,
                referral,
                deadline,
            }));
        }
        if pressed(Key::Escape) && !self.text_had_focus {
            actions.push(Action::Nav(NavAction::Show(crate::ui::View::Meetings)));
        }
    }
}
