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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::settings::ClinicSettings;
    use crate::ops::Ctx;

    #[test]
    fn which_reader_a_set_of_files_takes() {
        let p = |s: &str| PathBuf::from(s);
        let xml = [p("a.xml"), p("b.XML")];
        assert_eq!(source_kind(&xml).unwrap(), SourceKind::Messages);
        let one = [p("liste.csv")];
        assert_eq!(source_kind(&one).unwrap(), SourceKind::Table(&one[0]));
        let sheet = [p("liste.xlsx")];
        assert_eq!(source_kind(&sheet).unwrap(), SourceKind::Table(&sheet[0]));
        let mixed = [p("a.xml"), p("liste.csv")];
        assert!(source_kind(&mixed).unwrap_err().starts_with("Flere filer"));
        assert!(source_kind(&[]).is_err());
    }

    /// The export read back through the import's one pipeline gives the same referrals; a
    /// second import of the same file adds none; `--received` is refused for a CSV.
    #[test]
    fn export_read_back_all_or_nothing() {
        let (today, change) = (crate::ops::testing::today(), crate::ops::testing::change(9));
        let (dir, mut from) = crate::ops::testing::demo(40, 5);
        let settings = ClinicSettings::default();
        let ctx = Ctx {
            store: &mut from,
            settings: &settings,
            change,
        };
        let doc = crate::ops::documents::referrals_csv(&ctx).unwrap();
        let file = dir.path().join("henvisninger.csv");
        std::fs::write(&file, &doc.bytes).unwrap();
        let files = [file];
        let options = ImportOptions::default();
        assert!(read(&files, Some(today), &options, today).is_err());
        let mut to = Store::open(&dir.path().join("til.sqlite3")).unwrap();
        let first = read(&files, None, &options, today).unwrap();
        let report = write(&mut to, change, &first.parsed, &files, &options, None).unwrap();
        assert_eq!(report.imported, 40);
        assert!(report.errors.is_empty());
        let again = read(&files, None, &options, today).unwrap();
        let report = write(&mut to, change, &again.parsed, &files, &options, None).unwrap();
        assert_eq!((report.imported, report.already_present.len()), (0, 40));
    }
}
