//! The registration form (Ny henvisning / Rediger henvisning): every field with its error
//! beside it; nothing is saved until the whole form is valid.

use super::{Action, theme};
use super::{NavAction, ReferralAction};
use crate::calendar::{WorkingDayRule, format_date, format_date_weekday};
use crate::domain::{
    Field, FieldError, Referral, ReferralDraft, ReferralId, ReferrerKind, parse_national_id,
};
use chrono::NaiveDate;

pub struct ReferralForm {
    id: Option<ReferralId>,
    /// The stored version the edit started from (see `store::referrals::version`).
    version: Option<i64>,
    draft: ReferralDraft,
    received: NaiveDate,
    errors: Vec<FieldError>,
    /// After the first save attempt, errors update as the user types.
    tried: bool,
    focus_patient: bool,
    /// The Mottatt field's typed text that is no date, as last seen (errors follow it).
    typed_date_error: Option<String>,
}

/// The Mottatt field's id (its typed text is kept under it until taken).
const RECEIVED_FIELD: &str = "received_picker";

impl ReferralForm {
    pub fn new_referral(today: NaiveDate) -> Self {
        Self::with(None, ReferralDraft::new(today))
    }

    /// The next new referral after "Lagre og ny": received the same day as the one saved.
    pub fn next_referral(received: NaiveDate) -> Self {
        Self::with(None, ReferralDraft::new(received))
    }

    pub fn edit(referral: &Referral, version: i64) -> Self {
        let mut form = Self::with(
            Some(referral.id),
            ReferralDraft::from_fields(&referral.fields),
        );
        form.version = Some(version);
        form
    }

    /// Someone else's save was shown to the user: the next save is made knowing it.
    pub fn saw_version(&mut self, version: i64) {
        self.version = Some(version);
    }

    fn with(id: Option<ReferralId>, draft: ReferralDraft) -> Self {
        let received = draft.received_on.unwrap_or_default();
        Self {
            id,
            version: None,
            draft,
            received,
            errors: Vec::new(),
            tried: false,
            focus_patient: true,
            typed_date_error: None,
        }
    }

    /// The draft's own checks, and the Mottatt field's text if it is not a date: a save must
    /// not keep the date from before what the user typed.
    fn validate(
        &self,
        ctx: &egui::Context,
        today: NaiveDate,
    ) -> Result<crate::domain::ReferralFields, Vec<FieldError>> {
        let typed = super::date_field::typed_error(ctx, RECEIVED_FIELD);
        match (self.draft.validate(today), typed) {
            (Ok(fields), None) => Ok(fields),
            (Ok(_), Some(message)) => Err(vec![FieldError::new(Field::Received, message)]),
            (Err(mut errors), Some(message)) => {
                errors.retain(|e| e.field != Field::Received);
                errors.insert(0, FieldError::new(Field::Received, message));
                Err(errors)
            }
            (Err(errors), None) => Err(errors),
        }
    }

    /// Errors found by the store (e.g. a duplicate referral id).
    pub fn set_errors(&mut self, errors: Vec<FieldError>) {
        self.errors = errors;
        self.tried = true;
    }

    fn error_for(&self, field: Field) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        today: NaiveDate,
        rule: WorkingDayRule,
        queue: &crate::queue::QueueModel,
        actions: &mut Vec<Action>,
    ) {
        let title = if self.id.is_some() {
            "Rediger henvisning"
        } else {
            "Ny henvisning"
        };
        let modal = egui::Modal::new(egui::Id::unique("referral_form")).show(ctx, |ui| {
            ui.set_width(560.0);
            ui.heading(title);
            ui.add_space(6.0);
            let before = self.draft.clone();
            self.fields_ui(ui, today, rule);
            self.draft.received_on = Some(self.received);
            let typed_date_error = super::date_field::typed_error(ctx, RECEIVED_FIELD);
            if self.tried && (self.draft != before || typed_date_error != self.typed_date_error) {
                self.errors = self.validate(ctx, today).err().unwrap_or_default();
            }
            self.typed_date_error = typed_date_error;
            // Fornyet vurdering: earlier assessments of the same patient and condition.
            if let (Ok(id), Some(received)) = (
                parse_national_id(&self.draft.national_id),
                self.draft.received_on,
            ) && let Some(renewal) = queue.renewal_for(
                Some(id.as_str()),
                &self.draft.diagnosis_group,
                received,
                self.id,
            ) {
                super::renewal_ui(ui, &renewal, &self.draft.diagnosis_group);
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                let save = ui.button("Lagre").on_hover_text("Ctrl+Enter");
                // A new referral: save it and start the next one (same receipt date).
                let save_new = self.id.is_none()
                    && ui
                        .button("Lagre og ny")
                        .on_hover_text(
                            "Ctrl+Shift+Enter: lagre og registrer neste med samme mottaksdato",
                        )
                        .clicked();
                // Ctrl+Shift+Enter first: Ctrl+Enter would also match it.
                let save_new_key = self.id.is_none()
                    && ui.input_mut(|i| {
                        i.consume_shortcut(&egui::KeyboardShortcut::new(
                            egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
                            egui::Key::Enter,
                        ))
                    });
                let save_key = ui.input_mut(|i| {
                    i.consume_shortcut(&egui::KeyboardShortcut::new(
                        egui::Modifiers::COMMAND,
                        egui::Key::Enter,
                    ))
                });
                let and_new = save_new || save_new_key;
                if save.clicked() || save_key || and_new {
                    self.tried = true;
                    // The date still being typed counts: Ctrl+Enter comes with the cursor in it.
                    // A text that is no date stays, and `validate` reports it at the field.
                    let _ = super::date_field::settle(ctx, RECEIVED_FIELD, &mut self.received);
                    self.draft.received_on = Some(self.received);
                    match self.validate(ctx, today) {
                        Ok(fields) => {
                            actions.push(Action::Referral(ReferralAction::SaveReferral {
                                id: self.id,
                                fields: Box::new(fields),
                                and_new,
                                version: self.version,
                            }))
                        }
                        Err(errors) => self.errors = errors,
                    }
                }
                if ui.button("Avbryt").clicked() {
                    actions.push(Action::Nav(NavAction::CloseForm));
                }
                if !self.errors.is_empty() {
                    let n = self.errors.len();
                    let text = if n == 1 {
                        "1 felt må rettes".to_string()
                    } else {
                        format!("{n} felt må rettes")
                    };
                    ui.colored_label(theme::ERROR_TEXT, text);
                }
            });
        });
        // Esc closes the form; a stray click beside it does not, so typed data is not lost.
        let escape = ctx.input(|i| i.key_pressed(egui::Key::Escape));
        if modal.should_close()
            && escape
            && !actions
                .iter()
                .any(|a| matches!(a, Action::Referral(ReferralAction::SaveReferral { .. })))
        {
            actions.push(Action::Nav(NavAction::CloseForm));
        }
    }

    fn fields_ui(&mut self, ui: &mut egui::Ui, today: NaiveDate, rule: WorkingDayRule) {
        egui::Grid::new("referral_form_grid")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                self.row(ui, Field::Received, |form, ui, label| {
                    super::date_ui(ui, label, &mut form.received, RECEIVED_FIELD);
                    // No frist beside a text that is no date (it would be the old date's).
                    if super::date_field::typed_error(ui.ctx(), RECEIVED_FIELD).is_none() {
                        let d =
                            super::date_field::shown_date(ui.ctx(), RECEIVED_FIELD, form.received);
                        let today_note = if d == today { "i dag · " } else { "" };
                        let deadline = rule.assessment_deadline(d);
                        ui.colored_label(
                            theme::MUTED_TEXT,
                            format!("{today_note}frist {}", format_date_weekday(deadline)),
                        );
                    }
                });
                self.text_row(ui, Field::ExternalId, "fra sykehussystemet (valgfritt)");
                self.text_row(ui, Field::Patient, "navn eller initialer");
                self.row(ui, Field::NationalId, |form, ui, label| {
                    ui.add(
                        egui::TextEdit::singleline(&mut form.draft.national_id)
                            .hint_text("11 siffer (valgfritt)")
                            .desired_width(160.0),
                    )
                    .labelled_by(label);
                    if let Ok(id) = parse_national_id(&form.draft.national_id) {
                        ui.colored_label(
                            theme::MUTED_TEXT,
                            format!(
                                "{}, født {}",
                                id.kind.label_nb(),
                                format_date(id.birth_date)
                            ),
                        );
                    }
                });
                self.text_row(ui, Field::BirthYear, "åååå (fylles ut fra fødselsnummer)");
                self.text_row(
                    ui,
                    Field::PatientStreet,
                    "gate og nummer (for brev, valgfritt)",
                );
                self.row(ui, Field::PatientPostcode, |form, ui, label| {
                    ui.add(
                        egui::TextEdit::singleline(&mut form.draft.patient_postcode)
                            .hint_text("0000")
                            .char_limit(4)
                            .desired_width(48.0),
                    )
                    .labelled_by(label);
                    let city = ui.label(Field::PatientCity.label_nb());
                    ui.add(
                        egui::TextEdit::singleline(&mut form.draft.patient_city)
                            .hint_text("poststed")
                            .desired_width(180.0),
                    )
                    .labelled_by(city.id);
                    if let Some(message) = form.error_for(Field::PatientCity) {
                        ui.colored_label(theme::ERROR_TEXT, message);
                    }
                });
                self.text_row(ui, Field::ReferrerName, "navn og sted");
                self.row(ui, Field::ReferrerKind, |form, ui, label| {
                    egui::ComboBox::from_id_salt("referrer_kind")
                        .selected_text(form.draft.referrer_kind.label_nb())
                        .show_ui(ui, |ui| {
                            for kind in ReferrerKind::ALL {
                                ui.selectable_value(
                                    &mut form.draft.referrer_kind,
                                    kind,
                                    kind.label_nb(),
                                );
                            }
                        })
                        .response
                        .labelled_by(label);
                });
                let hint = if self.draft.referrer_kind == ReferrerKind::Sykehusavdeling {
                    "påkrevd: ortopedi, nevrologi, …"
                } else {
                    "valgfritt"
                };
                self.text_row(ui, Field::Specialty, hint);
                self.row(ui, Field::ReferrerAddress, |form, ui, label| {
                    ui.add_enabled(
                        !form.draft.referrer_electronic,
                        egui::TextEdit::multiline(&mut form.draft.referrer_address)
                            .hint_text("for kopi av brev: gate, postnummer og sted")
                            .desired_rows(2)
                            .desired_width(240.0),
                    )
                    .labelled_by(label);
                    ui.checkbox(&mut form.draft.referrer_electronic, "sendes elektronisk");
                });
                self.row(ui, Field::Secondary, |form, ui, _| {
                    ui.radio_value(&mut form.draft.is_secondary, false, "Primær");
                    ui.radio_value(&mut form.draft.is_secondary, true, "Sekundær");
                    ui.colored_label(theme::MUTED_TEXT, "sekundær: allerede rettighetsvurdert");
                });
                self.row(ui, Field::Problem, |form, ui, label| {
                    ui.add(
                        egui::TextEdit::multiline(&mut form.draft.problem)
                            .hint_text("hva henvisningen gjelder")
                            .desired_rows(3)
                            .desired_width(380.0),
                    )
                    .labelled_by(label);
                });
                self.text_row(ui, Field::DiagnosisGroup, "f.eks. Rygg/nakke");
            });
    }

    fn text_row(&mut self, ui: &mut egui::Ui, field: Field, hint: &str) {
        self.row(ui, field, |form, ui, label| {
            let text = match field {
                Field::ExternalId => &mut form.draft.external_id,
                Field::Patient => &mut form.draft.patient,
                Field::BirthYear => &mut form.draft.birth_year,
                Field::ReferrerName => &mut form.draft.referrer_name,
                Field::Specialty => &mut form.draft.specialty,
                Field::PatientStreet => &mut form.draft.patient_street,
                _ => &mut form.draft.diagnosis_group,
            };
            let response = ui
                .add(
                    egui::TextEdit::singleline(text)
                        .hint_text(hint)
                        .desired_width(300.0),
                )
                .labelled_by(label);
            // The patient field has focus when the form opens, so typing starts at once.
            if field == Field::Patient && std::mem::take(&mut form.focus_patient) {
                response.request_focus();
            }
        });
    }

    /// A labelled row with the field's error (if any) under the input.
    /// `add` gets the label's id for `labelled_by`, so screen readers (and tests) find the
    /// input by its label.
    fn row(
        &mut self,
        ui: &mut egui::Ui,
        field: Field,
        add: impl FnOnce(&mut Self, &mut egui::Ui, egui::Id),
    ) {
        let label = ui.label(field.label_nb());
        ui.vertical(|ui| {
            ui.horizontal(|ui| add(self, ui, label.id));
            if let Some(message) = self.error_for(field) {
                ui.colored_label(
                    theme::ERROR_TEXT,
                    format!("{}: {message}", field.label_nb()),
                );
            }
        });
        ui.end_row();
    }
}
