//! The preparation block, shared by the queue's detail pane and meeting mode: a note for the
//! meeting, who presents the referral, and each discipline's provisional view (shown beside
//! the final decision once there is one).

use super::ReferralAction;
use super::{Action, theme};
use crate::domain::ReferralId;
use crate::domain::meeting::{Profession, TeamMember};
use crate::domain::preparation::Assessment;
use crate::domain::records::Preparation;

/// The professions that give views: those in the active team, or all but "annet" without one.
fn professions(members: &[TeamMember]) -> Vec<Profession> {
    let mut in_team: Vec<Profession> = Profession::ALL
        .into_iter()
        .filter(|p| members.iter().any(|m| m.active && m.profession == *p))
        .collect();
    if in_team.is_empty() {
        in_team = Profession::ALL[..5].to_vec();
    }
    in_team
}

/// Draws the block. `open_for_views`: the referral awaits its decision, so views can be given
/// or changed; `decision`: the decision in the same terms, to mark each view agreeing or not.
pub(crate) fn preparation_ui(
    ui: &mut egui::Ui,
    referral: ReferralId,
    prep: &Preparation,
    members: &[TeamMember],
    open_for_views: bool,
    decision: Option<Assessment>,
    actions: &mut Vec<Action>,
) {
    let note_id = egui::Id::unique(("prep_note", referral.0));
    let mut note = ui
        .data(|d| d.get_temp::<String>(note_id))
        .unwrap_or_else(|| prep.note.clone());
    let label = ui.label("Notat til møtet:");
    let response = ui
        .add(
            egui::TextEdit::multiline(&mut note)
                .id_salt(("prep_note_edit", referral.0))
                .desired_rows(2)
                .desired_width(f32::INFINITY)
                .hint_text("f.eks. les journal, ring fastlege"),
        )
        .labelled_by(label.id);
    if response.has_focus() {
        ui.data_mut(|d| d.insert_temp(note_id, note.clone()));
    } else {
        ui.data_mut(|d| d.remove::<String>(note_id));
    }
    if response.lost_focus() && note.trim() != prep.note {
        actions.push(Action::Referral(ReferralAction::SavePreparation {
            referral,
            note: note.trim().to_string(),
            presenter: prep.presenter,
        }));
    }
    ui.horizontal(|ui| {
        let label = ui.label("Presenteres av:");
        let name = |id| {
            members
                .iter()
                .find(|m| Some(m.id) == id)
                .map_or("ingen valgt".to_string(), |m| m.name.clone())
        };
        let mut presenter = prep.presenter;
        egui::ComboBox::from_id_salt(("prep_presenter", referral.0))
            .selected_text(name(presenter))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut presenter, None, "ingen valgt");
                for m in members.iter().filter(|m| m.active) {
                    let text = format!("{} ({})", m.name, m.profession.label_nb().to_lowercase());
                    ui.selectable_value(&mut presenter, Some(m.id), text);
                }
            })
            .response
            .labelled_by(label.id);
        if presenter != prep.presenter {
            actions.push(Action::Referral(ReferralAction::SavePreparation {
                referral,
                note: prep.note.clone(),
                presenter,
            }));
        }
    });
    ui.label(egui::RichText::new("Foreløpige vurderinger").strong());
    egui::Grid::new(("prep_views", referral.0))
        .num_columns(3)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            for profession in professions(members) {
                let current = prep
                    .views
                    .iter()
                    .find(|(p, _)| *p == profession)
                    .map(|(_, a)| *a);
                let label = ui.label(profession.label_nb());
                if open_for_views {
                    let mut chosen = current;
                    egui::ComboBox::from_id_salt(("prep_view", referral.0, profession.code()))
                        .width(190.0)
                        .selected_text(chosen.map_or("–".into(), Assessment::label_nb))
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut chosen, None, "–");
                            for a in Assessment::ALL {
                                ui.selectable_value(&mut chosen, Some(a), a.label_nb());
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    if chosen != current {
                        actions.push(Action::Referral(ReferralAction::SetProvisionalView {
                            referral,
                            profession,
                            view: chosen,
                        }));
                    }
                } else {
                    ui.label(current.map_or("–".into(), Assessment::label_nb));
                }
                match (current, decision) {
                    (Some(view), Some(d)) if view.agrees_fully(d) => {
                        ui.colored_label(theme::OK_TEXT, "✓ som vedtaket");
                    }
                    (Some(Assessment::Rett(None)), Some(Assessment::Rett(_))) => {
                        ui.colored_label(theme::OK_TEXT, "✓ rett");
                    }
                    (Some(view), Some(d)) if view.agrees_on_right(d) => {
                        ui.colored_label(theme::WARNING_TEXT, "✓ rett, annet forløp");
                    }
                    (Some(_), Some(_)) => {
                        ui.colored_label(theme::ERROR_TEXT, "✗ ulikt vedtaket");
                    }
                    _ => {
                        ui.label("");
                    }
                }
                ui.end_row();
            }
        });
    if !open_for_views {
        let text = match (prep.views.is_empty(), decision.is_some()) {
            (true, _) => "Ingen foreløpige vurderinger ble gitt.",
            (false, true) => "Vurderingene er låst: de ble gitt før vedtaket.",
            (false, false) => "Vurderingene er låst.",
        };
        ui.colored_label(theme::MUTED_TEXT, text);
    }
}
