//! The Oppfølging lists: referrals waiting for or back from a kartleggingssamtale, and granted
//! referrals against their juridisk frist (fristbrudd / forventet fristbrudd), with the CSV the
//! clinic sends to Helfo. Loaded once per change, never per frame.

use crate::calendar::format_date;
use crate::domain::decision::{BreachStatus, Clinician, Track, breach_status};
use crate::domain::{ReferralId, ReferralStatus};
use crate::store::followups::{CareRecord, MappingRecord};
use chrono::NaiveDate;

/// A granted referral against its juridisk frist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CareRow {
    pub id: ReferralId,
    pub external_id: String,
    pub patient: String,
    pub national_id: String,
    pub received_on: NaiveDate,
    pub decided_on: NaiveDate,
    pub frist: NaiveDate,
    /// The track now (after any change).
    pub track: Option<Track>,
    pub status_code: ReferralStatus,
    pub booked: Option<NaiveDate>,
    pub booked_time: Option<chrono::NaiveTime>,
    pub booked_week: Option<(i32, u32)>,
    pub started: Option<NaiveDate>,
    pub breach: BreachStatus,
    /// Calendar days from today to the frist; negative when it has passed.
    pub days_left: i64,
}

/// A referral in or back from a kartleggingssamtale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingRow {
    pub id: ReferralId,
    pub patient: String,
    pub clinician: Option<Clinician>,
    pub decided_on: NaiveDate,
    pub status: ReferralStatus,
    pub reported_on: Option<NaiveDate>,
    pub summary: String,
}

#[derive(Clone, Debug, Default)]
pub struct FollowUps {
    /// By juridisk frist, earliest first.
    pub care: Vec<CareRow>,
    pub mapping: Vec<MappingRow>,
}

impl FollowUps {
    pub fn count(&self, status: BreachStatus) -> usize {
        self.care.iter().filter(|r| r.breach == status).count()
    }

    pub fn reportable(&self) -> Vec<&CareRow> {
        self.care
            .iter()
            .filter(|r| r.breach.is_reportable())
            .collect()
    }
}

/// Builds both lists for `today` from what the store read
/// ([`crate::store::followups::care_records`] and `mapping_records`).
pub fn build(care: Vec<CareRecord>, mapping: Vec<MappingRecord>, today: NaiveDate) -> FollowUps {
    let care = care
        .into_iter()
        .map(|r| CareRow {
            breach: breach_status(r.frist, r.started, r.booked, today),
            days_left: (r.frist - today).num_days(),
            id: r.id,
            external_id: r.external_id,
            patient: r.patient,
            national_id: r.national_id,
            received_on: r.received_on,
            decided_on: r.decided_on,
            frist: r.frist,
            track: r.track,
            status_code: r.status,
            booked: r.booked,
            booked_time: r.booked_time,
            booked_week: r.booked_week,
            started: r.started,
        })
        .collect();
    let mapping = mapping
        .into_iter()
        .map(|m| MappingRow {
            clinician: match m.track {
                Some(Track::Kartlegging(c)) => Some(c),
                _ => None,
            },
            id: m.id,
            patient: m.patient,
            decided_on: m.decided_on,
            status: m.status,
            reported_on: m.reported_on,
            summary: m.summary,
        })
        .collect();
    FollowUps { care, mapping }
}

/// The Helfo list as CSV (`;`, UTF-8 with BOM for Excel): actual and expected breaches.
pub fn breach_csv(rows: &[&CareRow], today: NaiveDate) -> Result<Vec<u8>, csv::Error> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        w.write_record([
            "henvisnings_id",
            "pasient",
            "fodselsnummer",
            "mottatt",
            "vedtak",
            "juridisk_frist",
            "forlop",
            "planlagt_oppstart",
            "oppstart",
            "status",
            "dager_til_frist",
            "per_dato",
        ])?;
        let iso = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        for r in rows {
            let record = [
                r.external_id.clone(),
                r.patient.clone(),
                r.national_id.clone(),
                r.received_on.to_string(),
                r.decided_on.to_string(),
                r.frist.to_string(),
                r.track.map(Track::label_nb).unwrap_or_default(),
                iso(r.booked),
                iso(r.started),
                r.breach.label_nb().to_string(),
                r.days_left.to_string(),
                today.to_string(),
            ];
            w.write_record(
                record
                    .iter()
                    .map(|c| crate::files::csv_cell(c).into_owned()),
            )?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// "om 12 dager", "i dag", "3 dager siden".
pub fn days_left_text(days: i64) -> String {
    match days {
        0 => "i dag".into(),
        1 => "i morgen".into(),
        d if d > 0 => format!("om {d} dager"),
        -1 => "i går".into(),
        d => format!("{} dager siden", -d),
    }
}

/// "startet 12.01.2027", "planlagt 10.01.2027", "planlagt 02.11.2026, ikke registrert",
/// "ikke planlagt".
pub fn start_text(row: &CareRow, today: NaiveDate) -> String {
    match (row.started, row.booked) {
        (Some(s), _) => format!("startet {}", format_date(s)),
        (None, Some(b)) if b < today => {
            format!("planlagt {}, oppstart ikke registrert", format_date(b))
        }
        (None, Some(b)) => format!("planlagt {}", format_date(b)),
        (None, None) => "ikke planlagt".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::iso;

    #[test]
    fn fristbrudd_classification() {
        let today = iso("2027-01-10");
        let frist = iso("2027-01-20");
        type Case = (
            &'static str,
            NaiveDate,
            Option<&'static str>,
            Option<&'static str>,
            BreachStatus,
        );
        let cases: Vec<Case> = vec![
            (
                "started in time",
                frist,
                Some("2027-01-05"),
                None,
                BreachStatus::Started,
            ),
            (
                "started on the frist",
                frist,
                Some("2027-01-20"),
                None,
                BreachStatus::Started,
            ),
            (
                "started late",
                iso("2027-01-05"),
                Some("2027-01-08"),
                None,
                BreachStatus::StartedLate,
            ),
            (
                "frist passed, nothing",
                iso("2027-01-09"),
                None,
                None,
                BreachStatus::Breached,
            ),
            (
                "frist passed, booked too late",
                iso("2027-01-09"),
                None,
                Some("2027-01-15"),
                BreachStatus::Breached,
            ),
            (
                "10 days left, no booking",
                frist,
                None,
                None,
                BreachStatus::Expected,
            ),
            (
                "14 days left, no booking",
                iso("2027-01-24"),
                None,
                None,
                BreachStatus::Expected,
            ),
            (
                "15 days left, no booking",
                iso("2027-01-25"),
                None,
                None,
                BreachStatus::OnTrack,
            ),
            (
                "10 days left, booked in time",
                frist,
                None,
                Some("2027-01-18"),
                BreachStatus::OnTrack,
            ),
            (
                "10 days left, booked after the frist",
                frist,
                None,
                Some("2027-01-25"),
                BreachStatus::Expected,
            ),
            (
                "40 days left, booked after the frist",
                iso("2027-02-19"),
                None,
                Some("2027-03-01"),
                BreachStatus::Expected,
            ),
        ];
        for (name, frist, started, booked, expected) in cases {
            assert_eq!(
                breach_status(frist, started.map(iso), booked.map(iso), today),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn days_left_wording() {
        assert_eq!(days_left_text(0), "i dag");
        assert_eq!(days_left_text(5), "om 5 dager");
        assert_eq!(days_left_text(-3), "3 dager siden");
    }
}
