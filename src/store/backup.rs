//! Backups and restore: consistent, checked copies of the whole database (every referral,
//! decision, follow-up and the audit log), made with SQLite's online backup API so the
//! window may go on writing meanwhile.
//!
//! A copy is written to a temporary sibling, checked (`integrity_check`, the same schema,
//! every table's row count equal to the source's at the moment of copying) and only then
//! renamed to its name. A copy that fails, or a process killed half-way, never leaves a file
//! named like a good backup.

use crate::files::{self, Protected};
use crate::store::cipher::DbKey;
use crate::store::{self, APPLICATION_ID, SCHEMA_VERSION};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// The folder beside the database that backups go to unless the setting says otherwise.
pub const DEFAULT_DIR_NAME: &str = "sikkerhetskopier";
/// How many of the most recent days and ISO weeks keep their newest backup.
pub const KEEP_DAILY: usize = 14;
pub const KEEP_WEEKLY: usize = 8;

/// A written and checked copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Copied {
    pub path: PathBuf,
    /// Every table with its row count, equal in the source and the copy.
    pub tables: Vec<(String, i64)>,
    pub bytes: u64,
}

impl Copied {
    pub fn referrals(&self) -> i64 {
        store::count_in(&self.tables, "referrals")
    }
}

/// The backup folder: the setting if given, else `sikkerhetskopier` beside the database.
pub fn backup_dir(db: &Path, setting: Option<&str>) -> PathBuf {
    match setting.map(str::trim).filter(|s| !s.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => db
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(DEFAULT_DIR_NAME),
    }
}

/// `inntak-ÅÅÅÅ-MM-DD-TTMM.sqlite3`.
pub fn file_name(now: NaiveDateTime) -> String {
    format!("inntak-{}.sqlite3", now.format("%Y-%m-%d-%H%M"))
}

/// The time in a backup's file name, if it is one of ours.
pub fn parse_file_name(name: &str) -> Option<NaiveDateTime> {
    let stamp = name.strip_prefix("inntak-")?.strip_suffix(".sqlite3")?;
    NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d-%H%M").ok()
}

/// The backups in a folder, newest first.
pub fn list(dir: &Path) -> Vec<(PathBuf, NaiveDateTime)> {
    let mut found: Vec<(PathBuf, NaiveDateTime)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let at = parse_file_name(name.to_str()?)?;
            Some((entry.path(), at))
        })
        .collect();
    found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    found
}

/// The newest backup in a folder.
pub fn latest(dir: &Path) -> Option<(PathBuf, NaiveDateTime)> {
    list(dir).into_iter().next()
}

/// Checks a backup file on a read-only connection: an Inntak database this version can
/// read, passing `integrity_check`. Returns its tables and row counts.
pub fn verify(path: &Path, key: Option<&DbKey>) -> Result<Vec<(String, i64)>, String> {
    let refuse = |why: String| {
        format!(
            "«{}» kan ikke brukes som sikkerhetskopi: {why}",
            path.display()
        )
    };
    let meta = std::fs::metadata(path).map_err(|e| refuse(files::write_error_text(&e)))?;
    if meta.is_dir() {
        return Err(refuse("det er en mappe".into()));
    }
    let conn =
        store::open_reader(path, key).map_err(|e| refuse(format!("filen kan ikke åpnes ({e})")))?;
    let ids = store::schema_ids(&conn).map_err(|e| {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
            refuse("den er kryptert med et annet passord (eller er ikke en Inntak-database)".into())
        } else {
            refuse(format!("ikke en Inntak-database ({e})"))
        }
    })?;
    if ids.0 != APPLICATION_ID {
        return Err(refuse("den er ikke en Inntak-database".into()));
    }
    if ids.1 > SCHEMA_VERSION || ids.1 < 1 {
        return Err(refuse(format!(
            "den har skjemaversjon {}, denne versjonen av Inntak leser 1 til {SCHEMA_VERSION}",
            ids.1
        )));
    }
    let check = conn
        .file()
        .and_then(store::integrity_check)
        .map_err(|e| refuse(format!("kontrollen feilet ({e})")))?;
    if check != "ok" {
        return Err(refuse(format!("den er skadet ({check})")));
    }
    store::table_counts(&conn).map_err(|e| refuse(format!("tabellene kan ikke leses ({e})")))
}

/// What the restore question says of a backup: when it was taken (from its name, else the
/// file's time) and what it holds ("2 010 henvisninger, siste mottatt 23.11.2026"). `key`:
/// the backup's key, `None` for a plain file or one whose passphrase is not known yet.
pub fn describe(path: &Path, key: Option<&DbKey>, encrypted_unknown: bool) -> String {
    let taken = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(parse_file_name)
        .or_else(|| {
            let modified = std::fs::metadata(path).ok()?.modified().ok()?;
            Some(chrono::DateTime::<chrono::Local>::from(modified).naive_local())
        })
        .map(|t| {
            format!(
                "Tatt {} kl. {}",
                crate::calendar::format_date(t.date()),
                t.format("%H:%M")
            )
        })
        .unwrap_or_else(|| "Tidspunktet kopien ble tatt er ukjent".into());
    if encrypted_unknown {
        return format!("{taken}. Innholdet vises når passordet kopien ble tatt med, er skrevet.");
    }
    let holds = store::open_reader(path, key).and_then(|conn| {
        conn.query_row(
            "SELECT count(*), max(received_on) FROM referrals",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<NaiveDate>>(1)?)),
        )
    });
    match holds {
        Ok((n, Some(last))) => format!(
            "{taken}. Den har {} henvisninger, den siste mottatt {}.",
            crate::domain::thousands(n as usize),
            crate::calendar::format_date(last)
        ),
        Ok((n, None)) => format!("{taken}. Den har {n} henvisninger."),
        Err(_) => {
            format!("{taken}. Innholdet kunne ikke leses (kontrolleres før gjenopprettingen).")
        }
    }
}

/// What a copy reads: a database file (on a read-only connection of its own), or the open
/// store's connection (a file on a network share is held by that connection alone).
#[derive(Clone, Copy)]
pub enum Source<'a> {
    File(&'a Path),
    Open(&'a crate::store::db::Connection, &'a Path),
}

impl<'a> Source<'a> {
    /// The open store's own connection (a file held exclusively on a network share, or the
    /// closing backup).
    pub fn of(store: &'a crate::store::Store) -> Self {
        Source::Open(store.conn(), store.path())
    }

    pub fn path(&self) -> &Path {
        match self {
            Source::File(path) | Source::Open(_, path) => path,
        }
    }
}

/// Copies the database at `src` to `dest` through a temporary sibling, then checks the
/// copy against the source before giving it its name.
pub fn copy_checked(src: Source<'_>, dest: &Path, key: Option<&DbKey>) -> Result<Copied, String> {
    let tmp = files::temp_sibling(dest);
    let result = copy_to_temp(src, &tmp, key).and_then(|source_counts| {
        let copy_counts = verify(&tmp, key)?;
        if copy_counts != source_counts {
            return Err(format!(
                "Kopien av «{}» stemmer ikke med originalen (antall rader er ulikt). Prøv igjen.",
                src.path().display()
            ));
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&tmp)
            .map_err(|e| files::write_error(dest, &e))?;
        file.sync_all().map_err(|e| files::write_error(dest, &e))?;
        drop(file);
        std::fs::rename(&tmp, dest).map_err(|e| files::write_error(dest, &e))?;
        files::sync_dir(dest);
        Ok(source_counts)
    });
    match result {
        Ok(tables) => Ok(Copied {
            path: dest.to_path_buf(),
            bytes: std::fs::metadata(dest).map_or(0, |m| m.len()),
            tables,
        }),
        Err(e) => {
            remove_with_side_files(&tmp);
            Err(e)
        }
    }
}

/// The online backup from a snapshot: a read transaction on the source pins the version
/// that is both counted and copied.
fn copy_to_temp(
    from: Source<'_>,
    tmp: &Path,
    key: Option<&DbKey>,
) -> Result<Vec<(String, i64)>, String> {
    let src = from.path();
    let own;
    let source = match from {
        Source::Open(conn, _) => conn,
        Source::File(path) => {
            own = store::open_reader(path, key).map_err(|e| {
                format!(
                    "Kunne ikke lese «{}» for sikkerhetskopien ({e}). Ingenting er skrevet.",
                    src.display()
                )
            })?;
            &own
        }
    };
    // The copy is private from its first byte; SQLite then fills the empty file.
    files::create_private(tmp).map_err(|e| files::write_error(tmp, &e))?;
    let mut target = Connection::open(tmp).map_err(|e| {
        format!(
            "Kunne ikke skrive sikkerhetskopien «{}» ({e}). Ingenting er skrevet.",
            tmp.display()
        )
    })?;
    // An encrypted database's copy is encrypted with the same key (and salt).
    if let Some(key) = key {
        key.apply(&target).map_err(|e| {
            format!(
                "Kunne ikke kryptere sikkerhetskopien «{}» ({e}). Ingenting er skrevet.",
                tmp.display()
            )
        })?;
    }
    let busy = |e: rusqlite::Error| {
        if store::is_busy(&e) {
            store::BUSY_MESSAGE.to_string()
        } else {
            format!(
                "Sikkerhetskopien av «{}» feilet ({e}). Ingenting er skrevet; prøv igjen.",
                src.display()
            )
        }
    };
    source.execute_batch("BEGIN").map_err(busy)?;
    let counts = store::table_counts(source).map_err(busy)?;
    {
        let backup = rusqlite::backup::Backup::new(source.file().map_err(busy)?, &mut target)
            .map_err(busy)?;
        backup
            .run_to_completion(4096, std::time::Duration::from_millis(0), None)
            .map_err(busy)?;
    }
    source.execute_batch("COMMIT").map_err(busy)?;
    // The copy stands alone: no -wal beside it.
    target
        .pragma_update(None, "journal_mode", "DELETE")
        .map_err(busy)?;
    drop(target);
    Ok(counts)
}

fn remove_with_side_files(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(files::with_suffix(path, suffix));
    }
}

/// Takes a backup of the database at `db` into `dir` under today's name, then prunes the
/// folder. Temporary files of copies that never finished (older than a day) are removed.
pub fn backup_into(
    db: Source<'_>,
    dir: &Path,
    now: NaiveDateTime,
    key: Option<&DbKey>,
) -> Result<Copied, String> {
    files::create_private_dir(dir).map_err(|e| {
        format!(
            "Kunne ikke lage mappen for sikkerhetskopier «{}»: {}",
            dir.display(),
            files::write_error_text(&e)
        )
    })?;
    let dest = dir.join(file_name(now));
    let copied = backup_to(db, &dest, key)?;
    prune(dir);
    Ok(copied)
}

/// Takes a backup of the database at `db` to the file `out`.
pub fn backup_to(db: Source<'_>, out: &Path, key: Option<&DbKey>) -> Result<Copied, String> {
    Protected::none().database(db.path()).check(out)?;
    if out.is_dir() {
        return Err(format!(
            "«{}» er en mappe. Oppgi et filnavn. Ingenting er skrevet.",
            out.display()
        ));
    }
    copy_checked(db, out, key)
}

/// Keeps the newest backup of each of the last [`KEEP_DAILY`] days that have one and of each
/// of the last [`KEEP_WEEKLY`] ISO weeks; removes the other backups and stale temp files.
/// Returns what was removed.
pub fn prune(dir: &Path) -> Vec<PathBuf> {
    let all = list(dir);
    let keep = to_keep(&all.iter().map(|(_, at)| *at).collect::<Vec<_>>());
    let mut removed = Vec::new();
    for (i, (path, _)) in all.iter().enumerate() {
        if !keep.contains(&i) && std::fs::remove_file(path).is_ok() {
            removed.push(path.clone());
        }
    }
    let day_old = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < day_old);
        if name.starts_with("inntak-") && name.contains(files::TEMP_MARK) && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    removed
}

/// Which of the backups (times, newest first) the retention keeps, by index.
pub fn to_keep(times: &[NaiveDateTime]) -> std::collections::BTreeSet<usize> {
    let mut keep = std::collections::BTreeSet::new();
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut weeks: Vec<(i32, u32)> = Vec::new();
    for (i, at) in times.iter().enumerate() {
        let day = at.date();
        let week = (day.iso_week().year(), day.iso_week().week());
        if !days.contains(&day) {
            days.push(day);
            if days.len() <= KEEP_DAILY {
                keep.insert(i);
            }
        }
        if !weeks.contains(&week) {
            weeks.push(week);
            if weeks.len() <= KEEP_WEEKLY {
                keep.insert(i);
            }
        }
    }
    keep
}

/// What a restore did.
#[derive(Clone, Debug)]
pub struct Restored {
    pub copied: Copied,
    /// Where the replaced database was kept (with its `-wal`, if it had one).
    pub kept: Option<PathBuf>,
}

impl Restored {
    /// The access-log row of a restore from `from`: how many patients, from where, and where
    /// the replaced file was kept.
    pub fn log(&self, from: &Path) -> crate::store::audit::OutputLog {
        use crate::store::audit::{OutputAction, OutputLog};
        OutputLog::new(OutputAction::Restore, self.copied.referrals() as usize).with(
            serde_json::json!({
                "fra": files::canonical(from).display().to_string(),
                "erstattet_fil_tatt_vare_på_som":
                    self.kept.as_ref().map(|k| files::canonical(k).display().to_string()),
            }),
        )
    }
}

/// Why a backup's key could not be found.
#[derive(Debug)]
pub enum BackupKeyError {
    /// The file could not be read (the message says where and why).
    Unreadable(String),
    /// It is encrypted, and neither the keys nor the passphrase given fit its salt: it was
    /// taken under another passphrase.
    NeedsPassphrase,
}

/// The key the backup `from` opens with: none for a plain file; for an encrypted one, a key
/// in `unlock` made for its salt, or `unlock`'s passphrase derived over that salt (a backup
/// may be older than the database's last passphrase change).
pub fn backup_key(
    from: &Path,
    unlock: &crate::store::cipher::Unlock,
) -> Result<Option<DbKey>, BackupKeyError> {
    let kind = crate::store::cipher::file_kind(from)
        .map_err(|e| BackupKeyError::Unreadable(files::write_error(from, &e)))?;
    unlock
        .key_for(kind)
        .map_err(|crate::store::cipher::NeedsKey| BackupKeyError::NeedsPassphrase)
}

/// Replaces the database at `db` with the backup `from`, crash-safely (see
/// [`crate::store::replace`]): the backup is checked, copied beside the database and checked
/// again; then, with the database held alone, the replaced file is kept as
/// `<name>-erstattet-ÅÅÅÅMMDD-TTMM.sqlite3` (with its `-wal`) and the copy renamed over it.
/// A complete database lies at the path at every instant. Refused while an Inntak window
/// has the database open or another command is using it.
/// `key` is the backup's own key (it may be older than the database's: the backup is
/// restored with it); `live` unlocks the database being replaced, if it can.
pub fn restore(
    db: &Path,
    from: &Path,
    now: NaiveDateTime,
    key: Option<&DbKey>,
    live: &crate::store::cipher::Unlock,
) -> Result<Restored, String> {
    use crate::store::replace::{Exclusive, TakeError};
    Protected::none().database(db).check(from).map_err(|_| {
        format!(
            "«{}» er selve databasen, ikke en sikkerhetskopi. Ingenting er endret.",
            from.display()
        )
    })?;
    verify(from, key).map_err(|e| format!("{e} Ingenting er endret."))?;
    let _lock = store::lock_out_windows(db)?;
    let staging = files::temp_sibling(db);
    let copied = copy_checked(Source::File(from), &staging, key)
        .map_err(|e| format!("{e} Databasen er som før."))?;
    let exists = std::fs::metadata(db).is_ok_and(|m| m.len() > 0);
    let held = if exists {
        // A database nobody can read (damaged, or under a passphrase not given) has no
        // writer to keep out; one that is in use is left alone.
        match Exclusive::take(db, live) {
            Ok(held) => Some(held),
            Err(TakeError::Busy(message)) => {
                remove_with_side_files(&staging);
                return Err(format!("{message} Databasen er som før."));
            }
            Err(TakeError::Unreadable(_)) => None,
        }
    } else {
        None
    };
    let kept = exists.then(|| crate::store::replace::kept_name(db, now));
    let swapped = match held {
        Some(held) => held.swap_in(&staging, kept.as_deref()),
        None => crate::store::replace::swap(db, &staging, kept.as_deref()),
    };
    if let Err(e) = swapped {
        remove_with_side_files(&staging);
        return Err(e);
    }
    // The log is now the backup's: this machine's anchor follows it.
    if let Ok(conn) = store::open_reader(db, key) {
        crate::store::anchor::reset(db, &conn);
    }
    Ok(Restored {
        copied: Copied {
            path: db.to_path_buf(),
            ..copied
        },
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn names_round_trip() {
        let t = at(2026, 11, 23, 15);
        assert_eq!(file_name(t), "inntak-2026-11-23-1500.sqlite3");
        assert_eq!(parse_file_name(&file_name(t)), Some(t));
        assert_eq!(
            parse_file_name("inntak-2026-11-23-1500.sqlite3.tmp-inntak-7"),
            None
        );
        assert_eq!(parse_file_name("annet.sqlite3"), None);
    }

    #[test]
    fn retention_keeps_14_days_and_8_weeks() {
        // Two backups a day for 120 days, newest first.
        let mut times = Vec::new();
        for day in 0..120 {
            let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() - chrono::Days::new(day);
            times.push(date.and_hms_opt(16, 0, 0).unwrap());
            times.push(date.and_hms_opt(8, 0, 0).unwrap());
        }
        let keep = to_keep(&times);
        let kept: Vec<NaiveDateTime> = keep.iter().map(|&i| times[i]).collect();
        // The 14 newest days (their 16:00 copy) ...
        for day in 0..14 {
            let date = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap() - chrono::Days::new(day);
            assert!(
                kept.contains(&date.and_hms_opt(16, 0, 0).unwrap()),
                "{date}"
            );
        }
        // ... and one per ISO week for 8 weeks: 23.11.2026 is a Monday, so weeks 48 back to 41.
        let weeks: std::collections::BTreeSet<u32> =
            kept.iter().map(|t| t.date().iso_week().week()).collect();
        assert_eq!(weeks.len(), 8, "{weeks:?}");
        assert_eq!(*weeks.first().unwrap(), 41);
        assert!(
            kept.iter()
                .all(|t| t.time().format("%H").to_string() == "16")
        );
        // 14 days cover weeks 48, 47, 46 (partly): 14 daily + 5 more weekly.
        assert_eq!(kept.len(), 14 + 5);
    }
}
