//! Reading an import's source (files, spreadsheets, XML, pasted rows) and validating it, off
//! the frame.

use super::*;

/// A source read and validated.
pub(super) struct Loaded {
    pub(super) source: Source,
    pub(super) parsed: Result<ParsedFile, String>,
}

/// Applies a remembered mapping for the source's header (if any) and validates the rows.
pub(super) fn load(
    mut source: Source,
    remembered: &std::collections::BTreeMap<String, Vec<String>>,
    today: NaiveDate,
) -> Loaded {
    if let Source::Table {
        table,
        mapping,
        skipped,
    } = &mut source
        && let Some(saved) = remembered.get(&crate::ui::prefs::mapping_key(&table.header))
        && saved.len() == mapping.len()
    {
        let fields = import::importable_fields();
        *mapping = saved
            .iter()
            .map(|code| fields.iter().copied().find(|f| f.csv_column() == code))
            .collect();
        for (skip, code) in skipped.iter_mut().zip(saved) {
            *skip |= code == SKIPPED_COLUMN;
        }
    }
    let parsed = validated(&source, today);
    Loaded { source, parsed }
}

pub(super) fn validated(source: &Source, today: NaiveDate) -> Result<ParsedFile, String> {
    match source {
        Source::Table { table, mapping, .. } => import::columns_of(&table.header, mapping)
            .map(|columns| import::validate_table(table.clone(), &columns, today))
            .map_err(|e| e.to_string()),
        Source::Xml(rows) => xml_parsed(rows, today).map_err(|e| e.to_string()),
    }
}

/// Whether pasted text starts with a header line: a cell of the first line names one of our
/// columns.
pub(super) fn looks_like_header(text: &str) -> bool {
    let first = text.lines().next().unwrap_or("");
    let delimiter = import::detect_delimiter(first) as char;
    let cells: Vec<String> = first.split(delimiter).map(str::to_string).collect();
    import::guess_mapping(&cells).iter().any(Option::is_some)
}

/// Reads files into a source: Henvisning XML (all of them), else one CSV or spreadsheet.
pub(super) fn read_files(
    files: &[PathBuf],
    sheet: Option<&str>,
    today: NaiveDate,
) -> Result<Source, String> {
    if !files.is_empty() && files.iter().all(|f| henvisning::is_xml(f)) {
        let rows = files
            .iter()
            .map(|file| {
                let read = henvisning::read_one(file);
                let (received, kind) = match &read {
                    Ok(r) => (r.received_on(None, today), r.referrer_kind),
                    Err(_) => (today, ReferrerKind::Annet),
                };
                XmlRow {
                    file: file.clone(),
                    read,
                    plan: None,
                    received: format_date(received),
                    kind,
                    specialty: String::new(),
                }
            })
            .collect();
        return Ok(Source::Xml(rows));
    }
    let [file] = files else {
        return Err(
            "Flere filer kan bare importeres på én gang når alle er henvisninger (.xml)".into(),
        );
    };
    // The source's own header, whatever its names: the user maps the columns.
    let table = import::read_table(file, sheet, |_| Ok(())).map_err(|e| e.to_string())?;
    let mapping = import::guess_mapping(&table.header);
    let skipped = empty_columns(&table);
    Ok(Source::Table {
        table,
        mapping,
        skipped,
    })
}

/// A remembered "– importeres ikke –" (an empty code is a column never chosen).
pub(super) const SKIPPED_COLUMN: &str = "-";

/// Columns with neither a header nor a value in any row: nothing to lose, nothing to choose.
pub(super) fn empty_columns(table: &SourceTable) -> Vec<bool> {
    (0..table.header.len())
        .map(|i| {
            table.header[i].trim().is_empty()
                && table.rows.iter().all(|r| {
                    r.as_ref().map_or(true, |(_, cells)| {
                        cells.get(i).is_none_or(|c| c.trim().is_empty())
                    })
                })
        })
        .collect()
}

/// The columns neither mapped nor skipped, as the preview names them ("«Henvisertype» (C)").
pub(super) fn unchosen_columns(
    table: &SourceTable,
    mapping: &[Option<Field>],
    skipped: &[bool],
) -> Vec<String> {
    (0..table.header.len())
        .filter(|&i| {
            mapping.get(i).is_none_or(Option::is_none) && !skipped.get(i).copied().unwrap_or(false)
        })
        .map(|i| {
            let name = table.header[i].trim();
            let letter = import::column_letters(i);
            if name.is_empty() {
                letter.to_string()
            } else {
                format!("«{}» ({letter})", short(name, 40))
            }
        })
        .collect()
}

/// The Henvisning rows as an import, with the user's confirmations.
pub(super) fn xml_parsed(rows: &[XmlRow], today: NaiveDate) -> Result<ParsedFile, FileError> {
    let lines = rows.iter().enumerate().map(|(i, row)| {
        let line = i as u64 + 1;
        match &row.read {
            Ok(r) => {
                let received = parse_date(&row.received).ok_or_else(|| LineError {
                    line,
                    field: Field::Received.csv_column().into(),
                    message: format!("«{}» er ikke en dato (dd.mm.åååå)", row.received),
                })?;
                Ok((line, henvisning::row(r, received, row.kind, &row.specialty)))
            }
            Err(message) => Err(LineError {
                line,
                field: henvisning::file_name(&row.file),
                message: message.clone(),
            }),
        }
    });
    import::validate_lines(henvisning::header(), lines, today)
}
