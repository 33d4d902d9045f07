//! The store: one SQLite file, its schema and upgrades, and the repository functions.
//!
//! Repository functions are free functions over `&Connection` (reads) or `&Transaction`
//! (writes), so one user intent composes into exactly one transaction via
//! [`Store::write`].

pub mod anchor;
pub mod audit;
pub mod backup;
pub mod cipher;
pub mod decisions;
pub mod followups;
pub mod letters;
pub mod location;
pub mod log_check;
pub mod meetings;
pub mod messages;
pub mod preparations;
pub mod referrals;
pub mod replace;
pub mod settings;
pub mod stats;

use cipher::{DbKey, FileKind, Unlock};
use location::Journaling;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The current schema, the single source of truth for a fresh database.
pub const SCHEMA_SQL: &str = include_str!("../../schema.sql");

/// Every table (SQLite's own excluded) with its row count.
pub fn table_counts(conn: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    names
        .into_iter()
        .map(|name| {
            let sql = format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\""));
            let n: i64 = conn.query_row(&sql, [], |r| r.get(0))?;
            Ok((name, n))
        })
        .collect()
}

/// The row count of `table` in a listing from [`table_counts`] (0 when it is not there).
pub fn count_in(tables: &[(String, i64)], table: &str) -> i64 {
    tables
        .iter()
        .find(|(t, _)| t == table)
        .map_or(0, |(_, n)| *n)
}

/// The file's application id and schema version.
pub fn schema_ids(conn: &Connection) -> rusqlite::Result<(i32, i32)> {
    Ok((
        conn.pragma_query_value(None, "application_id", |r| r.get(0))?,
        conn.pragma_query_value(None, "user_version", |r| r.get(0))?,
    ))
}

/// Writes the whole database behind `conn` into the empty file `target`, encrypted with
/// `key` (SQLCipher's `sqlcipher_export`), with the same application id and schema version.
pub fn export_encrypted(conn: &Connection, target: &Path, key: &DbKey) -> rusqlite::Result<()> {
    conn.execute(
        "ATTACH DATABASE ?1 AS inntak_export KEY ?2",
        rusqlite::params![target.to_string_lossy(), key.raw_text().as_str()],
    )?;
    let result = (|| {
        conn.execute_batch(&format!(
            "PRAGMA inntak_export.cipher_hmac_algorithm = {};",
            cipher::HMAC_ALGORITHM
        ))?;
        conn.query_row("SELECT sqlcipher_export('inntak_export')", [], |_| Ok(()))?;
        let (app_id, version) = schema_ids(conn)?;
        conn.execute_batch(&format!(
            "PRAGMA inntak_export.application_id = {app_id};
             PRAGMA inntak_export.user_version = {version};"
        ))
    })();
    conn.execute_batch("DETACH DATABASE inntak_export")?;
    result
}

/// `PRAGMA integrity_check`'s verdict: "ok", or SQLite's findings.
pub fn integrity_check(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
}

/// Decodes a stored code strictly: a value this build does not know is an error that names
/// it, never read as some default (a wrong status or track would change a legal fact).
pub(crate) fn decode<T>(parsed: Option<T>, column: usize, code: &str) -> rusqlite::Result<T> {
    parsed.ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            format!("ukjent verdi «{code}» i databasen").into(),
        )
    })
}

/// The schema version this build creates and understands (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 8;

/// Marks a SQLite file as Inntak's (`PRAGMA application_id`): ASCII "Innt".
pub const APPLICATION_ID: i32 = 0x496e_6e74;

/// Upgrades, append-only: `MIGRATIONS[i]` takes a database from version `i + 1` to `i + 2`.
/// Never edit or remove an entry once released; add a new one and bump [`SCHEMA_VERSION`],
/// and keep `schema.sql` equal to the result.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/v2_meetings.sql"),
    include_str!("migrations/v3_decisions.sql"),
    include_str!("migrations/v4_follow_ups.sql"),
    include_str!("migrations/v5_audit_chain.sql"),
    include_str!("migrations/v6_preparation.sql"),
    include_str!("migrations/v7_letters.sql"),
    include_str!("migrations/v8_messages.sql"),
];

const _: () = assert!(MIGRATIONS.len() as i32 == SCHEMA_VERSION - 1);

/// The message for a database another process is writing to.
pub const BUSY_MESSAGE: &str = "Databasen brukes av et annet Inntak-vindu eller en annen \
    kommando – prøv igjen om litt. Ingenting er endret.";

/// Why a database file could not be opened. Every variant promises the file was not changed.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "Fant ingen database på «{0}». Sjekk filnavnet (--db); ingen fil er laget. (En ny \
         database lages av vinduet, «demo» eller «import».)"
    )]
    Missing(PathBuf),
    #[error(
        "Fant ingen database på «{path}», men «{kept}» ligger ved siden av: det er databasen \
         fra før en gjenoppretting som ikke ble fullført. Ingen ny fil er laget. Gi den navnet \
         «{name}» for å bruke den igjen (eller gjenopprett på nytt med «inntak restore»)."
    )]
    OnlyKept {
        path: PathBuf,
        kept: PathBuf,
        name: String,
    },
    #[error("«{0}» er tom og har ingen Inntak-data. Sjekk filnavnet (--db). Filen er ikke endret.")]
    Empty(PathBuf),
    #[error("«{0}» er en mappe, ikke en databasefil. Oppgi filen med --db.")]
    IsDirectory(PathBuf),
    #[error("«{0}» er ikke en SQLite-database, og kan ikke åpnes i Inntak. Filen er ikke endret.")]
    NotSqlite(PathBuf),
    #[error(
        "«{0}» er kryptert (eller er ikke en Inntak-database). Oppgi passordet: i vinduet, eller \
         for kommandoer i miljøvariabelen INNTAK_PASSPHRASE eller med --passphrase-file FIL. \
         Filen er ikke endret."
    )]
    Encrypted(PathBuf),
    #[error(
        "Feil passord for «{0}» (eller filen er ikke en Inntak-database). Filen er ikke endret; \
         prøv igjen."
    )]
    WrongPassphrase(PathBuf),
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
        "«{path}» er skadet og kan ikke åpnes ({detail}). Filen og filene ved siden av den er \
         ikke endret. Ta vare på dem, og gjenopprett fra en sikkerhetskopi (inntak restore)."
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "«{0}» og loggfilen «{0}-wal» ved siden av passer ikke sammen: databasefilen alene er \
         hel, men med loggen er den skadet. Det skjer når en kopi av databasen er lagt over \
         filen mens en gammel -wal ble liggende. Ingen av filene er endret. Er databasefilen \
         en sikkerhetskopi du vil bruke, flytt «-wal»- og «-shm»-filen til en annen mappe og \
         prøv igjen; ellers gjenopprett med «inntak restore»."
    )]
    WalMismatch(PathBuf),
    #[error(
        "«{path}» er skrivebeskyttet ({why}), og Inntak kan ikke {what} den. Filen er ikke \
         skadet og ikke endret. Gi brukeren skrivetilgang til filen og mappen, eller kopier \
         databasen (inntak backup) til en mappe du kan skrive i."
    )]
    ReadOnly {
        path: PathBuf,
        why: &'static str,
        what: &'static str,
    },
    #[error("«{0}»: {BUSY_MESSAGE}")]
    Busy(PathBuf),
    #[error(
        "«{0}» ble byttet ut mens den ble åpnet (gjenopprettet, kryptert eller fått nytt passord \
         av en annen kommando). Ingenting er endret; prøv igjen."
    )]
    Replaced(PathBuf),
    #[error("Kunne ikke åpne «{path}»: {}", crate::files::write_error_text(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "Databasefeil ved åpning av «{path}»: filen kunne ikke åpnes, og er ikke endret. \
         (SQLite: {source})"
    )]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

/// An error from a write or read after opening.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Databasefeil: {}. Ingenting er endret.", error_text(.0))]
    Sqlite(rusqlite::Error),
    #[error("{BUSY_MESSAGE}")]
    Busy,
    #[error("Henvisnings-ID «{0}» finnes allerede")]
    DuplicateExternalId(String),
    #[error("Fant ikke henvisningen (id {0})")]
    NotFound(i64),
    #[error("{0}")]
    Rule(String),
    /// The background integrity check found the file damaged, or the file is read-only or
    /// open in another window: nothing was written to it.
    #[error("{0}")]
    Refused(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if is_busy(&e) {
            StoreError::Busy
        } else {
            StoreError::Sqlite(e)
        }
    }
}

/// An error as the user reads it: a stored value the strict decoding refused is said in its
/// own Norwegian words (rusqlite wraps it in "Conversion error from type Text at index: 2");
/// any other error as SQLite gives it.
pub fn error_text(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::FromSqlConversionFailure(_, _, inner) => inner.to_string(),
        other => other.to_string(),
    }
}

/// SQLite's "another connection holds the lock" (after the busy timeout).
pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
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

/// How a database is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenOptions {
    /// Make a new database where none is (the window, `demo`, `import`); read commands never do.
    pub create: bool,
    pub integrity: IntegrityCheck,
    /// The file system as tests pretend it to be; `None`: find out (see [`location`]).
    pub file_system: Option<location::FileSystem>,
}

impl OpenOptions {
    /// Creates the file if missing; integrity checked before returning.
    pub const CREATE: Self = Self {
        create: true,
        integrity: IntegrityCheck::BeforeOpen,
        file_system: None,
    };
    /// An existing Inntak database only (read commands).
    pub const EXISTING: Self = Self {
        create: false,
        integrity: IntegrityCheck::BeforeOpen,
        file_system: None,
    };

    /// An existing database, read by a command that may never write: the integrity check
    /// waits for the first write (see [`IntegrityCheck::BeforeWrite`]).
    pub const READ: Self = Self {
        create: false,
        integrity: IntegrityCheck::BeforeWrite,
        file_system: None,
    };

    /// Opens in the window: the integrity check in the background.
    pub const WINDOW: Self = Self {
        create: true,
        integrity: IntegrityCheck::Background,
        file_system: None,
    };
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
    /// Lets the background check start (it waits up to [`CHECK_GATE`] for this, so the
    /// window's first frame does not share the two cores of a laptop with it).
    check_gate: Option<std::sync::mpsc::Sender<()>>,
    /// Set when the background check found the file damaged: every write is refused.
    damaged: Option<String>,
    /// Set when the file can only be read (read-only file or folder, or open in another
    /// window): every write is refused with this message.
    read_only: Option<String>,
    /// The window's lock on `<db>.lock`, held while the window runs.
    window_lock: Option<std::fs::File>,
    /// The file's key when it is encrypted (every further connection needs it).
    key: Option<DbKey>,
    /// The file system the file lies on (a network share means exclusive locking).
    file_system: location::FileSystem,
    /// Since when a write waits to be folded into the main file.
    checkpoint_due: Option<std::time::Instant>,
    /// Opened to read only, unchecked (see [`IntegrityCheck::BeforeWrite`]): the first write
    /// checks the file and reopens it for writing.
    unchecked_reader: bool,
    /// The file this connection writes (see [`replace`]): a write whose path names another
    /// file by now (replaced by a restore or re-encryption) is refused.
    identity: Option<replace::FileId>,
}

impl Drop for Store {
    /// A command's writes reach the main file before it ends.
    fn drop(&mut self) {
        if self.replaced() {
            // The path names another file now: closing must not fold or delete the log by
            // its name (it is the new file's).
            let _ = self.conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                true,
            );
            return;
        }
        if self.checkpoint_due.is_some() {
            self.passive_checkpoint();
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// What the read-only look at an existing file found.
struct Inspection {
    fresh: bool,
    version: i32,
    /// The check could not be made read-only (a hot rollback journal of our own file): the
    /// read-write connection makes it after SQLite's recovery.
    deferred: bool,
    /// The integrity check was made (else it runs in the background, or before the first
    /// write).
    checked: bool,
    /// The check waits for the first write ([`IntegrityCheck::BeforeWrite`]).
    before_write: bool,
}

impl Inspection {
    /// An existing, current file whose check waits for the first write.
    fn unchecked(&self) -> bool {
        self.before_write && !self.fresh && !self.deferred && !self.checked
    }
}

impl Store {
    /// Opens (or creates) the database at `path`, checking its integrity first.
    ///
    /// A file that is not SQLite, a SQLite file that is not Inntak's, a corrupt one and one
    /// with a newer schema are refused before anything is written to them.
    pub fn open(path: &Path) -> Result<Self, OpenError> {
        Self::open_opts(path, OpenOptions::CREATE)
    }

    /// Opens an existing Inntak database; never creates or takes over a file.
    pub fn open_existing(path: &Path) -> Result<Self, OpenError> {
        Self::open_opts(path, OpenOptions::EXISTING)
    }

    /// Opens (or creates) the database, with the integrity check before returning or in the
    /// background (see [`IntegrityCheck`]); every other refusal happens before this returns.
    pub fn open_with(path: &Path, integrity: IntegrityCheck) -> Result<Self, OpenError> {
        Self::open_opts(
            path,
            OpenOptions {
                create: true,
                integrity,
                file_system: None,
            },
        )
    }

    /// Opens the database. Every check of an existing file is made on a read-only connection
    /// that never checkpoints, so a refused file and its `-wal`/`-journal` stay untouched.
    pub fn open_opts(path: &Path, options: OpenOptions) -> Result<Self, OpenError> {
        Self::open_keyed(path, options, &Unlock::none())
    }

    /// Opens the database with what may unlock it: an encrypted file gets the key that fits
    /// its salt (or the passphrase derived over it), a new file is encrypted when `unlock`
    /// has a passphrase or key and plain otherwise. A wrong passphrase is refused on a
    /// read-only connection, leaving the file byte-identical.
    pub fn open_keyed(
        path: &Path,
        options: OpenOptions,
        unlock: &Unlock,
    ) -> Result<Self, OpenError> {
        let before = replace::FileId::of(path);
        match Self::open_keyed_once(path, options, unlock) {
            // A file replaced while it was being opened (a restore or re-encryption renamed a
            // new one over it) can read as damaged, foreign or under another key: say what
            // happened instead.
            Err(e)
                if !matches!(e, OpenError::Busy(_))
                    && before.is_some()
                    && replace::FileId::of(path) != before =>
            {
                Err(OpenError::Replaced(path.to_path_buf()))
            }
            other => other,
        }
    }

    fn open_keyed_once(
        path: &Path,
        mut options: OpenOptions,
        unlock: &Unlock,
    ) -> Result<Self, OpenError> {
        let file_system = options
            .file_system
            .unwrap_or_else(|| location::file_system(path));
        let exclusive = location::journaling(&file_system) == Journaling::ExclusiveRollback;
        if exclusive {
            // No second connection can read beside the exclusive one: check before opening.
            options.integrity = IntegrityCheck::BeforeOpen;
        }
        let io = |source| OpenError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = match std::fs::metadata(path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io(e)),
        };
        if meta.as_ref().is_some_and(std::fs::Metadata::is_dir) {
            return Err(OpenError::IsDirectory(path.to_path_buf()));
        }
        let has_data = meta.as_ref().is_some_and(|m| m.len() > 0);
        match &meta {
            None if let Some(kept) = replace::kept_files(path).pop() => {
                return Err(OpenError::OnlyKept {
                    path: path.to_path_buf(),
                    kept,
                    name: path
                        .file_name()
                        .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                });
            }
            None if !options.create => return Err(OpenError::Missing(path.to_path_buf())),
            None => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    crate::files::create_private_dir(dir).map_err(io)?;
                }
            }
            Some(_) if !has_data && !options.create => {
                return Err(OpenError::Empty(path.to_path_buf()));
            }
            Some(_) => {}
        }
        let kind = if has_data {
            check_header(path)?
        } else {
            FileKind::New
        };
        let key = unlock
            .key_for(kind)
            .map_err(|cipher::NeedsKey| OpenError::Encrypted(path.to_path_buf()))?;
        let key = key.as_ref();
        let (file_writable, dir_writable) = writable(path, meta.is_some());
        let inspection = if has_data {
            Some(inspect(path, options, file_writable, dir_writable, key)?)
        } else {
            None
        };
        if inspection.as_ref().is_some_and(|i| i.fresh) && !options.create {
            return Err(OpenError::Empty(path.to_path_buf()));
        }
        let sqlite_err = |source: rusqlite::Error| {
            busy_or(path, source, |source| OpenError::Sqlite {
                path: path.to_path_buf(),
                source,
            })
        };

        if !(file_writable && dir_writable) {
            let why = if !dir_writable {
                "mappen er skrivebeskyttet"
            } else {
                "filen er skrivebeskyttet"
            };
            let Some(found) = inspection.filter(|i| !i.fresh && !i.deferred) else {
                return Err(OpenError::ReadOnly {
                    path: path.to_path_buf(),
                    why,
                    what: "lage eller endre",
                });
            };
            if found.version < SCHEMA_VERSION {
                return Err(OpenError::ReadOnly {
                    path: path.to_path_buf(),
                    why,
                    what: "oppgradere",
                });
            }
            let conn =
                open_read_only(path, dir_writable, key).map_err(|_| OpenError::ReadOnly {
                    path: path.to_path_buf(),
                    why,
                    what: "lese",
                })?;
            let mut store = Store::on(conn, path, key, file_system);
            store.read_only = Some(
                OpenError::ReadOnly {
                    path: path.to_path_buf(),
                    why,
                    what: "lagre endringer i",
                }
                .to_string(),
            );
            return Ok(store);
        }

        if let Some(found) = inspection.as_ref().filter(|i| i.unchecked()) {
            debug_assert_eq!(found.version, SCHEMA_VERSION);
            let conn = open_read_only(path, dir_writable, key).map_err(sqlite_err)?;
            let mut store = Store::on(conn, path, key, file_system);
            store.unchecked_reader = true;
            return Ok(store);
        }

        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if meta.is_none() {
            // A new file is private from its first byte (another process may have made it
            // since: then the schema step below sorts out who creates the schema).
            match crate::files::create_private(path) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(e)),
            }
        }
        // The file opened is the one the path names before and after opening (a restore or
        // re-encryption renames a new file over the path: see `replace`).
        let (conn, identity) = loop {
            let before = replace::FileId::of(path);
            let conn = Connection::open_with_flags(path, flags).map_err(sqlite_err)?;
            let after = replace::FileId::of(path);
            if before == after {
                break (conn, after);
            }
        };
        if let Some(key) = key {
            key.apply(&conn).map_err(sqlite_err)?;
        }
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_err)?;
        let mut pending_check = None;
        let mut check_gate = None;
        let mut fresh = inspection.as_ref().is_none_or(|i| i.fresh);
        let mut version = inspection.as_ref().map_or(0, |i| i.version);
        if let Some(found) = &inspection {
            if found.deferred {
                // SQLite rolled back our own interrupted transaction on open; check now.
                let (f, v) = identify(&conn, path)?;
                fresh = f;
                version = v;
                if !fresh {
                    match conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)) {
                        Ok(verdict) if verdict == "ok" => {}
                        Ok(detail) => {
                            return Err(OpenError::Corrupt {
                                path: path.to_path_buf(),
                                detail,
                            });
                        }
                        Err(e) => return Err(sqlite_err(e)),
                    }
                }
            } else if !found.checked {
                let (gate, verdict) = spawn_quick_check(path, key);
                pending_check = Some(verdict);
                check_gate = Some(gate);
            }
        }

        // Connection settings, outside any transaction. A network share cannot carry the
        // write-ahead log's shared memory between machines: rollback journal, and the file
        // held by this one connection.
        if exclusive {
            conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
                .map_err(sqlite_err)?;
            conn.pragma_update(None, "journal_mode", "DELETE")
                .map_err(sqlite_err)?;
        } else {
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(sqlite_err)?;
        }
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(sqlite_err)?;
        // FULL: a decision the window reports as saved survives a power cut (WAL + NORMAL
        // may lose the last transactions); the cost is one sync per decision.
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sqlite_err)?;

        let mut store = Store::on(conn, path, key, file_system);
        store.pending_check = pending_check;
        store.check_gate = check_gate;
        store.identity = identity;
        if fresh {
            store.create_schema().map_err(sqlite_err)?;
        } else if version < SCHEMA_VERSION {
            store.upgrade().map_err(sqlite_err)?;
        }
        Ok(store)
    }

    /// A store on `conn` with nothing pending: no check running, writable, no window lock
    /// (each way of opening sets what differs).
    fn on(
        conn: Connection,
        path: &Path,
        key: Option<&DbKey>,
        file_system: location::FileSystem,
    ) -> Store {
        Store {
            conn,
            path: path.to_path_buf(),
            pending_check: None,
            check_gate: None,
            damaged: None,
            read_only: None,
            window_lock: None,
            key: key.cloned(),
            file_system,
            checkpoint_due: None,
            unchecked_reader: false,
            identity: None,
        }
    }

    /// A store over a read-only connection of its own ([`open_reader`]): a reader beside the
    /// window's connection (the queue at start). Every write is refused.
    pub fn open_reader(path: &Path, key: Option<&DbKey>) -> rusqlite::Result<Self> {
        let conn = open_reader(path, key)?;
        let mut store = Store::on(conn, path, key, location::FileSystem::Local);
        store.read_only = Some("Denne tilkoblingen leser bare.".into());
        Ok(store)
    }

    /// An in-memory database with the current schema, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Self, rusqlite::Error> {
        let conn = Connection::open_in_memory()?;
        conn.pragma_update(None, "foreign_keys", true)?;
        let mut store = Store::on(
            conn,
            Path::new(":memory:"),
            None,
            location::FileSystem::Local,
        );
        store.create_schema()?;
        Ok(store)
    }

    /// Creates the schema, unless another process did so since this one looked (two `demo`
    /// commands on one new file): the IMMEDIATE transaction makes the second one wait and
    /// then see the first one's schema.
    fn create_schema(&mut self) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let objects: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if objects == 0 {
            tx.execute_batch(SCHEMA_SQL)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()
    }

    /// Applies every migration after the file's version in one IMMEDIATE transaction.
    fn upgrade(&mut self) -> rusqlite::Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have upgraded the file meanwhile.
        let from: i32 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if from >= SCHEMA_VERSION {
            return tx.commit();
        }
        for (index, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip((from - 1).max(0) as usize)
        {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", index as i32 + 2)?;
        }
        // Rows written before the chain existed are chained once, here; the upgrade itself is
        // the first row written under the chain.
        let chained = audit::chain_unchained(&tx)?;
        let now = chrono::Local::now().naive_local();
        audit::record(
            &tx,
            &timestamp(now),
            "inntak",
            audit::Event::Database(audit::DatabaseAction::Upgrade),
            None,
            &serde_json::json!({
                "fra_versjon": from,
                "til_versjon": SCHEMA_VERSION,
                "rader_kjedet": chained,
            }),
        )?;
        let last = anchor::newest(&tx)?;
        tx.commit()?;
        if let Some(last) = last {
            anchor::record(&self.path, None, last, true);
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's key, if it is encrypted: for backups and further connections.
    pub fn key(&self) -> Option<&DbKey> {
        self.key.as_ref()
    }

    pub fn is_encrypted(&self) -> bool {
        self.key.is_some()
    }

    /// Whether this connection holds the file alone (a network share): other connections
    /// cannot read it, so checks and backups go through this one.
    pub fn is_exclusive(&self) -> bool {
        location::journaling(&self.file_system) == Journaling::ExclusiveRollback
    }

    /// The status bar's sentence when the file lies on a network share.
    pub fn location_notice(&self) -> Option<String> {
        location::network_notice(&self.file_system)
    }

    /// Whether the path names another file than the one this store writes (a restore or
    /// re-encryption by another process replaced it).
    pub fn replaced(&self) -> bool {
        names_another_file(&self.path, self.identity)
    }

    /// Read access for repository functions.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// From now on every write is refused with `message` (the window after a failed restore).
    pub fn refuse_writes(&mut self, message: String) {
        self.read_only = Some(message);
    }

    /// Why this store only reads, if it does (read-only location, or another window).
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// Takes the window's lock on `<db>.lock`. If another Inntak window holds it, this store
    /// becomes read-only and the message says why; commands never take the lock.
    pub fn lock_for_window(&mut self) {
        if self.path == Path::new(":memory:") || self.read_only.is_some() {
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

    /// Folds the write-ahead log into the main file and empties it, so the main file is
    /// complete on its own (the window does this when it closes).
    pub fn checkpoint(&mut self) -> Result<(), StoreError> {
        if self.read_only.is_some() || self.unchecked_reader || self.replaced() {
            return Ok(());
        }
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        self.checkpoint_due = None;
        Ok(())
    }

    /// Walks the audit log's hash chain on its own read-only connection in a thread (an
    /// in-memory store is walked at once). The verdict arrives on the channel.
    pub fn spawn_chain_check(&self) -> std::sync::mpsc::Receiver<Result<usize, audit::ChainError>> {
        let (tx, rx) = std::sync::mpsc::channel();
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
    fn reopen_for_writing(&mut self) -> Result<(), StoreError> {
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
        if let Some(message) = &self.read_only {
            return Err(StoreError::Refused(message.clone()));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Holding the write lock, the path cannot be replaced any more: check it still names
        // this file (a replacing command holds the lock until its rename is done).
        if names_another_file(&self.path, self.identity) {
            drop(tx);
            let message = replace::replaced_message(&self.path);
            self.read_only = Some(message.clone());
            return Err(StoreError::Refused(message));
        }
        let before = anchor::newest(&tx)?;
        let value = intent(&tx)?;
        // The newest log row goes outside the file before the commit (see `anchor`).
        let last = anchor::newest(&tx)?.filter(|l| Some(l) != before.as_ref());
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

    fn passive_checkpoint(&mut self) {
        self.checkpoint_due = None;
        if self.replaced() {
            return;
        }
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
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

/// How long a write waits for another process's write to finish before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

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

/// Whether the file (if it exists) and its folder can be written, found by trying: opening
/// the file for writing changes nothing in it, and the folder gets a probe file that is
/// removed at once.
fn writable(path: &Path, exists: bool) -> (bool, bool) {
    let file = !exists || std::fs::OpenOptions::new().write(true).open(path).is_ok();
    (file, dir_writable(path))
}

/// Whether the folder holding `path` can be written (a probe file, removed at once).
fn dir_writable(path: &Path) -> bool {
    path.parent()
        .map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        })
        .is_some_and(|dir| {
            let probe = dir.join(format!(".inntak-skrivetest-{}", std::process::id()));
            match crate::files::create_private(&probe) {
                Ok(_) => {
                    let _ = std::fs::remove_file(&probe);
                    true
                }
                Err(e) => e.kind() == std::io::ErrorKind::AlreadyExists,
            }
        })
}

/// A read-only connection to an existing database that never checkpoints on close, for the
/// background checks and backups: in a read-only folder without a `-wal` the file is read
/// as immutable (see [`open_read_only`]).
pub fn open_reader(path: &Path, key: Option<&DbKey>) -> rusqlite::Result<Connection> {
    let conn = open_read_only(path, dir_writable(path), key)?;
    // Each of these readers passes over the file once (a check, the queue at start, a
    // backup), so a page cache helps none of them: 256 KiB instead of SQLite's 2 MiB, times
    // the three the window runs beside its own connection at start.
    conn.pragma_update(None, "cache_size", -256)?;
    Ok(conn)
}

/// A read-only connection that never checkpoints on close. Where the folder cannot be
/// written and no `-wal` is beside the file, SQLite cannot make its `-shm`: the file is then
/// opened as immutable, which is safe because nobody can add a `-wal` to that folder.
fn open_read_only(
    path: &Path,
    dir_writable: bool,
    key: Option<&DbKey>,
) -> rusqlite::Result<Connection> {
    let wal = crate::files::with_suffix(path, "-wal");
    let conn = if !dir_writable && !wal.exists() {
        open_immutable(path, key)?
    } else {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        if let Some(key) = key {
            key.apply(&conn)?;
        }
        conn
    };
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// A read-only connection to the main file alone, as immutable: no lock, no side file.
fn open_immutable(path: &Path, key: Option<&DbKey>) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        format!("file:{}?immutable=1", uri_path(path)),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    if let Some(key) = key {
        key.apply(&conn)?;
    }
    Ok(conn)
}

/// Whether the main file passes the check when its `-wal` is ignored (it was damaged only
/// by a `-wal` that belongs to another version of the file). `immutable` reads the main file
/// alone and never touches the side files.
fn main_file_alone_is_sound(path: &Path, key: Option<&DbKey>) -> bool {
    let wal = crate::files::with_suffix(path, "-wal");
    if !std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return false;
    }
    open_immutable(path, key).is_ok_and(|conn| quick_check(&conn).is_ok())
}

/// A path as a `file:` URI path, percent-encoding everything but unreserved characters.
fn uri_path(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for b in absolute.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `path` names another file than `opened` by now (no identity: never).
fn names_another_file(path: &Path, opened: Option<replace::FileId>) -> bool {
    opened.is_some_and(|id| replace::FileId::of(path) != Some(id))
}

/// Another connection holds the file: busy, never damaged or failed; else `other`.
fn busy_or(
    path: &Path,
    e: rusqlite::Error,
    other: impl FnOnce(rusqlite::Error) -> OpenError,
) -> OpenError {
    if is_busy(&e) {
        OpenError::Busy(path.to_path_buf())
    } else {
        other(e)
    }
}

/// Reads application id, schema version and object count: `(fresh, version)`, refusing a
/// file that is not Inntak's or is newer than this build.
fn identify(conn: &Connection, path: &Path) -> Result<(bool, i32), OpenError> {
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

/// Looks at an existing file on a read-only connection: whose it is, its version, and (when
/// asked for before opening, or when the background check cannot be used) its integrity.
///
/// A file with no side files beside it (closed: no connection has it open) is looked at as
/// immutable, so looking — and refusing it — creates no `-wal` or `-shm` beside it. Should
/// another process open and change it meanwhile (its size or time of change differs after,
/// or a side file appeared), the look is made again the ordinary way.
fn inspect(
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

fn inspect_with(
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
fn quick_check(conn: &Connection) -> Result<(), String> {
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if check == "ok" { Ok(()) } else { Err(check) }
}

/// Runs the quick check on its own read-only connection in a thread.
/// How long the background check waits for [`Store::release_integrity_check`] before it
/// starts anyway.
const CHECK_GATE: std::time::Duration = std::time::Duration::from_millis(600);

/// Starts the background quick_check: it begins when the returned gate is released (or
/// dropped), or after [`CHECK_GATE`].
fn spawn_quick_check(
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
            .and_then(|conn| quick_check(&conn));
        let _ = tx.send(verdict);
    });
    (gate, rx)
}

/// Reads the file's first bytes, without opening it in SQLite: plain SQLite, or encrypted.
/// A file that cannot be SQLCipher's (its length is not a whole number of 512-byte pages) is
/// refused as not a database.
fn check_header(path: &Path) -> Result<FileKind, OpenError> {
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
fn read_header(path: &Path) -> std::io::Result<[u8; 100]> {
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

/// The clock's timestamp format for `created_at`, `updated_at` and the audit log.
pub fn timestamp(now: chrono::NaiveDateTime) -> String {
    now.format("%Y-%m-%dT%H:%M:%S").to_string()
}
