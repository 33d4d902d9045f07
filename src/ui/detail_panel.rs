//! The detail pane: the selected referral, its deadline arithmetic spelled out, actions
//! (edit, withdraw, reopen) and its change history.

use super::Action;
use super::theme;
use super::{NavAction, ReferralAction};
use crate::calendar::{format_date, format_date_weekday};
use crate::domain::{Referral, ReferralStatus};
pub use crate::model::detail::DetailView;
use crate::model::detail::{AuditEntry, audit};
use chrono::Datelike;

/// Withdrawal needs a reason; the pane asks for it inline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WithdrawState {
    pub asking: bool,
    pub reason: String,
}

pub fn empty_ui(ui: &mut egui::Ui) {
    ui.add_space(12.0);
    ui.colored_label(
        theme::MUTED_TEXT,
        "Velg en henvisning i køen for å se detaljer.",
    );
}

pub fn ui(
    ui: &mut egui::Ui,
    view: &DetailView,
    members: &[crate::domain::meeting::TeamMember],
    withdraw: &mut WithdrawState,
    actions: &mut Vec<Action>,
) {
    let r = &view.referral;
    let f = &r.fields;
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.add_space(4.0);
        ui.heading(&f.patient);
        ui.label(egui::RichText::new(r.status.label_nb()).strong());
        if !view.read_errors.is_empty() {
            ui.colored_label(
                theme::ERROR_TEXT,
                format!(
                    "Kunne ikke lese alt om henvisningen ({}). Det som vises, kan være \
                     ufullstendig. Velg henvisningen på nytt; hjelper ikke det, ta en \
                     sikkerhetskopi og kontakt IT.",
                    view.read_errors.join("; ")
                ),
            );
        }
        ui.add_space(4.0);
        let frame = egui::Frame::group(ui.style()).inner_margin(8.0);
        frame.show(ui, |ui| {
            ui.strong("Vurderingsfrist");
            ui.label(&view.explanation);
            ui.colored_label(
                theme::MUTED_TEXT,
                format!(
                    "Uke {} · 10 virkedager fra mottak (dag 0)",
                    view.deadline.iso_week().week()
                ),
            );
            if let Some(decided) = r.decided_on {
                ui.label(format!("Avgjort {}", format_date_weekday(decided)));
            }
            for line in &view.decision_lines {
                ui.label(line);
            }
            if let Some(renewal) = &view.renewal {
                super::renewal_ui(ui, renewal, &r.fields.diagnosis_group);
            }
        });
        messages_ui(ui, view);
        letters_ui(ui, view, actions);
        ui.add_space(6.0);
        egui::Grid::new("detail_grid")
            .num_columns(2)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                let mut row = |label: &str, value: String| {
                    ui.colored_label(theme::MUTED_TEXT, label);
                    ui.label(value);
                    ui.end_row();
                };
                row("Mottatt", format_date(f.received_on));
                row(
                    "Henvisnings-ID",
                    f.external_id.clone().unwrap_or_else(|| "–".into()),
                );
                row(
                    "Fødselsnummer",
                    f.national_id
                        .as_deref()
                        .map_or("–".into(), |n| format!("{} {}", &n[..6], &n[6..])),
                );
                row(
                    "Fødselsår",
                    f.birth_year.map_or("–".into(), |y| y.to_string()),
                );
                row("Henviser", f.referrer_name.clone());
                let kind = if f.specialty.is_empty() {
                    f.referrer_kind.label_nb().to_string()
                } else {
                    format!("{} ({})", f.referrer_kind.label_nb(), f.specialty)
                };
                row("Henvisertype", kind);
                row(
                    "Primær/sekundær",
                    if f.is_secondary {
                        "Sekundær"
                    } else {
                        "Primær"
                    }
                    .into(),
                );
                row(
                    "Diagnosegruppe",
                    if f.diagnosis_group.is_empty() {
                        "–".into()
                    } else {
                        f.diagnosis_group.clone()
                    },
                );
            });
        ui.add_space(4.0);
        ui.colored_label(theme::MUTED_TEXT, "Problemstilling");
        ui.label(if f.problem.is_empty() {
            "–"
        } else {
            &f.problem
        });
        ui.add_space(8.0);
        actions_ui(ui, r, withdraw, actions);
        ui.add_space(8.0);
        ui.separator();
        egui::CollapsingHeader::new(egui::RichText::new("Forberedelse til møtet").strong())
            .id_salt("detail_preparation")
            .default_open(true)
            .show(ui, |ui| {
                match (&view.preparation, &view.preparation_error) {
                    (Some(prep), _) => {
                        let open = r.status == crate::domain::ReferralStatus::TilVurdering;
                        super::preparation::preparation_ui(
                            ui,
                            r.id,
                            prep,
                            members,
                            open,
                            view.decided_as,
                            actions,
                        );
                    }
                    (None, Some(e)) => {
                        ui.colored_label(
                            theme::ERROR_TEXT,
                            format!("Kunne ikke lese forberedelsen: {e}"),
                        );
                    }
                    (None, None) => {}
                }
            });
        ui.separator();
        ui.strong("Historikk (nyeste først)");
        for entry in view.history.iter().rev() {
            history_row_ui(ui, entry);
        }
    });
}

/// What came from the referrer's system: the sender's assessment of a forwarded referral, and
/// the messages (a cancellation after the decision stands out as a warning to act on).
fn messages_ui(ui: &mut egui::Ui, view: &DetailView) {
    use crate::domain::records::MessageOutcome as Outcome;
    if view.messages.is_empty() && view.assessment.is_none() {
        return;
    }
    ui.add_space(4.0);
    let frame = egui::Frame::group(ui.style()).inner_margin(8.0);
    frame.show(ui, |ui| {
        ui.strong("Fra henviserens system");
        if let Some((a, by)) = &view.assessment {
            ui.label(format!(
                "Rettighetsvurdert av {}: {}. Vurderes ikke på nytt; venter på valg av forløp.",
                if by.is_empty() { "avsenderen" } else { by },
                a.text()
            ));
        }
        for m in &view.messages {
            let day = m
                .written_on
                .map(format_date)
                .unwrap_or_else(|| m.imported_at.get(..10).unwrap_or("").to_string());
            let what = match (m.kind.as_str(), m.outcome) {
                ("ny", _) => "Henvisning".to_string(),
                ("endring", _) => "Endring, gjennomført".to_string(),
                (_, Outcome::Withdrawn) => "Kansellering: henvisningen er trukket".to_string(),
                (_, Outcome::Warning) => {
                    "Kansellering etter at henvisningen var avgjort – ikke gjennomført".to_string()
                }
                (kind, _) => kind.to_string(),
            };
            let reason = if m.comment.is_empty() {
                String::new()
            } else {
                format!(": «{}»", m.comment)
            };
            let text = format!("{day} {what}{reason}");
            if m.outcome == Outcome::Warning {
                ui.colored_label(theme::WARNING_TEXT, format!("Varsel: {text}"));
                ui.colored_label(
                    theme::MUTED_TEXT,
                    "Kontakt henviser og pasient, og vurder å rette vedtaket eller avslutte forløpet.",
                );
            } else {
                ui.label(text);
            }
        }
    });
}

/// The decision's letters: informed or not, each letter ready or what it lacks, earlier
/// prints; print (via the prompt in the status bar) and mark sent.
fn letters_ui(ui: &mut egui::Ui, view: &DetailView, actions: &mut Vec<Action>) {
    use crate::domain::letter::Informed;
    if let Some(e) = &view.letters_error {
        ui.colored_label(theme::ERROR_TEXT, format!("Kunne ikke lese brevene: {e}"));
        return;
    }
    if view.letters.is_empty() {
        return;
    }
    ui.add_space(4.0);
    let frame = egui::Frame::group(ui.style()).inner_margin(8.0);
    frame.show(ui, |ui| {
        ui.strong("Brev");
        match view.informed {
            Some(i @ Informed::NotYet { days_left }) => {
                let colour = if days_left < 0 {
                    theme::urgency_text(crate::queue::Urgency::Overdue)
                } else {
                    theme::urgency_text(crate::queue::Urgency::DueSoon)
                };
                ui.colored_label(colour, i.label_nb());
            }
            Some(i) => {
                ui.label(i.label_nb());
            }
            None => {}
        }
        // The referrer is told too: by the printed copy marked sent, or the electronic answer.
        let referrer_told = view
            .letters
            .iter()
            .flat_map(|p| &p.earlier)
            .filter(|l| l.recipient == crate::domain::letter::Recipient::Referrer)
            .filter_map(|l| l.sent_on.map(|on| (on, l.electronic)))
            .min();
        if view.informed.is_some() {
            match referrer_told {
                Some((on, electronic)) => ui.label(format!(
                    "Henviser informert {} ({})",
                    format_date(on),
                    if electronic {
                        "elektronisk svar"
                    } else {
                        "brev"
                    }
                )),
                None => ui.label("Henviser ikke informert ennå"),
            };
        }
        for p in &view.letters {
            let to = format!("Til {}", p.recipient.label_nb().to_lowercase());
            if p.missing.is_empty() {
                ui.label(format!(
                    "{to}: klart ({})",
                    p.kind.label_nb().to_lowercase()
                ));
            } else {
                let what: Vec<_> = p.missing.iter().map(|m| m.label_nb()).collect();
                ui.colored_label(
                    theme::ERROR_TEXT,
                    format!("{to}: mangler {}", what.join(", ")),
                );
            }
            let earlier = p.earlier_text();
            if !earlier.is_empty() {
                ui.colored_label(theme::MUTED_TEXT, format!("   {earlier}"));
            }
        }
        let target = super::LetterTarget::Referral(view.referral.id);
        let unsent = view
            .letters
            .iter()
            .flat_map(|p| &p.earlier)
            .any(|l| l.sent_on.is_none());
        ui.horizontal(|ui| {
            if ui.button("Skriv ut brev…").clicked() {
                actions.push(Action::Output(super::OutputAction::PrepareLetters(
                    target.clone(),
                )));
            }
            if unsent && ui.button("Merk utskrevne som sendt i dag").clicked() {
                actions.push(Action::Output(super::OutputAction::MarkLettersSent(
                    view.referral.id,
                )));
            }
            // A referral that came as a message can be answered the same way.
            if view.messages.iter().any(|m| !m.sender_her.is_empty())
                && ui
                    .button("Send elektronisk svar")
                    .on_hover_text(
                        "Dialogmelding «Status på henvisning» til henviserens system, i mappen \
                         under Innstillinger → Brev",
                    )
                    .clicked()
            {
                actions.push(Action::Output(super::OutputAction::SendReplies(target)));
            }
        });
    });
}

fn actions_ui(
    ui: &mut egui::Ui,
    r: &Referral,
    withdraw: &mut WithdrawState,
    actions: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        if ui.button("Rediger").clicked() {
            actions.push(Action::Nav(NavAction::EditReferral(r.id)));
        }
        let open = r.status == ReferralStatus::TilVurdering;
        if open && !withdraw.asking && ui.button("Trekk tilbake…").clicked() {
            withdraw.asking = true;
        }
        if r.status == ReferralStatus::Trukket && ui.button("Gjenåpne").clicked() {
            actions.push(Action::Referral(ReferralAction::Reopen(r.id)));
        }
    });
    if withdraw.asking && r.status == ReferralStatus::TilVurdering {
        ui.colored_label(
            theme::MUTED_TEXT,
            "Hvorfor trekkes henvisningen? (f.eks. pasienten ønsker det ikke, henviser trakk den)",
        );
        ui.horizontal(|ui| {
            let label = ui.label("Begrunnelse:");
            ui.add(egui::TextEdit::singleline(&mut withdraw.reason).desired_width(f32::INFINITY))
                .labelled_by(label.id);
        });
        ui.horizontal(|ui| {
            let ok = !withdraw.reason.trim().is_empty();
            if ui
                .add_enabled(ok, egui::Button::new("Bekreft tilbaketrekking"))
                .clicked()
            {
                actions.push(Action::Referral(ReferralAction::Withdraw {
                    id: r.id,
                    reason: withdraw.reason.trim().to_string(),
                }));
            }
            if ui.button("Avbryt").clicked() {
                *withdraw = WithdrawState::default();
            }
        });
    }
}

fn history_row_ui(ui: &mut egui::Ui, entry: &AuditEntry) {
    let when = entry.at.replace('T', " ");
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(theme::MUTED_TEXT, format!("{when} · {}", entry.actor));
        ui.label(entry.action_nb());
    });
    if entry.event == audit::Event::Referral(audit::ReferralAction::Update)
        && let Some(changes) = entry.details.as_object()
    {
        for (field, values) in changes {
            let (before, after) = match values.as_array().map(Vec::as_slice) {
                Some([b, a]) => (b.as_str().unwrap_or(""), a.as_str().unwrap_or("")),
                _ => ("", ""),
            };
            ui.colored_label(
                theme::MUTED_TEXT,
                format!("   {field}: «{before}» → «{after}»"),
            );
        }
    }
    if let Some(reason) = entry.details.get("begrunnelse").and_then(|v| v.as_str()) {
        ui.colored_label(theme::MUTED_TEXT, format!("   Begrunnelse: {reason}"));
    }
}
