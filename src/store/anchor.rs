//! The audit log's anchor outside the file: after every write, the newest log row (id and
//! hash) is kept in the user's data folder on this machine, away from the database. A hash
//! chain inside the file shows a row changed in place, but not rows cut off at the end or a
//! chain recomputed from the documented scheme; the anchor does: `inntak verify` finds the
//! anchored row gone or different, or rows after it that no Inntak on this machine wrote.
//!
//! The anchor is written twice per write: inside the write's transaction, before its commit,
//! as pending (holding the newest row before the write as well), and after the commit as
//! confirmed. A process killed between leaves a pending anchor one of whose rows is the
//! file's newest. It is not synced to disk (a power cut can leave an older anchor, which
//! still holds), and nothing of a patient is in it.

use crate::store::db::Connection;
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The environment variable naming another folder for the anchors (tests, portable use).
pub const DIR_ENV: &str = "INNTAK_ANCHOR_DIR";

/// One log row as the anchor keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub id: i64,
    pub hash: String,
}

/// What the anchor file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    /// The database's canonical path (the file is found by its hash).
    pub database: String,
    /// The newest row before the last write (`None`: the log was empty).
    pub before: Option<Point>,
    /// The newest row after the last write.
    pub last: Point,
    /// When it was written (local time, for the message).
    pub written: String,
    /// Written after the commit: `last` is certainly in the file.
    #[serde(default)]
    pub confirmed: bool,
}

/// The newest row of the log.
pub fn newest(conn: &Connection) -> rusqlite::Result<Option<Point>> {
    conn.query_row(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
        [],
        |r| {
            Ok(Point {
                id: r.get(0)?,
                hash: r.get(1)?,
            })
        },
    )
    .optional()
}

/// The folder the anchors are kept in.
fn dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("no", "Inntak", "Inntak").map(|d| d.data_dir().join("ankere"))
}

/// The anchor file of the database at `db` (`None` for an in-memory store, a temporary copy,
/// or where there is no data folder).
pub fn file_for(db: &Path) -> Option<PathBuf> {
    located(db).map(|(_, file)| file)
}

/// The database's canonical path and its anchor file (see [`file_for`]).
fn located(db: &Path) -> Option<(PathBuf, PathBuf)> {
    use sha2::{Digest, Sha256};
    if db == Path::new(":memory:") || db.to_string_lossy().contains(crate::files::TEMP_MARK) {
        return None;
    }
    let canonical = crate::files::canonical(db);
    let digest = hex::encode(Sha256::digest(canonical.to_string_lossy().as_bytes()));
    let file = dir()?.join(format!("{}.json", &digest[..32]));
    Some((canonical, file))
}

/// Keeps `last` (and `before`) as the anchor of `db`, pending until the same is recorded
/// `confirmed` after the commit. Best effort: an anchor that cannot be written is removed,
/// so `verify` says there is none instead of judging by an old one.
pub fn record(db: &Path, before: Option<Point>, last: Point, confirmed: bool) {
    keep(db, before, last, confirmed, confirmed);
}

/// Sets the anchor of `db` to `last`, even to an older row (a restore, a re-encryption).
pub fn set(db: &Path, last: Point) {
    keep(db, None, last, true, false);
}

fn keep(db: &Path, before: Option<Point>, last: Point, confirmed: bool, only_forward: bool) {
    let Some((canonical, file)) = located(db) else {
        return;
    };
    let anchor = Anchor {
        database: canonical.display().to_string(),
        before,
        last,
        written: crate::store::timestamp(chrono::Local::now().naive_local()),
        confirmed,
    };
    let written = (|| -> std::io::Result<()> {
        let folder = file.parent().unwrap_or(Path::new("."));
        crate::files::create_private_dir(folder)?;
        // Processes confirm after their commits, outside the database's lock: one lock over
        // the anchors keeps a late confirmation from putting back an older row.
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(folder.join(".lock"))?;
        lock.lock()?;
        if only_forward
            && let Ok(Some(current)) = read_file(&file)
            && current.last.id > anchor.last.id
        {
            return Ok(());
        }
        let tmp = crate::files::temp_sibling(&file);
        let _ = std::fs::remove_file(&tmp);
        {
            use std::io::Write;
            let mut f = crate::files::create_private(&tmp)?;
            f.write_all(&serde_json::to_vec(&anchor).unwrap_or_default())?;
        }
        std::fs::rename(&tmp, &file)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&file);
    }
}

/// Sets the anchor of `db` to its newest row now (after a restore or re-encryption replaced
/// the file with one whose log is legitimately different).
pub fn reset(db: &Path, conn: &Connection) {
    if let Ok(Some(last)) = newest(conn) {
        set(db, last);
    } else if let Some(file) = file_for(db) {
        let _ = std::fs::remove_file(file);
    }
}

/// The anchor of `db`: `Ok(None)` when this machine has none for it.
pub fn read(db: &Path) -> Result<Option<Anchor>, String> {
    match file_for(db) {
        Some(file) => read_file(&file),
        None => Ok(None),
    }
}

fn read_file(file: &Path) -> Result<Option<Anchor>, String> {
    match std::fs::read(file) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|_| {
            format!(
                "Ankeret for endringsloggen («{}») kan ikke leses. Slett det; neste endring \
                 lager et nytt.",
                file.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!(
            "Ankeret for endringsloggen («{}») kan ikke leses: {}",
            file.display(),
            crate::files::read_error_text(&e)
        )),
    }
}

/// What the log says against the anchor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The anchored row is there, unchanged, and is the newest.
    Holds(i64),
    /// A log that does not end where this machine last wrote it: the Norwegian finding and
    /// the first row concerned.
    Broken { row: i64, text: String },
}

/// Compares the log on `conn` with the anchor.
pub fn check(conn: &Connection, anchor: &Anchor) -> rusqlite::Result<Verdict> {
    let hash_of = |id: i64| -> rusqlite::Result<Option<String>> {
        conn.query_row("SELECT hash FROM audit_log WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()
    };
    let newest = newest(conn)?;
    let written = format_written(&anchor.written);
    let point = &anchor.last;
    match hash_of(point.id)? {
        Some(hash) if hash == point.hash => {
            let newest_id = newest.map_or(0, |n| n.id);
            if newest_id > point.id {
                Ok(Verdict::Broken {
                    row: point.id + 1,
                    text: format!(
                        "Endringsloggen har {} rad{} etter den siste Inntak skrev på denne maskinen \
                         (rad {} og senere; ankeret utenfor filen er rad {}, skrevet {written}). \
                         De er lagt til utenfor Inntak, eller av Inntak på en annen maskin. Ta vare \
                         på filen og kontakt IT.",
                        newest_id - point.id,
                        if newest_id - point.id == 1 { "" } else { "er" },
                        point.id + 1,
                        point.id
                    ),
                })
            } else {
                Ok(Verdict::Holds(point.id))
            }
        }
        found => {
            // Killed between writing the anchor and committing: the newest row is the one
            // before the write.
            if !anchor.confirmed
                && let Some(before) = &anchor.before
                && newest.as_ref() == Some(before)
            {
                return Ok(Verdict::Holds(before.id));
            }
            let what = if found.is_some() {
                "er endret"
            } else {
                "mangler"
            };
            Ok(Verdict::Broken {
                row: point.id,
                text: format!(
                    "Endringsloggen er ikke hel: rad {} {what} (ankeret utenfor filen, skrevet \
                     {written}, viser hvordan den så ut da Inntak sist skrev på denne maskinen). \
                     Rader er slettet eller skrevet om, eller filen er byttet ut med en eldre \
                     kopi. Ta vare på filen og kontakt IT.",
                    point.id
                ),
            })
        }
    }
}

/// The row the anchor names, in the log (for the minutes and the window): `None` when the
/// log is empty.
pub fn describe(conn: &Connection) -> rusqlite::Result<Option<String>> {
    Ok(newest(conn)?.map(|p| format!("rad {}, {}", p.id, &p.hash[..p.hash.len().min(12)])))
}

/// "2026-11-20T10:15:00" as "20.11.2026 kl. 10.15" (the text itself if it is not one).
fn format_written(at: &str) -> String {
    chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S")
        .map(|t| t.format("%d.%m.%Y kl. %H.%M").to_string())
        .unwrap_or_else(|_| at.to_string())
}
