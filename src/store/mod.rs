//! The store: one SQLite file, its schema and upgrades, and the repository functions.
//!
//! Repository functions are free functions over `&Connection` (reads) or `&Transaction`
//! (writes), so one user intent composes into exactly one transaction via
//! [`Store::write`].

pub mod audit;
pub mod decisions;
pub mod followups;
pub mod meetings;
pub mod referrals;
pub mod settings;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The current schema, the single source of truth for a fresh database.
pub const SCHEMA_SQL: &str = include_str!("../../schema.sql");

/// The schema version this build creates and understands (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 4;

/// Marks a SQLite file as Inntak's (`PRAGMA application_id`): ASCII "Innt".
pub const APPLICATION_ID: i32 = 0x496e_6e74;

/// Upgrades, append-only: `MIGRATIONS[i]` takes a database from version `i + 1` to `i + 2`.
/// Never edit or remove an entry once released; add a new one and bump [`SCHEMA_VERSION`],
/// and keep `schema.sql` equal to the result.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/v2_meetings.sql"),
    include_str!("migrations/v3_decisions.sql"),
    include_str!("migrations/v4_follow_ups.sql"),
];

const _: () = assert!(MIGRATIONS.len() as i32 == SCHEMA_VERSION - 1);

/// Why a database file could not be opened. Every variant promises the file was not changed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("«{0}» er ikke en SQLite-database, og kan ikke åpnes i Inntak. Filen er ikke endret.")]
    NotSqlite(PathBuf),
    #[error(
        "«{0}» er en SQLite-database fra et annet program, ikke fra Inntak. Filen er ikke endret."
    )]
    NotOurs(PathBuf),
    #[error(
        "«{path}» er laget av en nyere versjon av Inntak (skjemaversjon {found}; denne versjonen \
         kan lese til og med {supported}). Oppdater Inntak. Filen er ikke endret."
    )]
    Newer {
        path: PathBuf,
        found: i32,
        supported: i32,
    },
    #[error(
        "«{path}» er skadet og kan ikke åpnes ({detail}). Filen er ikke endret; bruk en \
         sikkerhetskopi."
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error("Kunne ikke åpne «{path}»: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Databasefeil ved åpning av «{path}»: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// An error from a write or read after opening.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Databasefeil: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("Henvisnings-ID «{0}» finnes allerede")]
    DuplicateExternalId(String),
    #[error("Fant ikke henvisningen (id {0})")]
    NotFound(i64),
    #[error("{0}")]
    Rule(String),
    /// The background integrity check found the file damaged: nothing was written to it.
    #[error("{0}")]
    Refused(String),
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
}

/// The integrity verdict as the window sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Integrity {
    Checking,
    Ok,
    /// The Norwegian refusal message.
    Damaged(String),
}

/// The open database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The background check's verdict, until received: `Err` carries the refusal message.
    pending_check: Option<std::sync::mpsc::Receiver<Result<(), String>>>,
    /// Set when the background check found the file damaged: every write is refused.
    damaged: Option<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (or creates) the database at `path`.
    ///
    /// A file that is not SQLite, a SQLite file that is not Inntak's, a corrupt one and one
    /// with a newer schema are refused before anything is written to them.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        Self::open_with(path, IntegrityCheck::BeforeOpen)
    }

    /// Opens the database, with the integrity check before returning or in the background
    /// (see [`IntegrityCheck`]); every other refusal happens before this returns.
    pub fn open_with(path: &Path, integrity: IntegrityCheck) -> Result<Self, OpenError> {
        let existed = path.exists()
            && std::fs::metadata(path)
                .map(|m| m.len() > 0)
                .unwrap_or(false);
        if existed {
            check_header(path)?;
        } else if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| OpenError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        }
        let sqlite_err = |source| OpenError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let corrupt = |e: rusqlite::Error| OpenError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        };
        let flags = if existed {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let conn = Connection::open_with_flags(path, flags).map_err(sqlite_err)?;

        // Read-only checks first: nothing may be written until we know the file is ours.
        let app_id: i32 = conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .map_err(corrupt)?;
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(corrupt)?;
        let objects: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(corrupt)?;
        let fresh = app_id == 0 && version == 0 && objects == 0;
        let mut pending_check = None;
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
            let journal: String = conn
                .pragma_query_value(None, "journal_mode", |r| r.get(0))
                .map_err(corrupt)?;
            // In the background only when opening writes nothing to the file itself: no
            // migration, and WAL already set.
            let background = integrity == IntegrityCheck::Background
                && version == SCHEMA_VERSION
                && journal.eq_ignore_ascii_case("wal");
            if background {
                pending_check = Some(spawn_quick_check(path));
            } else {
                quick_check(&conn).map_err(|detail| OpenError::Corrupt {
                    path: path.to_path_buf(),
                    detail,
                })?;
            }
        }

        // Connection settings, outside any transaction.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sqlite_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sqlite_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(sqlite_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sqlite_err)?;

        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            pending_check,
            damaged: None,
        };
        if fresh {
            store.create_schema().map_err(sqlite_err)?;
        } else if version < SCHEMA_VERSION {
            store.upgrade(version).map_err(sqlite_err)?;
        }
        Ok(store)
    }

    /// An in-memory database with the current schema, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Self, rusqlite::Error> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let mut store = Store {
            conn,
            path: PathBuf::from(":memory:"),
            pending_check: None,
            damaged: None,
        };
        store.create_schema()?;
        Ok(store)
    }

    fn create_schema(&mut self) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA_SQL)?;
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        tx.commit()
    }

    /// Applies every migration after `from` in one IMMEDIATE transaction.
    fn upgrade(&mut self, from: i32) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (index, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip((from - 1).max(0) as usize)
        {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as i32 + 2)?;
        }
        tx.commit()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read access for repository functions.
    pub fn conn(&self) -> &Connection {
        &self.conn
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

    /// Waits for the background check, if one is running; `Err` if the file is damaged.
    pub fn wait_for_integrity(&mut self) -> Result<(), StoreError> {
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

    fn settle(&mut self, verdict: Result<(), String>) {
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

    /// Runs one user intent in one IMMEDIATE transaction: all of it commits, or none of it.
    /// Waits for a background integrity check first; a damaged file is never written.
    pub fn write<T>(
        &mut self,
        intent: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.wait_for_integrity()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = intent(&tx)?;
        tx.commit()?;
        Ok(value)
    }
}

/// `PRAGMA quick_check`: `Err` with SQLite's findings unless the file is sound.
fn quick_check(conn: &Connection) -> Result<(), String> {
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check == "ok" { Ok(()) } else { Err(check) }
}

/// Runs the quick check on its own read-only connection in a thread.
fn spawn_quick_check(path: &Path) -> std::sync::mpsc::Receiver<Result<(), String>> {
    let (tx, rx) = std::sync::mpsc::channel();
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let verdict = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| e.to_string())
        .and_then(|conn| quick_check(&conn));
        let _ = tx.send(verdict);
    });
    rx
}

/// Checks the 100-byte SQLite header by reading the file, without opening it in SQLite.
fn check_header(path: &Path) -> Result<(), OpenError> {
    let mut header = [0u8; 100];
    let mut file = std::fs::File::open(path).map_err(|source| OpenError::Io {
        path: path.into(),
        source,
    })?;
    let read = file.read(&mut header).map_err(|source| OpenError::Io {
        path: path.into(),
        source,
    })?;
    if read < header.len() || &header[..16] != b"SQLite format 3\0" {
        return Err(OpenError::NotSqlite(path.to_path_buf()));
    }
    Ok(())
}

/// The clock's timestamp format for `created_at`, `updated_at` and the audit log.
pub fn timestamp(now: chrono::NaiveDateTime) -> String {
    now.format("%Y-%m-%dT%H:%M:%S").to_string()
}
