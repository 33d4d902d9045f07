//! The follow-up editor for one referral: the booked oppmøte and start of care, a track
//! change, the fristbrudd warning, and the kartlegging report-back form.

use super::*;

/// The editor for the selected referral.
#[derive(Clone, Debug)]
pub(super) struct Editor {
    pub(super) referral: ReferralId,
    /// Its index in the care list, found on selection and after each reload (not per frame).
    pub(super) row: usize,
    pub(super) has_booked: bool,
    pub(super) booked: NaiveDate,
    /// The oppmøte's time ("09:30"; empty: not known yet).
    pub(super) booked_time: String,
    /// Only the week is known (allowed when the frist is more than 4 months away).
    pub(super) week_only: bool,
    pub(super) week: String,
    pub(super) has_started: bool,
    pub(super) started: NaiveDate,
    pub(super) upgrade_mode: TeamMode,
    pub(super) note: String,
    pub(super) error: Option<String>,
    /// Why the juridisk frist cannot be met (for the fristbrudd letter and the Helfo sheet).
    pub(super) breach_reason: String,
}

/// The start of care the editor describes, or what is wrong with its time or week.
pub(super) fn editor_care(
    ed: &Editor,
    frist: NaiveDate,
    today: NaiveDate,
) -> Result<CareStart, String> {
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

impl FollowUpView {
    pub(super) fn editor_ui(
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
        });
        // Its own line, wrapping: on one line with the field it widened the editor over the
        // list (the patients' names were cut at 1024 px).
        ui.colored_label(
            theme::MUTED_TEXT,
            "Uke holder når fristen er mer enn 4 måneder fram; uten tid: egen innkalling.",
        );
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
                    crate::ui::LetterTarget::Breach(r.id, ed.breach_reason.trim().to_string()),
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

    pub(super) fn mapping_ui(
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
}
