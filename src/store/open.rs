//! Opening the database: the options per caller (window, command, reader), read-only
//! files and folders, encrypted files, network shares, and the store over the connection.

use super::*;
use rusqlite::Connection;

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

/// How long a write waits for another process's write to finish before giving up.
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether the file (if it exists) and its folder can be written, found by trying: opening
/// the file for writing changes nothing in it, and the folder gets a probe file that is
/// removed at once.
pub(crate) fn writable(path: &Path, exists: bool) -> (bool, bool) {
    let file = !exists || std::fs::OpenOptions::new().write(true).open(path).is_ok();
    (file, dir_writable(path))
}

/// Whether the folder holding `path` can be written (a probe file, removed at once).
pub(crate) fn dir_writable(path: &Path) -> bool {
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
pub fn open_reader(path: &Path, key: Option<&DbKey>) -> rusqlite::Result<db::Connection> {
    let conn = open_read_only(path, dir_writable(path), key)?;
    // Each of these readers passes over the file once (a check, the queue at start, a
    // backup), so a page cache helps none of them: 256 KiB instead of SQLite's 2 MiB, times
    // the three the window runs beside its own connection at start.
    conn.pragma_update(None, "cache_size", -256)?;
    Ok(conn.into())
}

/// A read-only connection that never checkpoints on close. Where the folder cannot be
/// written and no `-wal` is beside the file, SQLite cannot make its `-shm`: the file is then
/// opened as immutable, which is safe because nobody can add a `-wal` to that folder.
pub(crate) fn open_read_only(
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
pub(crate) fn open_immutable(path: &Path, key: Option<&DbKey>) -> rusqlite::Result<Connection> {
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
pub(crate) fn main_file_alone_is_sound(path: &Path, key: Option<&DbKey>) -> bool {
    let wal = crate::files::with_suffix(path, "-wal");
    if !std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return false;
    }
    open_immutable(path, key).is_ok_and(|conn| quick_check(&conn).is_ok())
}

/// A path as a `file:` URI path, percent-encoding everything but unreserved characters.
pub(crate) fn uri_path(path: &Path) -> String {
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

    /// A database in a read-only file or folder: opened to read (refused when it would need
    /// creating, upgrading or a rollback first), every write refused with why.
    fn open_where_read_only(
        path: &Path,
        inspection: Option<Inspection>,
        dir_writable: bool,
        key: Option<&DbKey>,
        file_system: location::FileSystem,
    ) -> Result<Self, OpenError> {
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
        let conn = open_read_only(path, dir_writable, key).map_err(|_| OpenError::ReadOnly {
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
        Ok(store)
    }

    pub(super) fn open_keyed_once(
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
        refuse_missing_or_empty(path, meta.as_ref(), options)?;
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
            return Self::open_where_read_only(path, inspection, dir_writable, key, file_system);
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

        configure(&conn, exclusive).map_err(sqlite_err)?;

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
    pub(super) fn on(
        conn: impl Into<db::Connection>,
        path: &Path,
        key: Option<&DbKey>,
        file_system: location::FileSystem,
    ) -> Store {
        Store {
            conn: conn.into(),
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
            login: None,
            server_tls: None,
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
}

/// The connection's settings, outside any transaction. A network share cannot carry the
/// write-ahead log's shared memory between machines: rollback journal, and the file held by
/// this one connection.
fn configure(conn: &Connection, exclusive: bool) -> rusqlite::Result<()> {
    if exclusive {
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        conn.pragma_update(None, "journal_mode", "DELETE")?;
    } else {
        conn.pragma_update(None, "journal_mode", "WAL")?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    // FULL: a decision the window reports as saved survives a power cut (WAL + NORMAL
    // may lose the last transactions); the cost is one sync per decision.
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// A path with no database: the kept file of an interrupted restore named, a missing or
/// empty file refused where nothing may be created, the folder made where one may.
fn refuse_missing_or_empty(
    path: &Path,
    meta: Option<&std::fs::Metadata>,
    options: OpenOptions,
) -> Result<(), OpenError> {
    let has_data = meta.is_some_and(|m| m.len() > 0);
    let io = |source| OpenError::Io {
        path: path.to_path_buf(),
        source,
    };
    match meta {
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
    Ok(())
}
