//! The one import pipeline: a source read into rows, validated, and written all or nothing
//! in one transaction (duplicates asked about, rejects written, referral messages applied).

use super::*;

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
    let invalid = invalid_rows(parsed, &mut report);
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
    let is_follow_up = |line: u64| {
        message(line).is_some_and(|m| m.kind != crate::import::henvisning::MessageKind::New)
    };
    let mut order: Vec<&ParsedRow> = parsed.rows.iter().collect();
    order.sort_by_key(|r| {
        message(r.line).map_or(0, |m| match m.kind {
            crate::import::henvisning::MessageKind::New => 0,
            crate::import::henvisning::MessageKind::Change => 1,
            crate::import::henvisning::MessageKind::Cancel => 2,
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
            if let Some(m) = m
                && apply_message(tx, m, r, row.line, options, change, &mut report)?
            {
                continue;
            }
            insert_row(tx, r, m, row.line, rule, change, &mut report)?;
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

/// The rows that did not validate, each with its errors in the report.
fn invalid_rows<'a>(parsed: &'a ParsedFile, report: &mut ImportReport) -> Vec<&'a ParsedRow> {
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
    parsed.rows.iter().filter(|r| r.result.is_err()).collect()
}

/// A change, cancellation or note applies to the referral it is about (or is kept, or
/// refused); `Ok(true)` when the row is done, `Ok(false)` when it is a new referral to insert.
fn apply_message(
    tx: &crate::store::db::Transaction<'_>,
    m: &crate::import::henvisning::Referral,
    r: &ImportedReferral,
    line: u64,
    options: &ImportOptions,
    change: Change<'_>,
    report: &mut ImportReport,
) -> Result<bool, StoreError> {
    use crate::store::messages::{self, Outcome, Plan};
    let plan = messages::plan(tx, m, Some(&r.fields))?;
    let said = plan.text(m);
    let done = plan.done_text(m);
    match plan {
        Plan::New | Plan::Forwarded(_) => {}
        Plan::AlreadyImported(_) => {
            report.already_present.push((line, m.message_id.clone()));
            return Ok(true);
        }
        Plan::Change {
            referral,
            fields,
            changed,
            decided,
        } => {
            if decided.is_some() && !changed.is_empty() && !options.confirm_changes {
                report.unconfirmed_changes.push((line, said));
                return Ok(true);
            }
            referrals::update(tx, referral, &fields, change)?;
            messages::record(tx, m, Some(referral), Outcome::Changed, change)?;
            report.messages.push((line, done));
            return Ok(true);
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
            report.messages.push((line, done));
            return Ok(true);
        }
        Plan::Cancel { referral, .. } => {
            messages::record(tx, m, Some(referral), Outcome::Warning, change)?;
            report.warnings.push((line, said));
            return Ok(true);
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
                .push((line, format!("{said}: lagret som notat")));
            return Ok(true);
        }
    }
    Ok(false)
}

/// A new referral inserted (with its decision from a history, and its message with the
/// sender's assessment and the notes that waited for it); one already there is skipped.
fn insert_row(
    tx: &crate::store::db::Transaction<'_>,
    r: &ImportedReferral,
    m: Option<&crate::import::henvisning::Referral>,
    line: u64,
    rule: crate::calendar::WorkingDayRule,
    change: Change<'_>,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    if let Some(ext) = &r.fields.external_id
        && referrals::find_by_external_id(tx, ext)?.is_some()
    {
        report.already_present.push((line, ext.clone()));
        return Ok(());
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
            report.messages.push((line, said));
        }
    }
    report.imported += 1;
    report.new_ids.push(id);
    Ok(())
}

/// The valid rows that look like a referral in the database (received within the duplicate
/// window of the source's dates) or like an earlier valid row of the same source: (line, the
/// row as shown, why, what it looks like). A row whose external id is already in the database
/// is not listed: it is the same referral, and is skipped as present.
pub(crate) fn possible_duplicates(
    conn: &crate::store::db::Connection,
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
pub(crate) fn decide_duplicates(
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
pub(crate) fn write_rejects(
    path: &Path,
    header: &[String],
    rows: &[&ParsedRow],
    protected: &crate::files::Protected,
) -> Result<(), String> {
    let mut out = Vec::from(b"\xEF\xBB\xBF".as_slice());
    let encoded = (|| -> std::io::Result<()> {
        let mut w = ::csv::WriterBuilder::new()
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
