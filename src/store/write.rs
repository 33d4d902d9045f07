//! The write helper: one IMMEDIATE transaction per user intent (refused when the file is
//! damaged, read-only or replaced), the output logged with its file, and checkpoints.

use super::*;

/// Whether `path` names another file than `opened` by now (no identity: never).
pub(crate) fn names_another_file(path: &Path, opened: Option<replace::FileId>) -> bool {
    opened.is_some_and(|id| replace::FileId::of(path) != Some(id))
}

/// The clock's timestamp format for `created_at`, `updated_at` and the audit log.
pub fn timestamp(now: chrono::NaiveDateTime) -> String {
    now.format("%Y-%m-%dT%H:%M:%S").to_string()
}

impl Store {
    /// Makes an output (`output` writes the file, or nothing for one already written) and
    /// logs it in one transaction: the log row commits only if the output succeeded. A
    /// read-only store cannot take the row: the output is made unlogged and `Ok(false)` says
    /// so.
    pub fn write_logged(
        &mut self,
        change: referrals::Change<'_>,
        log: &audit::OutputLog,
        destination: &str,
        output: impl FnOnce() -> Result<(), String>,
    ) -> Result<bool, String> {
        if self.read_only.is_some() {
            output()?;
            return Ok(false);
        }
        self.write(|tx| {
            audit::record_output(tx, change, log, destination)?;
            output().map_err(StoreError::Rule)
        })
        .map_err(|e| e.to_string())?;
        Ok(true)
    }
}

impl Store {
    /// Runs one user intent in one IMMEDIATE transaction: all of it commits, or none of it.
    /// Waits for a background integrity check first; a damaged file is never written.
    pub fn write<T>(
        &mut self,
        intent: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.wait_for_integrity()?;
        if let Some(message) = &self.read_only {
            return Err(StoreError::Refused(message.clone()));
        }
        let tx = self.conn.transaction(db::Behavior::Immediate)?;
        // Holding the write lock, the path cannot be replaced any more: check it still names
        // this file (a replacing command holds the lock until its rename is done).
        if names_another_file(&self.path, self.identity) {
            drop(tx);
            let message = replace::replaced_message(&self.path);
            self.read_only = Some(message.clone());
            return Err(StoreError::Refused(message));
        }
        // A file's newest log row goes outside it before the commit (see `anchor`); the
        // server's log is guarded by privileges instead (no role may change it).
        let file = !tx.is_server();
        let before = if file { anchor::newest(&tx)? } else { None };
        let value = intent(&tx)?;
        let last =
            if file { anchor::newest(&tx)? } else { None }.filter(|l| Some(l) != before.as_ref());
        if let Some(last) = &last {
            anchor::record(&self.path, before, last.clone(), false);
        }
        tx.commit()?;
        if let Some(last) = last {
            anchor::record(&self.path, None, last, true);
        }
        // The main file is brought up to date soon after, not on the user's wait (see
        // [`Store::checkpoint_when_idle`]).
        self.checkpoint_due
            .get_or_insert_with(std::time::Instant::now);
        Ok(value)
    }

    /// Folds the write-ahead log into the main file and empties it, so the main file is
    /// complete on its own (the window does this when it closes).
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        if self.read_only.is_some() || self.unchecked_reader || self.replaced() {
            return Ok(());
        }
        if let Some(conn) = self.conn.sqlite() {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        self.checkpoint_due = None;
        Ok(())
    }

    /// Keeps the main file close to complete (a copy of it alone then holds nearly all) once
    /// writing has paused for `idle`: a PASSIVE checkpoint, which never waits for readers.
    /// Returns whether one is still due (the window asks again later).
    pub fn checkpoint_when_idle(&mut self, idle: std::time::Duration) -> bool {
        match self.checkpoint_due {
            Some(since) if since.elapsed() >= idle => {
                self.passive_checkpoint();
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    pub(super) fn passive_checkpoint(&mut self) {
        self.checkpoint_due = None;
        if self.replaced() {
            return;
        }
        if let Some(conn) = self.conn.sqlite() {
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
    }
}
