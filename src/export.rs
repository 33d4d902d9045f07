//! Every referral with its current decision as CSV (the export that import reads back).

use crate::calendar::WorkingDayRule;
use crate::domain::Field;
use crate::import::{EXPORT_COLUMNS, FileError};
use crate::store::{Store, StoreError, decisions, referrals};
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

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
