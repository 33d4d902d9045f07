//! The store: one SQLite file, its schema and upgrades, and the repository functions.
//!
//! Repository functions are free functions over `&Connection` (reads) or `&Transaction`
//! (writes), so one user intent composes into exactly one transaction via
//! [`Store::write`].
//!
//! The seam for a second engine (PostgreSQL on the clinic's server) is `Store` itself:
//! callers hold a `Store` and call functions that take it; the engine will be an enum inside
//! it (`Sqlite(Connection) | Postgres(Client)`), not a `dyn` trait. A trait would have to
//! carry every repository function as a method (a hundred signatures, generic or boxed, and
//! transactions that cannot be free functions over one `&Transaction` any more); an enum
//! keeps the functions free and puts the one `match` where a connection or transaction is
//! taken. SQL keeps numbered `?N` placeholders (the other engine rewrites them to `$N`) and
//! standard SQL where that costs nothing. `open`, `migrate`, `integrity`, `lock`, `write`
//! and `error` are the engine's own parts; the table families sit beside them.

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
pub mod server;
pub mod settings;
pub mod stats;

pub mod db;
mod error;
mod integrity;
mod lock;
mod migrate;
mod open;
mod write;

pub use error::*;
pub use integrity::*;
pub use lock::*;
pub use migrate::*;
pub use open::*;
pub use write::*;

use crate::store::db::{Connection, Transaction};
use cipher::{DbKey, FileKind, Unlock};
use location::Journaling;
use rusqlite::OpenFlags;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Every table (SQLite's own excluded) with its row count.
pub fn table_counts(conn: &Connection) -> rusqlite::Result<Vec<(String, i64)>> {
    let listing = if conn.is_server() {
        // The schema's own bookkeeping is not a table of the clinic's data.
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> 'inntak_schema' ORDER BY table_name COLLATE \"C\""
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         ORDER BY name"
    };
    let names: Vec<String> = conn
        .prepare(listing)?
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
    /// On the clinic's server: the authenticated login (`session_user`).
    login: Option<String>,
    /// On the clinic's server: whether the connection is encrypted.
    server_tls: Option<bool>,
}

impl Drop for Store {
    /// A command's writes reach the main file before it ends.
    fn drop(&mut self) {
        if self.replaced() {
            // The path names another file now: closing must not fold or delete the log by
            // its name (it is the new file's).
            let _ = self.conn.file().and_then(|c| {
                c.set_db_config(
                    rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                    true,
                )
            });
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

impl Store {
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
}
