//! The import dialog's preview: the source, the columns (or the messages and what each
//! will do), the counts and errors, and the start of the import.

use super::*;

impl ImportDialog {
    pub(super) fn preview_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let mut changed = false;
        self.source_bar_ui(ui);
        if !matches!(self.stage, Stage::Preview) {
            return;
        }
        ui.add_space(4.0);
        match &mut self.source {
            Some(Source::Table {
                table,
                mapping,
                skipped,
            }) => {
                changed |= mapping_ui(ui, table, mapping, skipped);
            }
            Some(Source::Xml(rows)) => {
                changed |= xml_ui(ui, rows);
            }
            None => {}
        }
        if changed {
            self.validate();
        }
        ui.separator();
        let (valid, invalid) = match &self.parsed {
            Some(Ok(parsed)) => {
                let valid = parsed.rows.iter().filter(|r| r.result.is_ok()).count();
                (valid, parsed.rows.len() - valid)
            }
            _ => (0, 0),
        };
        let unknown = match &self.source {
            Some(Source::Xml(rows)) => rows
                .iter()
                .filter(|r| {
                    r.plan
                        .as_ref()
                        .is_some_and(|p| p.level == PlanLevel::Unknown)
                })
                .count(),
            _ => 0,
        };
        if unknown > 0 {
            ui.colored_label(
                theme::ERROR_TEXT,
                format!(
                    "{} gjelder en henvisning som ikke finnes i Inntak. Importer den opprinnelige \
                     henvisningen først, eller behold {} som notat (uten å endre noen henvisning).",
                    if unknown == 1 {
                        "1 melding".to_string()
                    } else {
                        format!("{unknown} meldinger")
                    },
                    if unknown == 1 { "den" } else { "dem" }
                ),
            );
            ui.checkbox(&mut self.keep_unknown, "Behold som notat");
        }
        let unchosen = match &self.source {
            Some(Source::Table {
                table,
                mapping,
                skipped,
            }) => unchosen_columns(table, mapping, skipped),
            _ => Vec::new(),
        };
        for column in &unchosen {
            ui.colored_label(
                theme::ERROR_TEXT,
                format!(
                    "Kolonne {column} er ikke valgt: velg vår kolonne for den, eller \
                     «– importeres ikke –» hvis den ikke skal med."
                ),
            );
        }
        match &self.parsed {
            Some(Err(e)) => {
                ui.colored_label(theme::ERROR_TEXT, e);
            }
            Some(Ok(parsed)) => {
                ui.label(format!(
                    "{valid} gyldige rader, {invalid} med feil (av {}).",
                    parsed.rows.len()
                ));
                if invalid > 0 {
                    let files: Option<Vec<String>> = match &self.source {
                        Some(Source::Xml(rows)) => Some(
                            rows.iter()
                                .map(|r| henvisning::file_name(&r.file))
                                .collect(),
                        ),
                        _ => None,
                    };
                    errors_ui(ui, parsed, files.as_deref());
                }
            }
            None => {}
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let label = if invalid > 0 {
                format!("Importer de gyldige ({valid})")
            } else {
                format!("Importer ({valid})")
            };
            if ui
                .add_enabled(
                    valid > 0 && unchosen.is_empty() && (unknown == 0 || self.keep_unknown),
                    egui::Button::new(label),
                )
                .clicked()
                && let Some(Ok(parsed)) = self.parsed.take()
            {
                self.start(parsed, actions);
            }
            if ui.button("Avbryt").clicked() {
                actions.push(Action::Import(ImportAction::Close));
            }
        });
    }

    /// The source's name, the header switch for pasted rows and the sheet choice.
    fn source_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("Kilde: {}", self.origin_text()));
            if let ImportOrigin::Pasted(_) = self.origin
                && ui
                    .checkbox(&mut self.has_header, "Første rad er overskrift")
                    .changed()
            {
                self.read_paste();
            }
            if let Some(Source::Table { table, .. }) = &self.source
                && table.sheets.len() > 1
            {
                let mut chosen = table.sheet.clone().unwrap_or_default();
                egui::ComboBox::from_label("Ark")
                    .selected_text(chosen.clone())
                    .show_ui(ui, |ui| {
                        for name in &table.sheets {
                            ui.selectable_value(&mut chosen, name.clone(), name);
                        }
                    });
                if Some(&chosen) != table.sheet.as_ref()
                    && let ImportOrigin::Files(files) = &self.origin
                {
                    let files = files.clone();
                    self.read_in_background(files, Some(chosen));
                }
            }
        });
    }

    /// Starts the import of the validated rows (remembering the column choices for this
    /// header).
    fn start(&mut self, parsed: ParsedFile, actions: &mut Vec<Action>) {
        let inputs = match &self.origin {
            ImportOrigin::Files(files) => files.clone(),
            _ => Vec::new(),
        };
        let remember = match &self.source {
            Some(Source::Table {
                table,
                mapping,
                skipped,
            }) if !matches!(self.origin, ImportOrigin::Pasted(_)) || self.has_header => Some((
                crate::ui::prefs::mapping_key(&table.header),
                mapping
                    .iter()
                    .zip(skipped)
                    .map(|(f, skip)| match f {
                        Some(f) => f.csv_column().to_string(),
                        None if *skip => SKIPPED_COLUMN.to_string(),
                        None => String::new(),
                    })
                    .collect(),
            )),
            _ => None,
        };
        let messages = match &self.source {
            Some(Source::Xml(rows)) => rows.iter().map(|r| r.read.clone().ok()).collect(),
            _ => Vec::new(),
        };
        actions.push(Action::Import(ImportAction::Start(Shared::new(
            ImportJob {
                parsed,
                inputs,
                remember,
                duplicates: import::Duplicates::Ask,
                messages,
                confirm_changes: false,
                keep_unknown_as_notes: self.keep_unknown,
            },
        ))));
    }
}
