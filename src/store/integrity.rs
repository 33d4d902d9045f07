//! Is the file sound? The header read before opening, the quick check started after the
//! window's first frame (and waited for before the first write), the full check for
//! `verify`, and the audit chain's walk on a thread of its own.

use super::*;
use rusqlite::Connection;

/// `PRAGMA integrity_check`'s verdict: "ok", or SQLite's findings.
pub fn integrity_check(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
}

/// When [`Store::open_with`] runs `PRAGMA quick_check` on an existing file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrityCheck {
    /// Before `open` returns (the command line, tests).
    BeforeOpen,
    /// On a second, read-only connection in a background thread, for an up-to-date file
    /// already in WAL mode: the window can read and show the queue meanwhile, and the first
    /// write waits for the verdict. A damaged file is then refused and left unchanged. (At
    /// 100,000 referrals the check takes about a third of a second.)
    Background,
    /// Read commands (`stats`, `export`, `fristbrudd`, `agenda`, `minutes`, `audit`): whose
    /// file it is and its schema version are checked at open, and the file is read on a
    /// read-only connection, which cannot change it even when it is damaged. The full check
    /// runs before the first write (an access-log row, say), which then reopens the file for
    /// writing; a command that only reads never waits for it. (At 1,000,000 referrals the
    /// check alone takes about 5 s.) A file that needs an upgrade, or has a `-wal` with
    /// content beside it (an open window, a crashed run, or a log left beside a copied-in
    /// file), is checked before opening.
    BeforeWrite,
}

/// The integrity verdict as the window sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Integrity {
    Checking,
    Ok,
    /// The Norwegian refusal message.
    Damaged(String),
}

/// What the read-only look at an existing file found.
pub(crate) struct Inspection {
    pub(super) fresh: bool,
    pub(super) version: i32,
    /// The check could not be made read-only (a hot rollback journal of our own file): the
    /// read-write connection makes it after SQLite's recovery.
    pub(super) deferred: bool,
    /// The integrity check was made (else it runs in the background, or before the first
    /// write).
    pub(super) checked: bool,
    /// The check waits for the first write ([`IntegrityCheck::BeforeWrite`]).
    pub(super) before_write: bool,
}

impl Inspection {
    /// An existing, current file whose check waits for the first write.
    pub(super) fn unchecked(&self) -> bool {
        self.before_write && !self.fresh && !self.deferred && !self.checked
    }
}

/// Looks at an existing file on a read-only connection: whose it is, its version, and (when
/// asked for before opening, or when the background check cannot be used) its integrity.
///
/// A file with no side files beside it (closed: no connection has it open) is looked at as
/// immutable, so looking — and refusing it — creates no `-wal` or `-shm` beside it. Should
/// another process open and change it meanwhile (its size or time of change differs after,
/// or a side file appeared), the look is made again the ordinary way.
pub(crate) fn inspect(
    path: &Path,
    options: OpenOptions,
    file_writable: bool,
    dir_writable: bool,
    key: Option<&DbKey>,
) -> Result<Inspection, OpenError> {
    let closed = || {
        ["-wal", "-shm", "-journal"]
            .iter()
            .all(|s| !crate::files::with_suffix(path, s).exists())
    };
    let stamp = || {
        std::fs::metadata(path)
            .ok()
            .map(|m| (m.len(), m.modified().ok()))
    };
    if closed() {
        let before = stamp();
        let found = inspect_with(path, options, file_writable, dir_writable, key, true);
        if closed() && stamp() == before {
            return found;
        }
    }
    inspect_with(path, options, file_writable, dir_writable, key, false)
}

pub(crate) fn inspect_with(
    path: &Path,
    options: OpenOptions,
    file_writable: bool,
    dir_writable: bool,
    key: Option<&DbKey>,
    immutable: bool,
) -> Result<Inspection, OpenError> {
    let writable = file_writable && dir_writable;
    let attempt = (|| {
        let conn = if immutable {
            open_immutable(path, key)
        } else {
            open_read_only(path, dir_writable, key)
        }
        .map_err(|e| (e, false))?;
        // The first read is where SQLite meets a hot journal or an unreadable WAL.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(|e| (e, true))?;
        Ok::<_, (rusqlite::Error, bool)>(conn)
    })();
    let conn = match attempt {
        Ok(conn) => conn,
        Err((e, _))
            if key.is_some()
                && e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) =>
        {
            // The key does not decrypt the first page: a wrong passphrase (SQLCipher cannot
            // tell it from a file that is no database at all). Nothing was written.
            return Err(OpenError::WrongPassphrase(path.to_path_buf()));
        }
        Err((e, _)) => {
            // A rollback journal that only a writer can replay: decide from the header's
            // own bytes whose file it is; only our own file is opened for SQLite's recovery.
            let header = read_header(path).map_err(|source| OpenError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            let app_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
            let journal = crate::files::with_suffix(path, "-journal");
            if journal.exists() || e.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) {
                // An encrypted header cannot be read here; the key decides after recovery.
                if key.is_none() && app_id != APPLICATION_ID {
                    return Err(OpenError::NotOurs(path.to_path_buf()));
                }
                if writable {
                    return Ok(Inspection {
                        fresh: false,
                        version: 0,
                        deferred: true,
                        checked: false,
                        before_write: false,
                    });
                }
            }
            if is_busy(&e) {
                return Err(OpenError::Busy(path.to_path_buf()));
            }
            if !writable {
                return Err(OpenError::ReadOnly {
                    path: path.to_path_buf(),
                    why: "filen eller mappen er skrivebeskyttet",
                    what: "lese",
                });
            }
            return Err(OpenError::Corrupt {
                path: path.to_path_buf(),
                detail: e.to_string(),
            });
        }
    };
    let (fresh, version) = identify(&conn, path)?;
    let mut checked = fresh;
    if !fresh {
        // An immutable connection reads no log and reports no WAL mode: the header says it
        // (byte 18 is 2 in WAL mode; an encrypted header cannot be read here, and Inntak
        // leaves its local files in WAL mode).
        let wal = if immutable {
            read_header(path).map_or(true, |h| !h.starts_with(b"SQLite format 3\0") || h[18] == 2)
        } else {
            conn.pragma_query_value(None, "journal_mode", |r| r.get::<_, String>(0))
                .unwrap_or_default()
                .eq_ignore_ascii_case("wal")
        };
        let background = options.integrity == IntegrityCheck::Background
            && version == SCHEMA_VERSION
            && wal
            && writable;
        // A `-wal` with content may not belong to this file (an older copy put in its place
        // while the log stayed beside it): then the reads would mix two files, so it is
        // checked now. A closed window leaves none.
        let before_write = options.integrity == IntegrityCheck::BeforeWrite
            && version == SCHEMA_VERSION
            && !std::fs::metadata(crate::files::with_suffix(path, "-wal"))
                .is_ok_and(|m| m.len() > 0);
        if !background && !before_write {
            if let Err(detail) = quick_check(&conn) {
                drop(conn);
                if main_file_alone_is_sound(path, key) {
                    return Err(OpenError::WalMismatch(path.to_path_buf()));
                }
                return Err(OpenError::Corrupt {
                    path: path.to_path_buf(),
                    detail,
                });
            }
            checked = true;
        }
    }
    Ok(Inspection {
        fresh,
        version,
        deferred: false,
        checked,
        before_write: options.integrity == IntegrityCheck::BeforeWrite,
    })
}

/// `PRAGMA quick_check`: `Err` with SQLite's findings unless the file is sound.
pub(crate) fn quick_check(conn: &Connection) -> Result<(), String> {
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check == "ok" { Ok(()) } else { Err(check) }
}

/// Runs the quick check on its own read-only connection in a thread.
/// How long the background check waits for [`Store::release_integrity_check`] before it
/// starts anyway.
pub(crate) const CHECK_GATE: std::time::Duration = std::time::Duration::from_millis(600);

/// Starts the background quick_check: it begins when the returned gate is released (or
/// dropped), or after [`CHECK_GATE`].
pub(crate) fn spawn_quick_check(
    path: &Path,
    key: Option<&DbKey>,
) -> (
    std::sync::mpsc::Sender<()>,
    std::sync::mpsc::Receiver<Result<(), String>>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let (gate, gate_rx) = std::sync::mpsc::channel::<()>();
    let path = path.to_path_buf();
    let key = key.cloned();
    std::thread::spawn(move || {
        let _ = gate_rx.recv_timeout(CHECK_GATE);
        let verdict = open_reader(&path, key.as_ref())
            .map_err(|e| e.to_string())
            .and_then(|conn| quick_check(conn.file().map_err(|e| e.to_string())?));
        let _ = tx.send(verdict);
    });
    (gate, rx)
}

/// Reads the file's first bytes, without opening it in SQLite: plain SQLite, or encrypted.
/// A file that cannot be SQLCipher's (its length is not a whole number of 512-byte pages) is
/// refused as not a database.
pub(crate) fn check_header(path: &Path) -> Result<FileKind, OpenError> {
    let io = |source| OpenError::Io {
        path: path.into(),
        source,
    };
    let kind = cipher::file_kind(path).map_err(io)?;
    if let FileKind::Encrypted(_) = kind {
        let len = std::fs::metadata(path).map_err(io)?.len();
        if len < 512 || len % 512 != 0 {
            return Err(OpenError::NotSqlite(path.to_path_buf()));
        }
    }
    Ok(kind)
}

/// The file's first 100 bytes (all zero past the end of a shorter file).
pub(crate) fn read_header(path: &Path) -> std::io::Result<[u8; 100]> {
    let mut header = [0u8; 100];
    let mut file = std::fs::File::open(path)?;
    let mut filled = 0;
    while filled < header.len() {
        match file.read(&mut header[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(header)
}

/// Reads application id, schema version and object count: `(fresh, version)`, refusing a
/// file that is not Inntak's or is newer than this build.
pub(crate) fn identify(conn: &Connection, path: &Path) -> Result<(bool, i32), OpenError> {
    // Held by another connection (on a share, one mid-write holds the file alone): in use,
    // not damaged.
    let corrupt = |e: rusqlite::Error| {
        busy_or(path, e, |e| OpenError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })
    };
    // One read transaction, so the three come from one snapshot: another process creating
    // the file commits id, version and schema together, and reading them one by one could
    // see its schema without its id and call a fresh Inntak file someone else's.
    let snapshot = conn.unchecked_transaction().map_err(corrupt)?;
    let app_id: i32 = snapshot
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(corrupt)?;
    let version: i32 = snapshot
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(corrupt)?;
    let objects: i64 = snapshot
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(corrupt)?;
    drop(snapshot);
    let fresh = app_id == 0 && version == 0 && objects == 0;
    if !fresh {
        if app_id != APPLICATION_ID {
            return Err(OpenError::NotOurs(path.to_path_buf()));
        }
        if version > SCHEMA_VERSION {
            return Err(OpenError::Newer {
                path: path.to_path_buf(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
    }
    Ok((fresh, version))
}

impl Store {
    /// Walks the audit log's hash chain on its own read-only connection in a thread (an
    /// in-memory store is walked at once). The verdict arrives on the channel.
    pub fn spawn_chain_check(&self) -> std::sync::mpsc::Receiver<Result<usize, audit::ChainError>> {
        let (tx, rx) = std::sync::mpsc::channel();
        if self.conn.is_server() {
            // A login sees its teams' rows only: the whole chain is walked by the database's
            // owner (`inntak verify --server`), where row-level security does not hide rows.
            return rx;
        }
        if self.path == Path::new(":memory:") || self.is_exclusive() {
            let _ = tx.send(audit::verify_chain(&self.conn));
            return rx;
        }
        let path = self.path.clone();
        let key = self.key.clone();
        std::thread::spawn(move || {
            let verdict = open_reader(&path, key.as_ref())
                .map_err(|e| audit::ChainError::Read(e.to_string()))
                .and_then(|conn| audit::verify_chain(&conn));
            let _ = tx.send(verdict);
        });
        rx
    }

    /// The integrity verdict so far, without waiting.
    pub fn integrity(&mut self) -> Integrity {
        if let Some(rx) = &self.pending_check {
            match rx.try_recv() {
                Ok(verdict) => self.settle(verdict),
                Err(std::sync::mpsc::TryRecvError::Empty) => return Integrity::Checking,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.settle(Err("kontrollen ble avbrutt".into()))
                }
            }
        }
        match &self.damaged {
            Some(message) => Integrity::Damaged(message.clone()),
            None => Integrity::Ok,
        }
    }

    /// Lets the background integrity check start now (the window calls this after its first
    /// frame, so the check does not slow down the window's opening).
    pub fn release_integrity_check(&mut self) {
        if let Some(gate) = self.check_gate.take() {
            let _ = gate.send(());
        }
    }

    /// Waits for the background check, if one is running, or makes the check a read command
    /// put off and reopens the file for writing; `Err` if the file is damaged.
    pub fn wait_for_integrity(&mut self) -> Result<(), StoreError> {
        if self.unchecked_reader {
            self.reopen_for_writing()?;
        }
        self.release_integrity_check();
        if let Some(rx) = &self.pending_check {
            let verdict = rx
                .recv()
                .unwrap_or_else(|_| Err("kontrollen ble avbrutt".into()));
            self.settle(verdict);
        }
        match &self.damaged {
            Some(message) => Err(StoreError::Refused(message.clone())),
            None => Ok(()),
        }
    }

    /// The first write of a store opened with [`IntegrityCheck::BeforeWrite`]: the file is
    /// opened again as a writer would open it (the full check first, on a read-only
    /// connection), and replaces the reader. A damaged file is refused, now and at every
    /// later write, and left as it was.
    pub(super) fn reopen_for_writing(&mut self) -> Result<(), StoreError> {
        self.unchecked_reader = false;
        let unlock = match &self.key {
            Some(key) => Unlock::key(key.clone()),
            None => Unlock::none(),
        };
        let options = OpenOptions {
            create: false,
            integrity: IntegrityCheck::BeforeOpen,
            file_system: Some(self.file_system),
        };
        match Store::open_keyed(&self.path, options, &unlock) {
            Ok(writer) => {
                *self = writer;
                Ok(())
            }
            Err(e) => {
                let message = e.to_string();
                self.damaged = Some(message.clone());
                Err(StoreError::Refused(message))
            }
        }
    }

    pub(super) fn settle(&mut self, verdict: Result<(), String>) {
        self.pending_check = None;
        if let Err(detail) = verdict {
            self.damaged = Some(
                OpenError::Corrupt {
                    path: self.path.clone(),
                    detail,
                }
                .to_string(),
            );
        }
    }
}
