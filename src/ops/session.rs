//! The window's session with its database: opening it (with the unlock screen's secrets),
//! and the handle the front ends hold. The window keeps a [`Store`] as an opaque handle — it
//! hands it to operations and view-model loaders and never runs SQL on it — and gets it, and
//! the key and passphrase types, from here rather than from `store/`.

pub use crate::store::cipher::{self, DbKey, FileKind, Passphrase, Unlock};
pub use crate::store::{Integrity, OpenError, OpenOptions, Store};

/// Opens the database at `path` for the window (created when missing; checked in the
/// background).
pub fn open_for_window(path: &std::path::Path, unlock: &Unlock) -> Result<Store, OpenError> {
    Store::open_keyed(path, OpenOptions::WINDOW, unlock)
}

/// Reopens a database after it was replaced as a whole (restore, encryption) and takes the
/// window's lock.
pub fn reopen_for_window(
    path: &std::path::Path,
    options: OpenOptions,
    unlock: &Unlock,
) -> Result<Store, OpenError> {
    let mut store = Store::open_keyed(path, options, unlock)?;
    store.lock_for_window();
    Ok(store)
}

/// Whether the demo clinic should be offered: never offered before, and no referral yet.
pub fn offers_demo(store: &Store) -> bool {
    use crate::store::{referrals, settings};
    let offered = settings::get(store.conn(), settings::KEY_DEMO_OFFERED)
        .ok()
        .flatten()
        .is_some();
    !offered && referrals::count(store.conn()).unwrap_or(0) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::settings::ClinicSettings;
    use crate::ops::Ctx;

    /// A new database offers the demo once: not after it was declined.
    #[test]
    fn the_demo_is_offered_to_an_empty_database_until_declined() {
        let (_scratch, mut store) = crate::ops::testing::empty();
        assert!(offers_demo(&store));
        let settings = ClinicSettings::default();
        let mut ctx = Ctx {
            store: &mut store,
            settings: &settings,
            change: crate::ops::Change {
                actor: "leder",
                at: chrono::NaiveDate::from_ymd_opt(2026, 11, 24)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
            },
        };
        crate::ops::demo::decline(&mut ctx).unwrap();
        assert!(!offers_demo(&store));
    }
}
