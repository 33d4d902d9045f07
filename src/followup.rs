//! The Oppfølging lists: referrals waiting for or back from a kartleggingssamtale, and granted
//! referrals against their juridisk frist (fristbrudd / forventet fristbrudd), with the CSV the
//! clinic sends to Helfo. Loaded once per change, never per frame.

use crate::calendar::format_date;
use crate::domain::decision::{BreachStatus, Clinician, Track, breach_status};
use crate::domain::{ReferralId, ReferralStatus};
use chrono::NaiveDate;
use rusqlite::Connection;

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

fn track_of(track: Option<String>, detail: Option<String>) -> Option<Track> {
    Track::from_codes(&track?, &detail.unwrap_or_default())
}

/// Loads both lists for `today`.
pub fn load(conn: &Connection, today: NaiveDate) -> rusqlite::Result<FollowUps> {
    // The current decision per referral, the latest track change and the care dates.
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, coalesce(r.external_id, ''), r.patient, coalesce(r.national_id, ''),
                r.received_on, d.decided_on, d.start_of_care_deadline,
                coalesce(t.track, d.track), coalesce(t.track_detail, d.track_detail),
                r.status, c.booked_start, c.started_on
         FROM decisions d
         JOIN referrals r ON r.id = d.referral_id
         LEFT JOIN care_starts c ON c.referral_id = r.id
         LEFT JOIN track_changes t ON t.id =
              (SELECT max(id) FROM track_changes WHERE referral_id = r.id)
         WHERE d.superseded_by IS NULL AND d.outcome = 'rett'
           AND r.status IN ('rett', 'kartlegging', 'til_ny_vurdering')
         ORDER BY d.start_of_care_deadline, r.received_on, r.id",
    )?;
    let care = stmt
        .query_map([], |row| {
            let frist: NaiveDate = row.get(6)?;
            let booked: Option<NaiveDate> = row.get(10)?;
            let started: Option<NaiveDate> = row.get(11)?;
            let status: String = row.get(9)?;
            Ok(CareRow {
                id: ReferralId(row.get(0)?),
                external_id: row.get(1)?,
                patient: row.get(2)?,
                national_id: row.get(3)?,
                received_on: row.get(4)?,
                decided_on: row.get(5)?,
                frist,
                track: track_of(row.get(7)?, row.get(8)?),
                status_code: crate::store::decode(ReferralStatus::from_code(&status), 6, &status)?,
                booked,
                started,
                breach: breach_status(frist, started, booked, today),
                days_left: (frist - today).num_days(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.patient, d.track, d.track_detail, d.decided_on, r.status,
                m.reported_on, coalesce(m.summary, '')
         FROM referrals r
         JOIN decisions d ON d.referral_id = r.id AND d.superseded_by IS NULL
         LEFT JOIN mapping_reports m ON m.referral_id = r.id
         WHERE r.status IN ('kartlegging', 'til_ny_vurdering')
         ORDER BY r.status, d.decided_on, r.id",
    )?;
    let mapping = stmt
        .query_map([], |row| {
            let status: String = row.get(5)?;
            let clinician = match track_of(row.get(2)?, row.get(3)?) {
                Some(Track::Kartlegging(c)) => Some(c),
                _ => None,
            };
            Ok(MappingRow {
                id: ReferralId(row.get(0)?),
                patient: row.get(1)?,
                clinician,
                decided_on: row.get(4)?,
                status: crate::store::decode(ReferralStatus::from_code(&status), 5, &status)?,
                reported_on: row.get(6)?,
                summary: row.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(FollowUps { care, mapping })
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
