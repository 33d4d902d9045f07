//! Who may write: the window's lock on `<db>.lock` (one window per file), and the lock a
//! replacing command takes to keep windows out.

use super::*;

/// Locks `<db>.lock` for the window; `Ok(None)` when another process holds it.
pub fn try_window_lock(db: &Path) -> std::io::Result<Option<std::fs::File>> {
    let lock_path = crate::files::with_suffix(db, ".lock");
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(&lock_path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// Takes the window lock for a command that replaces the file (restore, encrypt): `Err` with
/// the message when an Inntak window has the database open. Hold the returned lock until the
/// file is replaced; `None` where no lock file can be made (SQLite still serialises writes).
pub fn lock_out_windows(db: &Path) -> Result<Option<std::fs::File>, String> {
    match try_window_lock(db) {
        Ok(Some(lock)) => Ok(Some(lock)),
        Ok(None) => Err(format!(
            "«{}» er åpen i et Inntak-vindu. Lukk vinduet og prøv igjen. Ingenting er endret.",
            db.display()
        )),
        Err(_) => Ok(None),
    }
}

impl Store {
    /// Takes the window's lock on `<db>.lock`. If another Inntak window holds it, this store
    /// becomes read-only and the message says why; commands never take the lock.
    pub fn lock_for_window(&mut self) {
        // The server takes any number of windows (each its own login and transactions).
        if self.path == Path::new(":memory:") || self.read_only.is_some() || self.conn.is_server() {
            return;
        }
        match try_window_lock(&self.path) {
            Ok(Some(file)) => self.window_lock = Some(file),
            Ok(None) => {
                self.read_only = Some(format!(
                    "«{}» er åpen i et annet Inntak-vindu. Dette vinduet kan bare lese; lukk \
                     det andre vinduet og start Inntak på nytt for å gjøre endringer.",
                    self.path.display()
                ))
            }
            // No lock file possible (odd file system): carry on; SQLite still serialises
            // writes and a second writer gets the busy message.
            Err(_) => {}
        }
    }
}
