//! Reading a CSV file or pasted text: the encoding (UTF-8 or Windows-1252), the delimiter,
//! quotes, and the table of cells the mapping and validation read.

use super::*;

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
pub(crate) fn has_utf8_letters(bytes: &[u8]) -> bool {
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

pub(crate) fn bad_utf8(bytes: &[u8], at: usize) -> FileError {
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
pub(crate) fn check_quotes(text: &str, delimiter: u8, header: &[String]) -> Result<(), LineError> {
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
pub(crate) fn strict_header(header: &[String]) -> Result<(), FileError> {
    map_columns(header).map(|_| ())
}

/// Validates a table under its header's own names (strict, see [`strict_header`]).
pub(crate) fn validate_strictly(
    table: SourceTable,
    today: NaiveDate,
) -> Result<ParsedFile, FileError> {
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
    if crate::import::sheets::is_spreadsheet(path) {
        let table = crate::import::sheets::table(path, sheet)?;
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
    let mut reader = ::csv::ReaderBuilder::new()
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
    let width = ::csv::ReaderBuilder::new()
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
