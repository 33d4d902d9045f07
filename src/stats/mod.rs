//! Statistics the way pain clinics report them: per year, tertial, month or any period, against
//! the same period the year before. The counting rules (also in the README):
//!
//! - **Mottatte** (received): referrals by receipt date, whatever happened to them since.
//! - Everything decided counts by the **decision date** of the referral's current decision
//!   (corrections replace, never add): feilsendt/videresendt, **behandlede** (assessed = rett +
//!   avslag on primary referrals), avslag and rett with their share of the assessed, secondary
//!   referrals, tracks, avslag reasons, time to decision.
//! - Tracks are the track set at the decision (a kartleggingssamtale counts as kartlegging),
//!   as shares of rett + sekundær.
//! - **Innen 10 virkedager** and the working days to decision are over the assessed; "decided
//!   after the deadline" is the flag set when the decision was saved (fristoverskridelse).
//! - **Fristbrudd** (juridisk frist): granted referrals whose juridisk frist falls in the period
//!   and whose care did not start by it (started later, or not started and the frist has passed
//!   by `today`). Withdrawn referrals are left out.
//! - By referrer kind and specialty: received referrals by receipt date.
//! - **Trukket**: of the received, those withdrawn since (a cancellation from the referrer's
//!   system, or withdrawn by hand); they leave the queue, the agenda and the deadline counts.

mod table;

pub use table::*;

use crate::calendar::{WorkingDayRule, format_date};
use crate::domain::ReferrerKind;
use chrono::{Datelike, Months, NaiveDate};
use std::collections::BTreeMap;

/// The period a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Year(i32),
    /// T1 January–April, T2 May–August, T3 September–December.
    Tertial(i32, u32),
    /// January up to and including the tertial ("2024 pr. 2. tertial" in the regional reports).
    YearToTertial(i32, u32),
    Month(i32, u32),
    /// From and to, both included.
    Range(NaiveDate, NaiveDate),
}

pub use crate::calendar::month_name_nb;

pub(crate) fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

pub(crate) fn month_end(y: i32, m: u32) -> Option<NaiveDate> {
    ymd(y, m, 1)?.checked_add_months(Months::new(1))?.pred_opt()
}

impl Period {
    /// First and last day, both included; `None` for an impossible period (month 13).
    pub fn bounds(self) -> Option<(NaiveDate, NaiveDate)> {
        match self {
            Self::Year(y) => Some((ymd(y, 1, 1)?, ymd(y, 12, 31)?)),
            Self::Tertial(y, t) if (1..=3).contains(&t) => {
                let first = (t - 1) * 4 + 1;
                Some((ymd(y, first, 1)?, month_end(y, first + 3)?))
            }
            Self::YearToTertial(y, t) if (1..=3).contains(&t) => {
                Some((ymd(y, 1, 1)?, month_end(y, t * 4)?))
            }
            Self::Month(y, m) => Some((ymd(y, m, 1)?, month_end(y, m)?)),
            Self::Range(from, to) if from <= to => Some((from, to)),
            _ => None,
        }
    }

    /// The same period one year earlier.
    pub fn year_before(self) -> Self {
        let back = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(d);
        match self {
            Self::Year(y) => Self::Year(y - 1),
            Self::Tertial(y, t) => Self::Tertial(y - 1, t),
            Self::YearToTertial(y, t) => Self::YearToTertial(y - 1, t),
            Self::Month(y, m) => Self::Month(y - 1, m),
            Self::Range(a, b) => Self::Range(back(a), back(b)),
        }
    }

    /// "2026", "2. tertial 2026", "2026 pr. 2. tertial", "mars 2026", "01.01.2026–30.06.2026".
    pub fn label_nb(self) -> String {
        match self {
            Self::Year(y) => y.to_string(),
            Self::Tertial(y, t) => format!("{t}. tertial {y}"),
            Self::YearToTertial(y, t) => format!("{y} pr. {t}. tertial"),
            Self::Month(y, m) => format!("{} {y}", month_name_nb(m)),
            Self::Range(a, b) => format!("{}–{}", format_date(a), format_date(b)),
        }
    }
}

pub use crate::store::stats::{Decided, Frist, PeriodData, Received};

/// One figure of the table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Measure {
    /// A count, with its share (0–1) of the line's base where there is one.
    Count { n: usize, share: Option<f64> },
    /// A share (0–1) on its own; `None` when there is nothing to divide by.
    Share(Option<f64>),
    /// Working days; `None` when nothing was decided.
    Days(Option<f64>),
    /// An agreement coefficient (Cohen's or Fleiss' kappa, −1 to 1); `None` when undefined.
    Kappa(Option<f64>),
}

impl Measure {
    /// The figure as in the reports: "1 005", "28,8 %", "7 dager".
    pub fn text(self) -> String {
        match self {
            Self::Count { n, .. } => thousands(n),
            Self::Share(s) => s.map_or("–".into(), percent),
            Self::Days(d) => d.map_or("–".into(), |d| decimal(d, 1)),
            Self::Kappa(k) => k.map_or("–".into(), |k| decimal(k, 2)),
        }
    }

    /// The same kind of figure for a period that has no such line: 0, or "–" for a share,
    /// days or a kappa (there was nothing to compute it from).
    pub fn missing(self) -> Self {
        match self {
            Self::Count { .. } => Self::Count { n: 0, share: None },
            Self::Share(_) => Self::Share(None),
            Self::Days(_) => Self::Days(None),
            Self::Kappa(_) => Self::Kappa(None),
        }
    }

    pub fn share_text(self) -> String {
        match self {
            Self::Count { share: Some(s), .. } => percent(s),
            _ => String::new(),
        }
    }

    /// The change from `before`: % for counts, percentage points for shares, days for days.
    pub fn change_text(self, before: Self) -> String {
        match (self, before) {
            (Self::Count { n, .. }, Self::Count { n: b, .. }) if b > 0 => {
                signed(((n as f64 - b as f64) / b as f64) * 100.0, " %")
            }
            (Self::Share(Some(a)), Self::Share(Some(b))) => signed((a - b) * 100.0, " pp"),
            (Self::Days(Some(a)), Self::Days(Some(b))) => signed(a - b, ""),
            (Self::Kappa(Some(a)), Self::Kappa(Some(b))) => signed_places(a - b, 2, ""),
            _ => String::new(),
        }
    }

    /// The count or value as a plain number for CSV.
    pub fn csv(self) -> String {
        match self {
            Self::Count { n, .. } => n.to_string(),
            Self::Share(s) => s.map_or(String::new(), |s| decimal(s * 100.0, 1)),
            Self::Days(d) => d.map_or(String::new(), |d| decimal(d, 1)),
            Self::Kappa(k) => k.map_or(String::new(), |k| decimal(k, 2)),
        }
    }

    pub fn csv_share(self) -> String {
        match self {
            Self::Count { share: Some(s), .. } => decimal(s * 100.0, 1),
            _ => String::new(),
        }
    }
}

pub use crate::domain::thousands;

pub(crate) fn decimal(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

pub(crate) fn percent(share: f64) -> String {
    format!("{} %", decimal(share * 100.0, 1))
}

pub(crate) fn signed(x: f64, unit: &str) -> String {
    signed_places(x, 1, unit)
}

pub(crate) fn signed_places(x: f64, places: usize, unit: &str) -> String {
    let sign = if x > 0.0 {
        "+"
    } else if x < 0.0 {
        "−"
    } else {
        "±"
    };
    format!("{sign}{}{unit}", decimal(x.abs(), places))
}

/// One line of the table: a label (indented under its heading) and the figure now and before.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub section: &'static str,
    pub label: String,
    pub indent: bool,
    pub now: Measure,
    pub before: Option<Measure>,
}

/// Per month in the period: decided rett and avslag, and the median working days to decision.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthPoint {
    pub year: i32,
    pub month: u32,
    pub rett: usize,
    pub avslag: usize,
    pub other: usize,
    pub median_days: Option<f64>,
}

/// The computed figures of a period.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub received: usize,
    /// Of the received, withdrawn since (trukket: cancelled by the referrer, or by hand).
    pub withdrawn: usize,
    pub feilsendt_videresendt: usize,
    pub assessed: usize,
    pub avslag: usize,
    pub rett: usize,
    pub secondary: usize,
    /// Track label → count, over rett + sekundær.
    pub tracks: BTreeMap<String, usize>,
    pub within_deadline: usize,
    pub median_days: Option<f64>,
    pub p90_days: Option<f64>,
    pub after_deadline: usize,
    /// Rett and avslag whose patient letters are tracked, less those still within their
    /// vurderingsfrist and not yet sent; and of them, informed on or before the frist.
    pub informed_counted: usize,
    pub informed_in_time: usize,
    /// Rett and avslag decided before Inntak tracked letters (imported, or before version 7).
    pub informed_unknown: usize,
    pub frist_breaches: usize,
    pub by_kind: BTreeMap<&'static str, usize>,
    pub by_specialty: BTreeMap<String, usize>,
    pub avslag_reasons: BTreeMap<String, usize>,
    pub months: Vec<MonthPoint>,
    /// The meetings held in the period, by date.
    pub meetings: Vec<crate::store::meetings::HeldSummary>,
    /// How the disciplines' provisional views agreed with each other and with the decisions.
    pub consistency: crate::domain::preparation::Consistency,
}

/// The track labels in report order.
pub const TRACK_ORDER: [&str; 8] = [
    "monofaglig lege",
    "monofaglig psykolog",
    "monofaglig fysioterapeut",
    "tverrfaglig sekvensiell",
    "tverrfaglig samlet",
    "kartlegging lege",
    "kartlegging psykolog",
    "kartlegging fysioterapeut",
];

/// Percentile by the nearest-rank method: the smallest value with at least `p` of the values
/// at or below it. The median of an even count is the mean of the middle two.
pub fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    if (p - 0.5).abs() < f64::EPSILON {
        let n = sorted.len();
        return Some(if n % 2 == 1 {
            sorted[n / 2] as f64
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0
        });
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1] as f64)
}

pub(crate) fn share(n: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| n as f64 / of as f64)
}

/// Computes a period (and the year before, when `compare`) from the records `load` reads for
/// a date range (`model::stats_report` reads them from the store). A period that runs past
/// today is counted up to today, and the year before up to the same day.
pub fn report(
    period: Period,
    compare: bool,
    rule: WorkingDayRule,
    today: NaiveDate,
    load: impl Fn(NaiveDate, NaiveDate) -> Result<PeriodData, String>,
) -> Result<Report, String> {
    let bounds = period
        .bounds()
        .ok_or_else(|| format!("Ugyldig periode: {}", period.label_nb()))?;
    let until = (bounds.1 > today && bounds.0 <= today).then_some(today);
    let one = |(from, to): (NaiveDate, NaiveDate)| -> Result<Figures, String> {
        let data = load(from, to)?;
        Ok(compute(&data, (from, to), rule, today))
    };
    let cut = |(from, to): (NaiveDate, NaiveDate), day: Option<NaiveDate>| {
        (from, day.map_or(to, |d| d.min(to)))
    };
    let figures = one(cut(bounds, until))?;
    let previous = if compare {
        let p = period.year_before();
        let b = p
            .bounds()
            .ok_or_else(|| format!("Ugyldig periode: {}", p.label_nb()))?;
        let day = until.map(|d| d.checked_sub_months(Months::new(12)).unwrap_or(d));
        Some((p, one(cut(b, day))?))
    } else {
        None
    };
    Ok(Report {
        period,
        figures,
        previous,
        until,
    })
}

/// Computes a period's figures (pure).
pub fn compute(
    data: &PeriodData,
    (from, to): (NaiveDate, NaiveDate),
    rule: WorkingDayRule,
    today: NaiveDate,
) -> Figures {
    let mut f = Figures {
        received: data.received.len(),
        withdrawn: data.received.iter().filter(|r| r.withdrawn).count(),
        feilsendt_videresendt: 0,
        assessed: 0,
        avslag: 0,
        rett: 0,
        secondary: 0,
        tracks: BTreeMap::new(),
        within_deadline: 0,
        median_days: None,
        p90_days: None,
        after_deadline: 0,
        informed_counted: 0,
        informed_in_time: 0,
        informed_unknown: 0,
        frist_breaches: 0,
        by_kind: BTreeMap::new(),
        by_specialty: BTreeMap::new(),
        avslag_reasons: BTreeMap::new(),
        months: Vec::new(),
        meetings: data.meetings.clone(),
        consistency: crate::domain::preparation::consistency(&data.assessed),
    };
    for r in &data.received {
        *f.by_kind.entry(r.kind.label_nb()).or_default() += 1;
        if r.kind != ReferrerKind::Fastlege {
            let spec = if r.specialty.trim().is_empty() {
                "uten spesialitet".to_string()
            } else {
                r.specialty.trim().to_lowercase()
            };
            *f.by_specialty.entry(spec).or_default() += 1;
        }
    }
    // Months of the period, in order.
    let mut month = NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap_or(from);
    let mut month_days: Vec<Vec<i64>> = Vec::new();
    while month <= to {
        f.months.push(MonthPoint {
            year: month.year(),
            month: month.month(),
            rett: 0,
            avslag: 0,
            other: 0,
            median_days: None,
        });
        month_days.push(Vec::new());
        month = match month.checked_add_months(Months::new(1)) {
            Some(m) => m,
            None => break,
        };
    }
    let (first_year, first_month, n_months) = (from.year(), from.month() as i32, f.months.len());
    let month_index = |d: NaiveDate| {
        let i = (d.year() - first_year) * 12 + d.month() as i32 - first_month;
        usize::try_from(i).ok().filter(|i| *i < n_months)
    };
    let mut days = Vec::new();
    for d in &data.decided {
        let mi = month_index(d.decided_on);
        match d.outcome.as_str() {
            "feilsendt" | "videresendt" => f.feilsendt_videresendt += 1,
            "sekundaer" => f.secondary += 1,
            "rett" | "avslag" => {}
            _ => continue,
        }
        if matches!(d.outcome.as_str(), "rett" | "sekundaer") && !d.track.trim().is_empty() {
            *f.tracks.entry(d.track.trim().to_string()).or_default() += 1;
        }
        if let Some(i) = mi {
            match d.outcome.as_str() {
                "rett" => f.months[i].rett += 1,
                "avslag" => f.months[i].avslag += 1,
                _ => f.months[i].other += 1,
            }
        }
        if !matches!(d.outcome.as_str(), "rett" | "avslag") {
            continue;
        }
        f.assessed += 1;
        if d.outcome == "rett" {
            f.rett += 1;
        } else {
            f.avslag += 1;
            let reason = if d.reason.trim().is_empty() {
                "(ikke oppgitt)".to_string()
            } else {
                d.reason.trim().to_string()
            };
            *f.avslag_reasons.entry(reason).or_default() += 1;
        }
        if d.after_deadline {
            f.after_deadline += 1;
        } else {
            f.within_deadline += 1;
        }
        let deadline = rule.assessment_deadline(d.received_on);
        match crate::domain::letter::informed(
            rule,
            deadline,
            d.informed_on,
            d.letters_tracked,
            today,
        ) {
            crate::domain::letter::Informed::Sent { in_time, .. } => {
                f.informed_counted += 1;
                f.informed_in_time += usize::from(in_time);
            }
            // Past the frist and not sent: not informed in time. Still within it: not counted yet.
            crate::domain::letter::Informed::NotYet { days_left } if days_left < 0 => {
                f.informed_counted += 1;
            }
            crate::domain::letter::Informed::NotYet { .. } => {}
            crate::domain::letter::Informed::Unknown | crate::domain::letter::Informed::NotDue => {
                f.informed_unknown += 1
            }
        }
        let wd = rule.working_days_between(d.received_on, d.decided_on);
        days.push(wd);
        if let Some(i) = mi {
            month_days[i].push(wd);
        }
    }
    days.sort_unstable();
    f.median_days = percentile(&days, 0.5);
    f.p90_days = percentile(&days, 0.9);
    for (point, mut d) in f.months.iter_mut().zip(month_days) {
        d.sort_unstable();
        point.median_days = percentile(&d, 0.5);
    }
    f.frist_breaches = data
        .frister
        .iter()
        .filter(|x| crate::domain::decision::frist_broken(x.frist, x.started, today))
        .count();
    f
}

/// A period's report: its figures, and the year before's when compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub period: Period,
    pub figures: Figures,
    pub previous: Option<(Period, Figures)>,
    /// The period runs past today: both it and the year before are counted up to this day
    /// (and its date a year earlier), so the comparison is like for like.
    pub until: Option<NaiveDate>,
}

impl Report {
    /// "2026 (til og med 22.11.2026) sammenlignet med 2025 (til og med 22.11.2025)".
    pub fn title_nb(&self) -> String {
        let until = |d: Option<NaiveDate>| {
            d.map_or(String::new(), |d| {
                format!(" (til og med {})", format_date(d))
            })
        };
        let before = self
            .until
            .map(|d| d.checked_sub_months(Months::new(12)).unwrap_or(d));
        match &self.previous {
            Some((p, _)) => format!(
                "{}{} sammenlignet med {}{}",
                self.period.label_nb(),
                until(self.until),
                p.label_nb(),
                until(before)
            ),
            None => format!("{}{}", self.period.label_nb(), until(self.until)),
        }
    }
}

#[cfg(test)]
mod tests;
