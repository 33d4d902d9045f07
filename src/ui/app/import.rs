//! Referrals in: the import dialog's actions. The import runs on its own connection in a
//! thread (one transaction, cancellable); the window keeps drawing and reading meanwhile.

use super::*;
use crate::import::{ImportOptions, Progress};
use crate::ops::session::OpenOptions;
use crate::ops::session::cipher::Unlock;
use crate::ui::import_view::{ImportDialog, ImportOrigin, ImportSummary, RunningImport};
use std::sync::Arc;

impl App {
    pub(super) fn apply_import(&mut self, action: ImportAction) {
        match action {
            ImportAction::Open(origin) => {
                if self.store.read_only().is_some() {
                    self.error("Databasen er skrivebeskyttet; ingenting kan importeres.");
                    return;
                }
                let remembered = self
                    .prefs_path
                    .as_ref()
                    .map(|p| crate::ui::prefs::load(p).import_mappings)
                    .unwrap_or_default();
                self.import = Some(ImportDialog::new(origin, self.clock.today(), remembered));
            }
            ImportAction::ChooseFile => {
                let files = rfd::FileDialog::new()
                    .set_title("Importer henvisninger")
                    .add_filter(
                        "Henvisninger (CSV, Excel, OpenDocument, XML)",
                        &["csv", "txt", "xlsx", "xlsm", "xlsb", "xls", "ods", "xml"],
                    )
                    .pick_files();
                if let Some(files) = files.filter(|f| !f.is_empty()) {
                    self.apply_import(ImportAction::Open(ImportOrigin::Files(files)));
                }
            }
            ImportAction::Start(job) => {
                // The one owner of the rows: moved to the import, not copied.
                let job = Arc::try_unwrap(job.0).unwrap_or_else(|shared| (*shared).clone());
                self.start_import(job);
            }
            ImportAction::Finished(outcome) => {
                let outcome = Arc::try_unwrap(outcome.0).unwrap_or_else(|shared| ImportOutcome {
                    result: shared.result.clone(),
                    queue: None,
                    job: shared.job.clone(),
                });
                self.import_finished(outcome);
            }
            ImportAction::Close => {
                if self.import.as_ref().is_some_and(ImportDialog::running) {
                    return; // cancel first; the dialog says so
                }
                self.import = None;
            }
        }
    }

    /// Starts the import of the validated rows: on a connection of its own in a thread, or
    /// (a file on a network share, which this connection holds alone) here.
    fn start_import(&mut self, job: ImportJob) {
        if let Some(path) = &self.prefs_path
            && let Some((key, mapping)) = &job.remember
        {
            let mut prefs = crate::ui::prefs::load(path);
            prefs.import_mappings.insert(key.clone(), mapping.clone());
            if let Err(e) = crate::ui::prefs::save(path, &prefs) {
                self.error(format!("Kolonnevalgene ble ikke husket: {e}"));
            }
        }
        let options = ImportOptions {
            skip_invalid: true,
            write_rejects: false,
            duplicates: job.duplicates.clone(),
            messages: job.messages.clone(),
            confirm_changes: job.confirm_changes,
            keep_unknown_as_notes: job.keep_unknown_as_notes,
            ..ImportOptions::default()
        };
        let progress = Arc::new(Progress::default());
        // The rows that can be imported: a refused file (a Dialogmelding) is not counted.
        let total = job.parsed.rows.iter().filter(|r| r.result.is_ok()).count();
        let (tx, rx) = std::sync::mpsc::channel();
        let today = self.clock.today();
        if self.store.is_exclusive() {
            let change = Change {
                actor: &self.actor,
                at: self.clock.now(),
            };
            let result = crate::import::import_parsed(
                &mut self.store,
                &job.parsed,
                &job.inputs,
                &options,
                change,
                Some(&progress),
            )
            .map_err(|e| e.to_string());
            let asks = result
                .as_ref()
                .is_ok_and(|r| r.asks_about_duplicates() || r.asks_to_confirm_changes());
            let _ = tx.send(ImportOutcome {
                result,
                queue: None,
                job: asks.then_some(job),
            });
        } else {
            let (path, key) = (self.store.path().to_path_buf(), self.store.key().cloned());
            let (actor, at) = (self.actor.clone(), self.clock.now());
            let shared = progress.clone();
            std::thread::spawn(move || {
                let unlock = key.map_or_else(Unlock::none, Unlock::key);
                let mut queue = None;
                let result = Store::open_keyed(&path, OpenOptions::EXISTING, &unlock)
                    .map_err(|e| format!("Kunne ikke åpne databasen for importen: {e}"))
                    .and_then(|mut store| {
                        let change = Change { actor: &actor, at };
                        let report = crate::import::import_parsed(
                            &mut store,
                            &job.parsed,
                            &job.inputs,
                            &options,
                            change,
                            Some(&shared),
                        )
                        .map_err(|e| e.to_string())?;
                        if report.asks_about_duplicates() || report.asks_to_confirm_changes() {
                            // Nothing written: the queue is as it was.
                            return Ok(report);
                        }
                        // The new queue, built here rather than on the window's thread (at
                        // 100,000 referrals that would hold the window for most of a second).
                        // If it cannot be read here, the window reads it as after any write.
                        queue = crate::model::queue_with_settings(&store, today).ok();
                        Ok(report)
                    });
                let asks = result
                    .as_ref()
                    .is_ok_and(|r| r.asks_about_duplicates() || r.asks_to_confirm_changes());
                let _ = tx.send(ImportOutcome {
                    result,
                    queue,
                    job: asks.then_some(job),
                });
            });
        }
        if let Some(dialog) = &mut self.import {
            dialog.started(RunningImport {
                progress,
                total,
                result: rx,
            });
        }
    }

    fn import_finished(&mut self, outcome: ImportOutcome) {
        let ImportOutcome { result, queue, job } = outcome;
        if let (Ok(report), Some(job)) = (&result, job.clone())
            && report.asks_to_confirm_changes()
        {
            if let Some(dialog) = &mut self.import {
                dialog.ask_to_confirm_changes(job, report.unconfirmed_changes.clone());
            }
            return;
        }
        if let (Ok(report), Some(job)) = (&result, job)
            && report.asks_about_duplicates()
        {
            if let Some(dialog) = &mut self.import {
                dialog.ask_about_duplicates(job, report.possible_duplicates.clone());
            }
            return;
        }
        let summary = match &result {
            Ok(report) => {
                match queue {
                    Some(queue) => {
                        // The queue built by the import's thread; the rest reloads from it.
                        self.queue = queue;
                        self.loads.queue += 1;
                        self.generations.referrals += 1;
                        self.mark_stale(Stale::MEETINGS);
                    }
                    None => self.mark_stale(Stale::ALL),
                }
                if let Some(&first) = report.new_ids.first() {
                    self.reload();
                    self.view = View::Queue;
                    // The queue shows the new referrals (whatever their status), the first
                    // selected, until the user asks for all again.
                    let only = report.new_ids.iter().copied().collect();
                    self.set_queue_filter(crate::queue::QueueFilter {
                        status: crate::queue::StatusFilter::All,
                        only: Some(crate::queue::OnlyThese(Arc::new(only))),
                        ..Default::default()
                    });
                    self.apply(Action::Nav(NavAction::Select(first)));
                }
                let sheet = report
                    .sheet
                    .as_ref()
                    .map(|s| format!(" Leste arket «{s}»."))
                    .unwrap_or_default();
                let follow_ups = if report.messages.is_empty() && report.warnings.is_empty() {
                    String::new()
                } else {
                    format!(
                        " {} endringer og kanselleringer{}.",
                        report.messages.len() + report.warnings.len(),
                        if report.warnings.is_empty() {
                            String::new()
                        } else {
                            format!(", {} varsler (se henvisningene)", report.warnings.len())
                        }
                    )
                };
                self.info(format!(
                    "Importerte {} henvisninger; {} fantes fra før.{sheet}{follow_ups}",
                    report.imported,
                    report.already_present.len()
                ));
                Ok(ImportSummary {
                    imported: report.imported,
                    decisions: report.decisions,
                    already_present: report.already_present.len(),
                    skipped_invalid: report.rejected_rows,
                    invalid_rows: report.invalid_rows.clone(),
                    duplicates: report.possible_duplicates.clone(),
                    undated: report.undated_decisions,
                    sheet: report.sheet.clone(),
                    messages: report.messages.clone(),
                    warnings: report.warnings.clone(),
                })
            }
            Err(e) => Err(e.clone()),
        };
        if let Some(dialog) = &mut self.import {
            dialog.finished(summary);
        }
    }
}
