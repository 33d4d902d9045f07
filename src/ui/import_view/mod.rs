//! Henvisninger → "Importer…" (issue 13): referrals in without retyping, from a CSV file, a
//! spreadsheet, pasted rows or Henvisning XML files. The source is read off the UI thread; a
//! preview shows the first rows with our column for each of theirs (guessed from the header,
//! changeable, remembered per source), the per-line errors beside them with the command
//! line's texts, and "Importer de gyldige" / "Avbryt". The import itself runs off the UI
//! thread in one transaction, with a progress bar and a cancel that leaves nothing behind.

use super::theme;
use super::{Action, ImportAction, ImportJob, Shared};
use crate::calendar::{format_date, parse_date};
use crate::csvio::{self, FileError, LineError, ParsedFile, Progress, SourceTable};
use crate::domain::{Field, ReferrerKind};
use crate::henvisning;
use chrono::NaiveDate;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};

mod parts;
mod source;
use parts::*;
use source::*;

/// How many of the source's rows the preview shows.
const PREVIEW_ROWS: usize = 12;

/// Where the rows come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportOrigin {
    /// Nothing chosen yet: choose a file, or paste rows.
    Choose,
    /// A file: CSV or a spreadsheet (by its extension), or several Henvisning XML files.
    Files(Vec<PathBuf>),
    /// Rows from the clipboard (Ctrl+V in the queue).
    Pasted(String),
}

/// A Henvisning file in the preview, with what the user confirms.
struct XmlRow {
    file: PathBuf,
    read: Result<henvisning::Referral, String>,
    /// The received date as typed (dd.mm.åååå): today, or a forwarded referral's
    /// ansiennitetsdato.
    received: String,
    kind: ReferrerKind,
    specialty: String,
}

/// What was read from the source, before the user's mapping.
enum Source {
    Table {
        table: SourceTable,
        mapping: Vec<Option<Field>>,
    },
    Xml(Vec<XmlRow>),
}

/// The finished import, as the dialog reports it.
#[derive(Clone, Debug)]
pub struct ImportSummary {
    pub imported: usize,
    pub decisions: usize,
    pub already_present: usize,
    pub skipped_invalid: usize,
    pub undated: usize,
    /// The spreadsheet sheet read (named in the summary).
    pub sheet: Option<String>,
}

/// A running import, shared with its thread.
pub struct RunningImport {
    pub progress: Arc<Progress>,
    pub total: usize,
    pub result: Receiver<super::ImportOutcome>,
}

enum Stage {
    /// Choosing a file or pasting rows.
    Start,
    /// Reading the file off the UI thread.
    Reading(Receiver<Result<Loaded, String>>),
    Preview,
    Running(RunningImport),
    Done(Result<ImportSummary, String>),
}

pub struct ImportDialog {
    origin: ImportOrigin,
    stage: Stage,
    source: Option<Source>,
    /// The rows validated under the current mapping (recomputed when the mapping changes).
    parsed: Option<Result<ParsedFile, String>>,
    /// Pasted rows: whether the first line names the columns.
    has_header: bool,
    paste: String,
    today: NaiveDate,
    /// Remembered mappings (from the UI preferences), by the source's header.
    remembered: std::collections::BTreeMap<String, Vec<String>>,
    /// The dialog's width last frame.
    last_width: Option<f32>,
}

impl ImportDialog {
    pub fn new(
        origin: ImportOrigin,
        today: NaiveDate,
        remembered: std::collections::BTreeMap<String, Vec<String>>,
    ) -> Self {
        let mut dialog = Self {
            origin: ImportOrigin::Choose,
            stage: Stage::Start,
            source: None,
            parsed: None,
            has_header: true,
            paste: String::new(),
            today,
            remembered,
            last_width: None,
        };
        dialog.open(origin);
        dialog
    }

    /// Reads a new source (off the UI thread for files).
    fn open(&mut self, origin: ImportOrigin) {
        self.source = None;
        self.parsed = None;
        self.origin = origin.clone();
        match origin {
            ImportOrigin::Choose => self.stage = Stage::Start,
            ImportOrigin::Pasted(text) => {
                self.has_header = looks_like_header(&text);
                self.paste = text;
                self.read_paste();
            }
            ImportOrigin::Files(files) => self.read_in_background(files, None),
        }
    }

    /// Reads and validates files in a thread: a 100,000-row file takes a second or more.
    fn read_in_background(&mut self, files: Vec<PathBuf>, sheet: Option<String>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let (today, remembered) = (self.today, self.remembered.clone());
        std::thread::spawn(move || {
            let loaded = read_files(&files, sheet.as_deref(), today)
                .map(|source| load(source, &remembered, today));
            let _ = tx.send(loaded);
        });
        self.stage = Stage::Reading(rx);
    }

    fn read_paste(&mut self) {
        match csvio::pasted_table(&self.paste, self.has_header) {
            Ok(table) => {
                let mapping = if self.has_header {
                    csvio::guess_mapping(&table.header)
                } else {
                    vec![None; table.header.len()]
                };
                self.set_source(Source::Table { table, mapping });
            }
            Err(e) => {
                self.stage = Stage::Start;
                self.parsed = Some(Err(e.to_string()));
            }
        }
    }

    fn set_source(&mut self, source: Source) {
        let loaded = load(source, &self.remembered, self.today);
        self.set_loaded(loaded);
    }

    fn set_loaded(&mut self, loaded: Loaded) {
        self.source = Some(loaded.source);
        self.parsed = Some(loaded.parsed);
        self.stage = Stage::Preview;
    }

    /// Validates every row under the current mapping and confirmations (after the user
    /// changed one; the first validation is done where the source is read).
    fn validate(&mut self) {
        let today = self.today;
        self.parsed = self.source.as_ref().map(|source| validated(source, today));
    }

    /// Whether the dialog is busy importing (it cannot be closed then, only cancelled).
    pub fn running(&self) -> bool {
        matches!(self.stage, Stage::Running(_))
    }

    /// The import started by the app for this dialog's request.
    pub fn started(&mut self, running: RunningImport) {
        self.stage = Stage::Running(running);
    }

    /// The import finished (or failed, or was cancelled).
    pub fn finished(&mut self, result: Result<ImportSummary, String>) {
        self.stage = Stage::Done(result);
    }

    pub fn ui(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        self.poll(ctx, actions);
        let width = (ctx.content_rect().width() - 80.0).clamp(420.0, 1180.0);
        // A resized window: one more frame so the dialog is laid out and centred anew.
        if self
            .last_width
            .replace(width)
            .is_some_and(|w| (w - width).abs() > 0.5)
        {
            ctx.request_repaint();
        }
        let height = (ctx.content_rect().height() - 120.0).max(300.0);
        let modal = egui::Modal::new(egui::Id::unique("import_dialog")).show(ctx, |ui| {
            ui.set_width(width);
            ui.set_max_height(height);
            ui.heading("Importer henvisninger");
            ui.add_space(4.0);
            match &self.stage {
                Stage::Start => self.start_ui(ui, actions),
                Stage::Reading(_) => {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(format!("Leser {} …", self.origin_text()));
                    });
                    ui.add_space(8.0);
                    if ui.button("Avbryt").clicked() {
                        actions.push(Action::Import(ImportAction::Close));
                    }
                }
                Stage::Preview => self.preview_ui(ui, actions),
                Stage::Running(run) => running_ui(ui, run),
                Stage::Done(result) => done_ui(ui, result, actions),
            }
        });
        if modal.should_close() && !self.running() {
            actions.push(Action::Import(ImportAction::Close));
        }
    }

    /// Collects the file read and the import's progress.
    fn poll(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        match &self.stage {
            Stage::Reading(rx) => match rx.try_recv() {
                Ok(Ok(loaded)) => self.set_loaded(loaded),
                Ok(Err(e)) => {
                    self.stage = Stage::Start;
                    self.parsed = Some(Err(e));
                }
                Err(TryRecvError::Empty) => {
                    ctx.request_repaint_after(std::time::Duration::from_millis(30))
                }
                Err(TryRecvError::Disconnected) => {
                    self.stage = Stage::Start;
                    self.parsed = Some(Err("Lesingen av filen stoppet uventet".into()));
                }
            },
            Stage::Running(run) => match run.result.try_recv() {
                Ok(result) => {
                    actions.push(Action::Import(ImportAction::Finished(Shared::new(result))))
                }
                Err(TryRecvError::Empty) => {
                    ctx.request_repaint_after(std::time::Duration::from_millis(50))
                }
                Err(TryRecvError::Disconnected) => {
                    self.stage = Stage::Done(Err(
                        "Importen stoppet uventet. Ingenting er importert.".into(),
                    ));
                }
            },
            _ => {}
        }
    }

    fn origin_text(&self) -> String {
        match &self.origin {
            ImportOrigin::Files(files) if files.len() == 1 => {
                format!("«{}»", henvisning::file_name(&files[0]))
            }
            ImportOrigin::Files(files) => format!("{} filer", files.len()),
            ImportOrigin::Pasted(_) => "de innlimte radene".into(),
            ImportOrigin::Choose => "kilden".into(),
        }
    }

    fn start_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        ui.label(
            "Velg en fil (CSV, Excel .xlsx/.xls, .ods, eller henvisninger som XML), slipp en \
             fil på vinduet, eller lim inn rader kopiert fra et regneark eller en liste.",
        );
        if let Some(Err(e)) = &self.parsed {
            ui.colored_label(theme::ERROR_TEXT, e);
        }
        ui.add_space(6.0);
        if ui.button("Velg fil…").clicked() {
            actions.push(Action::Import(ImportAction::ChooseFile));
        }
        ui.add_space(8.0);
        let label = ui.label("Lim inn rader (Ctrl+V i feltet):");
        ui.add(
            egui::TextEdit::multiline(&mut self.paste)
                .desired_rows(6)
                .desired_width(f32::INFINITY)
                .hint_text("Rader med tabulator, ; eller , mellom kolonnene")
                .font(egui::TextStyle::Monospace),
        )
        .labelled_by(label.id);
        ui.horizontal(|ui| {
            let paste = self.paste.clone();
            if ui
                .add_enabled(!paste.trim().is_empty(), egui::Button::new("Lim inn rader"))
                .clicked()
            {
                self.open(ImportOrigin::Pasted(paste));
            }
            if ui.button("Avbryt").clicked() {
                actions.push(Action::Import(ImportAction::Close));
            }
        });
    }

    fn preview_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let mut changed = false;
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
        if !matches!(self.stage, Stage::Preview) {
            return;
        }
        ui.add_space(4.0);
        match &mut self.source {
            Some(Source::Table { table, mapping, .. }) => {
                changed |= mapping_ui(ui, table, mapping);
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
                .add_enabled(valid > 0, egui::Button::new(label))
                .clicked()
                && let Some(Ok(parsed)) = self.parsed.take()
            {
                let inputs = match &self.origin {
                    ImportOrigin::Files(files) => files.clone(),
                    _ => Vec::new(),
                };
                let remember = match &self.source {
                    Some(Source::Table { table, mapping, .. })
                        if !matches!(self.origin, ImportOrigin::Pasted(_)) || self.has_header =>
                    {
                        Some((
                            super::prefs::mapping_key(&table.header),
                            mapping
                                .iter()
                                .map(|f| f.map_or(String::new(), |f| f.csv_column().to_string()))
                                .collect(),
                        ))
                    }
                    _ => None,
                };
                actions.push(Action::Import(ImportAction::Start(Shared::new(
                    ImportJob {
                        parsed,
                        inputs,
                        remember,
                    },
                ))));
            }
            if ui.button("Avbryt").clicked() {
                actions.push(Action::Import(ImportAction::Close));
            }
        });
    }
}
