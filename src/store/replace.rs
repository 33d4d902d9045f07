//! Replacing the database file as a whole (restore, encrypt, a new passphrase), so that a
//! complete database lies at the path at every instant and nothing another process
//! confirmed can be lost.
//!
//! The protocol, with every writer of Inntak (window and command line) taking part:
//! 1. The replacing command locks out windows (`<db>.lock`) and takes the file for itself
//!    ([`Exclusive::take`]): SQLite's EXCLUSIVE lock on the database file, held until the
//!    new file has replaced the old one. SQLite gives it only when no other connection of
//!    any process has the file open, and while it is held nobody can read or write the old
//!    file (they wait, then hear "brukes av en annen – prøv igjen").
//! 2. The new file is made and checked beside the old one, under a temporary name
//!    ([`crate::files::temp_sibling`]).
//! 3. The old file is kept where asked (restore: a hard link, `-erstattet-…`), its `-wal` and
//!    `-shm` are moved out of the way, and the new file is renamed over the path: an atomic
//!    step, so the path names the old or the new database, never nothing.
//! 4. A process that opened the old file while it was held, and gets it after, would write
//!    into a file that no longer has a name: every write checks, inside its transaction, that
//!    the path still names the file it opened ([`FileId`]), and refuses otherwise.
//!
//! A run killed at any step leaves the old database, or the new one, whole at the path; its
//! temporary copy (or a kept link that is still the live file) is removed by the next
//! opening that can take `<db>.lock` ([`tidy`]).

use crate::files;
use crate::store::cipher::{self, FileKind, Unlock};
use crate::store::{self, BUSY_MESSAGE};
use rusqlite::Connection;
use rusqlite::OpenFlags;
use std::path::{Path, PathBuf};

/// How long taking the file waits for other commands to finish.
const TAKE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Which file a path names: device and inode on Unix. Elsewhere `None` (Windows refuses to
/// rename over an open file, so no writer can be left on a replaced one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    /// The file the path names now (`None`: no file, or no identity on this platform).
    pub fn of(path: &Path) -> Option<FileId> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(path).ok().map(|m| FileId {
                dev: m.dev(),
                ino: m.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }
}

/// The message for a write refused because the file was replaced under it.
pub fn replaced_message(path: &Path) -> String {
    format!(
        "«{}» er byttet ut mens den var åpen her (gjenopprettet fra en sikkerhetskopi, kryptert \
         eller fått nytt passord av en annen kommando). Ingenting er lagret. Lukk Inntak og \
         åpne databasen på nytt, eller kjør kommandoen igjen.",
        path.display()
    )
}

/// Why the file could not be taken.
#[derive(Debug)]
pub enum TakeError {
    /// Another process has it open: try again later.
    Busy(String),
    /// The file cannot be read with what was given (wrong key, damaged, not a database).
    Unreadable(String),
}

impl TakeError {
    pub fn message(&self) -> &str {
        match self {
            TakeError::Busy(m) | TakeError::Unreadable(m) => m,
        }
    }
}

/// The database held alone by this process (see the module's description).
pub struct Exclusive {
    conn: store::db::Connection,
    path: PathBuf,
}

impl Exclusive {
    /// Takes the file at `path` for this connection alone, waiting up to ten seconds for
    /// other connections to close. `unlock` opens an encrypted file. The write-ahead log is
    /// not folded in here (a restore must keep a damaged file as it is); see
    /// [`Exclusive::fold_log`].
    pub fn take(path: &Path, unlock: &Unlock) -> Result<Exclusive, TakeError> {
        let unreadable = |e: &dyn std::fmt::Display| {
            TakeError::Unreadable(format!("«{}» kan ikke leses ({e}).", path.display()))
        };
        let kind = cipher::file_kind(path).map_err(|e| unreadable(&e))?;
        if kind == FileKind::New {
            return Err(unreadable(&"filen er tom eller finnes ikke"));
        }
        let key = unlock.key_for(kind).map_err(|cipher::NeedsKey| {
            TakeError::Unreadable(format!(
                "«{}» er kryptert med et annet passord.",
                path.display()
            ))
        })?;
        let busy = || TakeError::Busy(format!("«{}»: {BUSY_MESSAGE}", path.display()));
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| unreadable(&e))?;
        if let Some(key) = &key {
            key.apply(&conn).map_err(|e| unreadable(&e))?;
        }
        // Closing must never fold or delete a log by its name: after the swap the name
        // belongs to the new file.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map_err(|e| unreadable(&e))?;
        conn.busy_timeout(TAKE_WAIT).map_err(|e| unreadable(&e))?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(|e| unreadable(&e))?;
        // The first transaction takes the EXCLUSIVE lock (and, in WAL mode, keeps the log's
        // index in this process's memory), and locking_mode keeps it after the commit.
        let conn = store::db::Connection::from(conn);
        match conn.execute_batch("BEGIN EXCLUSIVE; COMMIT;") {
            Ok(()) => {}
            Err(e) if store::is_busy(&e) => return Err(busy()),
            Err(e) => return Err(unreadable(&store::error_text(&e))),
        }
        Ok(Exclusive {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn conn(&self) -> &store::db::Connection {
        &self.conn
    }

    /// Folds the write-ahead log into the main file and empties it (the main file is then
    /// the whole database).
    pub fn fold_log(&self) -> Result<(), String> {
        let (busy, _, _): (i64, i64, i64) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| store::error_text(&e))?;
        if busy != 0 {
            return Err(format!("«{}»: {BUSY_MESSAGE}", self.path.display()));
        }
        Ok(())
    }

    /// Puts the finished, synced file `new` at the path (see [`swap`]), holding the old
    /// file until it is replaced.
    pub fn swap_in(self, new: &Path, keep: Option<&Path>) -> Result<(), String> {
        let path = self.path.clone();
        // Windows cannot remove or rename over a file that is open: close first there.
        #[cfg(not(unix))]
        drop(self);
        swap(&path, new, keep)
    }
}

/// The logs that belong to a database file and go with it when it is kept.
const LOGS: [&str; 2] = ["-wal", "-journal"];

/// Puts the finished, synced file `new` at `path`: the old file is first kept as `keep` (a
/// hard link, or a copy where the file system has none; with its logs), the old side files
/// leave the path, and `new` is renamed over it. On any error the database at the path is
/// as it was (a log removed from the path is put back from its kept name). Called with the
/// file held ([`Exclusive::swap_in`]), or for a database nobody can be writing (one that
/// cannot be read).
pub fn swap(path: &Path, new: &Path, keep: Option<&Path>) -> Result<(), String> {
    if let Some(keep) = keep {
        let refused = |what: &Path, e: std::io::Error| {
            format!(
                "Kunne ikke ta vare på «{}» før den ble erstattet: {} Ingenting er endret.",
                what.display(),
                files::write_error_text(&e)
            )
        };
        link_or_copy(path, keep).map_err(|e| refused(path, e))?;
        for suffix in LOGS {
            let side = files::with_suffix(path, suffix);
            if std::fs::metadata(&side).is_ok_and(|m| m.len() > 0)
                && let Err(e) = link_or_copy(&side, &files::with_suffix(keep, suffix))
            {
                remove_kept(keep);
                return Err(refused(&side, e));
            }
        }
        files::sync_dir(keep);
    }
    // The old file's logs and index must not meet the new file.
    let cleared = ["-wal", "-shm", "-journal"].iter().try_for_each(|suffix| {
        let side = files::with_suffix(path, suffix);
        match std::fs::remove_file(&side) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!(
                "{} Ingenting er endret.",
                files::write_error(&side, &e)
            )),
            _ => Ok(()),
        }
    });
    let swapped = cleared.and_then(|()| {
        std::fs::rename(new, path).map_err(|e| {
            format!(
                "{} Databasen er som før; fjern loggfilene ved siden av den bare om Inntak ber \
                 om det.",
                files::write_error(path, &e)
            )
        })
    });
    if let Err(e) = swapped {
        return Err(match keep {
            Some(keep) => roll_back(path, keep, e, link_or_copy),
            None => e,
        });
    }
    files::sync_dir(path);
    Ok(())
}

/// After a swap that did not happen: puts the logs that were moved off `path` back from their
/// kept names (with `put`) and removes the kept file. Returns the message to give: `refused`
/// when the database is as it was; when a log could not be put back, a message that says the
/// database is *not* as before, where its log now lies and what to do, and the kept file is
/// left in place (it holds the only copy of that log).
fn roll_back(
    path: &Path,
    keep: &Path,
    refused: String,
    put: impl Fn(&Path, &Path) -> std::io::Result<()>,
) -> String {
    let mut lost = Vec::new();
    for suffix in LOGS {
        let (side, kept) = (
            files::with_suffix(path, suffix),
            files::with_suffix(keep, suffix),
        );
        if kept.exists()
            && !side.exists()
            && let Err(e) = put(&kept, &side)
        {
            lost.push((side, kept, e));
        }
    }
    if lost.is_empty() {
        remove_kept(keep);
        return refused;
    }
    let logs = lost
        .iter()
        .map(|(side, kept, e)| {
            format!(
                "«{}» ligger nå som «{}» — {}",
                side.display(),
                kept.display(),
                files::write_error_text(e)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "{} Databasen er IKKE som før: loggen med de siste endringene kunne ikke legges \
         tilbake: {logs}. Ikke åpne databasen; kopier loggfilen tilbake til det første navnet \
         (eller be IT om hjelp) før Inntak startes igjen.",
        refused
            .trim_end_matches(
                " Databasen er som før; fjern loggfilene ved siden av den bare om Inntak ber \
                 om det."
            )
            .trim_end_matches(" Ingenting er endret.")
    )
}

/// A second name for `from` (same file), or a synced copy where hard links are refused.
fn link_or_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            let tmp = files::temp_sibling(to);
            let result = (|| {
                std::fs::copy(from, &tmp)?;
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&tmp)?
                    .sync_all()?;
                std::fs::rename(&tmp, to)
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result
        }
    }
}

/// Removes a kept file and its logs (a swap that did not happen).
fn remove_kept(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in LOGS {
        let _ = std::fs::remove_file(files::with_suffix(path, suffix));
    }
}

/// The name a restore keeps the replaced database under: `<name>-erstattet-ÅÅÅÅMMDD-TTMM.<ext>`
/// (with `-2`, `-3` … when taken).
pub fn kept_name(db: &Path, now: chrono::NaiveDateTime) -> PathBuf {
    let (stem, ext) = stem_ext(db);
    let stamp = now.format("%Y%m%d-%H%M");
    let mut kept = db.with_file_name(format!("{stem}{KEPT_MARK}{stamp}.{ext}"));
    let mut n = 2;
    while kept.exists() {
        kept = db.with_file_name(format!("{stem}{KEPT_MARK}{stamp}-{n}.{ext}"));
        n += 1;
    }
    kept
}

const KEPT_MARK: &str = "-erstattet-";

fn stem_ext(db: &Path) -> (String, String) {
    let stem = db
        .file_stem()
        .map_or_else(|| "inntak".into(), |s| s.to_string_lossy().into_owned());
    let ext = db
        .extension()
        .map_or_else(|| "sqlite3".into(), |s| s.to_string_lossy().into_owned());
    (stem, ext)
}

/// The databases a restore kept beside `db` (`<name>-erstattet-…`), oldest first.
pub fn kept_files(db: &Path) -> Vec<PathBuf> {
    let (stem, ext) = stem_ext(db);
    let prefix = format!("{stem}{KEPT_MARK}");
    let suffix = format!(".{ext}");
    let mut found: Vec<PathBuf> = siblings(db)
        .filter(|(name, _)| name.starts_with(&prefix) && name.ends_with(&suffix))
        .map(|(_, path)| path)
        .collect();
    found.sort();
    found
}

/// Every file in `db`'s folder, by name.
fn siblings(db: &Path) -> impl Iterator<Item = (String, PathBuf)> {
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
}

/// The temporary copies of `db` beside it (`<name>.tmp-inntak-<pid>…`, side files included).
fn temp_copies(db: &Path) -> Vec<PathBuf> {
    let Some(name) = db.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let prefix = format!("{name}{}", files::TEMP_MARK);
    siblings(db)
        .filter(|(n, _)| n.starts_with(&prefix))
        .map(|(_, p)| p)
        .collect()
}

/// What [`tidy`] found beside the database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tidied {
    /// Temporary copies of an interrupted restore, encryption or passphrase change, removed.
    pub removed: Vec<PathBuf>,
    /// Databases a restore replaced, kept beside it (not removed: they may hold newer data).
    pub kept: Vec<PathBuf>,
}

impl Tidied {
    /// What to tell the user (Norwegian), one sentence per finding; empty when nothing.
    pub fn notices(&self, db: &Path) -> Vec<String> {
        let mut out = Vec::new();
        if !self.removed.is_empty() {
            out.push(format!(
                "Fant og slettet {} ufullstendig{} kopi{} av «{}» etter en avbrutt \
                 gjenoppretting, kryptering eller passordbytte. Databasen er som før det \
                 avbrutte forsøket; gjør det gjerne på nytt.",
                self.removed.len(),
                if self.removed.len() == 1 { "" } else { "e" },
                if self.removed.len() == 1 { "" } else { "er" },
                db.display()
            ));
        }
        for kept in &self.kept {
            out.push(kept_notice(kept));
        }
        out
    }
}

/// What a kept file is and what to do with it.
pub fn kept_notice(kept: &Path) -> String {
    format!(
        "«{}» er databasen slik den var før en gjenoppretting fra sikkerhetskopi. Den er ikke i \
         bruk. Sjekk at det gjenopprettede har med alt du trenger (henvisninger registrert etter \
         at kopien ble tatt, finnes bare i den gamle filen); slett den så, eller ta vare på den \
         innelåst: den inneholder helseopplysninger.",
        kept.display()
    )
}

/// Looks beside `db` for what an interrupted replacement left: temporary copies are removed
/// (only when no replacing command or window runs: `<db>.lock` can be taken), and a kept
/// file that is still the live database itself (killed between keeping and replacing) loses
/// its second name. Kept files of finished restores are reported, not touched.
pub fn tidy(db: &Path) -> Tidied {
    let mut tidied = Tidied::default();
    if db == Path::new(":memory:") {
        return tidied;
    }
    let temps = temp_copies(db);
    let kept = kept_files(db);
    if temps.is_empty() && kept.is_empty() {
        return tidied;
    }
    let live = FileId::of(db);
    let live_wal = FileId::of(&files::with_suffix(db, "-wal"));
    // Held by a window or a replacing command: their files are not ours to judge.
    let Ok(Some(_lock)) = store::try_window_lock(db) else {
        tidied.kept = kept;
        return tidied;
    };
    for temp in temps {
        if std::fs::remove_file(&temp).is_ok() {
            tidied.removed.push(temp);
        }
    }
    // Side files of a removed copy are counted with it.
    tidied.removed.retain(|p| {
        let name = p.to_string_lossy();
        !["-wal", "-shm", "-journal"]
            .iter()
            .any(|s| name.ends_with(s))
    });
    for k in kept {
        if live.is_some() && FileId::of(&k) == live {
            let _ = std::fs::remove_file(&k);
            let wal = files::with_suffix(&k, "-wal");
            if live_wal.is_some() && FileId::of(&wal) == live_wal {
                let _ = std::fs::remove_file(&wal);
            }
        } else {
            tidied.kept.push(k);
        }
    }
    tidied
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    /// A swap that did not happen, whose moved log is put back: the database is as before
    /// and the kept copy goes.
    #[test]
    fn roll_back_puts_the_log_back_and_says_as_before() {
        let d = dir();
        let db = d.path().join("inntak.sqlite3");
        let keep = d.path().join("inntak-erstattet.sqlite3");
        std::fs::write(&db, b"db").unwrap();
        std::fs::write(&keep, b"db").unwrap();
        std::fs::write(files::with_suffix(&keep, "-wal"), b"log").unwrap();
        let said = roll_back(
            &db,
            &keep,
            "Feil. Ingenting er endret.".into(),
            link_or_copy,
        );
        assert_eq!(said, "Feil. Ingenting er endret.");
        assert_eq!(
            std::fs::read(files::with_suffix(&db, "-wal")).unwrap(),
            b"log"
        );
        assert!(!keep.exists());
    }

    /// A rollback that fails too must not say "som før": it says where the log is and keeps it.
    #[test]
    fn roll_back_that_fails_says_not_as_before_and_keeps_the_log() {
        let d = dir();
        let db = d.path().join("inntak.sqlite3");
        let keep = d.path().join("inntak-erstattet.sqlite3");
        std::fs::write(&db, b"db").unwrap();
        std::fs::write(&keep, b"db").unwrap();
        let kept_log = files::with_suffix(&keep, "-wal");
        std::fs::write(&kept_log, b"log").unwrap();
        let said = roll_back(
            &db,
            &keep,
            "Kunne ikke skrive «x». Databasen er som før; fjern loggfilene ved siden av den \
             bare om Inntak ber om det."
                .into(),
            |_, _| Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied)),
        );
        assert!(!said.contains("er som før"), "{said}");
        assert!(said.contains("IKKE som før"), "{said}");
        assert!(said.contains(&kept_log.display().to_string()), "{said}");
        assert!(
            kept_log.exists() && keep.exists(),
            "the only copy of the log is kept"
        );
    }
}
