//! Sikkerhetskopi: the backup section of Innstillinger, and the window's automatic backups
//! (one when it closes, and at most one a day while it is open), run off the UI thread.

use super::BackupAction;
use super::{Action, theme};
use crate::ops::backup::{self, Copied, Source};
use crate::ops::session::cipher::{self, DbKey, FileKind, Passphrase};
use chrono::{NaiveDate, NaiveDateTime};
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;

/// Backup state of the window.
#[derive(Default)]
pub struct Backups {
    /// Automatic backups on (the real window); off in tests unless asked for.
    pub auto: bool,
    /// The folder backups go to.
    dir: PathBuf,
    /// The newest backup in the folder, read from the folder (not the database).
    latest: Option<(PathBuf, NaiveDateTime)>,
    /// A backup running on its own thread, and whether the user asked for it.
    job: Option<(Receiver<Result<Copied, String>>, bool)>,
    /// The real day an automatic backup was last found or taken.
    checked_day: Option<NaiveDate>,
    /// A chosen backup waiting for the user's confirmation.
    /// With what the copy is (when taken, what it holds).
    confirm_restore: Option<(PathBuf, FileKind, String)>,
    /// The passphrase typed for a backup taken under another passphrase.
    restore_passphrase: zeroize::Zeroizing<String>,
}

/// What a finished background backup means for the status bar.
pub enum Finished {
    Manual(Result<Copied, String>),
    /// An automatic backup: logged, but not worth a message.
    Auto(Copied),
    AutoFailed(String),
}

fn now() -> NaiveDateTime {
    chrono::Local::now().naive_local()
}

impl Backups {
    /// Points at the folder for the database `db` (setting, else beside the database).
    pub fn set_dir(&mut self, db: &Path, setting: Option<&str>) {
        let dir = backup::backup_dir(db, setting);
        if dir != self.dir || self.latest.is_none() {
            self.dir = dir;
            self.latest = backup::latest(&self.dir);
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn latest(&self) -> Option<&(PathBuf, NaiveDateTime)> {
        self.latest.as_ref()
    }

    pub fn running(&self) -> bool {
        self.job.is_some()
    }

    /// Starts a backup of `db` on its own thread (one at a time).
    pub fn start(&mut self, db: &Path, key: Option<&DbKey>, manual: bool) -> bool {
        if self.job.is_some() {
            return false;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let (db, dir, key) = (db.to_path_buf(), self.dir.clone(), key.cloned());
        std::thread::spawn(move || {
            let _ = tx.send(backup::backup_into(
                Source::File(&db),
                &dir,
                now(),
                key.as_ref(),
            ));
        });
        self.job = Some((rx, manual));
        true
    }

    /// Takes a backup through the store's own connection, on this thread (a file on a
    /// network share is held by that connection alone); collected by [`Self::poll`] as usual.
    pub fn run_on(&mut self, source: Source<'_>, key: Option<&DbKey>, manual: bool) -> bool {
        if self.job.is_some() {
            return false;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let _ = tx.send(backup::backup_into(source, &self.dir, now(), key));
        self.job = Some((rx, manual));
        true
    }

    /// Whether the day's automatic backup is due (none exists for today yet); asks once a day.
    pub fn daily_due(&mut self) -> bool {
        let today = now().date();
        if !self.auto || self.job.is_some() || self.checked_day == Some(today) {
            return false;
        }
        self.checked_day = Some(today);
        self.latest
            .as_ref()
            .is_none_or(|(_, at)| at.date() != today)
    }

    /// Collects a finished background backup.
    pub fn poll(&mut self) -> Option<Finished> {
        let (rx, manual) = self.job.as_ref()?;
        let result = match rx.try_recv() {
            Ok(result) => result,
            Err(std::sync::mpsc::TryRecvError::Empty) => return None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                Err("Sikkerhetskopien ble avbrutt. Prøv igjen.".into())
            }
        };
        let manual = *manual;
        self.job = None;
        self.latest = backup::latest(&self.dir);
        Some(match (manual, result) {
            (true, r) => Finished::Manual(r),
            (false, Ok(copied)) => Finished::Auto(copied),
            (false, Err(e)) => Finished::AutoFailed(e),
        })
    }

    /// Waits for a running backup (the window is closing).
    pub fn wait(&mut self) {
        if let Some((rx, _)) = self.job.take() {
            let _ = rx.recv();
        }
    }

    /// Takes a backup now, on this thread (the window is closing).
    pub fn backup_now_blocking(
        &mut self,
        db: Source<'_>,
        key: Option<&DbKey>,
    ) -> Result<Copied, String> {
        self.wait();
        let copied = backup::backup_into(db, &self.dir, now(), key);
        self.latest = backup::latest(&self.dir);
        copied
    }

    /// The section in Innstillinger.
    /// `salt` is the open database's (when encrypted): a backup with another salt was taken
    /// under another passphrase, and the dialog asks for it.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        read_only: bool,
        salt: Option<[u8; 16]>,
        actions: &mut Vec<Action>,
    ) {
        ui.heading("Sikkerhetskopi");
        ui.add_space(4.0);
        match &self.latest {
            Some((path, at)) => {
                let name = path
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into());
                ui.label(format!(
                    "Siste sikkerhetskopi: {} ({name})",
                    at.format("%d.%m.%Y kl. %H:%M")
                ));
            }
            None => {
                ui.colored_label(theme::WARNING_TEXT, "Siste sikkerhetskopi: ingen ennå");
            }
        }
        ui.horizontal_wrapped(|ui| {
            ui.label("Mappe:");
            ui.monospace(self.dir.display().to_string());
            if ui.button("Velg mappe…").clicked()
                && let Some(dir) = rfd::FileDialog::new()
                    .set_directory(&self.dir)
                    .pick_folder()
            {
                actions.push(Action::Backup(BackupAction::SetBackupDir(Some(dir))));
            }
            if ui.button("Standardmappe").clicked() {
                actions.push(Action::Backup(BackupAction::SetBackupDir(None)));
            }
        });
        ui.horizontal_wrapped(|ui| {
            let label = if self.job.is_some() {
                "Tar sikkerhetskopi …"
            } else {
                "Ta sikkerhetskopi nå"
            };
            if ui
                .add_enabled(self.job.is_none(), egui::Button::new(label))
                .clicked()
            {
                actions.push(Action::Backup(BackupAction::BackupNow));
            }
            if ui
                .add_enabled(
                    !read_only && self.job.is_none(),
                    egui::Button::new("Gjenopprett…"),
                )
                .clicked()
                && let Some(file) = rfd::FileDialog::new()
                    .set_directory(&self.dir)
                    .add_filter("Inntak-database", &["sqlite3"])
                    .pick_file()
            {
                // The app reads what the copy holds (it has the key).
                actions.push(Action::Backup(BackupAction::AskRestore(file)));
            }
        });
        ui.colored_label(
            theme::MUTED_TEXT,
            "Inntak tar en kontrollert sikkerhetskopi når vinduet lukkes, og én gang om dagen \
             mens det er åpent. De siste 14 dagene og 8 ukene beholdes. Kopier aldri \
             databasefilen selv mens vinduet er åpent: bruk sikkerhetskopien.",
        );
        if let Some((file, kind, facts)) = self.confirm_restore.clone() {
            let other_passphrase = matches!(kind, FileKind::Encrypted(s) if Some(s) != salt);
            egui::Modal::new(egui::Id::unique("confirm_restore")).show(ui.ctx(), |ui| {
                ui.set_max_width(520.0);
                ui.heading("Gjenopprette fra sikkerhetskopi?");
                ui.label(format!(
                    "Databasen erstattes med\n{}\n\nEndringer gjort etter at kopien ble tatt, \
                     finnes ikke i den. Databasen som erstattes, tas vare på ved siden av seg \
                     selv som «…-erstattet-ÅÅÅÅMMDD-TTMM.sqlite3».",
                    file.display()
                ));
                ui.add_space(4.0);
                ui.strong(facts);
                if other_passphrase {
                    ui.add_space(6.0);
                    let label = ui
                        .label(
                            "Kopien er kryptert med et annet passord enn databasen (tatt før \
                             passordet ble byttet). Passordet kopien ble tatt med:",
                        )
                        .id;
                    ui.add(
                        egui::TextEdit::singleline(&mut *self.restore_passphrase)
                            .password(true)
                            .desired_width(280.0),
                    )
                    .labelled_by(label);
                }
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    let ready = !other_passphrase || !self.restore_passphrase.is_empty();
                    if ui
                        .add_enabled(ready, egui::Button::new("Gjenopprett"))
                        .clicked()
                    {
                        let passphrase = other_passphrase
                            .then(|| Passphrase::new(self.restore_passphrase.as_str()));
                        actions.push(Action::Backup(BackupAction::RestoreFrom(
                            file.clone(),
                            passphrase,
                        )));
                        self.confirm_restore = None;
                        self.restore_passphrase = Default::default();
                    }
                    if ui.button("Avbryt").clicked() {
                        self.confirm_restore = None;
                        self.restore_passphrase = Default::default();
                    }
                });
            });
        }
    }

    /// Asks for confirmation of a restore from `file`, saying when it was taken and what it
    /// holds. `key`: the database's key (a copy under the same passphrase opens with it).
    pub fn ask_restore(&mut self, file: PathBuf, key: Option<&cipher::DbKey>) {
        // Read once here, not per frame: is the copy encrypted, and with which salt.
        let kind = cipher::file_kind(&file).unwrap_or(FileKind::Plain);
        let (copy_key, unknown) = match kind {
            FileKind::Encrypted(salt) => match key.filter(|k| k.salt() == salt) {
                Some(k) => (Some(k), false),
                None => (None, true),
            },
            _ => (None, false),
        };
        let facts = backup::describe(&file, copy_key, unknown);
        self.confirm_restore = Some((file, kind, facts));
    }
}
