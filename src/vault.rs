//! "Husk på denne maskinen": the database key kept in the operating system's credential
//! store (Windows Credential Manager, macOS Keychain, Secret Service on Linux), one entry
//! per database file. The derived key is stored, never the passphrase.

use crate::store::cipher::DbKey;
use std::path::Path;

/// Where remembered keys live; the window uses [`OsVault`], tests an in-memory one.
pub trait Vault: Send {
    /// The key remembered for the database at `db`, if any (and the store can be reached).
    fn get(&self, db: &Path) -> Option<DbKey>;
    /// Remembers `key` for `db`; `Err` says in Norwegian why it could not.
    fn remember(&self, db: &Path, key: &DbKey) -> Result<(), String>;
    /// Forgets the key for `db` (nothing remembered is not an error).
    fn forget(&self, db: &Path) -> Result<(), String>;
}

/// The service name of the credential store entries.
const SERVICE: &str = "no.inntak.database";

/// The operating system's credential store through the `keyring` crate.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsVault;

fn account(db: &Path) -> String {
    crate::files::canonical(db).display().to_string()
}

/// The clinic server's password for the login in `shown` (a URL without its password), from
/// the OS credential store ("Husk på denne maskinen" for the server), if it is there.
pub fn server_password(shown: &str) -> Option<String> {
    keyring::Entry::new(SERVER_SERVICE, shown)
        .ok()?
        .get_password()
        .ok()
}

/// Remembers the server's password for the login in `shown` in the OS credential store
/// (never in a file).
pub fn remember_server_password(shown: &str, password: &str) -> Result<(), String> {
    keyring::Entry::new(SERVER_SERVICE, shown)
        .and_then(|e| e.set_password(password))
        .map_err(|_| {
            "Passordet kunne ikke lagres i maskinens nøkkelring; det må oppgis ved hver start."
                .to_string()
        })
}

/// The credential store's service name for the clinic server's logins.
const SERVER_SERVICE: &str = "no.inntak.server";

fn entry(db: &Path) -> Result<keyring::Entry, String> {
    // The crate's own error text is English and technical; the user gets what it means.
    keyring::Entry::new(SERVICE, &account(db)).map_err(|_| {
        "Nøkkelen kan ikke huskes: maskinen har ingen nøkkelring i gang (på Linux: Secret \
         Service, som GNOME Keyring eller KWallet). Passordet må skrives ved hver start."
            .to_string()
    })
}

impl Vault for OsVault {
    fn get(&self, db: &Path) -> Option<DbKey> {
        let secret = zeroize::Zeroizing::new(entry(db).ok()?.get_password().ok()?);
        DbKey::from_secret(&secret)
    }

    fn remember(&self, db: &Path, key: &DbKey) -> Result<(), String> {
        entry(db)?.set_password(&key.to_secret()).map_err(|_| {
            "Nøkkelen kunne ikke lagres i maskinens nøkkelring. Passordet må skrives ved hver \
             start."
                .to_string()
        })
    }

    fn forget(&self, db: &Path) -> Result<(), String> {
        match entry(db)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(_) => Err("Kunne ikke fjerne nøkkelen fra maskinens nøkkelring.".into()),
        }
    }
}

/// After a passphrase change: if this machine remembered the old key, remember the new one.
pub fn replace_if_remembered(db: &Path, key: &DbKey) -> bool {
    OsVault.get(db).is_some() && OsVault.remember(db, key).is_ok()
}

/// A vault in memory, for tests and for a machine without a credential store.
#[derive(Default)]
pub struct MemoryVault(std::sync::Mutex<std::collections::HashMap<String, String>>);

impl Vault for MemoryVault {
    fn get(&self, db: &Path) -> Option<DbKey> {
        let map = self.0.lock().ok()?;
        map.get(&account(db)).and_then(|s| DbKey::from_secret(s))
    }

    fn remember(&self, db: &Path, key: &DbKey) -> Result<(), String> {
        let mut map = self.0.lock().map_err(|e| e.to_string())?;
        map.insert(account(db), key.to_secret().to_string());
        Ok(())
    }

    fn forget(&self, db: &Path) -> Result<(), String> {
        let mut map = self.0.lock().map_err(|e| e.to_string())?;
        map.remove(&account(db));
        Ok(())
    }
}
