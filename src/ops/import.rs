//! Importing referrals: which reader a set of files takes (one place for the window and the
//! command line), and the all-or-nothing write of the validated rows.

use crate::import::henvisning;
use crate::import::{ImportOptions, ImportReport, ParsedFile, Progress};
use crate::store::Store;
use crate::store::referrals::Change;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// What a set of chosen files is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind<'a> {
    /// Referral messages (Henvisning XML): one referral per file, any number of files.
    Messages,
    /// One CSV file or spreadsheet.
    Table(&'a Path),
}

/// The reader for `files`: all `.xml` means referral messages; otherwise exactly one file.
pub fn source_kind(files: &[PathBuf]) -> Result<SourceKind<'_>, String> {
    if !files.is_empty() && files.iter().all(|f| henvisning::is_xml(f)) {
        return Ok(SourceKind::Messages);
    }
    match files {
        [file] => Ok(SourceKind::Table(file)),
        _ => {
            Err("Flere filer kan bare importeres på én gang når alle er henvisninger (.xml)".into())
        }
    }
}

/// Files read for an import from the command line: the validated rows, and for messages
/// what each file said (one per row).
pub struct Read {
    pub parsed: ParsedFile,
    pub messages: Vec<Option<henvisning::Referral>>,
}

/// Reads and validates `files` strictly (the command line's import: the file's own header).
/// `received` applies to messages only.
pub fn read(
    files: &[PathBuf],
    received: Option<NaiveDate>,
    options: &ImportOptions,
    today: NaiveDate,
) -> Result<Read, String> {
    match source_kind(files)? {
        SourceKind::Messages => {
            let (parsed, messages) =
                henvisning::read_files(files, received, today).map_err(|e| e.to_string())?;
            Ok(Read { parsed, messages })
        }
        SourceKind::Table(file) => {
            if received.is_some() {
                return Err(
                    "--received gjelder bare henvisninger fra XML; mottatt står i filen".into(),
                );
            }
            let parsed =
                crate::import::read_input(file, options, today).map_err(|e| e.to_string())?;
            Ok(Read {
                parsed,
                messages: Vec::new(),
            })
        }
    }
}

/// Writes the validated rows in one transaction (all or nothing; see
/// [`crate::import::import_parsed`]). Takes the store itself rather than a [`super::Ctx`]:
/// the window runs it on a connection of its own in a worker thread.
pub fn write(
    store: &mut Store,
    change: Change<'_>,
    parsed: &ParsedFile,
    inputs: &[PathBuf],
    options: &ImportOptions,
    progress: Option<&Progress>,
) -> Result<ImportReport, String> {
    crate::import::import_parsed(store, parsed, inputs, options, change, progress)
        .map_err(|e| e.to_string())
}

/// What a referral message will do against the database as it is now (shown before the
/// import; see [`crate::store::messages::plan`]).
pub fn plan(
    store: &Store,
    message: &henvisning::Referral,
    fields: Option<&crate::domain::ReferralFields>,
) -> Result<Plan, crate::store::StoreError> {
    crate::store::messages::plan(store.conn(), message, fields)
}

pub use crate::store::messages::Plan;
