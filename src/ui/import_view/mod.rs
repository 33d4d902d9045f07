//! Henvisninger → "Importer…" (issue 13): referrals in without retyping, from a CSV file, a
//! spreadsheet, pasted rows or Henvisning XML files. The source is read off the UI thread; a
//! preview shows the first rows with our column for each of theirs (guessed from the header,
//! changeable, remembered per source), the per-line errors beside them with the command
//! line's texts, and "Importer de gyldige" / "Avbryt". The import itself runs off the UI
//! thread in one transaction, with a progress bar and a cancel that leaves nothing behind.

use super::theme;
use super::{Action, ImportAction, ImportJob, Shared};
use crate::calendar::{format_date, parse_date};
use crate::domain::{Field, ReferrerKind};
use crate::import::henvisning;
use crate::import::{self, FileError, LineError, ParsedFile, Progress, SourceTable};
use chrono::NaiveDate;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};

mod parts;
mod preview;
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

/// How a referral message's plan is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanLevel {
    /// New, forwarded, already imported, a change or a cancellation of an open referral.
    Normal,
    /// Needs the leader's eye: a change to a decided referral (confirmed after the import
    /// asks), a cancellation of a decided one (put before the leader, not applied).
    Attention,
    /// A change or cancellation of a referral Inntak does not have: refused unless kept as a
    /// note.
    Unknown,
}

/// What a referral message will do, as the preview shows it before anything is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessagePlan {
    pub text: String,
    pub level: PlanLevel,
}

impl MessagePlan {
    pub fn of(plan: &crate::ops::import::Plan, m: &henvisning::Referral) -> Self {
        use crate::ops::import::Plan;
        let level = match plan {
            Plan::Unknown => PlanLevel::Unknown,
            Plan::Change {
                decided: Some(_),
                changed,
                ..
            } if !changed.is_empty() => PlanLevel::Attention,
            Plan::Cancel {
                decided: Some(_), ..
            } => PlanLevel::Attention,
            _ => PlanLevel::Normal,
        };
        Self {
            text: plan.text(m),
            level,
        }
    }
}

/// A Henvisning file in the preview, with what the user confirms.
struct XmlRow {
    file: PathBuf,
    read: Result<henvisning::Referral, String>,
    /// What it will do against the database as it is (read when the files are loaded).
    plan: Option<MessagePlan>,
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
        /// Columns the user said are not imported. A column with data that is neither mapped
        /// nor skipped stops the import: a column the window does not recognise is never
        /// dropped without a word.
        skipped: Vec<bool>,
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
    /// The invalid rows left out: the line (a file's number for Henvisning files) and why.
    pub invalid_rows: Vec<(u64, String)>,
    /// Possible duplicates, and whether each was imported or left out.
    pub duplicates: Vec<import::PossibleDuplicate>,
    pub undated: usize,
    /// The spreadsheet sheet read (named in the summary).
    pub sheet: Option<String>,
    /// What each change, cancellation or kept note did (file number, text).
    pub messages: Vec<(u64, String)>,
    /// Cancellations of referrals already decided: put before the leader, not applied.
    pub warnings: Vec<(u64, String)>,
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
    /// The import stopped before writing, at rows that look like referrals already there:
    /// the user chooses, row by row, to leave each out (the default) or import it anyway.
    Duplicates(Box<DuplicateChoice>),
    /// The import stopped before writing, at changes to referrals already decided: the
    /// leader confirms them (and the import runs again) or cancels.
    ConfirmChanges(Box<(ImportJob, Vec<(u64, String)>)>),
    Done(Result<ImportSummary, String>),
}

/// The rows back from an import that stopped at possible duplicates, with the choices.
pub struct DuplicateChoice {
    job: ImportJob,
    found: Vec<import::PossibleDuplicate>,
    import_anyway: std::collections::BTreeSet<u64>,
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
    /// Henvisning files loaded whose plans are not read yet (the app reads them once).
    plans_pending: bool,
    /// Keep changes and cancellations of unknown referrals as notes (the leader's choice).
    keep_unknown: bool,
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
            plans_pending: false,
            keep_unknown: false,
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
        match import::pasted_table(&self.paste, self.has_header) {
            Ok(table) => {
                let mapping = if self.has_header {
                    import::guess_mapping(&table.header)
                } else {
                    vec![None; table.header.len()]
                };
                let skipped = empty_columns(&table);
                self.set_source(Source::Table {
                    table,
                    mapping,
                    skipped,
                });
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
        self.plans_pending = matches!(loaded.source, Source::Xml(_));
        self.source = Some(loaded.source);
        self.parsed = Some(loaded.parsed);
        self.stage = Stage::Preview;
    }

    /// The referral messages whose plans the app should read (once, after the files are
    /// loaded), each with its referral as validated.
    pub fn plans_wanted(
        &mut self,
    ) -> Option<Vec<(henvisning::Referral, Option<crate::domain::ReferralFields>)>> {
        if !std::mem::take(&mut self.plans_pending) {
            return None;
        }
        let Some(Source::Xml(rows)) = &self.source else {
            return None;
        };
        let parsed = self.parsed.as_ref().and_then(|p| p.as_ref().ok());
        Some(
            rows.iter()
                .enumerate()
                .filter_map(|(i, row)| {
                    let m = row.read.as_ref().ok()?;
                    let fields = parsed
                        .and_then(|p| p.rows.iter().find(|r| r.line == i as u64 + 1))
                        .and_then(|r| r.result.as_ref().ok())
                        .map(|r| r.fields.clone());
                    Some((m.clone(), fields))
                })
                .collect(),
        )
    }

    /// The plans the app read, in the order `plans_wanted` gave the messages.
    pub fn set_plans(&mut self, plans: Vec<MessagePlan>) {
        if let Some(Source::Xml(rows)) = &mut self.source {
            let mut plans = plans.into_iter();
            for row in rows.iter_mut().filter(|r| r.read.is_ok()) {
                row.plan = plans.next();
            }
        }
    }

    /// The import stopped at changes to decided referrals (nothing written): ask the leader.
    pub fn ask_to_confirm_changes(&mut self, job: ImportJob, changes: Vec<(u64, String)>) {
        self.stage = Stage::ConfirmChanges(Box::new((job, changes)));
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

    /// The import stopped at possible duplicates (nothing written): ask about them.
    pub fn ask_about_duplicates(&mut self, job: ImportJob, found: Vec<import::PossibleDuplicate>) {
        self.stage = Stage::Duplicates(Box::new(DuplicateChoice {
            job,
            found,
            import_anyway: Default::default(),
        }));
    }

    /// The XML files' names, when the source is Henvisning files (a line is a file).
    fn xml_files(&self) -> Option<Vec<String>> {
        match &self.source {
            Some(Source::Xml(rows)) => Some(
                rows.iter()
                    .map(|r| henvisning::file_name(&r.file))
                    .collect(),
            ),
            _ => None,
        }
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
            // One height while the preview is shown: the dialog is centred, and a height that
            // followed the content moved it under the mouse after each column choice.
            if matches!(
                self.stage,
                Stage::Preview | Stage::Duplicates(_) | Stage::ConfirmChanges(_)
            ) {
                ui.set_min_height(height);
            }
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
                Stage::Duplicates(_) => self.duplicates_ui(ui, actions),
                Stage::ConfirmChanges(_) => self.confirm_changes_ui(ui, actions),
                Stage::Done(result) => {
                    let files = self.xml_files();
                    done_ui(ui, result, files.as_deref(), actions)
                }
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
                    actions.push(Action::Import(ImportAction::Finished(Shared::new(result))));
                    // The summary is drawn at once, not when the mouse next moves.
                    ctx.request_repaint();
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

    /// The rows that look like a referral already there (or an earlier row): each with
    /// "Importer likevel" (unticked: left out), then the import of the rest.
    fn duplicates_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let files = self.xml_files();
        let Stage::Duplicates(choice) = &mut self.stage else {
            return;
        };
        let n = choice.found.len();
        ui.colored_label(
            theme::WARNING_TEXT,
            format!(
                "{} ligner en henvisning som finnes for samme pasient (samme fødselsnummer, eller \
                 navn og fødselsår, innen 30 dager). Ingenting er importert ennå.",
                if n == 1 {
                    "1 rad".to_string()
                } else {
                    format!("{n} rader")
                }
            ),
        );
        ui.label("Kryss av for dem som likevel skal importeres; de andre hoppes over.");
        ui.horizontal(|ui| {
            if ui.button("Hopp over alle").clicked() {
                choice.import_anyway.clear();
            }
            if ui.button("Importer alle likevel").clicked() {
                choice.import_anyway = choice.found.iter().map(|d| d.line).collect();
            }
        });
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 8.0;
        egui::ScrollArea::vertical()
            .id_salt("import_duplicates")
            .max_height((ui.available_height() - 80.0).max(120.0))
            .show_rows(ui, row_height, n, |ui, range| {
                for d in &choice.found[range] {
                    let mut anyway = choice.import_anyway.contains(&d.line);
                    let text = match &files {
                        Some(names) => d.text().replacen(
                            &format!("linje {}", d.line),
                            crate::import::henvisning::file_of_line(names, d.line),
                            1,
                        ),
                        None => d.text(),
                    };
                    if ui
                        .checkbox(&mut anyway, format!("Importer likevel – {text}"))
                        .changed()
                    {
                        if anyway {
                            choice.import_anyway.insert(d.line);
                        } else {
                            choice.import_anyway.remove(&d.line);
                        }
                    }
                }
            });
        ui.add_space(6.0);
        let left_out = n - choice.import_anyway.len();
        ui.horizontal(|ui| {
            let label = if left_out == 0 {
                "Importer alle".to_string()
            } else {
                format!("Importer, og hopp over {left_out}")
            };
            if ui.button(label).clicked()
                && let Stage::Duplicates(choice) =
                    std::mem::replace(&mut self.stage, Stage::Preview)
            {
                let DuplicateChoice {
                    mut job,
                    import_anyway,
                    ..
                } = *choice;
                job.duplicates = import::Duplicates::ImportLines(import_anyway);
                job.remember = None;
                actions.push(Action::Import(ImportAction::Start(Shared::new(job))));
                return;
            }
            if ui.button("Avbryt").clicked() {
                actions.push(Action::Import(ImportAction::Close));
            }
        });
    }

    /// Changes to referrals already decided: listed, applied only when the leader confirms.
    fn confirm_changes_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let files = self.xml_files();
        let Stage::ConfirmChanges(choice) = &self.stage else {
            return;
        };
        let n = choice.1.len();
        ui.colored_label(
            theme::WARNING_TEXT,
            format!(
                "{} gjelder henvisninger som alt er avgjort. Ingenting er importert ennå. \
                 Avgjørelsen står; endringene gjelder henvisningens opplysninger og logges.",
                if n == 1 {
                    "1 endringsmelding".to_string()
                } else {
                    format!("{n} endringsmeldinger")
                }
            ),
        );
        let lines: Vec<String> = choice
            .1
            .iter()
            .map(|(line, said)| match &files {
                Some(names) => format!("{}: {said}", henvisning::file_of_line(names, *line)),
                None => format!("linje {line}: {said}"),
            })
            .collect();
        error_lines_ui(ui, "import_confirm_changes", &lines);
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui.button("Gjennomfør endringene og importer").clicked()
                && let Stage::ConfirmChanges(choice) =
                    std::mem::replace(&mut self.stage, Stage::Preview)
            {
                let (mut job, _) = *choice;
                job.confirm_changes = true;
                job.remember = None;
                actions.push(Action::Import(ImportAction::Start(Shared::new(job))));
                return;
            }
            if ui.button("Avbryt").clicked() {
                actions.push(Action::Import(ImportAction::Close));
            }
        });
    }
}
