//! Oppfølging: referrals in a kartleggingssamtale (report back → til ny vurdering), and granted
//! referrals against their juridisk frist with fristbrudd / forventet fristbrudd, the start of
//! care, the monofaglig → tverrfaglig upgrade and the Helfo CSV export.

use super::{Action, labelled_date_ui, theme};
use super::{FollowUpAction, NavAction, OutputAction};
use crate::calendar::{format_date, format_date_weekday};
use crate::domain::ReferralId;
use crate::domain::ReferralStatus;
use crate::domain::decision::{BreachStatus, TeamMode, Track};
use crate::domain::records::CareStart;
use crate::followup::{CareRow, FollowUps, days_left_text, start_text};
use chrono::{Datelike, NaiveDate};
use egui_extras::{Column, TableBuilder};

mod editor;
use editor::*;

/// Which granted referrals the list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CareFilter {
    /// Care not started yet (the working list).
    #[default]
    NotStarted,
    /// Fristbrudd and forventet fristbrudd: the Helfo list.
    Reportable,
    All,
}

impl CareFilter {
    fn label_nb(self) -> &'static str {
        match self {
            Self::NotStarted => "Ikke startet",
            Self::Reportable => "Fristbrudd og forventet fristbrudd",
            Self::All => "Alle med rett",
        }
    }

    fn admits(self, row: &CareRow) -> bool {
        match self {
            Self::NotStarted => row.started.is_none(),
            Self::Reportable => row.breach.is_reportable(),
            Self::All => true,
        }
    }
}

/// The report-back form for a referral in kartlegging.
#[derive(Clone, Debug)]
struct Report {
    referral: ReferralId,
    date: NaiveDate,
    summary: String,
}

#[derive(Default)]
pub struct FollowUpView {
    filter: CareFilter,
    search: String,
    visible: Vec<usize>,
    cached_for: Option<(u64, CareFilter, String)>,
    editor: Option<Editor>,
    report: Option<Report>,
}

impl FollowUpView {
    pub fn set_filter(&mut self, filter: CareFilter) {
        self.filter = filter;
    }

    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    fn refresh(&mut self, data: &FollowUps, generation: u64) {
        let key = (generation, self.filter, self.search.to_lowercase());
        if self.cached_for.as_ref() == Some(&key) {
            return;
        }
        if self.cached_for.as_ref().is_none_or(|k| k.0 != generation)
            && let Some(ed) = &mut self.editor
        {
            match data.care.iter().position(|r| r.id == ed.referral) {
                Some(row) => ed.row = row,
                None => self.editor = None,
            }
        }
        let words: Vec<&str> = key.2.split_whitespace().collect();
        self.visible = data
            .care
            .iter()
            .enumerate()
            .filter(|(_, r)| self.filter.admits(r))
            .filter(|(_, r)| {
                let hay =
                    format!("{} {} {}", r.patient, r.external_id, r.national_id).to_lowercase();
                words.iter().all(|w| hay.contains(w))
            })
            .map(|(i, _)| i)
            .collect();
        self.cached_for = Some(key);
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &FollowUps,
        generation: u64,
        today: NaiveDate,
        actions: &mut Vec<Action>,
    ) {
        self.refresh(data, generation);
        egui::Panel::right("followup_editor")
            .resizable(true)
            .default_size(380.0)
            .min_size(340.0)
            .max_size((ui.available_width() * 0.45).max(340.0))
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    self.editor_ui(ui, data, today, actions);
                    ui.separator();
                    self.mapping_ui(ui, data, today, actions);
                });
            });
        egui::CentralPanel::default().show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.heading("Oppfølging");
                ui.add_space(12.0);
                ui.colored_label(
                    theme::ERROR_TEXT,
                    format!("{} fristbrudd", data.count(BreachStatus::Breached)),
                );
                ui.colored_label(
                    theme::WARNING_TEXT,
                    format!("{} forventet fristbrudd", data.count(BreachStatus::Expected)),
                );
                ui.label(format!("{} i rute", data.count(BreachStatus::OnTrack)));
                ui.colored_label(
                    theme::MUTED_TEXT,
                    format!(
                        "{} startet i tide, {} startet etter fristen",
                        data.count(BreachStatus::Started),
                        data.count(BreachStatus::StartedLate)
                    ),
                );
            });
            ui.horizontal(|ui| {
                let label = ui.label("Vis:");
                egui::ComboBox::from_id_salt("care_filter")
                    .selected_text(self.filter.label_nb())
                    .show_ui(ui, |ui| {
                        for f in [CareFilter::NotStarted, CareFilter::Reportable, CareFilter::All] {
                            ui.selectable_value(&mut self.filter, f, f.label_nb());
                        }
                    })
                    .response
                    .labelled_by(label.id);
                let label = ui.label("Søk:");
                ui.add(egui::TextEdit::singleline(&mut self.search).desired_width(180.0))
                    .labelled_by(label.id);
                if ui
                    .button("Eksporter fristbruddliste (CSV)")
                    .on_hover_text(
                        "Fristbrudd og forventet fristbrudd per i dag, til melding til Helfo",
                    )
                    .clicked()
                {
                    actions.push(Action::Output(OutputAction::ExportBreaches));
                }
            });
            ui.colored_label(
                theme::MUTED_TEXT,
                "Henvisninger med rett til helsehjelp etter juridisk frist. Fristbrudd: ikke startet \
                 innen fristen. Forventet fristbrudd: fristen er om 14 dager eller mindre uten \
                 kommende planlagt oppstart, eller oppstarten er planlagt etter fristen.",
            );
            ui.separator();
            if self.visible.is_empty() {
                ui.colored_label(theme::MUTED_TEXT, "Ingen henvisninger i denne listen.");
                return;
            }
            self.table_ui(ui, data, today, actions);
        });
    }

    fn table_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &FollowUps,
        today: NaiveDate,
        actions: &mut Vec<Action>,
    ) {
        let selected = self.editor.as_ref().map(|e| e.referral);
        let mut clicked = None;
        // Plain labels, so a click anywhere on a row selects it.
        ui.style_mut().interaction.selectable_labels = false;
        // Status (the fristbrudd marker) right after the frist; a narrow window scrolls
        // sideways to the rest.
        egui::ScrollArea::horizontal()
            .id_salt("care_hscroll")
            .show(ui, |ui| {
                TableBuilder::new(ui)
                    .striped(true)
                    .sense(egui::Sense::click())
                    // The patient second: with the editor open on a narrow window the
                    // name is still read in full.
                    .column(Column::exact(100.0))
                    .column(Column::initial(170.0).at_least(120.0).clip(true))
                    .column(Column::exact(110.0))
                    .column(Column::initial(150.0).at_least(120.0).clip(true))
                    .column(Column::initial(160.0).clip(true))
                    .column(Column::remainder().at_least(200.0).clip(true))
                    .header(22.0, |mut h| {
                        for title in [
                            "Juridisk frist",
                            "Pasient",
                            "Igjen",
                            "Status",
                            "Forløp",
                            "Oppstart",
                        ] {
                            h.col(|ui| {
                                ui.strong(title);
                            });
                        }
                    })
                    .body(|body| {
                        body.rows(20.0, self.visible.len(), |mut row| {
                            let r = &data.care[self.visible[row.index()]];
                            row.set_selected(selected == Some(r.id));
                            let colour = match r.breach {
                                BreachStatus::Breached => theme::ERROR_TEXT,
                                BreachStatus::Expected => theme::WARNING_TEXT,
                                _ => theme::MUTED_TEXT,
                            };
                            row.col(|ui| {
                                ui.label(format_date(r.frist));
                            });
                            row.col(|ui| {
                                ui.label(&r.patient);
                            });
                            row.col(|ui| {
                                ui.label(days_left_text(r.days_left));
                            });
                            row.col(|ui| {
                                ui.colored_label(colour, r.breach.label_nb());
                            });
                            row.col(|ui| {
                                let track = r.track.map(Track::label_nb).unwrap_or_default();
                                let text = if r.status_code == ReferralStatus::Rett {
                                    track
                                } else {
                                    format!("{track} ({})", r.status_code.label_nb().to_lowercase())
                                };
                                ui.label(text);
                            });
                            row.col(|ui| {
                                ui.label(start_text(r, today));
                            });
                            if row.response().clicked() {
                                clicked = Some(r.id);
                            }
                        });
                    });
            });
        if let Some(id) = clicked {
            actions.push(Action::Nav(NavAction::SelectFollowUp(id)));
        }
    }

    /// Selects a referral in the list and fills the editor from it.
    pub fn select(&mut self, data: &FollowUps, id: ReferralId, today: NaiveDate) {
        self.editor = data.care.iter().position(|r| r.id == id).map(|row| {
            let r = &data.care[row];
            Editor {
                referral: id,
                row,
                has_booked: r.booked.is_some(),
                booked: r.booked.unwrap_or(today),
                booked_time: r
                    .booked_time
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default(),
                week_only: r.booked_week.is_some(),
                week: r
                    .booked_week
                    .map(|(_, w)| w.to_string())
                    .unwrap_or_default(),
                has_started: r.started.is_some(),
                started: r.started.unwrap_or(today),
                upgrade_mode: TeamMode::Sekvensiell,
                note: String::new(),
                error: None,
                breach_reason: String::new(),
            }
        });
    }

    /// After a successful report: close the form.
    pub fn report_done(&mut self) {
        self.report = None;
    }
}
