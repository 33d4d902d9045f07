//! Spreadsheets read directly (issue 13): `.xlsx`, `.xlsm`, `.xlsb`, `.xls` and `.ods`, the
//! first sheet or a chosen one. Each cell becomes the text a CSV export of it would hold, so
//! the rows go through exactly the validation and all-or-nothing rule of a CSV import.

use crate::import::{FileError, LineError, SourceTable};
use calamine::{Data, Reader, Sheets, open_workbook_auto_from_rs};
use std::io::{Read, Seek};
use std::path::Path;

/// The file extensions read as spreadsheets (lower case).
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Whether a path names a spreadsheet by its extension.
pub fn is_spreadsheet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_lowercase().as_str()))
}

fn open(path: &Path) -> Result<Sheets<std::io::Cursor<Vec<u8>>>, FileError> {
    let bytes = std::fs::read(path).map_err(|source| FileError::Read {
        path: path.into(),
        source,
    })?;
    if is_encrypted_workbook(&bytes) {
        return Err(FileError::Encoding(
            "regnearket er beskyttet med passord (kryptert), og Inntak kan ikke lese det. Åpne \
             det i Excel, fjern passordet (Fil → Info → Beskytt arbeidsbok → Krypter med \
             passord: tøm feltet) og lagre en kopi uten passord på et trygt sted; importer den \
             og slett den etterpå"
                .into(),
        ));
    }
    open_bytes(std::io::Cursor::new(bytes))
}

/// An Office workbook encrypted with a password: an OLE compound file (not a zip) holding
/// the `EncryptedPackage` stream (its directory names are UTF-16).
fn is_encrypted_workbook(bytes: &[u8]) -> bool {
    const OLE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if !bytes.starts_with(&OLE) {
        return false;
    }
    let name: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.windows(name.len()).any(|w| w == name.as_slice())
}

fn open_bytes<R: Read + Seek + Clone>(data: R) -> Result<Sheets<R>, FileError> {
    open_workbook_auto_from_rs(data).map_err(|e| {
        FileError::Encoding(format!(
            "regnearket kan ikke åpnes ({e}). Lagre det på nytt som .xlsx eller som «CSV \
             (semikolondelt)» og prøv igjen"
        ))
    })
}

/// One sheet (the first when `sheet` is `None`) as a table: the first non-empty row is the
/// header; line numbers are the spreadsheet's row numbers. The table names the workbook's
/// sheets and the one read (for the window's sheet choice), from the same single read.
pub fn table(path: &Path, sheet: Option<&str>) -> Result<SourceTable, FileError> {
    let mut book = open(path)?;
    let all = book.sheet_names();
    // Hidden sheets (lookup lists, old versions) are not offered and never read unasked.
    let names: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| {
            s.visible == calamine::SheetVisible::Visible && s.typ == calamine::SheetType::WorkSheet
        })
        .map(|s| s.name.clone())
        .collect();
    let name = match sheet {
        Some(wanted) => all
            .iter()
            .find(|n| n.as_str() == wanted || n.to_lowercase() == wanted.to_lowercase())
            .cloned()
            .ok_or_else(|| {
                FileError::Refused(format!(
                    "Regnearket har ikke noe ark «{wanted}» (arkene er: {})",
                    names.join(", ")
                ))
            })?,
        None => names.first().cloned().ok_or_else(|| {
            FileError::Refused(if all.is_empty() {
                "Regnearket har ingen ark".into()
            } else {
                format!(
                    "Regnearket har ingen synlige ark med tabeller (skjulte: {}). Vis arket i \
                     Excel, eller oppgi det med --sheet NAVN",
                    all.join(", ")
                )
            })
        })?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| FileError::Encoding(format!("arket «{name}» kan ikke leses ({e})")))?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (u64::from(first_row) + i as u64 + 1, cells))
        .skip_while(|(_, cells)| cells.iter().all(|c| text_of(c).trim().is_empty()));
    let Some((_, header_cells)) = rows.next() else {
        return Err(FileError::Empty);
    };
    let mut header: Vec<String> = header_cells.iter().map(text_of).collect();
    // The sheet's used range may run wider than the header (formatting, a note further right).
    while header.last().is_some_and(|h| h.trim().is_empty()) {
        header.pop();
    }
    // A fødselsnummer typed into a number cell loses its leading zero (010170 → 10170…).
    let id_column = header
        .iter()
        .position(|h| crate::import::normalize_column(h) == "fodselsnummer");
    let header_names = header.clone();
    let width = header.len();
    let lines = rows.map(move |(line, cells)| {
        let mut raw: Vec<String> = cells.iter().map(text_of).collect();
        if let Some(i) = id_column
            && matches!(cells.get(i), Some(Data::Int(_) | Data::Float(_)))
            && raw[i].len() == 10
        {
            raw[i].insert(0, '0');
        }
        if let Some((i, e)) = cells.iter().enumerate().find_map(|(i, c)| match c {
            Data::Error(e) => Some((i, e)),
            _ => None,
        }) {
            let field = header_names
                .get(i)
                .map_or_else(|| format!("kolonne {}", i + 1), |h| h.trim().to_string());
            return Err(LineError {
                line,
                field,
                message: format!("cellen har en feilverdi ({e}); rett formelen i regnearket"),
            });
        }
        // Trailing empty cells beyond the header are not extra fields.
        while raw.len() > width && raw.last().is_some_and(|c| c.is_empty()) {
            raw.pop();
        }
        Ok((line, raw))
    });
    let rows = lines.collect();
    Ok(SourceTable {
        header,
        rows,
        delimiter: b';',
        sheets: names,
        sheet: Some(name),
    })
}

/// A cell as text: dates as ISO dates (whether stored as Excel date numbers or as ISO text),
/// whole numbers without a decimal point, booleans as ja/nei.
fn text_of(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "ja" } else { "nei" }.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map_or_else(|| dt.as_f64().to_string(), |d| d.date().to_string()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    #[test]
    fn cells_become_the_text_a_csv_would_hold() {
        let date =
            |v: f64| Data::DateTime(ExcelDateTime::new(v, ExcelDateTimeType::DateTime, false));
        // 45394 is 12.04.2024 in Excel's 1900 system.
        assert_eq!(text_of(&date(45394.0)), "2024-04-12");
        assert_eq!(text_of(&date(45394.75)), "2024-04-12");
        assert_eq!(
            text_of(&Data::DateTimeIso("2024-04-12T00:00:00".into())),
            "2024-04-12"
        );
        assert_eq!(text_of(&Data::Float(13097248022.0)), "13097248022");
        assert_eq!(text_of(&Data::Float(1972.0)), "1972");
        assert_eq!(text_of(&Data::Int(1972)), "1972");
        assert_eq!(text_of(&Data::Bool(true)), "ja");
        assert_eq!(
            text_of(&Data::String("Bjørn Ødegård".into())),
            "Bjørn Ødegård"
        );
        assert!(is_spreadsheet(Path::new("Henvisninger.XLSX")));
        assert!(is_spreadsheet(Path::new("h.ods")));
        assert!(!is_spreadsheet(Path::new("h.csv")));
    }
}
