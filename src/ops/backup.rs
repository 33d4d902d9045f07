//! Keeping the data safe: a backup now (logged), a restore (logged in the restored file), the
//! full check of the file and its log (`verify`), and the audit listing.

use super::Ctx;
use crate::store::audit::{self, OutputAction, OutputLog};
use crate::store::backup;
pub use crate::store::backup::{Copied, Restored};
use crate::store::cipher::{DbKey, Unlock};
use crate::store::referrals::Change;
use crate::store::{OpenOptions, Store, settings};
use std::path::{Path, PathBuf};

/// Logs an output made by other means (a backup taken on its own thread, a restore): `Err`
/// says why the row could not be written (the output itself is done).
pub fn log_made(
    store: &mut Store,
    change: Change<'_>,
    log: &OutputLog,
    file: &Path,
) -> Result<(), String> {
    let destination = crate::files::canonical(file).display().to_string();
    match store.write_logged(change, log, &destination, || Ok(()))? {
        true => Ok(()),
        false => Err("databasen er skrivebeskyttet".into()),
    }
}

/// An output made by other means, to be logged: a backup taken on its own thread, or a
/// restore (logged in the restored file).
#[derive(Clone, Copy, Debug)]
pub enum Made<'a> {
    Backup(&'a Copied),
    Restore {
        restored: &'a Restored,
        from: &'a Path,
        db: &'a Path,
    },
}

/// Logs a backup or restore made by other means (see [`log_made`]).
pub fn log_made_by(store: &mut Store, change: Change<'_>, made: Made<'_>) -> Result<(), String> {
    match made {
        Made::Backup(copied) => log_made(store, change, &backup_log(copied), &copied.path),
        Made::Restore { restored, from, db } => log_made(store, change, &restored.log(from), db),
    }
}

pub use crate::store::audit::ChainError;
pub use crate::store::backup::{Source, backup_dir, backup_into, describe, latest};

/// The access-log row of a finished backup.
pub fn backup_log(copied: &Copied) -> OutputLog {
    OutputLog::new(OutputAction::Backup, copied.referrals() as usize)
        .with(serde_json::json!({ "tabeller": copied.tables.len() }))
}

/// Why a backup is not taken from the window or a command on the server.
pub const SERVER_BACKUP: &str = "Klinikkens server tas sikkerhetskopi av hos IT (pg_dump eller \
    serverens egne kopier), ikke fra Inntak. Ingenting er skrevet. En lesekopi til denne \
    maskinen lager du med «Ta med for lesing».";

/// A backup taken now, checked, and logged.
pub struct BackedUp {
    pub copied: Copied,
    /// Why the backup is not in the access log, when it is not (the backup is still good).
    pub unlogged: Option<String>,
}

/// Takes a checked backup of the open database to `out`, or into the backup folder (the
/// setting, else beside the database) under a name dated by the system clock (never a
/// `--today` date: backups sort by when they were really taken), and logs it.
pub fn backup_now(ctx: &mut Ctx<'_>, out: Option<&Path>) -> Result<BackedUp, String> {
    if ctx.store.is_server() {
        return Err(SERVER_BACKUP.to_string());
    }
    let path = ctx.store.path().to_path_buf();
    let copied = match out {
        Some(file) => {
            backup::backup_to(Source::Open(ctx.store.conn(), &path), file, ctx.store.key())?
        }
        None => {
            let setting = settings::get(ctx.store.conn(), settings::KEY_BACKUP_DIR)
                .map_err(|e| e.to_string())?;
            let dir = backup::backup_dir(&path, setting.as_deref());
            backup::backup_into(
                Source::Open(ctx.store.conn(), &path),
                &dir,
                chrono::Local::now().naive_local(),
                ctx.store.key(),
            )?
        }
    };
    let unlogged = log_made(ctx.store, ctx.change, &backup_log(&copied), &copied.path).err();
    Ok(BackedUp { copied, unlogged })
}

/// Why a backup could not be restored before anything was touched.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The backup could not be read (what and where, already said).
    #[error("{0}")]
    Unreadable(String),
    /// It is encrypted under a passphrase that was not given.
    #[error(
        "«{}» er kryptert. Oppgi passordet den ble tatt med (--passphrase-file eller \
         INNTAK_PASSPHRASE). Ingenting er endret.",
        .0.display()
    )]
    NeedsPassphrase(PathBuf),
    /// The restore itself failed (the message says whether the database is as it was).
    #[error("{0}")]
    Failed(String),
    /// The backup is in place, but could not be opened afterwards (the message says why).
    #[error("{0}")]
    Reopen(String),
}

/// The key the backup `from` opens with (see [`backup::backup_key`]).
pub fn backup_key(from: &Path, known: &Unlock) -> Result<Option<DbKey>, RestoreError> {
    backup::backup_key(from, known).map_err(|e| match e {
        backup::BackupKeyError::Unreadable(message) => RestoreError::Unreadable(message),
        backup::BackupKeyError::NeedsPassphrase => RestoreError::NeedsPassphrase(from.into()),
    })
}

/// A restore done: what was restored, the restored database opened (and upgraded) as the
/// app will use it, and whether the restore is in its access log.
pub struct RestoreDone {
    pub restored: Restored,
    pub store: Store,
    pub unlogged: Option<String>,
}

/// Replaces the database at `db` with the backup `from` (crash-safely, the replaced file
/// kept; see [`backup::restore`]) with the backup's own `key`, opens the result and logs the
/// restore in it. No store may be open on `db` in this process (the window closes its own
/// first). `live` unlocks the database being replaced. The replaced file is kept under a
/// name dated by the system clock.
pub fn restore(
    db: &Path,
    from: &Path,
    key: Option<DbKey>,
    live: &Unlock,
    options: OpenOptions,
    change: Change<'_>,
) -> Result<RestoreDone, RestoreError> {
    let now = chrono::Local::now().naive_local();
    let restored =
        backup::restore(db, from, now, key.as_ref(), live).map_err(RestoreError::Failed)?;
    let unlock = key.map(Unlock::key).unwrap_or_default();
    let mut store =
        Store::open_keyed(db, options, &unlock).map_err(|e| RestoreError::Reopen(e.to_string()))?;
    let unlogged = log_made(&mut store, change, &restored.log(from), db).err();
    Ok(RestoreDone {
        restored,
        store,
        unlogged,
    })
}

/// What `verify` found when all is well.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Rows in the audit log.
    pub rows: usize,
    /// Where the log ends against this machine's anchor: `Some(row)` when it ends where Inntak
    /// last wrote here, `None` when this machine has no anchor for the file.
    pub anchored_at: Option<i64>,
}

/// Why `verify` failed. `Display` is the sentence the user reads.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("«{}» er skadet ({}). Gjenopprett fra en sikkerhetskopi.", .0.display(), .1)]
    Damaged(PathBuf, String),
    #[error("{0}")]
    Unreadable(String),
    /// The log and the records disagree: the findings, and the sentence for them.
    #[error(
        "Endringsloggen og databasen stemmer ikke overens ({} funn; det første gjelder {}). \
         Data er endret utenom Inntak. Ta vare på filen og kontakt IT.",
        .0.len(),
        .0[0].row.map_or_else(|| "en rad uten logg".to_string(), |r| format!("rad {r}"))
    )]
    Findings(Vec<crate::store::log_check::Finding>),
    /// The log was cut or rewritten after this machine last wrote it.
    #[error("{0}")]
    Anchor(String),
}

/// The full check: the file's integrity, the audit chain, the log against the records it
/// describes, and the log against its anchor on this machine (README, "Endringsloggen").
pub fn verify(store: &Store) -> Result<Verified, VerifyError> {
    let conn = store.conn();
    // The server keeps its own pages whole (its WAL and checksums, IT's monitoring); the
    // chain and the log against the records are checked the same on both engines.
    if let Some(file) = conn.sqlite() {
        let check = crate::store::integrity_check(file)
            .map_err(|e| VerifyError::Unreadable(e.to_string()))?;
        if check != "ok" {
            return Err(VerifyError::Damaged(store.path().to_path_buf(), check));
        }
    }
    let rows = audit::verify_chain(conn).map_err(|e| VerifyError::Unreadable(e.to_string()))?;
    let unreadable = |e: rusqlite::Error| {
        VerifyError::Unreadable(format!("Endringsloggen kunne ikke leses: {e}"))
    };
    let findings = crate::store::log_check::findings(conn).map_err(unreadable)?;
    if !findings.is_empty() {
        return Err(VerifyError::Findings(findings));
    }
    let anchored_at =
        match crate::store::anchor::read(store.path()).map_err(VerifyError::Unreadable)? {
            _ if store.is_server() => None,
            None => None,
            Some(anchor) => match crate::store::anchor::check(conn, &anchor).map_err(unreadable)? {
                crate::store::anchor::Verdict::Broken { text, .. } => {
                    return Err(VerifyError::Anchor(text));
                }
                crate::store::anchor::Verdict::Holds(row) => Some(row),
            },
        };
    Ok(Verified { rows, anchored_at })
}

/// The audit log between two dates (and for one actor), as the rows the listing prints.
pub fn audit_rows(
    store: &Store,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    actor: Option<&str>,
) -> Result<Vec<audit::Row>, crate::store::StoreError> {
    Ok(audit::list(store.conn(), from, to, actor)?)
}

/// The audit log as an aligned table or as CSV (`;`, UTF-8 with BOM, formula-safe).
pub fn audit_listing(rows: &[audit::Row], csv: bool) -> Result<Vec<u8>, csv::Error> {
    let header = [
        "id",
        "tidspunkt",
        "registrert",
        "bruker",
        "handling",
        "gjelder",
        "id_gjelder",
        "detaljer",
    ];
    let cells = |r: &audit::Row| {
        [
            r.id.to_string(),
            r.at.clone(),
            r.recorded_at.clone(),
            r.actor.clone(),
            r.action.clone(),
            r.entity.clone(),
            r.entity_id.map(|i| i.to_string()).unwrap_or_default(),
            r.details.clone(),
        ]
    };
    if csv {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        {
            let mut w = csv::WriterBuilder::new()
                .delimiter(b';')
                .from_writer(&mut out);
            w.write_record(header)?;
            for r in rows {
                w.write_record(
                    cells(r)
                        .iter()
                        .map(|c| crate::files::csv_cell(c).into_owned()),
                )?;
            }
            w.flush()?;
        }
        return Ok(out);
    }
    let mut text = String::new();
    for r in rows {
        let [id, at, recorded, actor, action, entity, entity_id, details] = cells(r);
        let entity = if entity_id.is_empty() {
            entity
        } else {
            format!("{entity} {entity_id}")
        };
        text.push_str(&format!(
            "{id:>7}  {at:<19}  {recorded:<25}  {actor:<16}  {action:<18}  {entity:<14}  {}\n",
            crate::files::clean_for_terminal(&details)
        ));
    }
    text.push_str(&format!("{} rader\n", rows.len()));
    Ok(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::settings::ClinicSettings;

    /// A backup now is checked and logged; verify holds on a fresh file and on the backup's
    /// restore; the restore is logged in the restored file.
    #[test]
    fn backup_verify_restore_round() {
        let change = crate::ops::testing::change(9);
        let (dir, mut store) = crate::ops::testing::demo(30, 5);
        let db = store.path().to_path_buf();
        let settings = ClinicSettings::default();
        let mut ctx = Ctx {
            store: &mut store,
            settings: &settings,
            change,
        };
        let copy = dir.path().join("kopi.sqlite3");
        if ctx.store.is_server() {
            // On the server: refused with where backups are taken, nothing written; the
            // chain and the log are verified as on a file.
            assert_eq!(
                backup_now(&mut ctx, Some(&copy)).err().unwrap(),
                SERVER_BACKUP
            );
            assert!(!copy.exists());
            assert!(verify(&store).unwrap().rows > 30);
            return;
        }
        let done = backup_now(&mut ctx, Some(&copy)).unwrap();
        assert!(done.unlogged.is_none());
        assert_eq!(done.copied.referrals(), 30);
        let verified = verify(&store).unwrap();
        assert!(verified.rows > 30, "{verified:?}");
        let logged = audit_rows(&store, None, None, None).unwrap().len();
        drop(store);
        let key = backup_key(&copy, &Unlock::none()).unwrap();
        let restored = restore(
            &db,
            &copy,
            key,
            &Unlock::none(),
            OpenOptions::EXISTING,
            change,
        )
        .map_err(|e| e.to_string())
        .unwrap();
        assert!(restored.unlogged.is_none());
        assert!(
            restored.restored.kept.is_some(),
            "the replaced file is kept"
        );
        // The backup was taken before its own log row: the restored log has that row's
        // place taken by the restore's.
        assert_eq!(
            audit_rows(&restored.store, None, None, None).unwrap().len(),
            logged
        );
        assert!(verify(&restored.store).is_ok());
        let missing = dir.path().join("finnes-ikke.sqlite3");
        assert!(matches!(
            restore(
                &db,
                &missing,
                None,
                &Unlock::none(),
                OpenOptions::EXISTING,
                change
            ),
            Err(RestoreError::Failed(_))
        ));
    }
}
