//! The operations: one function per user intent (print the agenda, print letters, send the
//! electronic answers, export, back up, restore, verify, …), each with typed input, typed
//! output and a typed error whose `Display` is the one Norwegian sentence the user reads.
//!
//! The window (`ui/`) and the command line (`cli/`) both call these and do not write to the
//! store by other means, so an operation is written once: a front end chooses *where* (a save
//! dialog or `--out`) and *how to say it* (status bar or terminal), never *what is done*.
//! Operations take a [`Ctx`] — the store, the clinic's settings and who acts when — and run
//! each intent in one transaction; an output's access-log row commits with the file or not
//! at all.
//!
//! Anchor: cargo's `ops` (each `src/bin/cargo/commands/*.rs` is a thin `exec` over
//! `cargo::ops::*`).

pub mod backup;
pub mod demo;
pub mod documents;
pub mod encryption;
pub mod followups;
pub mod import;
pub mod letters;
pub mod meetings;
pub mod port;
pub mod referrals;
#[cfg(test)]
mod server_tests;
pub mod session;
#[cfg(test)]
pub(crate) mod testing;

use crate::domain::settings::ClinicSettings;
use crate::store::Store;
pub use crate::store::StoreError;
pub use crate::store::referrals::Change;
use chrono::NaiveDate;

/// What every operation is handed: the store, the clinic's settings as loaded, and who acts
/// when (the audit trail's "who" and "when"; today is the day of `change.at`).
pub struct Ctx<'a> {
    pub store: &'a mut Store,
    pub settings: &'a ClinicSettings,
    pub change: Change<'a>,
}

impl Ctx<'_> {
    /// Today, as the injected clock gave it.
    pub fn today(&self) -> NaiveDate {
        self.change.at.date()
    }
}
