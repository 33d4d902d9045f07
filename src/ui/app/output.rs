//! File output from the window: PDFs and CSV files written atomically and access-logged.

use super::*;
use crate::domain::meeting::MeetingId;
use crate::ops::documents::Document;
use crate::ops::{documents, letters};
use crate::planning::PrintOptions;
use std::path::PathBuf;

impl App {
    /// Writes a CSV file (save dialog, or `export_dir`, or the documents folder when no dialog
    /// can open) and says how many rows it holds.
    pub(super) fn export_csv(&mut self, doc: Document) {
        let (name, rows) = (doc.file_name.as_str(), doc.rows);
        let path = match &self.export_dir {
            Some(dir) => dir.join(name),
            None => match rfd::FileDialog::new()
                .set_file_name(name)
                .add_filter("CSV", &["csv"])
                .save_file()
            {
                Some(p) => p,
                None => match Self::fallback_export_dir() {
                    Some(dir) => dir.join(name),
                    None => return self.error("Fant ingen mappe å lagre CSV-filen i"),
                },
            },
        };
        match self.write_output(&path, &doc) {
            Ok(()) => {
                self.last_export = Some(path.clone());
                self.info(format!("{rows} rader eksportert til {}", path.display()));
            }
            Err(e) => self.error(e),
        }
    }

    /// Renders the agenda (or, with `minutes`, the referat) to PDF, asks where to save it (or
    /// uses `export_dir`), and opens it.
    pub(super) fn print_agenda(&mut self, meeting: MeetingId, initials_only: bool, minutes: bool) {
        let options = PrintOptions {
            initials_only,
            printed_at: self.clock.now(),
        };
        let paper = if minutes {
            documents::minutes(&self.store, &self.settings, meeting, options)
        } else {
            documents::agenda(
                &self.store,
                &self.settings,
                &self.planning,
                meeting,
                options,
            )
        };
        let doc = match paper {
            Ok(paper) => paper.doc,
            Err(e) => return self.error(e.to_string()),
        };
        let Some(path) = self.pdf_destination(&doc.file_name) else {
            // Cancelled, or no dialog could open (no desktop portal): keep the PDF and offer
            // the documents folder instead, so printing never silently fails.
            self.unsaved_pdf = Some(doc);
            return;
        };
        self.save_pdf(path, &doc);
    }

    /// Where a PDF goes: `export_dir` (tests), else the save dialog; `None` when the dialog
    /// was cancelled or could not open.
    fn pdf_destination(&self, name: &str) -> Option<PathBuf> {
        match &self.export_dir {
            Some(dir) => Some(dir.join(name)),
            None => rfd::FileDialog::new()
                .set_file_name(name)
                .add_filter("PDF", &["pdf"])
                .save_file(),
        }
    }

    /// The letters of a meeting or a referral, as of today.
    fn plan_letters(
        &self,
        target: &LetterTarget,
    ) -> Result<Vec<crate::letters::PlannedLetter>, crate::ops::StoreError> {
        let selection = crate::letters::Selection::default();
        letters::plan(
            &self.store,
            &self.settings,
            target,
            selection,
            self.clock.today(),
        )
    }

    /// "Brev etter møtet 19.11.2026" / "Brev for henvisning H0000123"; and the PDF's name.
    fn letters_title(&self, target: &LetterTarget) -> (String, String) {
        letters::title(&self.store, target)
    }

    /// Plans the letters and shows what will be printed and what is missing, before printing.
    pub(super) fn prepare_letters(&mut self, target: LetterTarget) {
        let planned = match self.plan_letters(&target) {
            Ok(p) => p,
            Err(e) => return self.error(format!("Kunne ikke lese vedtakene: {e}")),
        };
        if planned.is_empty() {
            return self.info("Ingen vedtak her skal ha brev".to_string());
        }
        let title = self.letters_title(&target).0;
        self.letters_prompt = Some(super::LettersPrompt::new(
            // Not ticked: a print is not a posting, and the "ikke informert" clock stops
            // only when the leader says the letters went out.
            target, title, &planned, false, None,
        ));
    }

    /// Opens the preview of the complete letters, the first one rasterised.
    pub(super) fn preview_letters(&mut self, target: LetterTarget) {
        let planned = match self.plan_letters(&target) {
            Ok(p) => p,
            Err(e) => return self.error(format!("Kunne ikke lese vedtakene: {e}")),
        };
        let letters: Vec<_> = planned
            .into_iter()
            .filter(|p| p.is_complete())
            .map(|p| {
                (
                    format!(
                        "Til {} – {}",
                        p.recipient.label_nb().to_lowercase(),
                        p.patient
                    ),
                    p.letter,
                )
            })
            .collect();
        if letters.is_empty() {
            return self.error("Ingen av brevene er komplette; det er ingenting å vise.");
        }
        let mut preview = super::LettersPreview {
            title: self.letters_title(&target).0,
            letters,
            index: 0,
            images: Vec::new(),
            textures: Vec::new(),
            error: None,
        };
        preview.show_letter(0);
        self.letters_preview = Some(preview);
    }

    /// Prints the complete letters to one PDF (`to`, else the save dialog, or `export_dir`),
    /// records each print (and, with `mark_sent`, sent today) with the file in one
    /// transaction, and opens the PDF. A cancelled dialog prints nothing and offers the
    /// documents folder instead (no desktop portal must not mean no letters).
    pub(super) fn print_letters(
        &mut self,
        target: LetterTarget,
        mark_sent: bool,
        to: Option<PathBuf>,
    ) {
        self.letters_prompt = None;
        let today = self.clock.today();
        let planned = match self.plan_letters(&target) {
            Ok(p) => p,
            Err(e) => return self.error(format!("Kunne ikke lese vedtakene: {e}")),
        };
        if letters::complete(&planned).is_empty() {
            return self.error("Ingen av brevene er komplette; ingenting er skrevet ut.");
        }
        let (title, name) = self.letters_title(&target);
        let Some(path) = to.or_else(|| self.pdf_destination(&name)) else {
            let fallback = Self::fallback_export_dir().map(|dir| dir.join(&name));
            self.letters_prompt = Some(super::LettersPrompt::new(
                target, title, &planned, mark_sent, fallback,
            ));
            return self.info("Ingen fil valgt: brevene er ikke skrevet ut eller merket.");
        };
        if let Err(e) = documents::ensure_folder(&path) {
            return self.error(e.to_string());
        }
        let sent = mark_sent.then_some(today);
        let done = letters::print(&mut self.ctx(), &planned, &path, sent);
        let done = match done {
            Ok(done) => done,
            Err(e @ letters::LettersError::NoneComplete) => return self.error(e.to_string()),
            Err(e) => return self.error(format!("Brevene ble ikke skrevet ut: {e}")),
        };
        self.last_pdf = Some(path.clone());
        self.mark_stale(Stale::ALL);
        let sent_text = if mark_sent {
            " og merket sendt i dag"
        } else {
            " (ikke merket sendt)"
        };
        self.info(format!(
            "{} brev ({}) skrevet ut til {}{sent_text}",
            done.letters,
            done.count_text,
            path.display()
        ));
        if self.export_dir.is_none() && open::that_detached(&path).is_err() {
            self.error(format!(
                "Brevene er lagret i {}, men kunne ikke åpnes automatisk: åpne PDF-en fra mappen.",
                path.display()
            ));
        }
    }

    /// Marks the referral's printed, unsent letters of its current decision as sent today.
    pub(super) fn mark_letters_sent(&mut self, referral: ReferralId) {
        let today = self.clock.today();
        match letters::mark_sent(&mut self.ctx(), referral) {
            Ok(0) => self.info("Ingen utskrevne brev venter på å bli merket sendt".to_string()),
            Ok(n) => {
                self.mark_stale(Stale::ALL);
                self.info(format!(
                    "{n} brev merket sendt {}",
                    crate::calendar::format_date(today)
                ));
            }
            Err(e) => self.error(format!("Brevene ble ikke merket sendt: {e}")),
        }
    }

    /// Writes the electronic answers to the referrers' systems for a meeting's decisions or
    /// one referral's, into the folder set under Innstillinger → Brev, and says what was
    /// written and what must go by letter instead.
    pub(super) fn send_replies(&mut self, target: LetterTarget) {
        let folder = self.settings.letters.dialog_folder.trim().to_string();
        if folder.is_empty() {
            return self.error(
                "Ingen mappe for elektroniske svar: velg mappen meldingssystemet henter fra under \
                 Innstillinger → Brev → Elektronisk svar",
            );
        }
        let referrals = match letters::reply_referrals(&self.store, &target) {
            Ok(r) => r,
            Err(e) => return self.error(format!("Kunne ikke lese møtets vedtak: {e}")),
        };
        let result =
            letters::send_replies(&mut self.ctx(), &referrals, std::path::Path::new(&folder));
        self.mark_stale(Stale::ALL);
        match result {
            Ok(done) if done.refused.is_empty() => self.info(format!(
                "{} elektroniske svar lagt i {folder}",
                done.sent.len()
            )),
            Ok(done) => {
                let why: Vec<String> = done
                    .refused
                    .iter()
                    .map(|(id, why)| format!("nr. {}: {why}", id.0))
                    .collect();
                self.error(format!(
                    "{} elektroniske svar lagt i {folder}; {} kan ikke besvares elektronisk \
                     ({})",
                    done.sent.len(),
                    done.refused.len(),
                    why.join("; ")
                ))
            }
            Err(e) => self.error(e),
        }
    }

    /// The fallback folder for PDFs and CSV files when no save dialog is available:
    /// Documents/Inntak.
    pub(super) fn fallback_export_dir() -> Option<PathBuf> {
        let dirs = directories::UserDirs::new()?;
        let base = dirs.document_dir().unwrap_or(dirs.home_dir());
        Some(base.join("Inntak"))
    }

    /// Writes the PDF (atomically) and opens it in the system viewer, unless `export_dir`
    /// is set (tests).
    pub(super) fn save_pdf(&mut self, path: PathBuf, doc: &Document) {
        if let Err(e) = self.write_output(&path, doc) {
            return self.error(e);
        }
        self.last_pdf = Some(path.clone());
        if self.export_dir.is_none() && open::that_detached(&path).is_err() {
            // The launcher's own words (gio, xdg-open exit codes) help nobody at the meeting.
            self.error(format!(
                "PDF-en er lagret i {}, men kunne ikke åpnes automatisk: åpne den fra mappen, \
                 eller installer et PDF-program.",
                path.display()
            ));
            return;
        }
        self.info(format!("PDF-en er lagret: {}", path.display()));
    }

    /// Writes an exported file atomically (creating its folder first, never over the
    /// database) and logs it in the same transaction: the log row commits only if the file
    /// was written. A read-only window writes the file unlogged.
    pub(super) fn write_output(
        &mut self,
        path: &std::path::Path,
        doc: &Document,
    ) -> Result<(), String> {
        documents::ensure_folder(path).map_err(|e| e.to_string())?;
        documents::save(&mut self.ctx(), doc, documents::Destination::File(path))
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Logs a backup or restore made by other means; says so if it cannot.
    pub(super) fn log_output(&mut self, made: crate::ops::backup::Made<'_>, what: &str) {
        let change = crate::ops::Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        if let Err(e) = crate::ops::backup::log_made_by(&mut self.store, change, made) {
            // A read-only window logs nothing, and says nothing of it.
            if self.store.read_only().is_none() {
                self.error(format!(
                    "{what}, men kunne ikke føres i endringsloggen: {e}"
                ));
            }
        }
    }

    /// Logs a finished backup (taken on its own thread, or at closing).
    pub(super) fn log_backup(&mut self, copied: &crate::ops::backup::Copied) {
        self.log_output(
            crate::ops::backup::Made::Backup(copied),
            "Sikkerhetskopien er tatt",
        );
    }
}
