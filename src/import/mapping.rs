//! Which column is which field: the export's own header, the user's mapping, and guessing
//! a header's names.

use super::*;

/// The columns every import needs: `mottatt` and `pasient`.
pub(crate) fn require_columns(
    columns: HashMap<Field, usize>,
) -> Result<HashMap<Field, usize>, FileError> {
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

pub(crate) fn header_error(field: &str, message: &str) -> FileError {
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
pub(crate) fn short(value: &str) -> String {
    let cleaned = crate::files::clean_for_terminal(value);
    if cleaned.chars().count() > 60 {
        format!("{}…", cleaned.chars().take(60).collect::<String>())
    } else {
        cleaned
    }
}
