//! The import dialog's parts: the column mapping, the Henvisning XML rows, the line errors,
//! the progress and the summary.

use super::*;

/// Their columns with our column for each (a choice), and the first rows under them.
/// Returns whether the mapping changed.
pub(super) fn mapping_ui(
    ui: &mut egui::Ui,
    table: &SourceTable,
    mapping: &mut [Option<Field>],
    skipped: &mut [bool],
) -> bool {
    let mut changed = false;
    let fields = import::importable_fields();
    ui.label("Velg vår kolonne for hver av deres (gjettet fra overskriften):");
    egui::ScrollArea::horizontal()
        .id_salt("import_preview")
        .show(ui, |ui| {
            egui::Grid::new("import_preview_grid")
                .striped(true)
                .spacing([10.0, 4.0])
                .show(ui, |ui| {
                    for name in &table.header {
                        ui.strong(short(name, 24));
                    }
                    ui.end_row();
                    for (i, (chosen, skip)) in
                        mapping.iter_mut().zip(skipped.iter_mut()).enumerate()
                    {
                        let text = match (*chosen, *skip) {
                            (Some(f), _) => egui::RichText::new(f.label_nb()),
                            (None, true) => egui::RichText::new("– importeres ikke –"),
                            (None, false) => {
                                egui::RichText::new("– velg –").color(theme::ERROR_TEXT)
                            }
                        };
                        let theirs = table.header.get(i).map_or("", |h| h.trim());
                        egui::ComboBox::from_id_salt(("import_map", i))
                            .selected_text(text)
                            .width(150.0)
                            .show_ui(ui, |ui| {
                                if ui
                                    .selectable_label(
                                        chosen.is_none() && *skip,
                                        "– importeres ikke –",
                                    )
                                    .clicked()
                                {
                                    *chosen = None;
                                    *skip = true;
                                    changed = true;
                                }
                                for f in &fields {
                                    if ui
                                        .selectable_value(chosen, Some(*f), f.label_nb())
                                        .changed()
                                    {
                                        *skip = false;
                                        changed = true;
                                    }
                                }
                            })
                            .response
                            .accessible_name(format!("Kolonne «{}»", short(theirs, 24)));
                    }
                    ui.end_row();
                    for row in table
                        .rows
                        .iter()
                        .filter_map(|r| r.as_ref().ok())
                        .take(PREVIEW_ROWS)
                    {
                        for cell in row.1.iter().take(table.header.len()) {
                            ui.label(short(cell, 24));
                        }
                        ui.end_row();
                    }
                });
        });
    if table.rows.len() > PREVIEW_ROWS {
        ui.colored_label(
            theme::MUTED_TEXT,
            format!("… og {} rader til", table.rows.len() - PREVIEW_ROWS),
        );
    }
    changed
}

/// The Henvisning files: what each says, with the received date and (when the message did
/// not say) the referrer kind to confirm. Returns whether anything changed.
pub(super) fn xml_ui(ui: &mut egui::Ui, rows: &mut [XmlRow]) -> bool {
    let mut changed = false;
    // What is left beside the other columns (file, patient, referrer, kind, received).
    let what_width = (ui.available_width() - 640.0).clamp(220.0, 620.0);
    egui::ScrollArea::vertical()
        .id_salt("import_xml")
        .max_height(280.0)
        .show(ui, |ui| {
            egui::Grid::new("import_xml_grid")
                .striped(true)
                .spacing([10.0, 4.0])
                .show(ui, |ui| {
                    for head in [
                        "Fil",
                        "Pasient",
                        "Henviser",
                        "Henvisertype",
                        "Mottatt",
                        "Hva skjer",
                    ] {
                        ui.strong(head);
                    }
                    ui.end_row();
                    for (i, row) in rows.iter_mut().enumerate() {
                        ui.label(short(&henvisning::file_name(&row.file), 28));
                        match &row.read {
                            Ok(r) => {
                                ui.label(short(&r.patient, 28));
                                ui.label(short(&r.referrer, 36));
                                if r.referrer_kind_known {
                                    ui.label(row.kind.label_nb());
                                } else {
                                    let file = henvisning::file_name(&row.file);
                                    ui.horizontal(|ui| {
                                        egui::ComboBox::from_id_salt(("import_kind", i))
                                            .selected_text(row.kind.label_nb())
                                            .show_ui(ui, |ui| {
                                                for k in ReferrerKind::ALL {
                                                    changed |= ui
                                                        .selectable_value(
                                                            &mut row.kind,
                                                            k,
                                                            k.label_nb(),
                                                        )
                                                        .changed();
                                                }
                                            })
                                            .response
                                            .accessible_name(format!("Henvisertype for {file}"));
                                        if row.kind == ReferrerKind::Sykehusavdeling {
                                            changed |= ui
                                                .add(
                                                    egui::TextEdit::singleline(&mut row.specialty)
                                                        .hint_text("fagfelt")
                                                        .desired_width(110.0),
                                                )
                                                .accessible_name(format!("Fagfelt for {file}"))
                                                .changed();
                                        }
                                    });
                                }
                                let file = henvisning::file_name(&row.file);
                                // Its exact size: in a grid cell sized by the last frame a
                                // desired width alone was cut to "07.12".
                                changed |= ui
                                    .add_sized(
                                        egui::vec2(104.0, ui.spacing().interact_size.y),
                                        egui::TextEdit::singleline(&mut row.received),
                                    )
                                    .accessible_name(format!("Mottatt for {file}"))
                                    .changed();
                                let mut what = match &row.plan {
                                    Some(p) => p.text.clone(),
                                    None => String::new(),
                                };
                                if let Some(d) = r.seniority_date.filter(|_| !r.is_assessed()) {
                                    what = format!(
                                        "{what}{}videresendt: ansiennitetsdato {}",
                                        if what.is_empty() { "" } else { "; " },
                                        format_date(d)
                                    );
                                }
                                let colour = match row.plan.as_ref().map(|p| p.level) {
                                    Some(PlanLevel::Unknown) => theme::ERROR_TEXT,
                                    Some(PlanLevel::Attention) => theme::WARNING_TEXT,
                                    _ => ui.visuals().text_color(),
                                };
                                // One line, as wide as the dialog allows; the whole text on
                                // hover (a wrapped label squeezes the grid's other columns).
                                ui.allocate_ui_with_layout(
                                    egui::vec2(what_width, ui.spacing().interact_size.y),
                                    egui::Layout::left_to_right(egui::Align::Center),
                                    |ui| {
                                        ui.add(
                                            egui::Label::new(
                                                egui::RichText::new(short(&what, 200))
                                                    .color(colour),
                                            )
                                            .truncate(),
                                        )
                                        .on_hover_text(what.clone());
                                    },
                                );
                            }
                            Err(e) => {
                                ui.colored_label(theme::ERROR_TEXT, short(e, 80));
                                for _ in 0..4 {
                                    ui.label("");
                                }
                            }
                        }
                        ui.end_row();
                    }
                });
        });
    changed
}

/// The per-line errors, with the command line's texts (virtualised: a file may hold
/// thousands). Henvisning files are named in place of a line number, as on the command line.
pub(super) fn errors_ui(ui: &mut egui::Ui, parsed: &ParsedFile, files: Option<&[String]>) {
    let errors: Vec<String> = parsed
        .rows
        .iter()
        .filter_map(|r| r.result.as_ref().err())
        .flatten()
        .map(|e: &LineError| match files {
            Some(names) => henvisning::error_text(e, names),
            None => e.to_string(),
        })
        .collect();
    ui.label("Feil (disse radene importeres ikke):");
    error_lines_ui(ui, "import_errors", &errors);
}

/// Error lines in red, virtualised (a file may hold thousands).
pub(super) fn error_lines_ui(ui: &mut egui::Ui, id: &str, lines: &[String]) {
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 2.0;
    egui::ScrollArea::vertical()
        .id_salt(id)
        .max_height(160.0)
        .show_rows(ui, row_height, lines.len(), |ui, range| {
            for line in &lines[range] {
                ui.colored_label(theme::ERROR_TEXT, line);
            }
        });
}

pub(super) fn running_ui(ui: &mut egui::Ui, run: &RunningImport) {
    let done = run.progress.done.load(Ordering::Relaxed).min(run.total);
    let share = if run.total == 0 {
        0.0
    } else {
        done as f32 / run.total as f32
    };
    ui.label("Importerer … (alt eller ingenting: avbryter du, blir ingenting importert)");
    ui.add(egui::ProgressBar::new(share).show_percentage());
    if done >= run.total {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!(
                "Alle {} rader er lest inn; lagrer og oppdaterer køen …",
                crate::stats::thousands(run.total)
            ));
        });
    } else {
        ui.label(format!(
            "{} av {} rader",
            crate::stats::thousands(done),
            crate::stats::thousands(run.total)
        ));
    }
    if run.progress.cancel.load(Ordering::Relaxed) {
        ui.label("Avbryter …");
    } else if ui.button("Avbryt importen").clicked() {
        run.progress.cancel.store(true, Ordering::Relaxed);
    }
}

pub(super) fn done_ui(
    ui: &mut egui::Ui,
    result: &Result<ImportSummary, String>,
    files: Option<&[String]>,
    actions: &mut Vec<Action>,
) {
    match result {
        Ok(s) => {
            match &s.sheet {
                Some(sheet) => ui.label(format!(
                    "Importerte {} (leste arket «{sheet}»).",
                    referrals_nb(s.imported)
                )),
                None => ui.label(format!("Importerte {}.", referrals_nb(s.imported))),
            };
            if s.decisions > 0 {
                ui.label(format!(
                    "{} av dem hadde en avgjørelse fra før og telles i statistikken.",
                    s.decisions
                ));
            }
            if s.already_present > 0 {
                ui.label(format!(
                    "{} fantes fra før (samme henvisnings-ID) og ble hoppet over.",
                    s.already_present
                ));
            }
            let skipped: Vec<_> = s
                .duplicates
                .iter()
                .filter(|d| d.handled == import::DuplicateHandling::Skipped)
                .collect();
            let anyway = s.duplicates.len() - skipped.len();
            if !skipped.is_empty() {
                ui.label(format!(
                    "{} som lignet en henvisning for samme pasient ble hoppet over.",
                    rows_nb(skipped.len())
                ));
            }
            if anyway > 0 {
                ui.label(format!(
                    "{} som lignet en henvisning for samme pasient ble importert likevel.",
                    rows_nb(anyway)
                ));
            }
            if s.skipped_invalid > 0 {
                ui.colored_label(
                    theme::ERROR_TEXT,
                    format!(
                        "{} med feil ble ikke importert. De {} gyldige er importert – rett \
                         radene under i kilden og importer bare de rettede radene (ellers kommer \
                         de andre inn to ganger).",
                        rows_nb(s.skipped_invalid),
                        s.imported
                    ),
                );
                let lines: Vec<String> = s
                    .invalid_rows
                    .iter()
                    .map(|(line, why)| match files {
                        Some(names) => format!("{}: {why}", henvisning::file_of_line(names, *line)),
                        None => format!("linje {line}: {why}"),
                    })
                    .collect();
                error_lines_ui(ui, "import_done_errors", &lines);
            }
            for (line, said) in &s.messages {
                ui.label(match files {
                    Some(names) => format!("{}: {said}", henvisning::file_of_line(names, *line)),
                    None => format!("linje {line}: {said}"),
                });
            }
            for (line, said) in &s.warnings {
                ui.colored_label(
                    theme::WARNING_TEXT,
                    match files {
                        Some(names) => {
                            format!(
                                "Varsel – {}: {said}",
                                henvisning::file_of_line(names, *line)
                            )
                        }
                        None => format!("Varsel – linje {line}: {said}"),
                    },
                );
            }
            if s.undated > 0 {
                ui.label(format!(
                    "Merk: {} har en avgjort status uten dato i «avgjort», og telles ikke i \
                     statistikken.",
                    s.undated
                ));
            }
            if s.imported > 0 {
                ui.colored_label(
                    theme::MUTED_TEXT,
                    "Køen viser nå bare de nye henvisningene, den første valgt («Vis alle» \
                     over køen viser resten igjen).",
                );
            }
        }
        Err(e) => {
            ui.colored_label(theme::ERROR_TEXT, e);
        }
    }
    ui.add_space(6.0);
    if ui.button("Lukk").clicked() {
        actions.push(Action::Import(ImportAction::Close));
    }
}

/// "1 rad", "2 rader".
pub(super) fn rows_nb(n: usize) -> String {
    if n == 1 {
        "1 rad".into()
    } else {
        format!("{n} rader")
    }
}

/// "1 henvisning", "2 henvisninger".
pub(super) fn referrals_nb(n: usize) -> String {
    if n == 1 {
        "1 henvisning".into()
    } else {
        format!("{n} henvisninger")
    }
}

/// A cell as the preview shows it: one line, at most `max` characters.
pub(super) fn short(text: &str, max: usize) -> String {
    let one_line = crate::files::clean_for_terminal(&text.replace(['\n', '\r', '\t'], " "));
    if one_line.chars().count() > max {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    } else {
        one_line
    }
}
