//! The decision form of meeting mode: the outcome, the track, the juridisk frist, the
//! avslag reason and GP advice, and saving it.

use super::*;
use crate::domain::letter::CareKind;

/// The outcome being filled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    Rett,
    Avslag,
    Videresendt,
    Feilsendt,
    Sekundaer,
}

/// The decision form's working state for the current item.
#[derive(Clone, Debug)]
pub(super) struct Form {
    pub(super) referral: ReferralId,
    /// Back from a kartleggingssamtale: the form only chooses monofaglig or tverrfaglig.
    pub(super) track_only: bool,
    /// A decision for this referral is already recorded at this meeting: saving corrects it.
    pub(super) corrects: bool,
    /// The decision saving corrects (the one the form was filled from, or the one another
    /// leader saved meanwhile): a decision saved since then is not written over.
    pub(super) corrects_decision: Option<crate::domain::records::DecisionId>,
    /// This decision's key: sent again after a lost connection, it is stored once.
    pub(super) key: String,
    pub(super) choice: Option<Choice>,
    pub(super) track: Option<Track>,
    pub(super) frist: NaiveDate,
    /// What the juridisk frist is for; utredning unless the team says behandling (the
    /// patient letter states it).
    pub(super) care_kind: CareKind,
    pub(super) priority_note: String,
    pub(super) reason: String,
    pub(super) advice: String,
    /// The reason the advice was last suggested for, and the text suggested: a suggestion
    /// replaces the advice only while the leader has not written their own.
    pub(super) advised_for: String,
    pub(super) suggested: String,
    pub(super) unit: String,
    pub(super) sources: Vec<Source>,
    pub(super) note: String,
    pub(super) error: Option<String>,
    /// Put the cursor in the advice field on the next frame (after a reason key), so the
    /// advice is typed without the mouse; Esc leaves the field, Enter then saves.
    pub(super) focus_advice: bool,
    /// Put the cursor in "Til enhet" on the next frame (after V).
    pub(super) focus_unit: bool,
    /// The clinic's suggested advice was let stand once on saving: the second save sends it
    /// as it is (a hurried Enter must not send a generic text to the GP unseen).
    pub(super) suggestion_confirmed: bool,
    /// Who reads the advice: "fastlegen", or "henviseren" for a specialist or a department.
    pub(super) advice_to: &'static str,
}

impl Form {
    /// When the avslag reason changed, fills in the clinic's suggested advice for it (if the
    /// advice is empty or still the previous suggestion). Returns whether the advice changed.
    pub(super) fn suggest_advice(&mut self, templates: &[(String, String)]) -> bool {
        if self.reason == self.advised_for {
            return false;
        }
        self.advised_for = self.reason.clone();
        let untouched = self.advice.trim().is_empty() || self.advice == self.suggested;
        let suggestion =
            crate::domain::letter::suggested_advice(templates, &self.reason).map(str::to_string);
        match suggestion {
            Some(text) if untouched => {
                self.advice = text.clone();
                self.suggested = text;
                true
            }
            None if untouched && !self.suggested.is_empty() => {
                // A reason without a suggestion: the previous reason's text goes.
                self.advice.clear();
                self.suggested.clear();
                true
            }
            _ => false,
        }
    }

    pub(super) fn new(referral: ReferralId, received: NaiveDate, decided_on: NaiveDate) -> Self {
        Self {
            referral,
            track_only: false,
            corrects: false,
            corrects_decision: None,
            key: uuid::Uuid::new_v4().simple().to_string(),
            choice: None,
            track: None,
            frist: propose_start_of_care_deadline(received, decided_on),
            care_kind: CareKind::Utredning,
            priority_note: String::new(),
            reason: String::new(),
            advice: String::new(),
            advised_for: String::new(),
            suggested: String::new(),
            unit: String::new(),
            sources: Vec::new(),
            note: String::new(),
            error: None,
            focus_advice: false,
            focus_unit: false,
            suggestion_confirmed: false,
            advice_to: "fastlegen",
        }
    }

    /// Something has been chosen or typed: moving to another item keeps it as a draft.
    pub(super) fn started(&self) -> bool {
        self.choice.is_some()
            || self.track.is_some()
            || !self.reason.is_empty()
            || !self.advice.trim().is_empty()
            || !self.unit.trim().is_empty()
            || !self.note.trim().is_empty()
    }

    /// The advice is the clinic's suggestion for the reason, not yet edited or confirmed.
    pub(super) fn advice_is_unconfirmed_suggestion(&self) -> bool {
        self.choice == Some(Choice::Avslag)
            && !self.suggested.is_empty()
            && self.advice == self.suggested
            && !self.suggestion_confirmed
    }

    /// The form filled in from a decision recorded earlier at this meeting, to correct it.
    pub(super) fn correcting(d: &StoredDecision, received: NaiveDate) -> Self {
        let mut form = Self::new(d.referral, received, d.decided_on);
        form.corrects = true;
        form.corrects_decision = Some(d.id);
        form.track = d.outcome.track();
        form.sources = d.extras.sources.clone();
        form.note = d.extras.note.clone();
        if let Some(kind) = d.extras.care_kind {
            form.care_kind = kind;
        }
        form.choice = Some(match &d.outcome {
            Outcome::Rett {
                start_of_care_deadline,
                priority_note,
                ..
            } => {
                if let Some(frist) = start_of_care_deadline {
                    form.frist = *frist;
                }
                form.priority_note = priority_note.clone();
                Choice::Rett
            }
            Outcome::Avslag { reason, advice } => {
                form.reason = reason.clone();
                form.advice = advice.clone();
                // Recorded advice is the leader's own: never replaced by a suggestion.
                form.advised_for = reason.clone();
                Choice::Avslag
            }
            Outcome::Videresendt { unit } => {
                form.unit = unit.clone();
                Choice::Videresendt
            }
            Outcome::Feilsendt => Choice::Feilsendt,
            Outcome::Sekundaer { .. } => Choice::Sekundaer,
        });
        form
    }

    /// The outcome, if the form is complete enough to build one (rules are checked on save).
    pub(super) fn outcome(&self) -> Result<Outcome, String> {
        let track = || {
            self.track.ok_or_else(|| {
                "Velg forløp: M monofaglig, T tverrfaglig, K kartlegging".to_string()
            })
        };
        match self.choice {
            None => {
                Err("Velg utfall: R rett, A avslag, V videresendt, F feilsendt, S sekundær".into())
            }
            Some(Choice::Rett) => Ok(Outcome::Rett {
                start_of_care_deadline: Some(self.frist),
                track: Some(track()?),
                priority_note: self.priority_note.clone(),
            }),
            Some(Choice::Avslag) => Ok(Outcome::Avslag {
                reason: self.reason.clone(),
                advice: self.advice.clone(),
            }),
            Some(Choice::Videresendt) => Ok(Outcome::Videresendt {
                unit: self.unit.clone(),
            }),
            Some(Choice::Feilsendt) => Ok(Outcome::Feilsendt),
            Some(Choice::Sekundaer) => Ok(Outcome::Sekundaer {
                track: Some(track()?),
            }),
        }
    }
}

pub(super) fn save(form: &mut Form, meeting: MeetingId, actions: &mut Vec<Action>) {
    if form.track_only {
        match form.track {
            Some(track @ (Track::Monofaglig(_) | Track::Tverrfaglig(_))) => {
                form.error = None;
                actions.push(Action::FollowUp(FollowUpAction::ChangeTrack {
                    referral: form.referral,
                    meeting: Some(meeting),
                    track,
                    note: form.note.clone(),
                }));
            }
            _ => form.error = Some("Velg forløp: M monofaglig eller T tverrfaglig".into()),
        }
        return;
    }
    match form.outcome() {
        Ok(_) if form.advice_is_unconfirmed_suggestion() => {
            form.suggestion_confirmed = true;
            form.error = Some(format!(
                "Rådet til {} er klinikkens standardforslag for begrunnelsen. Tilpass det til \
                 pasienten, eller trykk Enter en gang til for å sende det slik.",
                form.advice_to
            ));
        }
        Ok(outcome) => {
            form.error = None;
            let extras = crate::domain::records::DecisionExtras {
                sources: form.sources.clone(),
                note: form.note.clone(),
                care_kind: matches!(outcome, Outcome::Rett { .. }).then_some(form.care_kind),
            };
            actions.push(Action::Meeting(MeetingAction::Decide {
                meeting,
                referral: form.referral,
                outcome,
                extras,
                key: form.key.clone(),
                corrects: form.corrects_decision,
            }));
        }
        Err(e) => form.error = Some(e),
    }
}

/// The decision form; returns the id of its first field.
pub(super) fn form_ui(
    ui: &mut egui::Ui,
    form: &mut Form,
    meeting: MeetingId,
    deadline: NaiveDate,
    avslag_reasons: &[String],
    actions: &mut Vec<Action>,
) -> egui::Id {
    if form.track_only {
        return track_choice_ui(ui, form, meeting, actions);
    }
    let mut first = None;
    ui.horizontal(|ui| {
        ui.label("Utfall:");
        for (choice, label) in [
            (Choice::Rett, "Rett (R)"),
            (Choice::Avslag, "Avslag (A)"),
            (Choice::Videresendt, "Videresendt (V)"),
            (Choice::Feilsendt, "Feilsendt (F)"),
            (Choice::Sekundaer, "Sekundær (S)"),
        ] {
            let r = ui.radio_value(&mut form.choice, Some(choice), label);
            first.get_or_insert(r.id);
        }
    });
    if matches!(form.choice, Some(Choice::Rett | Choice::Sekundaer)) {
        ui.horizontal(|ui| {
            ui.label("Forløp:");
            mono_radios(ui, &mut form.track);
        });
        ui.horizontal(|ui| {
            ui.label("");
            tverr_radios(ui, &mut form.track);
            for (c, name) in CLINICIANS {
                ui.radio_value(
                    &mut form.track,
                    Some(Track::Kartlegging(c)),
                    format!("Kartl. {name}"),
                );
            }
        });
    }
    match form.choice {
        Some(Choice::Rett) => {
            ui.horizontal(|ui| {
                labelled_date_ui(ui, "Juridisk frist:", &mut form.frist, "juridisk_frist");
                ui.label("for");
                for kind in CareKind::ALL {
                    ui.radio_value(&mut form.care_kind, kind, kind.label_nb().to_lowercase());
                }
                let label = ui.label("Prioritet:");
                ui.add(egui::TextEdit::singleline(&mut form.priority_note).desired_width(260.0))
                    .labelled_by(label.id);
            });
        }
        Some(Choice::Avslag) => avslag_ui(ui, form, avslag_reasons),
        Some(Choice::Videresendt) => {
            ui.horizontal(|ui| {
                let label = ui.label("Til enhet:");
                let unit = ui
                    .add(egui::TextEdit::singleline(&mut form.unit).desired_width(300.0))
                    .labelled_by(label.id);
                if std::mem::take(&mut form.focus_unit) {
                    unit.request_focus();
                }
            });
        }
        _ => {}
    }
    ui.horizontal(|ui| {
        ui.label("Kilder:");
        for s in Source::ALL {
            let mut on = form.sources.contains(&s);
            if ui.checkbox(&mut on, s.label_nb()).changed() {
                form.sources.retain(|x| *x != s);
                if on {
                    form.sources.push(s);
                }
            }
        }
    });
    ui.horizontal(|ui| {
        let label = ui.label("Notat:");
        ui.add(egui::TextEdit::singleline(&mut form.note).desired_width(f32::INFINITY))
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        if ui.button("Lagre og neste (Enter)").clicked() {
            save(form, meeting, actions);
        }
        if ui.button("Utsett (U)").clicked() {
            actions.push(Action::Meeting(MeetingAction::Postpone {
                meeting,
                referral: form.referral,
                deadline,
            }));
        }
    });
    if let Some(e) = &form.error {
        ui.colored_label(theme::ERROR_TEXT, e);
    }
    first.unwrap_or_else(|| ui.scope_id())
}

/// After a kartleggingssamtale: monofaglig (with the profession) or tverrfaglig. Returns the
/// id of its first field.
pub(super) fn track_choice_ui(
    ui: &mut egui::Ui,
    form: &mut Form,
    meeting: MeetingId,
    actions: &mut Vec<Action>,
) -> egui::Id {
    let first = ui
        .horizontal(|ui| {
            ui.label("Forløp:");
            let first = mono_radios(ui, &mut form.track);
            tverr_radios(ui, &mut form.track);
            first
        })
        .inner;
    ui.horizontal(|ui| {
        let label = ui.label("Notat:");
        ui.add(egui::TextEdit::singleline(&mut form.note).desired_width(f32::INFINITY))
            .labelled_by(label.id);
    });
    if ui.button("Lagre og neste (Enter)").clicked() {
        save(form, meeting, actions);
    }
    if let Some(e) = &form.error {
        ui.colored_label(theme::ERROR_TEXT, e);
    }
    first
}

pub(super) const CLINICIANS: [(Clinician, &str); 3] = [
    (Clinician::Lege, "lege"),
    (Clinician::Psykolog, "psykolog"),
    (Clinician::Fysioterapeut, "fysioterapeut"),
];

/// "Mono lege", "Mono psykolog", "Mono fysioterapeut". Returns the first radio's id.
pub(super) fn mono_radios(ui: &mut egui::Ui, track: &mut Option<Track>) -> egui::Id {
    let mut first = None;
    for (c, name) in CLINICIANS {
        let r = ui.radio_value(track, Some(Track::Monofaglig(c)), format!("Mono {name}"));
        first.get_or_insert(r.id);
    }
    first.unwrap_or_else(|| ui.scope_id())
}

/// "Tverr sekvensiell", "Tverr samlet".
pub(super) fn tverr_radios(ui: &mut egui::Ui, track: &mut Option<Track>) {
    for (mode, name) in [
        (TeamMode::Sekvensiell, "sekvensiell"),
        (TeamMode::Samlet, "samlet"),
    ] {
        ui.radio_value(
            track,
            Some(Track::Tverrfaglig(mode)),
            format!("Tverr {name}"),
        );
    }
}

/// An avslag's part of the form: the reason (keys 1–9), the advice to the referrer (a
/// suggestion from the clinic's templates until confirmed) and "Kopier rådet".
fn avslag_ui(ui: &mut egui::Ui, form: &mut Form, avslag_reasons: &[String]) {
    // Wraps, so the hint never widens the form past its panel (the advice field below
    // would then run under the next panel, its text cut off).
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Begrunnelse:");
        egui::ComboBox::from_id_salt("avslag_reason")
            .selected_text(if form.reason.is_empty() {
                "velg"
            } else {
                form.reason.as_str()
            })
            .width(300.0)
            .show_ui(ui, |ui| {
                for (i, r) in avslag_reasons.iter().enumerate() {
                    if ui
                        .selectable_value(&mut form.reason, r.clone(), format!("{} {r}", i + 1))
                        .changed()
                    {
                        form.error = None;
                    }
                }
            })
            .response
            .labelled_by(label.id);
        ui.colored_label(
            theme::MUTED_TEXT,
            "tast 1–9 for begrunnelse, skriv rådet, Esc, Enter",
        );
    });
    let label = ui.label(format!("Råd og veiledning til {}:", form.advice_to));
    let advice = ui
        .add(
            egui::TextEdit::multiline(&mut form.advice)
                .desired_rows(3)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    if std::mem::take(&mut form.focus_advice) {
        advice.request_focus();
    }
    if advice.changed() {
        form.suggestion_confirmed = false;
    }
    if form.advice_is_unconfirmed_suggestion() {
        ui.colored_label(
            theme::WARNING_TEXT,
            "Forslag fra klinikkens maler – tilpass det, eller bekreft med Enter to ganger",
        );
    }
    // For the reply letter in the hospital system.
    let has_advice = !form.advice.trim().is_empty();
    if ui
        .add_enabled(has_advice, egui::Button::new("Kopier rådet"))
        .clicked()
    {
        ui.ctx().copy_text(form.advice.trim().to_string());
    }
}
