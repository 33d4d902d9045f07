//! Automatic and manual backups, restore, the audit-chain verdict, and closing the window.

use super::*;
use crate::ops::backup::Source;
use crate::ops::session::{Integrity, OpenOptions, Store, Unlock, cipher};
use crate::ui::backup_view::{Backups, Finished};
use std::path::PathBuf;

impl App {
    pub fn enable_auto_backup(&mut self) {
        self.backups.auto = true;
    }

    /// The audit chain's verdict, if it is broken (tests).
    pub fn audit_chain_broken(&self) -> Option<&str> {
        match &self.chain {
            ChainCheck::Done(broken) => broken.as_deref(),
            _ => None,
        }
    }

    /// The backup state (tests).
    pub fn backups(&self) -> &Backups {
        &self.backups
    }

    /// Asks to restore from `file`, as "Gjenopprett…" does after its file dialog (tests).
    /// Starts a backup: on its own thread, or (a file held exclusively on a network share)
    /// through the store's connection at once.
    pub(super) fn start_backup(&mut self, manual: bool) -> bool {
        if self.store.is_exclusive() {
            let source = Source::of(&self.store);
            self.backups.run_on(source, self.store.key(), manual)
        } else {
            self.backups
                .start(self.store.path(), self.store.key(), manual)
        }
    }

    pub fn ask_restore(&mut self, file: PathBuf) {
        self.backups.ask_restore(file, self.store.key());
    }

    /// Collects finished backups and starts the day's automatic one.
    pub(super) fn backups_tick(&mut self, ctx: &egui::Context) {
        match self.backups.poll() {
            Some(Finished::Manual(Ok(copied))) => {
                self.log_backup(&copied);
                self.info(format!(
                    "Sikkerhetskopi skrevet og kontrollert: {} ({} henvisninger)",
                    copied.path.display(),
                    copied.referrals()
                ))
            }
            Some(Finished::Auto(copied)) => self.log_backup(&copied),
            Some(Finished::Manual(Err(e))) => self.error(e),
            Some(Finished::AutoFailed(e)) => {
                self.error(format!("Den automatiske sikkerhetskopien feilet: {e}"))
            }
            None => {}
        }
        if matches!(self.chain, ChainCheck::NotStarted) && self.store.integrity() == Integrity::Ok {
            self.chain = ChainCheck::Running(self.store.spawn_chain_check());
        }
        if let ChainCheck::Running(rx) = &self.chain {
            match rx.try_recv() {
                Ok(verdict) => self.chain = ChainCheck::Done(verdict.err().map(|e| e.to_string())),
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    ctx.request_repaint_after(std::time::Duration::from_millis(100));
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.chain = ChainCheck::Done(None)
                }
            }
        }
        // The server is backed up by IT, not from a clinician's window.
        let writable = self.store.read_only().is_none()
            && self.store.path() != std::path::Path::new(":memory:")
            && !self.store.is_server();
        if writable && self.store.integrity() == Integrity::Ok && self.backups.daily_due() {
            self.start_backup(false);
        }
        if self.backups.running() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// Replaces the database with a backup: closes this window's connection (and lock),
    /// restores (keeping the replaced file), and opens the restored file.
    pub(super) fn restore_from(
        &mut self,
        from: &std::path::Path,
        passphrase: Option<crate::ops::session::cipher::Passphrase>,
    ) {
        let path = self.store.path().to_path_buf();
        // The backup opens with the database's key when it was taken under the same
        // passphrase; one taken before a passphrase change needs the old passphrase.
        let mut known = self
            .store
            .key()
            .cloned()
            .map(Unlock::key)
            .unwrap_or_default();
        let older_passphrase = passphrase.is_some();
        known.passphrase = passphrase;
        let key = match crate::ops::backup::backup_key(from, &known) {
            Ok(key) => key,
            Err(crate::ops::backup::RestoreError::NeedsPassphrase(_)) => {
                return self.error(format!(
                    "«{}» er kryptert med et annet passord enn databasen (tatt før passordet \
                     ble byttet). Skriv passordet kopien ble tatt med. Ingenting er endret.",
                    from.display()
                ));
            }
            Err(e) => return self.error(e.to_string()),
        };
        let live = self
            .store
            .key()
            .cloned()
            .map(Unlock::key)
            .unwrap_or_default();
        let Ok(placeholder) = Store::open_in_memory() else {
            return self.error("Kunne ikke gjenopprette: minnet er fullt. Ingenting er endret.");
        };
        let mut old = std::mem::replace(&mut self.store, placeholder);
        let _ = old.checkpoint();
        drop(old);
        let change = crate::ops::Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let restored =
            crate::ops::backup::restore(&path, from, key, &live, OpenOptions::CREATE, change);
        match restored {
            Ok(done) => {
                let mut store = done.store;
                store.lock_for_window();
                self.store = store;
                // Another database: the import's "only the new ones" and any search belong to
                // the one replaced.
                self.set_queue_filter(crate::queue::QueueFilter::default());
                if let Some(e) = done.unlogged
                    && self.store.read_only().is_none()
                {
                    self.error(format!(
                        "Databasen er gjenopprettet, men kunne ikke føres i endringsloggen: {e}"
                    ));
                }
                let kept = done
                    .restored
                    .kept
                    .map(|k| format!(" Den gamle databasen er tatt vare på som {}.", k.display()))
                    .unwrap_or_default();
                let passphrase = if older_passphrase {
                    " Databasen har nå passordet kopien ble tatt med: bruk det ved neste start, \
                     eller bytt det med «inntak passphrase»."
                } else {
                    ""
                };
                self.info(format!(
                    "Gjenopprettet fra {} ({} henvisninger).{kept}{passphrase}",
                    from.display(),
                    done.restored.copied.referrals()
                ));
            }
            Err(crate::ops::backup::RestoreError::Reopen(e)) => {
                self.store.refuse_writes(e.clone());
                self.error(e);
                return;
            }
            Err(e) => {
                // After a failed restore the old file is back, under the old key.
                if !self.reopen(&path, OpenOptions::CREATE, &known) {
                    return;
                }
                self.error(e.to_string());
            }
        }
        self.selected = None;
        self.detail = None;
        self.form = None;
        self.chain = ChainCheck::NotStarted;
        self.ensure_schedule();
        self.mark_stale(Stale::ALL);
    }

    /// Encrypts the database, or changes its passphrase, as `inntak encrypt` / `inntak
    /// passphrase` do: closes this window's connection (and lock), rewrites the file safely,
    /// and opens the result (or the unchanged file after a failure).
    pub(super) fn reencrypt(
        &mut self,
        current: Option<crate::ops::session::cipher::Passphrase>,
        new: &crate::ops::session::cipher::Passphrase,
        remember: bool,
    ) {
        use crate::ops::encryption::{self, Purpose};
        let path = self.store.path().to_path_buf();
        let (unlock, purpose) = match (&current, self.store.key()) {
            (None, None) => (Unlock::none(), Purpose::Encrypt),
            (Some(typed), Some(key)) => {
                if cipher::DbKey::derive(typed, key.salt()) != *key {
                    return self.error("Feil nåværende passord. Ingenting er endret.");
                }
                (Unlock::key(key.clone()), Purpose::NewPassphrase)
            }
            (None, Some(_)) | (Some(_), None) => {
                return self.error(
                    "Databasen er allerede kryptert, eller ikke kryptert likevel. Ingenting er \
                     endret.",
                );
            }
        };
        let Ok(placeholder) = Store::open_in_memory() else {
            return self.error("Kunne ikke kryptere: minnet er fullt. Ingenting er endret.");
        };
        let mut old = std::mem::replace(&mut self.store, placeholder);
        let _ = old.checkpoint();
        drop(old);
        let change = crate::ops::Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let result = encryption::reencrypt(&path, &unlock, new, purpose, change);
        let reopen = match &result {
            Ok(done) => Unlock::key(done.key.clone()),
            Err(_) => unlock,
        };
        if !self.reopen(&path, OpenOptions::EXISTING, &reopen) {
            return;
        }
        match result {
            Ok(done) => {
                let remembered = if remember {
                    self.vault.remember(&path, &done.key)
                } else if self.vault.get(&path).is_some() {
                    // The old key no longer fits: keep the machine's memory current.
                    self.vault.remember(&path, &done.key)
                } else {
                    Ok(())
                };
                let what = match purpose {
                    Purpose::Encrypt => "Databasen er kryptert. Den ukrypterte filen er erstattet.",
                    Purpose::NewPassphrase => "Passordet er byttet.",
                };
                match remembered {
                    Ok(()) => self.info(what),
                    Err(e) => self.error(format!("{what} {e}")),
                }
            }
            Err(e) => self.error(e),
        }
        self.chain = ChainCheck::NotStarted;
        self.mark_stale(Stale::ALL);
    }

    /// Opens the database at `path` again after it was replaced (restore, encryption) and
    /// takes the window lock; on failure the placeholder refuses writes and the status bar
    /// says why (`false`).
    fn reopen(&mut self, path: &std::path::Path, options: OpenOptions, unlock: &Unlock) -> bool {
        match crate::ops::session::reopen_for_window(path, options, unlock) {
            Ok(store) => {
                self.store = store;
                true
            }
            Err(e) => {
                self.store.refuse_writes(e.to_string());
                self.error(e.to_string());
                false
            }
        }
    }

    /// On closing: fold the WAL into the main file and take the closing backup.
    pub fn on_close(&mut self) {
        if self.store.read_only().is_some()
            || self.store.path() == std::path::Path::new(":memory:")
            || !matches!(self.store.integrity(), Integrity::Ok)
        {
            return;
        }
        if let Err(e) = self.store.checkpoint() {
            eprintln!("Inntak: kunne ikke skrive loggen inn i databasefilen ved lukking: {e}");
        }
        if self.backups.auto {
            let source = Source::of(&self.store);
            match self.backups.backup_now_blocking(source, self.store.key()) {
                Ok(copied) => {
                    self.log_backup(&copied);
                    let _ = self.store.checkpoint();
                }
                Err(e) => eprintln!("Inntak: sikkerhetskopien ved lukking feilet: {e}"),
            }
        }
    }
}
