//! CSV import and export of referrals (the clinic's spreadsheets and the hospital system's
//! lists): delimiter and encoding detection, per-line validation, all-or-nothing import.

use crate::calendar::{WorkingDayRule, parse_date};
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
use std::io::Write;
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
const COMPUTED_COLUMNS: [&str; 1] = ["vurderingsfrist"];

/// What a cancelled import says (nothing was written).
pub const CANCELLED: &str = "Importen ble avbrutt. Ingenting er importert.";
/// The rollback of an import that found changes to decided referrals to confirm.
const UNCONFIRMED: &str = "endringer må bekreftes";

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

/// Decides the encoding for the whole file and decodes it.
///
/// - A UTF-8 BOM, or valid UTF-8: UTF-8.
/// - A UTF-16 BOM (Excel's "Unicode-tekst"): UTF-16.
/// - Invalid UTF-8 in a file that also holds valid UTF-8 letters (æ as two bytes): refused
///   with the line of the first bad byte, since decoding it either way would garble names.
/// - No valid UTF-8 beyond ASCII at all: Windows-1252 (what Excel writes in Norway).
pub fn decode(bytes: &[u8]) -> Result<String, FileError> {
    use crate::files::Unicode;
    match crate::files::unicode_text(bytes) {
        Unicode::Text(text) => Ok(text),
        Unicode::BadUtf8 {
            bom: true,
            valid_up_to,
        } => Err(bad_utf8(&bytes[3..], valid_up_to)),
        Unicode::BadUtf16 => Err(FileError::Encoding(
            "filen er Unicode-tekst (UTF-16) med ugyldige tegn. Lagre den som «CSV \
             (semikolondelt)» eller «CSV UTF-8» og prøv igjen"
                .into(),
        )),
        Unicode::BadUtf8 {
            bom: false,
            valid_up_to,
        } => {
            let zeros = bytes.iter().filter(|&&b| b == 0).count();
            if zeros * 10 >= bytes.len().max(1) {
                return Err(FileError::Encoding(
                    "filen ser ut som Unicode-tekst (UTF-16) uten kjennetegn, eller er ikke en \
                     tekstfil. Lagre den som «CSV (semikolondelt)» eller «CSV UTF-8» og prøv igjen"
                        .into(),
                ));
            }
            if has_utf8_letters(bytes) {
                return Err(bad_utf8(bytes, valid_up_to));
            }
            Ok(encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
                .into_owned())
        }
    }
}

/// Whether the bytes hold at least one valid multi-byte UTF-8 sequence.
fn has_utf8_letters(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => return !text.is_ascii(),
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                // Safe: `valid` is valid UTF-8 by construction.
                if !std::str::from_utf8(valid).is_ok_and(str::is_ascii) {
                    return true;
                }
                let skip = e.error_len().unwrap_or(after.len()).max(1);
                rest = &after[skip.min(after.len())..];
                if rest.is_empty() {
                    return false;
                }
            }
        }
    }
}

fn bad_utf8(bytes: &[u8], at: usize) -> FileError {
    let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
    let byte = bytes.get(at).copied().unwrap_or(0);
    FileError::Encoding(format!(
        "linje {line}: filen er UTF-8, men har et ugyldig tegn (byte 0x{byte:02X}) – den er \
         trolig satt sammen av filer med ulik tegnkoding. Rett tegnet, eller lagre filen på nytt \
         som «CSV UTF-8», og prøv igjen"
    ))
}

/// `;`, `,` or tab, whichever occurs most often in the header line (outside quotes).
pub fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut semicolons, mut commas, mut tabs, mut quoted) = (0, 0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            '\t' if !quoted => tabs += 1,
            _ => {}
        }
    }
    if tabs > semicolons && tabs > commas {
        b'\t'
    } else if commas > semicolons {
        b','
    } else {
        b';'
    }
}

/// Finds a quoted field that was never closed: one running to the end of the file, or one
/// that swallows line breaks followed by what looks like whole rows (as many delimiters as
/// the header). `Err` with the line where the field began and its column.
fn check_quotes(text: &str, delimiter: u8, header: &[String]) -> Result<(), LineError> {
    let delimiter = delimiter as char;
    let row_like = header.len().saturating_sub(1).max(2);
    let mut line = 1u64;
    let mut column = 0usize;
    let mut at_field_start = true;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if at_field_start && c == '"' {
            let (start_line, start_column) = (line, column);
            let mut closed = false;
            let mut inner_line_delimiters = 0usize;
            let mut suspicious = false;
            while let Some(q) = chars.next() {
                match q {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\n' => {
                        line += 1;
                        if inner_line_delimiters >= row_like {
                            suspicious = true;
                        }
                        inner_line_delimiters = 0;
                    }
                    q if q == delimiter => inner_line_delimiters += 1,
                    _ => {}
                }
            }
            let field = header.get(start_column).map_or_else(
                || format!("kolonne {}", start_column + 1),
                |h| h.trim().to_string(),
            );
            if !closed {
                return Err(LineError {
                    line: start_line,
                    field,
                    message: "uavsluttet anførselstegn: feltet lukkes aldri, så resten av filen \
                              ville havnet i det. Sett inn det manglende \" og prøv igjen"
                        .into(),
                });
            }
            if suspicious && line > start_line {
                return Err(LineError {
                    line: start_line,
                    field,
                    message: format!(
                        "uavsluttet anførselstegn? Feltet går over linje {start_line}–{line} og \
                         inneholder hele rader. Sjekk anførselstegnene og prøv igjen"
                    ),
                });
            }
            at_field_start = false;
            continue;
        }
        at_field_start = false;
        if c == delimiter {
            column += 1;
            at_field_start = true;
        } else if c == '\n' {
            line += 1;
            column = 0;
            at_field_start = true;
        }
    }
    Ok(())
}

/// The columns every import needs: `mottatt` and `pasient`.
fn require_columns(columns: HashMap<Field, usize>) -> Result<HashMap<Field, usize>, FileError> {
    for required in [Field::Received, Field::Patient] {
        if !columns.contains_key(&required) {
            return Err(header_error(
                required.csv_column(),
                "kolonnen mangler (den er påkrevd)",
            ));
        }
    }
    Ok(columns)
}

/// Header names compared loosely: case, surrounding spaces and æ/ø/å do not matter.
pub fn normalize_column(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .replace('æ', "ae")
        .replace('ø', "o")
        .replace('å', "a")
        .replace([' ', '-'], "_")
}

/// Rows read from a source (a CSV text, a spreadsheet, pasted rows) before they are mapped
/// to Inntak's columns: the source's own header, and each line's number and fields (or why
/// the line could not be read).
#[derive(Clone, Debug, Default)]
pub struct SourceTable {
    pub header: Vec<String>,
    pub rows: Vec<Result<(u64, Vec<String>), LineError>>,
    pub delimiter: u8,
    /// A spreadsheet's sheets, and the one these rows are from (empty and `None` for CSV and
    /// pasted rows).
    pub sheets: Vec<String>,
    pub sheet: Option<String>,
}

/// Reads and validates every line of a CSV text. Nothing is written anywhere.
pub fn parse(text: &str, today: NaiveDate) -> Result<ParsedFile, FileError> {
    validate_strictly(csv_table(text, strict_header)?, today)
}

/// A header every column of which Inntak knows (the command line's rule: an unknown column
/// refuses the file, so nothing is silently dropped).
fn strict_header(header: &[String]) -> Result<(), FileError> {
    map_columns(header).map(|_| ())
}

/// Validates a table under its header's own names (strict, see [`strict_header`]).
fn validate_strictly(table: SourceTable, today: NaiveDate) -> Result<ParsedFile, FileError> {
    let columns = map_columns(&table.header)?;
    Ok(validate_table(table, &columns, today))
}

/// Reads an import file into a table: a spreadsheet (by its extension; `sheet`, else the
/// first), otherwise CSV text in any of the encodings `decode` accepts. `header_check` runs on
/// the header before anything else is reported.
pub fn read_table(
    path: &Path,
    sheet: Option<&str>,
    header_check: impl FnOnce(&[String]) -> Result<(), FileError>,
) -> Result<SourceTable, FileError> {
    if crate::sheets::is_spreadsheet(path) {
        let table = crate::sheets::table(path, sheet)?;
        header_check(&table.header)?;
        return Ok(table);
    }
    let bytes = std::fs::read(path).map_err(|source| FileError::Read {
        path: path.into(),
        source,
    })?;
    csv_table(&decode(&bytes)?, header_check)
}

/// Whether a CSV header is one Inntak writes: the export's columns, or a rejects file (the
/// source's columns followed by "linje" and "feil").
pub fn written_by_inntak(header: &[String]) -> bool {
    let bare = |h: &String| h.trim_start_matches('\u{feff}').trim().to_string();
    let names: Vec<String> = header.iter().map(bare).collect();
    names
        .iter()
        .map(String::as_str)
        .eq(EXPORT_COLUMNS.iter().copied())
        || (names.len() >= 2
            && names[names.len() - 2] == "linje"
            && names[names.len() - 1] == REJECT_REASON_COLUMN)
}

/// Splits a CSV text into its header and rows: delimiter detected from the header line, a
/// `'` that an export put before a formula character taken off again, and an unclosed quote
/// refused (it would swallow the rest of the file). `header_check` runs on the header first,
/// so a wrong header is reported before anything else.
pub fn csv_table(
    text: &str,
    header_check: impl FnOnce(&[String]) -> Result<(), FileError>,
) -> Result<SourceTable, FileError> {
    let delimiter = detect_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header_record = match records.next() {
        None => return Err(FileError::Empty),
        Some(Err(e)) => return Err(header_error("", &e.to_string())),
        Some(Ok(r)) => r,
    };
    let header: Vec<String> = header_record.iter().map(str::to_string).collect();
    header_check(&header)?;
    // Only a file Inntak wrote had its guard `'` added by Inntak; anywhere else a leading
    // `'` is the sender's own text and is kept.
    let ours = written_by_inntak(&header);
    check_quotes(text, delimiter, &header).map_err(FileError::Structure)?;
    let rows = records
        .map(|record| match record {
            Ok(record) => {
                let line = record.position().map_or(0, |p| p.line());
                let raw = record
                    .iter()
                    .map(|f| {
                        if ours {
                            crate::files::csv_uncell(f).to_string()
                        } else {
                            f.to_string()
                        }
                    })
                    .collect();
                Ok((line, raw))
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                Err(LineError {
                    line,
                    field: "linje".into(),
                    message: format!("kan ikke leses som CSV ({e})"),
                })
            }
        })
        .collect();
    Ok(SourceTable {
        header,
        rows,
        delimiter,
        ..SourceTable::default()
    })
}

/// Rows pasted from a spreadsheet or a hospital system's list: tab-separated (the
/// clipboard's format), else `;` or `,` as in a CSV file. With `has_header` the first line
/// names the columns; without it the columns are called "Kolonne 1", "Kolonne 2", ... and the
/// user maps them.
pub fn pasted_table(text: &str, has_header: bool) -> Result<SourceTable, FileError> {
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    if has_header {
        return csv_table(text, |_| Ok(()));
    }
    // Without a header, a made-up one with as many columns as the widest line.
    let delimiter = detect_delimiter(text);
    let width = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .map(|r| r.len())
        .max()
        .unwrap_or(1);
    let header: Vec<String> = (1..=width).map(|i| format!("Kolonne {i}")).collect();
    let mut with_header = header
        .iter()
        .map(|h| h.as_str())
        .collect::<Vec<_>>()
        .join(&(delimiter as char).to_string());
    with_header.push('\n');
    with_header.push_str(text);
    let mut table = csv_table(&with_header, |_| Ok(()))?;
    // The made-up header is not a line of what was pasted: number the lines from 1. A line
    // whose last cells were empty may come without them.
    for row in &mut table.rows {
        match row {
            Ok((line, raw)) => {
                *line -= 1;
                raw.resize(raw.len().max(width), String::new());
            }
            Err(e) => e.line = e.line.saturating_sub(1),
        }
    }
    Ok(table)
}

/// Every column the import understands, in the order a mapping list offers them.
pub fn importable_fields() -> Vec<Field> {
    Field::EDITABLE
        .into_iter()
        .chain([Field::Status, Field::DecidedOn])
        .chain(Field::HISTORY)
        .collect()
}

/// Our column for each of theirs, guessed from the header names (case, spaces and æøå do not
/// matter); `None` for a column we do not know (not imported) or a second one for the same
/// field.
pub fn guess_mapping(header: &[String]) -> Vec<Option<Field>> {
    let fields = importable_fields();
    let mut taken = Vec::new();
    header
        .iter()
        .map(|name| {
            // Our column names, or the window's labels for them ("Henvisertype",
            // "Fødselsnummer"): spaces and underscores do not matter.
            let norm = normalize_column(name).replace('_', "");
            let field = fields.iter().copied().find(|f| {
                f.csv_column().replace('_', "") == norm
                    || normalize_column(f.label_nb()).replace('_', "") == norm
            })?;
            if taken.contains(&field) {
                return None;
            }
            taken.push(field);
            Some(field)
        })
        .collect()
}

/// The columns a mapping gives, checked: `mottatt` and `pasient` must be mapped, and no field
/// twice.
pub fn columns_of(
    header: &[String],
    mapping: &[Option<Field>],
) -> Result<HashMap<Field, usize>, FileError> {
    let mut columns = HashMap::new();
    for (index, field) in mapping.iter().enumerate() {
        let Some(field) = field else { continue };
        if let Some(first) = columns.insert(*field, index) {
            let name = |i: usize| {
                header
                    .get(i)
                    .map_or_else(|| format!("kolonne {}", i + 1), |h| h.trim().to_string())
            };
            return Err(header_error(
                field.csv_column(),
                &format!(
                    "står for både «{}» og «{}»; velg én",
                    name(first),
                    name(index)
                ),
            ));
        }
    }
    require_columns(columns)
}

/// Validates rows read from any source with the header's own names (strict: an unknown
/// column refuses the file, so nothing is silently dropped). Used by spreadsheets and
/// Henvisning XML, whose rows are made under our names.
pub fn validate_lines(
    header: Vec<String>,
    lines: impl Iterator<Item = Result<(u64, Vec<String>), LineError>>,
    today: NaiveDate,
) -> Result<ParsedFile, FileError> {
    let columns = map_columns(&header)?;
    let table = SourceTable {
        header,
        rows: lines.collect(),
        delimiter: b';',
        ..SourceTable::default()
    };
    Ok(validate_table(table, &columns, today))
}

/// Validates every row of a table under a column mapping. Blank lines are skipped; an
/// external id may stand only once. Nothing is written anywhere.
pub fn validate_table(
    table: SourceTable,
    columns: &HashMap<Field, usize>,
    today: NaiveDate,
) -> ParsedFile {
    let SourceTable {
        header,
        rows: lines,
        delimiter,
        sheet,
        ..
    } = table;
    let mut rows = Vec::new();
    let mut seen_ids: HashMap<String, u64> = HashMap::new();
    for item in lines {
        let (line, raw) = match item {
            Ok(ok) => ok,
            Err(e) => {
                rows.push(ParsedRow {
                    line: e.line,
                    raw: Vec::new(),
                    result: Err(vec![e]),
                });
                continue;
            }
        };
        if raw.iter().all(|f| f.trim().is_empty()) {
            continue; // a blank line (Excel writes ";;;;" for them)
        }
        let mut result = validate_row(&raw, columns, header.len(), line, today);
        if let Ok(ok) = &result
            && let Some(id) = &ok.fields.external_id
        {
            if let Some(first) = seen_ids.get(id) {
                result = Err(vec![LineError {
                    line,
                    field: Field::ExternalId.csv_column().into(),
                    message: format!("«{id}» står også på linje {first}"),
                }]);
            } else {
                seen_ids.insert(id.clone(), line);
            }
        }
        rows.push(ParsedRow { line, raw, result });
    }
    ParsedFile {
        header,
        sheet,
        delimiter,
        rows,
    }
}

fn header_error(field: &str, message: &str) -> FileError {
    FileError::Header(LineError {
        line: 1,
        field: field.into(),
        message: message.into(),
    })
}

/// Maps each known column to its index in the header.
pub fn map_columns(header: &[String]) -> Result<HashMap<Field, usize>, FileError> {
    let mut columns = HashMap::new();
    let importable = importable_fields();
    for (index, name) in header.iter().enumerate() {
        if name.trim().is_empty() {
            return Err(header_error(
                &format!("kolonne {}", column_letters(index)),
                "kolonnen har ingen overskrift. Er en overskrift slått sammen over flere \
                 celler? Skriv én overskrift i hver kolonne (opphev «Slå sammen celler»), eller \
                 slett kolonnen, og prøv igjen",
            ));
        }
        let norm = normalize_column(name);
        if COMPUTED_COLUMNS.contains(&norm.as_str()) {
            continue;
        }
        let Some(field) = importable.iter().copied().find(|f| f.csv_column() == norm) else {
            let known: Vec<_> = EXPORT_COLUMNS.to_vec();
            return Err(header_error(
                &short(name.trim()),
                &format!("ukjent kolonne (kjente kolonner: {})", known.join(", ")),
            ));
        };
        if columns.insert(field, index).is_some() {
            return Err(header_error(name.trim(), "kolonnen står to ganger"));
        }
    }
    require_columns(columns)
}

/// A column's letters as a spreadsheet shows them: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A value as it may appear in a message: at most 60 characters, control characters shown
/// as codes.
fn short(value: &str) -> String {
    let cleaned = crate::files::clean_for_terminal(value);
    if cleaned.chars().count() > 60 {
        format!("{}…", cleaned.chars().take(60).collect::<String>())
    } else {
        cleaned
    }
}

/// Control characters in a field: never allowed (NUL, escapes, bidi overrides); line breaks
/// and tabs only in the problem statement.
fn control_error(value: &str, multiline: bool) -> Option<String> {
    let bad = value.chars().find(|&c| {
        crate::files::is_forbidden_control(c) || (!multiline && matches!(c, '\n' | '\r' | '\t'))
    })?;
    Some(format!(
        "inneholder et kontrolltegn (U+{:04X}) som ikke hører hjemme i teksten; fjern det og \
         prøv igjen",
        bad as u32
    ))
}

fn validate_row(
    raw: &[String],
    columns: &HashMap<Field, usize>,
    header_len: usize,
    line: u64,
    today: NaiveDate,
) -> Result<ImportedReferral, Vec<LineError>> {
    let mut errors = Vec::new();
    let mut push = |field: Field, message: String| {
        errors.push(LineError {
            line,
            field: field.csv_column().into(),
            message,
        })
    };
    let extra_filled = raw.iter().skip(header_len).any(|f| !f.trim().is_empty());
    if raw.len() < header_len || extra_filled {
        return Err(vec![LineError {
            line,
            field: "linje".into(),
            message: format!("har {} felt, overskriften har {header_len}", raw.len()),
        }]);
    }
    let get = |field: Field| columns.get(&field).map_or("", |&i| raw[i].as_str());
    let mut control = Vec::new();
    for (&field, &i) in columns {
        if let Some(message) = control_error(&raw[i], field == Field::Problem) {
            control.push(LineError {
                line,
                field: field.csv_column().into(),
                message,
            });
        }
    }
    if !control.is_empty() {
        control.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(control);
    }

    let received_text = get(Field::Received);
    let received_on = parse_date(received_text);
    if received_on.is_none() && !received_text.trim().is_empty() {
        push(
            Field::Received,
            format!("«{received_text}» er ikke en dato (dd.mm.åååå eller åååå-mm-dd)"),
        );
    }
    let kind_text = get(Field::ReferrerKind);
    let referrer_kind = if kind_text.trim().is_empty() {
        ReferrerKind::Fastlege
    } else {
        ReferrerKind::parse(kind_text).unwrap_or_else(|| {
            push(
                Field::ReferrerKind,
                format!("«{kind_text}» er ukjent (fastlege, avtalespesialist, sykehusavdeling eller annet)"),
            );
            ReferrerKind::Annet
        })
    };
    let secondary_text = get(Field::Secondary);
    let is_secondary = parse_secondary(secondary_text).unwrap_or_else(|| {
        push(
            Field::Secondary,
            format!("«{secondary_text}» må være ja eller nei"),
        );
        false
    });
    let status_text = get(Field::Status);
    let status = ReferralStatus::parse(status_text).unwrap_or_else(|| {
        push(
            Field::Status,
            format!("«{status_text}» er en ukjent status"),
        );
        ReferralStatus::TilVurdering
    });
    let decided_text = get(Field::DecidedOn);
    let decided_on = if decided_text.trim().is_empty() {
        None
    } else {
        let d = parse_date(decided_text);
        if d.is_none() {
            push(
                Field::DecidedOn,
                format!("«{decided_text}» er ikke en dato"),
            );
        }
        d
    };
    if decided_on.is_some() && !status.is_decided() {
        push(
            Field::DecidedOn,
            format!(
                "satt, men status «{}» er ikke en avgjørelse",
                status.label_nb()
            ),
        );
    }

    let draft = ReferralDraft {
        external_id: get(Field::ExternalId).into(),
        // An unreadable date was reported above; stand in today so it is not reported twice.
        received_on: received_on.or_else(|| (!received_text.trim().is_empty()).then_some(today)),
        patient: get(Field::Patient).into(),
        national_id: get(Field::NationalId).into(),
        birth_year: get(Field::BirthYear).into(),
        referrer_name: get(Field::ReferrerName).into(),
        referrer_kind,
        specialty: get(Field::Specialty).into(),
        is_secondary,
        problem: get(Field::Problem).into(),
        diagnosis_group: get(Field::DiagnosisGroup).into(),
        patient_street: get(Field::PatientStreet).into(),
        patient_postcode: get(Field::PatientPostcode).into(),
        patient_city: get(Field::PatientCity).into(),
        // Lines of the referrer's address may be separated by " / " in one cell.
        referrer_address: get(Field::ReferrerAddress).replace(" / ", "\n"),
        referrer_electronic: false,
    };
    let validated = draft.validate(today);
    if let Err(field_errors) = &validated {
        for FieldError { field, message } in field_errors {
            push(*field, message.clone());
        }
    }
    if let (Ok(f), Some(d)) = (&validated, decided_on)
        && d < f.received_on
    {
        push(Field::DecidedOn, "er før mottatt-datoen".into());
    }
    if decided_on.is_some_and(|d| d > today) {
        push(Field::DecidedOn, "er fram i tid".into());
    }
    // The decision made before Inntak: its optional columns, then the rules that tie them to
    // the status.
    let track_text = get(Field::Track);
    let track = if track_text.trim().is_empty() {
        None
    } else {
        let t = Track::parse(track_text);
        if t.is_none() {
            push(
                Field::Track,
                format!(
                    "«{}» er ukjent (f.eks. monofaglig lege, tverrfaglig samlet, kartlegging psykolog)",
                    short(track_text)
                ),
            );
        }
        t
    };
    let mut date_of = |field: Field| {
        let text = get(field);
        if text.trim().is_empty() {
            return None;
        }
        let d = parse_date(text);
        if d.is_none() {
            push(field, format!("«{}» er ikke en dato", short(text)));
        }
        d
    };
    let frist = date_of(Field::Frist);
    let started = date_of(Field::CareStarted);
    let history = HistoricDecision {
        track,
        frist,
        avslag_reason: get(Field::AvslagReason).trim().to_string(),
        started,
    };
    let decision = match &validated {
        Ok(f) => match imported_outcome(
            status,
            decided_on,
            f.received_on,
            f.is_secondary,
            &history,
            today,
        ) {
            Ok(decision) => decision,
            Err(rule_errors) => {
                for (field, message) in rule_errors {
                    push(field, message);
                }
                None
            }
        },
        Err(_) => None,
    };
    match validated {
        Ok(fields) if errors.is_empty() => Ok(ImportedReferral {
            fields,
            status,
            decided_on,
            decision,
            started,
        }),
        _ => Err(errors),
    }
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
    pub messages: Vec<Option<crate::henvisning::Referral>>,
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

/// Reads and validates an import file of any kind the import understands: a spreadsheet
/// (by its extension), otherwise CSV text in any of the encodings `decode` accepts.
pub fn read_input(
    path: &Path,
    options: &ImportOptions,
    today: NaiveDate,
) -> Result<ParsedFile, FileError> {
    validate_strictly(
        read_table(path, options.sheet.as_deref(), strict_header)?,
        today,
    )
}

/// Imports a file into the store in one transaction.
///
/// Without `skip_invalid`, a single invalid row means nothing is imported (the report lists
/// every error). With it, valid rows are imported and invalid rows are written to the rejects
/// file before the transaction commits; if that file cannot be written nothing is imported.
pub fn import_file(
    store: &mut Store,
    path: &Path,
    options: &ImportOptions,
    today: NaiveDate,
    change: Change<'_>,
) -> Result<ImportReport, FileError> {
    let parsed = read_input(path, options, today)?;
    import_parsed(store, &parsed, &[path.to_path_buf()], options, change, None)
}

/// Imports rows already read and validated (from a file, Henvisning XML files or pasted
/// text) in one transaction, with the all-or-nothing rule of `import_file`. `inputs` are the
/// files they came from: the rejects file may replace none of them, and its default name is
/// made from the first.
pub fn import_parsed(
    store: &mut Store,
    parsed: &ParsedFile,
    inputs: &[PathBuf],
    options: &ImportOptions,
    change: Change<'_>,
    progress: Option<&Progress>,
) -> Result<ImportReport, FileError> {
    use std::sync::atomic::Ordering;
    let mut report = ImportReport {
        sheet: parsed.sheet.clone(),
        ..ImportReport::default()
    };
    for row in &parsed.rows {
        if let Err(errors) = &row.result {
            report.errors.extend(errors.iter().cloned());
            report.invalid_rows.push((
                row.line,
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        }
    }
    let invalid: Vec<&ParsedRow> = parsed.rows.iter().filter(|r| r.result.is_err()).collect();
    if !invalid.is_empty() && !options.skip_invalid {
        return Ok(report);
    }
    let rejects_path = (!invalid.is_empty() && options.write_rejects).then(|| {
        options.rejects_path.clone().unwrap_or_else(|| {
            inputs.first().map_or_else(
                || PathBuf::from("import-avviste.csv"),
                |p| default_rejects_path(p),
            )
        })
    });
    // The rejects file may replace neither the database nor a file being imported.
    let protected = inputs.iter().fold(
        crate::files::Protected::none().database(store.path()),
        |p, input| p.input(input),
    );
    if let Some(out) = &rejects_path {
        protected.check(out).map_err(FileError::Refused)?;
    }
    let mut asked = false;
    let message = |line: u64| {
        usize::try_from(line)
            .ok()
            .and_then(|l| options.messages.get(l.wrapping_sub(1)))
            .and_then(Option::as_ref)
    };
    // Changes and cancellations are about a referral already there: not candidates for
    // duplicates, and applied after the new referrals of the same import.
    let is_follow_up =
        |line: u64| message(line).is_some_and(|m| m.kind != crate::henvisning::MessageKind::New);
    let mut order: Vec<&ParsedRow> = parsed.rows.iter().collect();
    order.sort_by_key(|r| {
        message(r.line).map_or(0, |m| match m.kind {
            crate::henvisning::MessageKind::New => 0,
            crate::henvisning::MessageKind::Change => 1,
            crate::henvisning::MessageKind::Cancel => 2,
        })
    });
    let written = store.write(|tx| {
        let rule = crate::store::settings::load(tx)?.working_day_rule();
        // Checked inside the transaction that imports: nothing can come between.
        let duplicates = possible_duplicates(tx, parsed)?;
        // A row already imported is skipped as present: it is no new duplicate of anything.
        let ids_by_line: std::collections::HashMap<u64, &str> = if duplicates.is_empty() {
            Default::default()
        } else {
            parsed
                .rows
                .iter()
                .filter_map(|r| {
                    let ok = r.result.as_ref().ok()?;
                    Some((r.line, ok.fields.external_id.as_deref()?))
                })
                .collect()
        };
        let present = |line: u64| -> Result<bool, StoreError> {
            if let Some(m) = message(line)
                && crate::store::messages::find(tx, &m.message_id)?.is_some()
            {
                return Ok(true);
            }
            let ext = ids_by_line.get(&line).copied();
            Ok(match ext {
                Some(ext) => referrals::find_by_external_id(tx, ext)?.is_some(),
                None => false,
            })
        };
        let mut kept = Vec::with_capacity(duplicates.len());
        for d in duplicates {
            if !is_follow_up(d.0) && !present(d.0)? {
                kept.push(d);
            }
        }
        let duplicates = kept;
        let (leave_out, listed) = decide_duplicates(&duplicates, &options.duplicates);
        report.possible_duplicates = listed;
        if options.duplicates == Duplicates::Ask && !duplicates.is_empty() {
            asked = true;
            return Ok(());
        }
        for row in order.iter().copied() {
            if let Some(p) = progress {
                // Cancelled: the transaction rolls back, nothing is left behind.
                if p.cancel.load(Ordering::Relaxed) {
                    return Err(StoreError::Rule(CANCELLED.into()));
                }
            }
            let Ok(r) = &row.result else { continue };
            // Counted against the valid rows (a refused file is no row to import).
            if let Some(p) = progress {
                p.done.fetch_add(1, Ordering::Relaxed);
            }
            if leave_out.contains(&row.line) {
                continue;
            }
            let m = message(row.line);
            if let Some(m) = m {
                use crate::store::messages::{self, Outcome, Plan};
                let plan = messages::plan(tx, m, Some(&r.fields))?;
                let said = plan.text(m);
                let done = plan.done_text(m);
                match plan {
                    Plan::New | Plan::Forwarded(_) => {}
                    Plan::AlreadyImported(_) => {
                        report
                            .already_present
                            .push((row.line, m.message_id.clone()));
                        continue;
                    }
                    Plan::Change {
                        referral,
                        fields,
                        changed,
                        decided,
                    } => {
                        if decided.is_some() && !changed.is_empty() && !options.confirm_changes {
                            report.unconfirmed_changes.push((row.line, said));
                            continue;
                        }
                        referrals::update(tx, referral, &fields, change)?;
                        messages::record(tx, m, Some(referral), Outcome::Changed, change)?;
                        report.messages.push((row.line, done));
                        continue;
                    }
                    Plan::Cancel {
                        referral,
                        decided: None,
                    } => {
                        if referrals::get(tx, referral)?.status != ReferralStatus::Trukket {
                            let reason = if m.comment.is_empty() {
                                "Kansellert av henviser".to_string()
                            } else {
                                format!("Kansellert av henviser: {}", m.comment)
                            };
                            referrals::withdraw(tx, referral, &reason, change)?;
                        }
                        messages::record(tx, m, Some(referral), Outcome::Withdrawn, change)?;
                        report.messages.push((row.line, done));
                        continue;
                    }
                    Plan::Cancel { referral, .. } => {
                        messages::record(tx, m, Some(referral), Outcome::Warning, change)?;
                        report.warnings.push((row.line, said));
                        continue;
                    }
                    Plan::Unknown => {
                        if !options.keep_unknown_as_notes {
                            return Err(StoreError::Rule(format!(
                                "Meldingen «{}» er en {said}. Ingenting er importert: importer \
                                 den opprinnelige henvisningen først, eller behold meldingen som \
                                 notat.",
                                m.message_id
                            )));
                        }
                        messages::record(tx, m, None, Outcome::Note, change)?;
                        report
                            .messages
                            .push((row.line, format!("{said}: lagret som notat")));
                        continue;
                    }
                }
            }
            if let Some(ext) = &r.fields.external_id
                && referrals::find_by_external_id(tx, ext)?.is_some()
            {
                report.already_present.push((row.line, ext.clone()));
                continue;
            }
            let id = referrals::insert(
                tx,
                &r.fields,
                r.status,
                r.decided_on,
                change,
                crate::store::audit::ReferralAction::Import,
            )?;
            if let (Some(outcome), Some(decided_on)) = (&r.decision, r.decided_on) {
                let imported = ImportedDecision {
                    referral: id,
                    received_on: r.fields.received_on,
                    decided_on,
                    outcome,
                    started: r.started,
                };
                decisions::record_imported(tx, &imported, rule, change)?;
                report.decisions += 1;
            } else if r.status.is_decided() {
                report.undated_decisions += 1;
            }
            if let Some(m) = m {
                crate::store::messages::record(
                    tx,
                    m,
                    Some(id),
                    crate::store::messages::Outcome::Created,
                    change,
                )?;
                if let Some(a) = &m.assessment {
                    crate::store::messages::record_assessment(tx, id, a, &m.sender.organisation)?;
                }
                for said in crate::store::messages::claim_notes(tx, m, id, change)? {
                    report.messages.push((row.line, said));
                }
            }
            report.imported += 1;
            report.new_ids.push(id);
        }
        if !report.unconfirmed_changes.is_empty() {
            // Nothing is written until the leader has seen the changes.
            return Err(StoreError::Rule(UNCONFIRMED.into()));
        }
        if let Some(out) = &rejects_path {
            write_rejects(out, &parsed.header, &invalid, &protected)
                .map_err(|e| StoreError::Rule(format!("{e} Ingenting er importert.")))?;
        }
        Ok(())
    });
    match written {
        Err(StoreError::Rule(r)) if r == UNCONFIRMED => {
            report.imported = 0;
            report.new_ids.clear();
            report.decisions = 0;
            report.undated_decisions = 0;
            report.messages.clear();
            report.warnings.clear();
            report.already_present.clear();
            return Ok(report);
        }
        other => other?,
    }
    if asked {
        return Ok(report);
    }
    report.rejected_rows = invalid.len();
    report.rejects_file = rejects_path;
    Ok(report)
}

/// The valid rows that look like a referral in the database (received within the duplicate
/// window of the source's dates) or like an earlier valid row of the same source: (line, the
/// row as shown, why, what it looks like). A row whose external id is already in the database
/// is not listed: it is the same referral, and is skipped as present.
fn possible_duplicates(
    conn: &rusqlite::Connection,
    parsed: &ParsedFile,
) -> Result<Vec<(u64, String, crate::domain::duplicate::Likeness, String)>, StoreError> {
    use crate::domain::duplicate::{Candidate, DUPLICATE_WINDOW_DAYS, likeness};
    use std::collections::HashMap;
    let valid: Vec<(u64, &ImportedReferral)> = parsed
        .rows
        .iter()
        .filter_map(|r| r.result.as_ref().ok().map(|ok| (r.line, ok)))
        .collect();
    let (Some(first), Some(last)) = (
        valid.iter().map(|(_, r)| r.fields.received_on).min(),
        valid.iter().map(|(_, r)| r.fields.received_on).max(),
    ) else {
        return Ok(Vec::new());
    };
    let window = chrono::Duration::days(DUPLICATE_WINDOW_DAYS);
    let existing = referrals::received_between(conn, first - window, last + window)?;
    // Rows that all carry a referral id are told apart from each other by it (a hospital
    // system's export): only the stored referrals need comparing, and with none stored (a
    // first import, 1,000,000 rows into a new file) there is nothing to do.
    let all_with_ids = valid.iter().all(|(_, r)| r.fields.external_id.is_some());
    if all_with_ids && existing.is_empty() {
        return Ok(Vec::new());
    }
    // Earlier rows and stored referrals, found by fødselsnummer and by folded name.
    struct Known {
        candidate: Candidate,
        external_id: Option<String>,
        shown: String,
    }
    let mut known: Vec<Known> = existing
        .into_iter()
        .map(|(e, external_id)| Known {
            candidate: e.candidate,
            external_id,
            shown: format!("henvisning nr. {}: {}", e.id.0, e.shown),
        })
        .collect();
    let stored_count = known.len();
    // Two numbers are compared by number only: a row with a fødselsnummer looks up others by
    // it, and by name only among those without one. A row without looks up every namesake.
    #[derive(Default)]
    struct Index {
        by_id: HashMap<String, Vec<usize>>,
        by_name: HashMap<String, Vec<usize>>,
        by_name_without_id: HashMap<String, Vec<usize>>,
    }
    impl Index {
        fn add(&mut self, k: &Known, i: usize) {
            let name = k.candidate.name.clone();
            match &k.candidate.national_id {
                Some(id) => self.by_id.entry(id.clone()).or_default().push(i),
                None => self
                    .by_name_without_id
                    .entry(name.clone())
                    .or_default()
                    .push(i),
            }
            self.by_name.entry(name).or_default().push(i);
        }

        fn near(&self, c: &Candidate) -> Vec<usize> {
            let mut near: Vec<usize> = match &c.national_id {
                Some(id) => self
                    .by_id
                    .get(id)
                    .into_iter()
                    .chain(self.by_name_without_id.get(&c.name))
                    .flatten()
                    .copied()
                    .collect(),
                None => self
                    .by_name
                    .get(&c.name)
                    .into_iter()
                    .flatten()
                    .copied()
                    .collect(),
            };
            near.sort_unstable();
            near.dedup();
            near
        }
    }
    let mut index = Index::default();
    for (i, k) in known.iter().enumerate() {
        index.add(k, i);
    }
    let mut found = Vec::new();
    for (line, r) in valid {
        let candidate = Candidate::of(&r.fields);
        let near = index.near(&candidate);
        let stored = |i: usize| i < stored_count;
        // The same referral (skipped as present), or two rows of one source that the source
        // itself tells apart by their referral ids (a hospital system's export).
        let told_apart = |i: usize, k: &Known| match (&r.fields.external_id, &k.external_id) {
            (Some(a), Some(b)) => !stored(i) || a == b,
            _ => false,
        };
        if let Some((k, why)) = near.iter().find_map(|&i| {
            let k = &known[i];
            let why = likeness(&candidate, &k.candidate)?;
            (!told_apart(i, k)).then_some((k, why))
        }) {
            found.push((
                line,
                format!(
                    "{}, mottatt {}",
                    r.fields.patient,
                    crate::calendar::format_date(r.fields.received_on)
                ),
                why,
                k.shown.clone(),
            ));
        }
        if !all_with_ids {
            let k = Known {
                candidate,
                external_id: r.fields.external_id.clone(),
                shown: format!("linje {line} i samme kilde"),
            };
            index.add(&k, known.len());
            known.push(k);
        }
    }
    Ok(found)
}

/// Which possible duplicates to leave out under `policy`, and each one as the report lists it.
fn decide_duplicates(
    found: &[(u64, String, crate::domain::duplicate::Likeness, String)],
    policy: &Duplicates,
) -> (std::collections::BTreeSet<u64>, Vec<PossibleDuplicate>) {
    let mut leave_out = std::collections::BTreeSet::new();
    let listed = found
        .iter()
        .map(|(line, row, likeness, other)| {
            let handled = match policy {
                Duplicates::Ask => DuplicateHandling::Asked,
                Duplicates::Import => DuplicateHandling::Imported,
                Duplicates::ImportLines(lines) if lines.contains(line) => {
                    DuplicateHandling::Imported
                }
                Duplicates::Skip | Duplicates::ImportLines(_) => DuplicateHandling::Skipped,
            };
            if handled == DuplicateHandling::Skipped {
                leave_out.insert(*line);
            }
            PossibleDuplicate {
                line: *line,
                row: row.clone(),
                likeness: *likeness,
                other: other.clone(),
                handled,
            }
        })
        .collect();
    (leave_out, listed)
}

/// Writes invalid rows with their original fields plus a reason column (UTF-8 with BOM and
/// `;`, so Excel opens it with æøå intact).
fn write_rejects(
    path: &Path,
    header: &[String],
    rows: &[&ParsedRow],
    protected: &crate::files::Protected,
) -> Result<(), String> {
    let mut out = Vec::from(b"\xEF\xBB\xBF".as_slice());
    let encoded = (|| -> std::io::Result<()> {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_writer(&mut out);
        let mut head: Vec<&str> = header.iter().map(String::as_str).collect();
        head.push("linje");
        head.push(REJECT_REASON_COLUMN);
        w.write_record(&head)?;
        for row in rows {
            let reasons = match &row.result {
                Err(errors) => errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                Ok(_) => String::new(),
            };
            let mut record = row.raw.clone();
            record.resize(header.len(), String::new());
            record.push(row.line.to_string());
            record.push(reasons);
            w.write_record(
                record
                    .iter()
                    .map(|c| crate::files::csv_cell(c).into_owned()),
            )?;
        }
        w.flush()
    })();
    encoded.map_err(|e| crate::files::write_error(path, &e))?;
    crate::files::write_atomically(path, &out, protected)
}

/// Writes every referral as CSV: `;`, UTF-8 with BOM, ISO dates, header first.
pub fn export<W: Write>(store: &Store, rule: WorkingDayRule, out: W) -> Result<usize, FileError> {
    let mut all = referrals::all(store.conn()).map_err(StoreError::from)?;
    let decided = decisions::for_export(store.conn()).map_err(StoreError::from)?;
    all.sort_by_key(|r| (r.fields.received_on, r.id));
    let io = |e: csv::Error| FileError::Write {
        path: PathBuf::from("-"),
        source: e.into(),
    };
    let mut out = out;
    out.write_all(b"\xEF\xBB\xBF")
        .map_err(|source| FileError::Write {
            path: PathBuf::from("-"),
            source,
        })?;
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(out);
    w.write_record(EXPORT_COLUMNS).map_err(io)?;
    for r in &all {
        let f = &r.fields;
        let deadline = rule.assessment_deadline(f.received_on).to_string();
        let d = decided.get(&r.id.0).cloned().unwrap_or_default();
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let record = [
            f.text(Field::ExternalId),
            f.text(Field::Received),
            deadline,
            r.status.code().to_string(),
            f.text(Field::Patient),
            f.text(Field::NationalId),
            f.text(Field::BirthYear),
            f.text(Field::ReferrerName),
            f.text(Field::ReferrerKind),
            f.text(Field::Specialty),
            f.text(Field::Secondary),
            f.text(Field::Problem),
            f.text(Field::DiagnosisGroup),
            date(r.decided_on),
            d.track,
            date(d.frist),
            d.avslag_reason,
            date(d.started),
            f.text(Field::PatientStreet),
            f.text(Field::PatientPostcode),
            f.text(Field::PatientCity),
            f.text(Field::ReferrerAddress),
        ];
        w.write_record(
            record
                .iter()
                .map(|c| crate::files::csv_cell(c).into_owned()),
        )
        .map_err(io)?;
    }
    w.flush().map_err(|source| FileError::Write {
        path: PathBuf::from("-"),
        source,
    })?;
    Ok(all.len())
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
