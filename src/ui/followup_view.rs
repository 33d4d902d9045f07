//! Oppfølging: referrals in a kartleggingssamtale (report back → til ny vurdering), and granted
//! referrals against their juridisk frist with fristbrudd / forventet fristbrudd, the start of
//! care, the monofaglig → tverrfaglig upgrade and the Helfo CSV export.

use super::{Action, labelled_date_ui, theme};
use super::{FollowUpAction, NavAction, OutputAction};
use crate::calendar::{format_date, format_date_weekday};
use crate::domain::ReferralId;
use crate::domain::ReferralStatus;
use crate::domain::decision::{BreachStatus, TeamMode, Track};
use crate::followup::{CareRow, FollowUps, days_left_text, start_text};
use crate::store::followups::CareStart;
use chrono::{Datelike, NaiveDate};
use egui_extras::{Column, TableBuilder};

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

/// The editor for the selected referral.
#[derive(Clone, Debug)]
struct Editor {
    referral: ReferralId,
    /// Its index in the care list, found on selection and after each reload (not per frame).
    row: usize,
    has_booked: bool,
    booked: NaiveDate,
    /// The oppmøte's time ("09:30"; empty: not known yet).
    booked_time: String,
    /// Only the week is known (allowed when the frist is more than 4 months away).
    week_only: bool,
    week: String,
    has_started: bool,
    started: NaiveDate,
    upgrade_mode: TeamMode,
    note: String,
    error: Option<String>,
    /// Why the juridisk frist cannot be met (for the fristbrudd letter and the Helfo sheet).
    breach_reason: String,
}

/// The start of care the editor describes, or what is wrong with its time or week.
fn editor_care(ed: &Editor, frist: NaiveDate, today: NaiveDate) -> Result<CareStart, String> {
    let time = ed.booked_time.trim();
    let booked_time = if !ed.has_booked || time.is_empty() {
        None
    } else {
        Some(
            chrono::NaiveTime::parse_from_str(&time.replace('.', ":"), "%H:%M")
                .map_err(|_| format!("Klokkeslettet «{time}» må skrives tt:mm"))?,
        )
    };
    let booked_week = if ed.week_only {
        let week: u32 = ed
            .week
            .trim()
            .parse()
            .map_err(|_| format!("Uke «{}» må være et tall (1–53)", ed.week.trim()))?;
        // The week's year: the first such week on or after today, before the frist's year ends.
        let year = (today.year()..=frist.year())
            .find(|&y| {
                NaiveDate::from_isoywd_opt(y, week, chrono::Weekday::Mon)
                    .is_some_and(|monday| monday + chrono::Days::new(6) >= today)
            })
            .ok_or_else(|| format!("Uke {week} ligger ikke mellom i dag og fristen"))?;
        Some((year, week))
    } else {
        None
    };
    Ok(CareStart {
        booked: ed.has_booked.then_some(ed.booked),
        booked_time,
        booked_week,
        started: ed.has_started.then_some(ed.started),
    })
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
                    .column(Column::exact(100.0))
                    .column(Column::exact(110.0))
                    .column(Column::initial(150.0).at_least(120.0).clip(true))
                    .column(Column::initial(180.0).at_least(100.0).clip(true))
                    .column(Column::initial(160.0).clip(true))
                    .column(Column::remainder().at_least(200.0).clip(true))
                    .header(22.0, |mut h| {
                        for title in [
                            "Juridisk frist",
                            "Igjen",
                            "Status",
                            "Pasient",
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
                                ui.label(days_left_text(r.days_left));
                            });
                            row.col(|ui| {
                                ui.colored_label(colour, r.breach.label_nb());
                            });
                            row.col(|ui| {
                                ui.label(&r.patient);
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

    fn editor_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &FollowUps,
        today: NaiveDate,
        actions: &mut Vec<Action>,
    ) {
        let Some(ed) = &mut self.editor else {
            ui.colored_label(
                theme::MUTED_TEXT,
                "Velg en henvisning i listen for å registrere planlagt oppstart, oppstart eller \
                 oppgradering til tverrfaglig.",
            );
            return;
        };
        let Some(r) = data.care.get(ed.row).filter(|r| r.id == ed.referral) else {
            self.editor = None;
            return;
        };
        ui.heading(&r.patient);
        ui.label(format!(
            "Mottatt {} · vedtak {} · juridisk frist {}",
            format_date(r.received_on),
            format_date(r.decided_on),
            format_date_weekday(r.frist)
        ));
        if let Some(t) = r.track {
            ui.label(format!("Forløp: {}", t.label_nb()));
        }
        ui.add_space(6.0);
        ui.strong("Oppstart av helsehjelp");
        ui.horizontal(|ui| {
            if ui.checkbox(&mut ed.has_booked, "Planlagt").changed() && ed.has_booked {
                ed.week_only = false;
            }
            ui.add_enabled_ui(ed.has_booked, |ui| {
                labelled_date_ui(ui, "dato:", &mut ed.booked, "care_booked");
                let label = ui.label("kl.");
                ui.add(
                    egui::TextEdit::singleline(&mut ed.booked_time)
                        .hint_text("tt:mm")
                        .char_limit(5)
                        .desired_width(56.0),
                )
                .labelled_by(label.id);
            });
        });
        ui.horizontal(|ui| {
            if ui.checkbox(&mut ed.week_only, "Bare uke").changed() && ed.week_only {
                ed.has_booked = false;
            }
            ui.add_enabled_ui(ed.week_only, |ui| {
                let label = ui.label("uke:");
                ui.add(
                    egui::TextEdit::singleline(&mut ed.week)
                        .char_limit(2)
                        .desired_width(28.0),
                )
                .labelled_by(label.id);
            });
            ui.colored_label(
                theme::MUTED_TEXT,
                "uke holder når fristen er mer enn 4 måneder fram; uten tid: egen innkalling",
            );
        });
        ui.horizontal(|ui| {
            ui.checkbox(&mut ed.has_started, "Startet");
            ui.add_enabled_ui(ed.has_started, |ui| {
                labelled_date_ui(ui, "dato:", &mut ed.started, "care_started");
            });
        });
        if ui.button("Lagre oppstart").clicked() {
            match editor_care(ed, r.frist, today) {
                Ok(care) => {
                    ed.error = None;
                    actions.push(Action::FollowUp(FollowUpAction::SetCareStart {
                        referral: r.id,
                        care,
                    }));
                }
                Err(e) => ed.error = Some(e),
            }
        }
        if let Some(e) = &ed.error {
            ui.colored_label(theme::ERROR_TEXT, e);
        }
        // A frist that will not (or did not) hold: the patient is warned, and Helfo told.
        if r.breach.is_reportable() || r.started.is_none() {
            ui.add_space(8.0);
            ui.strong("Varsel om fristbrudd");
            ui.colored_label(
                theme::MUTED_TEXT,
                "Kan fristen ikke holdes: varsel til pasienten og et ark med det Helfos skjema spør om.",
            );
            let label = ui.label("Hvorfor fristen ikke kan holdes:");
            ui.add(
                egui::TextEdit::multiline(&mut ed.breach_reason)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
            let ready = !ed.breach_reason.trim().is_empty();
            if ui
                .add_enabled(ready, egui::Button::new("Skriv ut varsel og Helfo-ark…"))
                .clicked()
            {
                actions.push(Action::Output(OutputAction::PrepareLetters(
                    super::LetterTarget::Breach(r.id, ed.breach_reason.trim().to_string()),
                )));
            }
        }
        if let Some(Track::Monofaglig(_)) = r.track
            && r.status_code == ReferralStatus::Rett
        {
            ui.add_space(8.0);
            ui.strong("Oppgrader til tverrfaglig");
            ui.horizontal(|ui| {
                ui.radio_value(&mut ed.upgrade_mode, TeamMode::Sekvensiell, "sekvensiell");
                ui.radio_value(&mut ed.upgrade_mode, TeamMode::Samlet, "samlet");
            });
            ui.horizontal(|ui| {
                let label = ui.label("Begrunnelse:");
                ui.add(egui::TextEdit::singleline(&mut ed.note).desired_width(220.0))
                    .labelled_by(label.id);
            });
            if ui
                .button(format!("Oppgrader ({})", format_date(today)))
                .clicked()
            {
                actions.push(Action::FollowUp(FollowUpAction::ChangeTrack {
                    referral: r.id,
                    meeting: None,
                    track: Track::Tverrfaglig(ed.upgrade_mode),
                    note: ed.note.clone(),
                }));
            }
        }
    }

    fn mapping_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &FollowUps,
        today: NaiveDate,
        actions: &mut Vec<Action>,
    ) {
        let waiting: Vec<_> = data
            .mapping
            .iter()
            .filter(|m| m.status == ReferralStatus::Kartlegging)
            .collect();
        let back: Vec<_> = data
            .mapping
            .iter()
            .filter(|m| m.status == ReferralStatus::TilNyVurdering)
            .collect();
        ui.heading(format!("Kartlegging pågår ({})", waiting.len()));
        if waiting.is_empty() {
            ui.colored_label(theme::MUTED_TEXT, "Ingen venter på kartleggingssamtale.");
        }
        for m in waiting {
            ui.horizontal(|ui| {
                ui.label(format!(
                    "{} · {} · vedtak {}",
                    m.patient,
                    m.clinician.map_or("", |c| c.label_nb()),
                    format_date(m.decided_on)
                ));
                if ui.small_button("Meld tilbake").clicked() {
                    self.report = Some(Report {
                        referral: m.id,
                        date: today,
                        summary: String::new(),
                    });
                }
            });
            let mut cancel = false;
            if let Some(report) = &mut self.report
                && report.referral == m.id
            {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    labelled_date_ui(ui, "Kartlagt:", &mut report.date, "mapping_date");
                    let label = ui.label("Oppsummering til inntaksmøtet:");
                    ui.add(
                        egui::TextEdit::multiline(&mut report.summary)
                            .desired_rows(2)
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(label.id);
                    ui.horizontal(|ui| {
                        if ui.button("Send til ny vurdering").clicked() {
                            actions.push(Action::FollowUp(FollowUpAction::ReportMapping {
                                referral: m.id,
                                date: report.date,
                                summary: report.summary.clone(),
                            }));
                        }
                        if ui.button("Avbryt").clicked() {
                            cancel = true;
                        }
                    });
                });
            }
            if cancel {
                self.report = None;
            }
        }
        ui.add_space(8.0);
        ui.heading(format!("Til ny vurdering ({})", back.len()));
        ui.colored_label(
            theme::MUTED_TEXT,
            "Meldt tilbake; settes på neste agenda, der teamet velger monofaglig eller tverrfaglig.",
        );
        for m in back {
            ui.label(format!(
                "{} · kartlagt {}",
                m.patient,
                m.reported_on.map(format_date).unwrap_or_default()
            ));
        }
    }

    /// After a successful report: close the form.
    pub fn report_done(&mut self) {
        self.report = None;
    }
}
