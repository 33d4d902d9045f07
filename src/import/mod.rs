//! Importing referrals, whatever the source — a CSV file or pasted text (`csv`), a
//! spreadsheet (`sheets`), referral messages (`henvisning`) — through one pipeline: the
//! source read into a table of cells, the columns mapped (`mapping`), every row validated
//! (`validate`), and the valid rows written all or nothing (`pipeline`). The export that
//! import reads back is [`crate::export`].

mod csv;
pub mod henvisning;
mod mapping;
mod pipeline;
pub mod sheets;
mod validate;

pub use self::csv::*;
pub use mapping::*;
pub use pipeline::*;
pub use validate::*;

use crate::calendar::parse_date;
use crate::domain::decision::{HistoricDecision, Outcome, Track, imported_outcome};
use crate::domain::referral::parse_secondary;
use crate::domain::{
    Field, FieldError, ReferralDraft, ReferralFields, ReferralStatus, ReferrerKind,
};
use crate::store::decisions::{self, ImportedDecision};
use crate::store::referrals::{self, Change};
use crate::store::{Store, StoreError};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Columns of the export, in order. The import reads the same names.
pub const EXPORT_COLUMNS: [&str; 22] = [
    "henvisning_id",
    "mottatt",
    "vurderingsfrist",
    "status",
    "pasient",
    "fodselsnummer",
    "fodselsar",
    "henviser",
    "henviser_type",
    "fagfelt",
    "sekundaer",
    "problemstilling",
    "diagnosegruppe",
    "avgjort",
    "forlop",
    "juridisk_frist",
    "avslagsgrunn",
    "oppstart",
    "adresse",
    "postnummer",
    "poststed",
    "henviser_adresse",
];

/// Columns computed by Inntak: accepted on import (so an export re-imports) but not read.
pub(crate) const COMPUTED_COLUMNS: [&str; 1] = ["vurderingsfrist"];

/// What a cancelled import says (nothing was written).
pub const CANCELLED: &str = "Importen ble avbrutt. Ingenting er importert.";
/// The rollback of an import that found changes to decided referrals to confirm.
pub(crate) const UNCONFIRMED: &str = "endringer må bekreftes";

/// Column that the rejects file adds with the reasons.
pub const REJECT_REASON_COLUMN: &str = "feil";

/// A problem with one line: shown as `linje N: felt: reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "linje {}: {}: {}", self.line, self.field, self.message)
    }
}

/// A problem that makes the whole file unreadable (header, encoding, I/O).
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("Kunne ikke lese «{path}»: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Kunne ikke skrive «{path}»: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("Filen er tom: den mangler overskriftslinjen")]
    Empty,
    /// The file's encoding cannot be decided without garbling text.
    #[error("Filen kan ikke leses: {0}. Ingenting er importert.")]
    Encoding(String),
    /// A problem that makes every line after it unreliable (an unclosed quote).
    #[error("{0}. Ingenting er importert.")]
    Structure(LineError),
    /// The rejects file would replace the database or the input.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Header(LineError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// One data line, as read and as validated.
#[derive(Clone, Debug)]
pub struct ParsedRow {
    pub line: u64,
    /// The raw fields, kept to write a rejects file that loses nothing.
    pub raw: Vec<String>,
    pub result: Result<ImportedReferral, Vec<LineError>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedReferral {
    pub fields: ReferralFields,
    pub status: ReferralStatus,
    pub decided_on: Option<NaiveDate>,
    /// The decision the row's status and `avgjort` stand for (history), stored as a decision
    /// row so the statistics count it; `None` for an open or withdrawn referral.
    pub decision: Option<Outcome>,
    /// The day care started (`oppstart`), for a granted or secondary referral.
    pub started: Option<NaiveDate>,
}

/// A read and validated file.
#[derive(Clone, Debug)]
pub struct ParsedFile {
    pub header: Vec<String>,
    /// The spreadsheet sheet the rows are from (`None` for CSV and pasted rows).
    pub sheet: Option<String>,
    pub delimiter: u8,
    pub rows: Vec<ParsedRow>,
}

/// What an import did (or, when it refused, would have had to report).
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub imported: usize,
    /// The referrals this import added, in file order (the window selects them).
    pub new_ids: Vec<crate::domain::ReferralId>,
    /// Of the imported, those with a decision made before Inntak (status and `avgjort`).
    pub decisions: usize,
    /// Of the imported, those with a decided status but no `avgjort`: without a date they
    /// count in no statistic.
    pub undated_decisions: usize,
    /// (line, henvisning_id) of rows already in the database: skipped, not errors.
    pub already_present: Vec<(u64, String)>,
    pub errors: Vec<LineError>,
    /// Where the invalid rows were written (with `skip_invalid`).
    pub rejects_file: Option<PathBuf>,
    pub rejected_rows: usize,
    /// The spreadsheet sheet the rows were read from.
    pub sheet: Option<String>,
    /// Rows that look like a referral already in the database or an earlier row of the same
    /// source (see [`crate::domain::duplicate`]). With [`Duplicates::Ask`] the import stops
    /// at them (nothing imported) so the user can choose; otherwise each says what was done.
    pub possible_duplicates: Vec<PossibleDuplicate>,
    /// The invalid rows (line and reasons), in source order, for the summary after a partial
    /// import.
    pub invalid_rows: Vec<(u64, String)>,
    /// What each Henvisning message that changed, cancelled or was kept did (line, text).
    pub messages: Vec<(u64, String)>,
    /// Cancellations of referrals already decided: not applied, put before the leader.
    pub warnings: Vec<(u64, String)>,
    /// Changes to decided referrals that need the leader's confirmation: when there are any
    /// and they were not confirmed, nothing is imported.
    pub unconfirmed_changes: Vec<(u64, String)>,
}

impl ImportReport {
    /// The import stopped before writing anything, to ask about possible duplicates.
    pub fn asks_to_confirm_changes(&self) -> bool {
        self.imported == 0 && !self.unconfirmed_changes.is_empty()
    }

    pub fn asks_about_duplicates(&self) -> bool {
        self.imported == 0
            && self
                .possible_duplicates
                .iter()
                .any(|d| d.handled == DuplicateHandling::Asked)
    }
}

/// A row that looks like another referral of the same patient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PossibleDuplicate {
    pub line: u64,
    /// "Kari Nordmann, mottatt 19.11.2026 fra Dr. Lund".
    pub row: String,
    pub likeness: crate::domain::duplicate::Likeness,
    /// "henvisning nr. 45: Kari Nordmann, mottatt 18.11.2026 fra Dr. Lund (til vurdering)"
    /// or "linje 3 i samme kilde".
    pub other: String,
    pub handled: DuplicateHandling,
}

impl PossibleDuplicate {
    /// "linje 5: Kari Nordmann, mottatt 19.11.2026 – samme fødselsnummer som henvisning nr. 45: …".
    pub fn text(&self) -> String {
        format!(
            "linje {}: {} – {} som {}",
            self.line,
            self.row,
            self.likeness.label_nb(),
            self.other
        )
    }
}

/// What became of a possible duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DuplicateHandling {
    Asked,
    Skipped,
    Imported,
}

/// What to do with rows that look like another referral of the same patient.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Duplicates {
    /// Import nothing and report them, so the user can choose (the default).
    #[default]
    Ask,
    /// Leave them out, import the rest.
    Skip,
    /// Import them too.
    Import,
    /// Import these lines anyway; leave the other possible duplicates out.
    ImportLines(std::collections::BTreeSet<u64>),
}

#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Import the valid rows and write the invalid ones to the rejects file.
    pub skip_invalid: bool,
    /// Where to write invalid rows; defaults to `<file>-avviste.csv` beside the input.
    pub rejects_path: Option<PathBuf>,
    /// The spreadsheet's sheet to read (name); the first when `None`.
    pub sheet: Option<String>,
    /// With `skip_invalid`: write the invalid rows to a rejects file (the command line). The
    /// window keeps them on screen instead, and writes no file.
    pub write_rejects: bool,
    /// Rows that look like another referral of the same patient.
    pub duplicates: Duplicates,
    /// Henvisning messages, one per line (line 1 first), when the rows came from XML files:
    /// a change or a cancellation is applied to the referral it is about, not inserted.
    pub messages: Vec<Option<crate::import::henvisning::Referral>>,
    /// Apply changes to referrals already decided (the leader confirmed them).
    pub confirm_changes: bool,
    /// Keep a change or cancellation whose referral is unknown as a note instead of refusing.
    pub keep_unknown_as_notes: bool,
}

/// How far a running import has come, and whether the user asked it to stop. Shared with
/// the thread that runs it.
#[derive(Debug, Default)]
pub struct Progress {
    /// Rows written so far (in the transaction that is not committed yet).
    pub done: std::sync::atomic::AtomicUsize,
    pub cancel: std::sync::atomic::AtomicBool,
}

/// The default rejects file for an input file: `henvisninger.csv` → `henvisninger-avviste.csv`.
pub fn default_rejects_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("import");
    input.with_file_name(format!("{stem}-avviste.csv"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::iso;

    #[test]
    fn decoding_and_delimiters() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFpasient;mottatt").unwrap(),
            "pasient;mottatt"
        );
        // "Bjørn" in Windows-1252 (ø = 0xF8) is not UTF-8.
        assert_eq!(decode(b"Bj\xF8rn").unwrap(), "Bjørn");
        assert_eq!(decode("Bjørn".as_bytes()).unwrap(), "Bjørn");
        assert_eq!(detect_delimiter("mottatt;pasient\n1,2;3"), b';');
        assert_eq!(detect_delimiter("mottatt,pasient,\"a;b\"\n"), b',');
        assert_eq!(detect_delimiter("mottatt\tpasient\tnavn, fornavn\n"), b'\t');
    }

    #[test]
    fn one_stray_byte_in_a_utf8_file_is_refused_with_its_line() {
        let mut bytes = "mottatt;pasient\n01.03.2025;Bjørn Ødegård\n"
            .as_bytes()
            .to_vec();
        bytes.extend_from_slice(b"02.03.2025;K\xE5ri\n");
        let e = decode(&bytes).unwrap_err().to_string();
        assert!(e.contains("linje 3") && e.contains("0xE5"), "{e}");
        // Pure Windows-1252 (no UTF-8 letters anywhere) is still read.
        assert_eq!(
            decode(b"pasient\nK\xE5ri \xD8degard\n").unwrap(),
            "pasient\nKåri Ødegard\n"
        );
    }

    #[test]
    fn utf16_with_a_bom_is_read() {
        let text = "mottatt\tpasient\r\n01.03.2025\tBjørn\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode(&bytes).unwrap();
        let parsed = parse(&decoded, iso("2026-11-22")).unwrap();
        assert_eq!(parsed.delimiter, b'\t');
        assert_eq!(
            parsed.rows[0].result.as_ref().unwrap().fields.patient,
            "Bjørn"
        );
    }

    #[test]
    fn an_unclosed_quote_is_an_error_at_the_line_it_began() {
        let today = iso("2026-11-22");
        let text = "mottatt;pasient;problemstilling\n\
                    01.03.2025;Kari;\"Langvarige smerter\n\
                    02.03.2025;Ola;Ryggsmerter\n\
                    03.03.2025;Per;Nakke\n";
        let e = parse(text, today).unwrap_err().to_string();
        assert!(
            e.starts_with("linje 2: problemstilling: uavsluttet anførselstegn"),
            "{e}"
        );
        // Closed later by another quoted field: the swallowed rows give it away.
        let text = "mottatt;pasient;problemstilling\n\
                    01.03.2025;Kari;\"Langvarige smerter\n\
                    02.03.2025;Ola;Ryggsmerter\n\
                    03.03.2025;\"Nordmann, Per\";Nakke\n";
        let e = parse(text, today).unwrap_err().to_string();
        assert!(e.starts_with("linje 2: problemstilling: uavsluttet"), "{e}");
        // A real multi-line statement is fine.
        let ok = "mottatt;pasient;problemstilling\n01.03.2025;Kari;\"Smerter\nflere år; verst om natten\"\n";
        assert!(parse(ok, today).unwrap().rows[0].result.is_ok());
    }

    #[test]
    fn control_characters_are_refused_with_line_and_field() {
        let text = "mottatt;pasient;problemstilling\n\
                    01.03.2025;Kari\u{1b}[2J;ok\n\
                    01.03.2025;Ola\u{202E};ok\n\
                    01.03.2025;Per;linje\tmed tab\n";
        let parsed = parse(text, iso("2026-11-22")).unwrap();
        let e1 = parsed.rows[0].result.as_ref().unwrap_err()[0].to_string();
        assert!(
            e1.starts_with("linje 2: pasient: inneholder et kontrolltegn (U+001B)"),
            "{e1}"
        );
        let e2 = parsed.rows[1].result.as_ref().unwrap_err()[0].to_string();
        assert!(e2.contains("U+202E"), "{e2}");
        assert!(parsed.rows[2].result.is_ok());
    }

    #[test]
    fn every_invalid_line_is_reported_with_line_and_field() {
        let text = "mottatt;pasient;fodselsnummer;henviser_type\n\
                    14.04.2025;Kari;;fastlege\n\
                    2025-13-01;Ola;;fastlege\n\
                    14.04.2025;;13097248032;lege\n";
        let parsed = parse(text, iso("2026-11-22")).unwrap();
        assert_eq!(parsed.rows.len(), 3);
        assert!(parsed.rows[0].result.is_ok());
        let errors: Vec<String> = parsed
            .rows
            .iter()
            .filter_map(|r| r.result.as_ref().err())
            .flatten()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            [
                "linje 3: mottatt: «2025-13-01» er ikke en dato (dd.mm.åååå eller åååå-mm-dd)",
                "linje 4: henviser_type: «lege» er ukjent (fastlege, avtalespesialist, sykehusavdeling eller annet)",
                "linje 4: pasient: mangler (navn eller initialer)",
                "linje 4: fodselsnummer: kontrollsifrene stemmer ikke (skrivefeil?)",
            ]
        );
    }

    #[test]
    fn header_problems_refuse_the_file() {
        let today = iso("2026-11-22");
        let missing = parse("pasient;henviser\nKari;Dr\n", today)
            .unwrap_err()
            .to_string();
        assert_eq!(
            missing,
            "linje 1: mottatt: kolonnen mangler (den er påkrevd)"
        );
        let unknown = parse("mottatt;pasient;farge\n", today)
            .unwrap_err()
            .to_string();
        assert!(
            unknown.starts_with("linje 1: farge: ukjent kolonne"),
            "{unknown}"
        );
        assert!(matches!(parse("", today), Err(FileError::Empty)));
    }

    #[test]
    fn loose_header_names_and_quoted_newlines() {
        let text = "Mottatt,Pasient,Fødselsår,Problemstilling\n\
                    01.03.2025,\"Nordmann, Kari\",1970,\"Smerter\nflere år\"\n";
        let parsed = parse(text, iso("2026-11-22")).unwrap();
        let r = parsed.rows[0].result.as_ref().unwrap();
        // "Etternavn, Fornavn" is stored given name first (issue 23, item 13).
        assert_eq!(r.fields.patient, "Kari Nordmann");
        assert_eq!(r.fields.birth_year, Some(1970));
        assert_eq!(r.fields.problem, "Smerter\nflere år");
    }

    #[test]
    fn duplicate_ids_within_a_file() {
        let text = "henvisning_id;mottatt;pasient\nA1;01.03.2025;Kari\nA1;02.03.2025;Ola\n";
        let parsed = parse(text, iso("2026-11-22")).unwrap();
        let err = parsed.rows[1].result.as_ref().unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "linje 3: henvisning_id: «A1» står også på linje 2"
        );
    }
}
