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

/// A source read and validated.
struct Loaded {
    source: Source,
    parsed: Result<ParsedFile, String>,
}

/// Applies a remembered mapping for the source's header (if any) and validates the rows.
fn load(
    mut source: Source,
    remembered: &std::collections::BTreeMap<String, Vec<String>>,
    today: NaiveDate,
) -> Loaded {
    if let Source::Table { table, mapping, .. } = &mut source
        && let Some(saved) = remembered.get(&super::prefs::mapping_key(&table.header))
        && saved.len() == mapping.len()
    {
        let fields = csvio::importable_fields();
        *mapping = saved
            .iter()
            .map(|code| fields.iter().copied().find(|f| f.csv_column() == code))
            .collect();
    }
    let parsed = validated(&source, today);
    Loaded { source, parsed }
}

fn validated(source: &Source, today: NaiveDate) -> Result<ParsedFile, String> {
    match source {
        Source::Table { table, mapping, .. } => csvio::columns_of(&table.header, mapping)
            .map(|columns| csvio::validate_table(table.clone(), &columns, today))
            .map_err(|e| e.to_string()),
        Source::Xml(rows) => xml_parsed(rows, today).map_err(|e| e.to_string()),
    }
}

/// Whether pasted text starts with a header line: a cell of the first line names one of our
/// columns.
fn looks_like_header(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    let delimiter = csvio::detect_delimiter(first) as char;
    let cells: Vec<String> = first.split(delimiter).map(str::to_string).collect();
    csvio::guess_mapping(&cells).iter().any(Option::is_some)
}

/// Reads files into a source: Henvisning XML (all of them), else one CSV or spreadsheet.
fn read_files(files: &[PathBuf], sheet: Option<&str>, today: NaiveDate) -> Result<Source, String> {
    if !files.is_empty() && files.iter().all(|f| henvisning::is_xml(f)) {
        let rows = files
            .iter()
            .map(|file| {
                let read = henvisning::read_one(file);
                let (received, kind) = match &read {
                    Ok(r) => (r.received_on(None, today), r.referrer_kind),
                    Err(_) => (today, ReferrerKind::Annet),
                };
                XmlRow {
                    file: file.clone(),
                    read,
                    received: format_date(received),
                    kind,
                    specialty: String::new(),
                }
            })
            .collect();
        return Ok(Source::Xml(rows));
    }
    let [file] = files else {
        return Err(
            "Flere filer kan bare importeres på én gang når alle er henvisninger (.xml)".into(),
        );
    };
    // The source's own header, whatever its names: the user maps the columns.
    let table = csvio::read_table(file, sheet, |_| Ok(())).map_err(|e| e.to_string())?;
    let mapping = csvio::guess_mapping(&table.header);
    Ok(Source::Table { table, mapping })
}

/// The Henvisning rows as an import, with the user's confirmations.
fn xml_parsed(rows: &[XmlRow], today: NaiveDate) -> Result<ParsedFile, FileError> {
    let lines = rows.iter().enumerate().map(|(i, row)| {
        let line = i as u64 + 1;
        match &row.read {
            Ok(r) => {
                let received = parse_date(&row.received).ok_or_else(|| LineError {
                    line,
                    field: Field::Received.csv_column().into(),
                    message: format!("«{}» er ikke en dato (dd.mm.åååå)", row.received),
                })?;
                Ok((line, henvisning::row(r, received, row.kind, &row.specialty)))
            }
            Err(message) => Err(LineError {
                line,
                field: henvisning::file_name(&row.file),
                message: message.clone(),
            }),
        }
    });
    csvio::validate_lines(henvisning::header(), lines, today)
}

/// Their columns with our column for each (a choice), and the first rows under them.
/// Returns whether the mapping changed.
fn mapping_ui(ui: &mut egui::Ui, table: &SourceTable, mapping: &mut [Option<Field>]) -> bool {
    let mut changed = false;
    let fields = csvio::importable_fields();
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
                    for (i, chosen) in mapping.iter_mut().enumerate() {
                        let text = chosen.map_or("– importeres ikke –", |f| f.label_nb());
                        let theirs = table.header.get(i).map_or("", |h| h.trim());
                        egui::ComboBox::from_id_salt(("import_map", i))
                            .selected_text(text)
                            .width(150.0)
                            .show_ui(ui, |ui| {
                                changed |= ui
                                    .selectable_value(chosen, None, "– importeres ikke –")
                                    .changed();
                                for f in &fields {
                                    changed |= ui
                                        .selectable_value(chosen, Some(*f), f.label_nb())
                                        .changed();
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
fn xml_ui(ui: &mut egui::Ui, rows: &mut [XmlRow]) -> bool {
    let mut changed = false;
    egui::ScrollArea::vertical()
        .id_salt("import_xml")
        .max_height(280.0)
        .show(ui, |ui| {
            egui::Grid::new("import_xml_grid")
                .striped(true)
                .spacing([10.0, 4.0])
                .show(ui, |ui| {
                    for head in ["Fil", "Pasient", "Henviser", "Henvisertype", "Mottatt", ""] {
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
                                changed |= ui
                                    .add(
                                        egui::TextEdit::singleline(&mut row.received)
                                            .desired_width(90.0),
                                    )
                                    .accessible_name(format!("Mottatt for {file}"))
                                    .changed();
                                match r.seniority_date {
                                    Some(d) => ui.colored_label(
                                        theme::MUTED_TEXT,
                                        format!("videresendt: ansiennitetsdato {}", format_date(d)),
                                    ),
                                    None => ui.label(""),
                                };
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
fn errors_ui(ui: &mut egui::Ui, parsed: &ParsedFile, files: Option<&[String]>) {
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
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 2.0;
    egui::ScrollArea::vertical()
        .id_salt("import_errors")
        .max_height(160.0)
        .show_rows(ui, row_height, errors.len(), |ui, range| {
            for e in &errors[range] {
                ui.colored_label(theme::ERROR_TEXT, e);
            }
        });
}

fn running_ui(ui: &mut egui::Ui, run: &RunningImport) {
    let done = run.progress.done.load(Ordering::Relaxed).min(run.total);
    let share = if run.total == 0 {
        0.0
    } else {
        done as f32 / run.total as f32
    };
    ui.label("Importerer … (alt eller ingenting: avbryter du, blir ingenting importert)");
    ui.add(egui::ProgressBar::new(share).show_percentage());
    ui.label(format!(
        "{} av {} rader",
        crate::stats::thousands(done),
        crate::stats::thousands(run.total)
    ));
    if run.progress.cancel.load(Ordering::Relaxed) {
        ui.label("Avbryter …");
    } else if ui.button("Avbryt importen").clicked() {
        run.progress.cancel.store(true, Ordering::Relaxed);
    }
}

fn done_ui(ui: &mut egui::Ui, result: &Result<ImportSummary, String>, actions: &mut Vec<Action>) {
    match result {
        Ok(s) => {
            ui.label(format!("Importerte {}.", referrals_nb(s.imported)));
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
            if s.skipped_invalid > 0 {
                ui.colored_label(
                    theme::ERROR_TEXT,
                    format!(
                        "{} med feil ble ikke importert; rett dem i kilden og importer på nytt.",
                        if s.skipped_invalid == 1 {
                            "1 rad".to_string()
                        } else {
                            format!("{} rader", s.skipped_invalid)
                        }
                    ),
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

/// "1 henvisning", "2 henvisninger".
fn referrals_nb(n: usize) -> String {
    if n == 1 {
        "1 henvisning".into()
    } else {
        format!("{n} henvisninger")
    }
}

/// A cell as the preview shows it: one line, at most `max` characters.
fn short(text: &str, max: usize) -> String {
    let one_line = crate::files::clean_for_terminal(&text.replace(['\n', '\r', '\t'], " "));
    if one_line.chars().count() > max {
        format!("{}…", one_line.chars().take(max).collect::<String>())
    } else {
        one_line
    }
}
