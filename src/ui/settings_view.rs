//! Innstillinger: clinic name, the Saturday rule, meeting schedule, capacity, closure days.

use super::{Action, labelled_date_ui, theme};
use super::{ClinicAction, TeamAction};
use crate::calendar::format_date_weekday;
use crate::domain::meeting::{Profession, TeamMember};
use crate::domain::settings::{ClinicSettings, ClosureDay};
use chrono::{NaiveDate, NaiveTime, Weekday};

/// The form's working copy, reset from the stored settings whenever they are reloaded.
#[derive(Default)]
pub struct SettingsView {
    draft: Option<ClinicSettings>,
    time_text: String,
    loaded_generation: u64,
    new_closure: Option<NaiveDate>,
    new_closure_label: String,
    error: Option<String>,
    new_member_name: String,
    new_member_profession: Option<Profession>,
    /// The clinic's own avslag reasons, one per line.
    reasons_text: String,
}

const WEEKDAYS: [(Weekday, &str); 5] = [
    (Weekday::Mon, "mandag"),
    (Weekday::Tue, "tirsdag"),
    (Weekday::Wed, "onsdag"),
    (Weekday::Thu, "torsdag"),
    (Weekday::Fri, "fredag"),
];

impl SettingsView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        stored: &ClinicSettings,
        generation: u64,
        today: NaiveDate,
        members: &[TeamMember],
        actions: &mut Vec<Action>,
    ) {
        if self.draft.is_none() || self.loaded_generation != generation {
            self.draft = Some(stored.clone());
            self.time_text = stored.meeting_time.format("%H:%M").to_string();
            self.reasons_text = stored.avslag_reasons.join("\n");
            self.loaded_generation = generation;
            self.error = None;
        }
        let Some(mut draft) = self.draft.take() else {
            return;
        };
        ui.heading("Innstillinger");
        ui.add_space(6.0);
        text_size_ui(ui);
        ui.add_space(6.0);
        self.clinic_grid_ui(ui, &mut draft, today);
        // The letters' settings fold away: most days nobody edits them.
        egui::CollapsingHeader::new("Brev: brevhode, signatur og tekster")
            .id_salt("letter_settings")
            .show(ui, |ui| {
                egui::Grid::new("letter_settings_grid")
                    .num_columns(2)
                    .spacing([16.0, 8.0])
                    .show(ui, |ui| letters_ui(ui, &mut draft));
            });
        draft.avslag_reasons = self
            .reasons_text
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        self.save_ui(ui, &mut draft, stored, actions);
        self.draft = Some(draft);
        ui.add_space(16.0);
        ui.separator();
        self.team_ui(ui, members, actions);
    }

    /// The clinic's settings in a grid: name, meeting days and time, capacity, the
    /// working-day rule, closed days and the avslag reasons.
    fn clinic_grid_ui(&mut self, ui: &mut egui::Ui, draft: &mut ClinicSettings, today: NaiveDate) {
        egui::Grid::new("settings_grid")
            .num_columns(2)
            .spacing([16.0, 8.0])
            .show(ui, |ui| {
                let label = ui.label("Klinikkens navn");
                ui.add(egui::TextEdit::singleline(&mut draft.clinic_name).desired_width(300.0))
                    .labelled_by(label.id);
                ui.end_row();

                ui.label("Lørdag");
                ui.vertical(|ui| {
                    let saturday = "Regn lørdag som virkedag i fristberegningen";
                    ui.checkbox(&mut draft.saturday_is_working_day, saturday);
                    ui.colored_label(
                        theme::MUTED_TEXT,
                        "Om lørdag er virkedag er ikke avklart i helseretten. Standard: nei.",
                    );
                });
                ui.end_row();

                ui.label("Møtedager");
                ui.horizontal(|ui| {
                    for (day, name) in WEEKDAYS {
                        let mut on = draft.meeting_weekdays.contains(&day);
                        if ui.checkbox(&mut on, name).changed() {
                            draft.meeting_weekdays.retain(|d| *d != day);
                            if on {
                                draft.meeting_weekdays.push(day);
                                draft
                                    .meeting_weekdays
                                    .sort_by_key(|d| d.num_days_from_monday());
                            }
                        }
                    }
                });
                ui.end_row();

                let label = ui.label("Møtetid");
                ui.add(
                    egui::TextEdit::singleline(&mut self.time_text)
                        .hint_text("tt:mm")
                        .desired_width(60.0),
                )
                .labelled_by(label.id);
                ui.end_row();

                let label = ui.label("Kapasitet per møte");
                ui.add(
                    egui::DragValue::new(&mut draft.agenda_capacity)
                        .range(1..=200)
                        .suffix(" henvisninger"),
                )
                .labelled_by(label.id);
                ui.end_row();

                ui.label("Stengte dager");
                ui.vertical(|ui| {
                    ui.colored_label(
                        theme::MUTED_TEXT,
                        "Dager uten inntaksmøte (f.eks. julaften, fellesferie). \
                     Flytter ikke den juridiske fristen.",
                    );
                    let mut remove = None;
                    for (i, c) in draft.closure_days.iter().enumerate() {
                        ui.horizontal(|ui| {
                            ui.label(format_date_weekday(c.date));
                            ui.label(&c.label);
                            if ui.small_button("Fjern").clicked() {
                                remove = Some(i);
                            }
                        });
                    }
                    if let Some(i) = remove {
                        draft.closure_days.remove(i);
                    }
                    ui.horizontal(|ui| {
                        let date = self.new_closure.get_or_insert(today);
                        labelled_date_ui(ui, "Ny stengt dag:", date, "closure_picker");
                        let note = ui.label("Merknad:");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.new_closure_label)
                                .desired_width(160.0),
                        )
                        .labelled_by(note.id);
                        if ui.button("Legg til").clicked()
                            && let Some(d) = self.new_closure
                        {
                            if draft.closure_days.iter().any(|c| c.date == d) {
                                let day = format_date_weekday(d);
                                self.error = Some(format!("{day} er allerede en stengt dag"));
                            } else {
                                let label = self.new_closure_label.trim().into();
                                draft.closure_days.push(ClosureDay { date: d, label });
                                draft.closure_days.sort_by_key(|c| c.date);
                                self.new_closure_label.clear();
                            }
                        }
                    });
                });
                ui.end_row();

                let label = ui.label("Egne avslagsgrunner");
                ui.vertical(|ui| {
                    ui.add(
                        egui::TextEdit::multiline(&mut self.reasons_text)
                            .desired_rows(3)
                            .desired_width(420.0),
                    )
                    .labelled_by(label.id);
                    ui.colored_label(
                        theme::MUTED_TEXT,
                        "Én per linje. Tilbys etter standardgrunnene (primærhelsetjenesten, \
                     forventet nytte, allerede utredet) og før «Annet».",
                    );
                });
                ui.end_row();
            });
    }

    /// "Lagre innstillinger" (checked first) and "Angre endringer".
    fn save_ui(
        &mut self,
        ui: &mut egui::Ui,
        draft: &mut ClinicSettings,
        stored: &ClinicSettings,
        actions: &mut Vec<Action>,
    ) {
        ui.add_space(10.0);
        ui.horizontal(|ui| {
            if ui.button("Lagre innstillinger").clicked() {
                match NaiveTime::parse_from_str(self.time_text.trim(), "%H:%M") {
                    Err(_) => {
                        self.error = Some(format!(
                            "Møtetid «{}» må skrives tt:mm",
                            self.time_text.trim()
                        ))
                    }
                    Ok(time) => {
                        draft.meeting_time = time;
                        match draft.validate() {
                            Ok(()) => {
                                self.error = None;
                                actions.push(Action::Clinic(ClinicAction::SaveSettings(Box::new(
                                    draft.clone(),
                                ))));
                            }
                            Err(e) => self.error = Some(e),
                        }
                    }
                }
            }
            if ui.button("Angre endringer").clicked() {
                *draft = stored.clone();
                self.time_text = stored.meeting_time.format("%H:%M").to_string();
                self.reasons_text = stored.avslag_reasons.join("\n");
                self.error = None;
            }
            if let Some(e) = &self.error {
                ui.colored_label(theme::ERROR_TEXT, e);
            }
        });
    }

    /// The intake team: who can lead and attend meetings. Members are set inactive, never
    /// deleted, so old meetings keep their names.
    fn team_ui(&mut self, ui: &mut egui::Ui, members: &[TeamMember], actions: &mut Vec<Action>) {
        ui.heading("Inntaksteamet");
        if members.is_empty() {
            ui.colored_label(theme::MUTED_TEXT, "Ingen teammedlemmer ennå.");
        }
        egui::Grid::new("team_grid")
            .num_columns(3)
            .spacing([16.0, 4.0])
            .show(ui, |ui| {
                for m in members {
                    ui.label(&m.name);
                    ui.label(m.profession.label_nb());
                    let mut active = m.active;
                    if ui.checkbox(&mut active, "aktiv").changed() {
                        actions.push(Action::Team(TeamAction::SetMemberActive {
                            id: m.id,
                            active,
                        }));
                    }
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            let label = ui.label("Nytt medlem:");
            ui.add(
                egui::TextEdit::singleline(&mut self.new_member_name)
                    .hint_text("navn")
                    .desired_width(180.0),
            )
            .labelled_by(label.id);
            let profession_label = ui.label("Yrke:");
            let chosen = self.new_member_profession;
            egui::ComboBox::from_id_salt("new_member_profession")
                .selected_text(chosen.map_or("velg", Profession::label_nb))
                .show_ui(ui, |ui| {
                    for p in Profession::ALL {
                        ui.selectable_value(&mut self.new_member_profession, Some(p), p.label_nb());
                    }
                })
                .response
                .labelled_by(profession_label.id);
            let ready = !self.new_member_name.trim().is_empty() && chosen.is_some();
            if ui
                .add_enabled(ready, egui::Button::new("Legg til i teamet"))
                .clicked()
                && let Some(profession) = chosen
            {
                actions.push(Action::Team(TeamAction::AddMember {
                    name: self.new_member_name.trim().to_string(),
                    profession,
                }));
                self.new_member_name.clear();
                self.new_member_profession = None;
            }
        });
    }
}

/// Text size for this machine (a projector in the meeting room): a UI preference, not clinic
/// data, so it takes effect at once and is remembered outside the database.
fn text_size_ui(ui: &mut egui::Ui) {
    use super::prefs::{MAX_ZOOM, MIN_ZOOM, UiPrefs, ZOOM_STEP};
    let zoom = ui.ctx().zoom_factor();
    ui.horizontal(|ui| {
        ui.label("Tekststørrelse på denne maskinen:");
        let set = |ui: &egui::Ui, z: f32| ui.ctx().set_zoom_factor(UiPrefs::clamped_zoom(z));
        if ui
            .add_enabled(zoom > MIN_ZOOM + 0.001, egui::Button::new("A−"))
            .on_hover_text("Mindre tekst (Ctrl −)")
            .clicked()
        {
            set(ui, zoom - ZOOM_STEP);
        }
        ui.label(format!("{:.0} %", zoom * 100.0));
        if ui
            .add_enabled(zoom < MAX_ZOOM - 0.001, egui::Button::new("A+"))
            .on_hover_text("Større tekst (Ctrl +)")
            .clicked()
        {
            set(ui, zoom + ZOOM_STEP);
        }
        if ui
            .add_enabled((zoom - 1.0).abs() > 0.001, egui::Button::new("Standard"))
            .on_hover_text("100 % (Ctrl 0)")
            .clicked()
        {
            set(ui, 1.0);
        }
    });
}

/// Innstillinger → Brev: the letterhead, the signer and the paragraphs the clinic words itself.
/// The legally required parts of the letters are in the templates and not editable here.
fn letters_ui(ui: &mut egui::Ui, draft: &mut ClinicSettings) {
    ui.label("");
    ui.colored_label(
        theme::MUTED_TEXT,
        "Brevhodet og tekstene klinikken formulerer selv. Vurderingen, fristen, Helfo og \
         klageadgangen står fast i malene.",
    );
    ui.end_row();
    let multiline = |ui: &mut egui::Ui, label: &str, text: &mut String, rows: usize| {
        let label = ui.label(label);
        ui.add(
            egui::TextEdit::multiline(text)
                .desired_rows(rows)
                .desired_width(420.0),
        )
        .labelled_by(label.id);
        ui.end_row();
    };
    let single = |ui: &mut egui::Ui, label: &str, text: &mut String, hint: &str| {
        let label = ui.label(label);
        ui.add(
            egui::TextEdit::singleline(text)
                .hint_text(hint)
                .desired_width(300.0),
        )
        .labelled_by(label.id);
        ui.end_row();
    };
    let l = &mut draft.letters;
    multiline(ui, "Klinikkens adresse", &mut l.address, 2);
    single(ui, "Telefon", &mut l.phone, "for pasientens spørsmål");
    single(ui, "Signert av", &mut l.signer, "navn");
    single(ui, "Tittel", &mut l.signer_title, "f.eks. overlege");
    multiline(ui, "Kontakt (til pasient)", &mut l.contact, 2);
    multiline(
        ui,
        "Oppmøte og avbestilling (bare brev med time)",
        &mut l.attendance,
        3,
    );
    multiline(ui, "Fritt behandlingsvalg", &mut l.free_choice, 3);
    multiline(ui, "Til henviser", &mut l.referrer_note, 2);
    single(
        ui,
        "HER-id (elektronisk svar)",
        &mut l.her_id,
        "klinikkens HER-id i adresseregisteret",
    );
    let label = ui.label("Mappe for elektroniske svar");
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut l.dialog_folder)
                .hint_text("mappen meldingssystemet henter fra")
                .desired_width(300.0),
        )
        .labelled_by(label.id);
        if ui.button("Velg…").clicked()
            && let Some(dir) = rfd::FileDialog::new()
                .set_title("Mappe for elektroniske svar")
                .pick_folder()
        {
            l.dialog_folder = dir.display().to_string();
        }
    });
    ui.end_row();
    ui.label("Sekundærhenvisning");
    ui.checkbox(
        &mut l.secondary_confirmation,
        "Send pasienten en bekreftelse (ikke et rettighetsbrev) med møtets brev",
    );
    ui.end_row();
    let reasons = {
        let mut all = crate::domain::decision::DEFAULT_AVSLAG_REASONS[..3]
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>();
        all.extend(draft.avslag_reasons.iter().cloned());
        all
    };
    let l = &mut draft.letters;
    for reason in reasons {
        let index = match l.advice_templates.iter().position(|(r, _)| *r == reason) {
            Some(i) => i,
            None => {
                l.advice_templates.push((reason.clone(), String::new()));
                l.advice_templates.len() - 1
            }
        };
        multiline(
            ui,
            &format!("Råd ved «{reason}»"),
            &mut l.advice_templates[index].1,
            2,
        );
    }
}
