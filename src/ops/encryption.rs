//! Turning a plain database into an encrypted one, and changing the passphrase, safely:
//! the new file is written beside the old one, checked, logged in, and only then renamed
//! over it. A crash at any point leaves either the old file whole or the new one whole.

use crate::files;
use crate::store::cipher::{self, DbKey, FileKind, Passphrase, Unlock};
use crate::store::referrals::Change;
use crate::store::replace::Exclusive;
use crate::store::{self, OpenOptions, Store, StoreError, audit};
use std::path::Path;

/// What [`reencrypt`] did.
#[derive(Debug)]
pub struct Reencrypted {
    /// Rows per table, equal in the old and the new file (the new one has one more audit row).
    pub tables: Vec<(String, i64)>,
    /// The new file's key (for the credential store).
    pub key: DbKey,
}

/// Why the file is being rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A plain file becomes encrypted (`inntak encrypt`).
    Encrypt,
    /// An encrypted file gets a new passphrase (`inntak passphrase`).
    NewPassphrase,
}

impl Purpose {
    fn action(self) -> audit::Event {
        audit::Event::Database(match self {
            Purpose::Encrypt => audit::DatabaseAction::Encrypt,
            Purpose::NewPassphrase => audit::DatabaseAction::NewPassphrase,
        })
    }
}

/// Rewrites the database at `db` encrypted under `new` (a fresh salt): `current` unlocks
/// the old file (nothing for a plain one). Refused while an Inntak window has the file
/// open. The old file is replaced only after the new one passed the integrity check with
/// equal row counts; on any failure the old file is as before and the new one is gone.
pub fn reencrypt(
    db: &Path,
    current: &Unlock,
    new: &Passphrase,
    purpose: Purpose,
    change: Change<'_>,
) -> Result<Reencrypted, String> {
    cipher::check_new(new.expose(), new.expose()).map_err(str::to_string)?;
    let kind = cipher::file_kind(db).map_err(|e| files::write_error(db, &e))?;
    match (purpose, kind) {
        (_, FileKind::New) => {
            return Err(format!(
                "Fant ingen database på «{}». Ingenting er endret.",
                db.display()
            ));
        }
        (Purpose::Encrypt, FileKind::Encrypted(_)) => {
            return Err(format!(
                "«{}» er allerede kryptert. Bytt passord med «inntak passphrase». Ingenting er \
                 endret.",
                db.display()
            ));
        }
        (Purpose::NewPassphrase, FileKind::Plain) => {
            return Err(format!(
                "«{}» er ikke kryptert. Krypter den med «inntak encrypt». Ingenting er endret.",
                db.display()
            ));
        }
        _ => {}
    }
    let _lock = store::lock_out_windows(db)?;
    // The old file, checked in full and upgraded.
    drop(Store::open_keyed(db, OpenOptions::EXISTING, current).map_err(|e| e.to_string())?);
    // Then held alone until the new file has replaced it: no other command can commit into
    // it after the copy is taken (see store::replace).
    let source = Exclusive::take(db, current)
        .map_err(|e| format!("{} Ingenting er endret.", e.message()))?;
    source.fold_log()?;
    let before = store::table_counts(source.conn()).map_err(|e| e.to_string())?;
    let key = DbKey::new_for_new_file(new);
    let tmp = files::temp_sibling(db);
    let result = (|| {
        files::create_private(&tmp).map_err(|e| files::write_error(&tmp, &e))?;
        store::export_encrypted(source.conn(), &tmp, &key).map_err(|e| {
            format!(
                "Kunne ikke skrive den krypterte kopien «{}» ({e}). Ingenting er endret.",
                tmp.display()
            )
        })?;
        // The copy, opened as the app opens it (full check), takes the log row.
        let mut copy = Store::open_keyed(&tmp, OpenOptions::EXISTING, &Unlock::key(key.clone()))
            .map_err(|e| {
                format!("Den krypterte kopien kunne ikke åpnes: {e} Ingenting er endret.")
            })?;
        copy.write(|tx| {
            audit::record(
                tx,
                &store::timestamp(change.at),
                change.actor,
                purpose.action(),
                None,
                &serde_json::json!({ "fil": files::canonical(db).display().to_string() }),
            )
            .map_err(StoreError::from)
        })
        .map_err(|e| format!("{e} Ingenting er endret."))?;
        copy.checkpoint().map_err(|e| e.to_string())?;
        let newest = store::anchor::newest(copy.conn()).map_err(|e| e.to_string())?;
        let mut after = store::table_counts(copy.conn()).map_err(|e| e.to_string())?;
        audit::verify_chain(copy.conn()).map_err(|e| e.to_string())?;
        drop(copy);
        // The copy holds exactly the old rows and the one log row.
        if let Some((_, n)) = after.iter_mut().find(|(t, _)| t == "audit_log") {
            *n -= 1;
        }
        if after != before {
            return Err(format!(
                "Den krypterte kopien av «{}» stemmer ikke med originalen (antall rader er \
                 ulikt). Ingenting er endret.",
                db.display()
            ));
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&tmp)
            .map_err(|e| files::write_error(&tmp, &e))?;
        file.sync_all().map_err(|e| files::write_error(&tmp, &e))?;
        drop(file);
        source.swap_in(&tmp, None)?;
        // The new file's log has the encryption's row: this machine's anchor follows it.
        if let Some(last) = newest {
            store::anchor::set(db, last);
        }
        Ok(())
    })();
    if let Err(e) = result {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(files::with_suffix(&tmp, suffix));
        }
        return Err(e);
    }
    Ok(Reencrypted {
        tables: before,
        key,
    })
}
