//! File output from the window: PDFs and CSV files written atomically and access-logged.

use super::*;
use crate::agenda::pdf;
use crate::domain::meeting::MeetingId;
use crate::planning::PrintOptions;
use crate::store::audit;
use crate::store::audit::OutputLog;
use crate::store::meetings::{self};
use crate::store::referrals::Change;
use std::path::PathBuf;

impl App {
    /// Writes a CSV file (save dialog, or `export_dir`, or the documents folder when no dialog
    /// can open) and says how many rows it holds.
    pub(super) fn export_csv(&mut self, name: &str, bytes: &[u8], rows: usize, log: OutputLog) {
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
        match self.write_output(&path, bytes, log) {
            Ok(()) => {
                self.last_export = Some(path.clone());
                self.info(format!("{rows} rader eksportert til {}", path.display()));
            }
            Err(e) => self.error(e),
        }
    }

    /// Renders the agenda PDF, asks where to save it (or uses `export_dir`), and opens it.
    /// Renders the agenda (or, with `minutes`, the referat) to PDF, asks where to save it (or
    /// uses `export_dir`), and opens it.
    pub(super) fn print_agenda(&mut self, meeting: MeetingId, initials_only: bool, minutes: bool) {
        let options = PrintOptions {
            initials_only,
            printed_at: self.clock.now(),
        };
        let printed = if minutes {
            crate::model::planning::printed_minutes(
                self.store.conn(),
                &self.settings,
                meeting,
                options,
            )
        } else {
            crate::model::planning::printed_agenda(
                self.store.conn(),
                &self.settings,
                &self.planning,
                meeting,
                options,
            )
        };
        let (bytes, log) = match printed.map_err(|e| e.to_string()).and_then(|p| {
            let action = if minutes {
                audit::OutputAction::PrintMinutes
            } else {
                audit::OutputAction::PrintAgenda
            };
            let mut log = OutputLog::new(action, p.items.len());
            log.extra = serde_json::json!({ "møte": p.date_text, "initialer": initials_only });
            pdf::render(&p).map_err(|e| e.to_string()).map(|b| (b, log))
        }) {
            Ok(b) => b,
            Err(e) => return self.error(e),
        };
        let date = meetings::get(self.store.conn(), meeting)
            .map(|m| m.date)
            .unwrap_or_default();
        let name = if minutes {
            format!("referat-{date}.pdf")
        } else {
            format!("inntaksmote-{date}.pdf")
        };
        let Some(path) = self.pdf_destination(&name) else {
            // Cancelled, or no dialog could open (no desktop portal): keep the PDF and offer
            // the documents folder instead, so printing never silently fails.
            self.unsaved_pdf = Some((name, bytes, log));
            return;
        };
        self.save_pdf(path, &bytes, log);
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
    ) -> Result<Vec<crate::letters::PlannedLetter>, crate::store::StoreError> {
        let today = self.clock.today();
        match target {
            LetterTarget::Meeting(meeting) => crate::model::letters::for_meeting(
                self.store.conn(),
                &self.settings,
                *meeting,
                crate::letters::Selection::default(),
                today,
            ),
            LetterTarget::Referral(referral) => crate::model::letters::for_referral(
                self.store.conn(),
                &self.settings,
                *referral,
                None,
                today,
            ),
            LetterTarget::Breach(referral, reason) => crate::model::letters::for_breach(
                self.store.conn(),
                &self.settings,
                *referral,
                reason,
                today,
            ),
        }
    }

    /// "Brev etter møtet 19.11.2026" / "Brev for henvisning H0000123"; and the PDF's name
    /// (a number, never a patient's name, in a file name).
    fn letters_title(&self, target: &LetterTarget) -> (String, String) {
        match target {
            LetterTarget::Meeting(meeting) => {
                let date = meetings::get(self.store.conn(), *meeting)
                    .map(|m| m.date)
                    .unwrap_or_default();
                (
                    format!("Brev etter møtet {}", crate::calendar::format_date(date)),
                    format!("brev-{date}.pdf"),
                )
            }
            LetterTarget::Referral(referral) | LetterTarget::Breach(referral, _) => {
                let reference = self
                    .queue
                    .row(*referral)
                    .and_then(|r| r.external_id().map(str::to_string))
                    .unwrap_or_else(|| format!("nr. {}", referral.0));
                if matches!(target, LetterTarget::Breach(..)) {
                    (
                        format!("Varsel om fristbrudd for henvisning {reference}"),
                        format!("fristbrudd-henvisning-{}.pdf", referral.0),
                    )
                } else {
                    (
                        format!("Brev for henvisning {reference}"),
                        format!("brev-henvisning-{}.pdf", referral.0),
                    )
                }
            }
        }
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
        let ready: Vec<_> = planned.iter().filter(|p| p.is_complete()).collect();
        if ready.is_empty() {
            return self.error("Ingen av brevene er komplette; ingenting er skrevet ut.");
        }
        let bytes = match crate::letters::render(&ready) {
            Ok(b) => b,
            Err(e) => return self.error(e.to_string()),
        };
        let (title, name) = self.letters_title(&target);
        let Some(path) = to.or_else(|| self.pdf_destination(&name)) else {
            let fallback = Self::fallback_export_dir().map(|dir| dir.join(&name));
            self.letters_prompt = Some(super::LettersPrompt::new(
                target, title, &planned, mark_sent, fallback,
            ));
            return self.info("Ingen fil valgt: brevene er ikke skrevet ut eller merket.");
        };
        if let Some(dir) = path.parent()
            && let Err(e) = crate::files::create_private_dir(dir)
        {
            return self.error(format!(
                "Kunne ikke lage mappen {}: {}",
                dir.display(),
                crate::files::write_error_text(&e)
            ));
        }
        let printed: Vec<_> = ready.iter().map(|p| p.printed()).collect();
        let protected = crate::files::Protected::none().database(self.store.path());
        let destination = crate::files::canonical(&path).display().to_string();
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let sent = mark_sent.then_some(today);
        let written = self.store.write(|tx| {
            crate::store::letters::record_printed(tx, &printed, &destination, sent, change)?;
            crate::files::write_atomically(&path, &bytes, &protected)
                .map_err(crate::store::StoreError::Rule)
        });
        if let Err(e) = written {
            return self.error(format!("Brevene ble ikke skrevet ut: {e}"));
        }
        self.last_pdf = Some(path.clone());
        self.mark_stale(Stale::ALL);
        let sent_text = if mark_sent {
            " og merket sendt i dag"
        } else {
            " (ikke merket sendt)"
        };
        self.info(format!(
            "{} brev ({}) skrevet ut til {}{sent_text}",
            ready.len(),
            crate::letters::count_text(&ready),
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
        let conn = self.store.conn();
        let unsent = decisions::current(conn, referral).and_then(|d| {
            let Some(d) = d else { return Ok(Vec::new()) };
            Ok(crate::store::letters::for_decisions(conn, &[d.id])?
                .into_iter()
                .filter(|l| l.sent_on.is_none())
                .map(|l| l.id)
                .collect::<Vec<_>>())
        });
        let unsent = match unsent {
            Ok(u) => u,
            Err(e) => return self.error(format!("Kunne ikke lese brevene: {e}")),
        };
        if unsent.is_empty() {
            return self.info("Ingen utskrevne brev venter på å bli merket sendt".to_string());
        }
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let today = self.clock.today();
        match self
            .store
            .write(|tx| crate::store::letters::mark_sent(tx, &unsent, today, change))
        {
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
        let referrals = match target {
            LetterTarget::Meeting(meeting) => {
                match decisions::at_meeting(self.store.conn(), meeting) {
                    Ok(d) => d.into_iter().map(|d| d.referral).collect(),
                    Err(e) => return self.error(format!("Kunne ikke lese møtets vedtak: {e}")),
                }
            }
            LetterTarget::Referral(id) | LetterTarget::Breach(id, _) => vec![id],
        };
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let settings = self.settings.clone();
        let result = crate::dialogmelding::send(
            &mut self.store,
            &settings,
            &referrals,
            std::path::Path::new(&folder),
            change,
        );
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
    pub(super) fn save_pdf(&mut self, path: PathBuf, bytes: &[u8], log: OutputLog) {
        if let Err(e) = self.write_output(&path, bytes, log) {
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
        bytes: &[u8],
        log: OutputLog,
    ) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            crate::files::create_private_dir(dir).map_err(|e| {
                format!(
                    "Kunne ikke lage mappen {}: {}",
                    dir.display(),
                    crate::files::write_error_text(&e)
                )
            })?;
        }
        let protected = crate::files::Protected::none().database(self.store.path());
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let destination = crate::files::canonical(path).display().to_string();
        self.store
            .write_logged(change, &log, &destination, || {
                crate::files::write_atomically(path, bytes, &protected)
            })
            .map(|_| ())
    }

    /// Logs an output made by other means (a backup, a restore); says so if it cannot.
    pub(super) fn log_output(
        &mut self,
        log: &OutputLog,
        destination: &std::path::Path,
        what: &str,
    ) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let destination = destination.display().to_string();
        let logged = self
            .store
            .write_logged(change, log, &destination, || Ok(()));
        if let Err(e) = logged {
            self.error(format!(
                "{what}, men kunne ikke føres i endringsloggen: {e}"
            ));
        }
    }

    /// Logs a finished backup (taken on its own thread, or at closing).
    pub(super) fn log_backup(&mut self, copied: &crate::store::backup::Copied) {
        let log = OutputLog::new(audit::OutputAction::Backup, copied.referrals() as usize)
            .with(serde_json::json!({ "tabeller": copied.tables.len() }));
        self.log_output(&log, &copied.path, "Sikkerhetskopien er tatt");
    }
}
