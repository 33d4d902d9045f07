//! Validating the rows: each line into referral fields (and a decision from a history), or
//! the reasons it is refused.

use super::*;

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

/// Control characters in a field: never allowed (NUL, escapes, bidi overrides); line breaks
/// and tabs only in the problem statement.
pub(crate) fn control_error(value: &str, multiline: bool) -> Option<String> {
    let bad = value.chars().find(|&c| {
        crate::files::is_forbidden_control(c) || (!multiline && matches!(c, '\n' | '\r' | '\t'))
    })?;
    Some(format!(
        "inneholder et kontrolltegn (U+{:04X}) som ikke hører hjemme i teksten; fjern det og \
         prøv igjen",
        bad as u32
    ))
}

/// The row's shape before its values: as many fields as the header (no extra filled ones),
/// and no control characters in any cell.
fn row_shape(
    raw: &[String],
    columns: &HashMap<Field, usize>,
    header_len: usize,
    line: u64,
) -> Result<(), Vec<LineError>> {
    let extra_filled = raw.iter().skip(header_len).any(|f| !f.trim().is_empty());
    if raw.len() < header_len || extra_filled {
        return Err(vec![LineError {
            line,
            field: "linje".into(),
            message: format!("har {} felt, overskriften har {header_len}", raw.len()),
        }]);
    }
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
    Ok(())
}

/// The status and decision date of a history row, and that a date goes with a decided
/// status.
fn decision_columns<'a>(
    get: impl Fn(Field) -> &'a str,
    push: &mut impl FnMut(Field, String),
) -> (ReferralStatus, Option<NaiveDate>) {
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
    (status, decided_on)
}

/// The decision made before Inntak: its optional columns (track, juridisk frist, avslag
/// reason, start of care).
fn history_columns<'a>(
    get: impl Fn(Field) -> &'a str,
    push: &mut impl FnMut(Field, String),
) -> HistoricDecision {
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
    HistoricDecision {
        track,
        frist,
        avslag_reason: get(Field::AvslagReason).trim().to_string(),
        started,
    }
}

pub(crate) fn validate_row(
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
    row_shape(raw, columns, header_len, line)?;
    let get = |field: Field| columns.get(&field).map_or("", |&i| raw[i].as_str());

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
    let (status, decided_on) = decision_columns(get, &mut push);

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
    let history = history_columns(get, &mut push);
    let started = history.started;
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
