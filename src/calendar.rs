//! Norwegian public holidays, working days and the legal assessment deadline (vurderingsfrist).
//!
//! Every function takes its dates as input; nothing here reads the clock.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Working days (virkedager) from receipt to the rights decision, by law.
pub const ASSESSMENT_WORKING_DAYS: u32 = 10;

/// Which weekdays count as working days for the legal clock.
///
/// Monday–Friday always count unless they are public holidays. Whether Saturday counts is not
/// settled in health law, so it is a clinic setting (default: it does not).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkingDayRule {
    pub saturday_is_working_day: bool,
}

/// A Norwegian public holiday (helligdag or lovbestemt høytidsdag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    pub kind: HolidayKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HolidayKind {
    NewYearsDay,
    MaundyThursday,
    GoodFriday,
    EasterSunday,
    EasterMonday,
    LabourDay,
    ConstitutionDay,
    Ascension,
    WhitSunday,
    WhitMonday,
    ChristmasDay,
    BoxingDay,
}

impl HolidayKind {
    /// The holiday's Norwegian name.
    pub fn name_nb(self) -> &'static str {
        match self {
            Self::NewYearsDay => "1. nyttårsdag",
            Self::MaundyThursday => "skjærtorsdag",
            Self::GoodFriday => "langfredag",
            Self::EasterSunday => "1. påskedag",
            Self::EasterMonday => "2. påskedag",
            Self::LabourDay => "1. mai",
            Self::ConstitutionDay => "17. mai",
            Self::Ascension => "Kristi himmelfartsdag",
            Self::WhitSunday => "1. pinsedag",
            Self::WhitMonday => "2. pinsedag",
            Self::ChristmasDay => "1. juledag",
            Self::BoxingDay => "2. juledag",
        }
    }

    /// The name used when several holidays are summarised: the Easter days become "påske",
    /// Christmas "jul".
    pub fn group_name_nb(self) -> &'static str {
        match self {
            Self::MaundyThursday | Self::GoodFriday | Self::EasterSunday | Self::EasterMonday => {
                "påske"
            }
            Self::ChristmasDay | Self::BoxingDay => "jul",
            Self::WhitSunday | Self::WhitMonday => "pinse",
            other => other.name_nb(),
        }
    }
}

/// Years whose Easter is precomputed: the deadline loop asks for it on every spring day.
const EASTER_CACHE_YEARS: std::ops::Range<i32> = 1900..2300;

/// Easter Sunday in the Gregorian calendar (cached for 1900–2299).
pub fn easter_sunday(year: i32) -> NaiveDate {
    static CACHE: std::sync::OnceLock<Vec<NaiveDate>> = std::sync::OnceLock::new();
    if EASTER_CACHE_YEARS.contains(&year) {
        let cache = CACHE.get_or_init(|| EASTER_CACHE_YEARS.map(compute_easter_sunday).collect());
        return cache[(year - EASTER_CACHE_YEARS.start) as usize];
    }
    compute_easter_sunday(year)
}

/// The anonymous Gregorian computus (Meeus/Jones/Butcher).
fn compute_easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // The computus yields March or April and a day within that month for every year.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("computus yields a valid date")
}

/// All public holidays of `year`, in date order.
pub fn public_holidays(year: i32) -> Vec<Holiday> {
    let easter = easter_sunday(year);
    let offset = |days: i64| easter + chrono::Duration::days(days);
    let fixed = |month: u32, day: u32| NaiveDate::from_ymd_opt(year, month, day).expect("fixed");
    let mut days = vec![
        Holiday {
            date: fixed(1, 1),
            kind: HolidayKind::NewYearsDay,
        },
        Holiday {
            date: offset(-3),
            kind: HolidayKind::MaundyThursday,
        },
        Holiday {
            date: offset(-2),
            kind: HolidayKind::GoodFriday,
        },
        Holiday {
            date: easter,
            kind: HolidayKind::EasterSunday,
        },
        Holiday {
            date: offset(1),
            kind: HolidayKind::EasterMonday,
        },
        Holiday {
            date: fixed(5, 1),
            kind: HolidayKind::LabourDay,
        },
        Holiday {
            date: fixed(5, 17),
            kind: HolidayKind::ConstitutionDay,
        },
        Holiday {
            date: offset(39),
            kind: HolidayKind::Ascension,
        },
        Holiday {
            date: offset(49),
            kind: HolidayKind::WhitSunday,
        },
        Holiday {
            date: offset(50),
            kind: HolidayKind::WhitMonday,
        },
        Holiday {
            date: fixed(12, 25),
            kind: HolidayKind::ChristmasDay,
        },
        Holiday {
            date: fixed(12, 26),
            kind: HolidayKind::BoxingDay,
        },
    ];
    // Ascension or Whit Monday can coincide with 17 May; keep one entry per date.
    days.sort_by_key(|h| h.date);
    days.dedup_by_key(|h| h.date);
    days
}

/// The public holiday on `date`, if any.
pub fn holiday_on(date: NaiveDate) -> Option<HolidayKind> {
    let (month, day) = (date.month(), date.day());
    match (month, day) {
        (1, 1) => return Some(HolidayKind::NewYearsDay),
        (5, 1) => return Some(HolidayKind::LabourDay),
        (5, 17) => return Some(HolidayKind::ConstitutionDay),
        (12, 25) => return Some(HolidayKind::ChristmasDay),
        (12, 26) => return Some(HolidayKind::BoxingDay),
        _ => {}
    }
    // Movable feasts fall between 19 March (Maundy Thursday) and 14 June (Whit Monday).
    if !(3..=6).contains(&month) {
        return None;
    }
    let from_easter = (date - easter_sunday(date.year())).num_days();
    match from_easter {
        -3 => Some(HolidayKind::MaundyThursday),
        -2 => Some(HolidayKind::GoodFriday),
        0 => Some(HolidayKind::EasterSunday),
        1 => Some(HolidayKind::EasterMonday),
        39 => Some(HolidayKind::Ascension),
        49 => Some(HolidayKind::WhitSunday),
        50 => Some(HolidayKind::WhitMonday),
        _ => None,
    }
}

impl WorkingDayRule {
    /// Whether `date` is a virkedag for the legal clock.
    pub fn is_working_day(self, date: NaiveDate) -> bool {
        self.weekday_counts(date) && holiday_on(date).is_none()
    }

    /// Whether the weekday of `date` counts, ignoring holidays.
    fn weekday_counts(self, date: NaiveDate) -> bool {
        match date.weekday() {
            Weekday::Sun => false,
            Weekday::Sat => self.saturday_is_working_day,
            _ => true,
        }
    }

    /// The date `n` working days after `from` (`from` itself is day 0 and need not be a
    /// working day).
    pub fn add_working_days(self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut date = from;
        let mut counted = 0;
        while counted < n {
            date = date + Days::new(1);
            if self.is_working_day(date) {
                counted += 1;
            }
        }
        date
    }

    /// The vurderingsfrist: 10 working days after the day the referral was received (day 0).
    pub fn assessment_deadline(self, received: NaiveDate) -> NaiveDate {
        self.add_working_days(received, ASSESSMENT_WORKING_DAYS)
    }

    /// Working days in the half-open interval (`from`, `to`]; 0 when `to <= from`.
    ///
    /// Whole weeks are counted arithmetically and holidays subtracted per year, so a span of
    /// decades (an old, never-decided import) costs microseconds, not a walk over every day.
    pub fn working_days_between(self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to <= from {
            return 0;
        }
        let days = (to - from).num_days();
        let per_week = if self.saturday_is_working_day { 6 } else { 5 };
        let full_weeks = days / 7;
        let mut count = full_weeks * per_week;
        let mut date = from + Days::new((full_weeks * 7) as u64);
        while date < to {
            date = date + Days::new(1);
            if self.weekday_counts(date) {
                count += 1;
            }
        }
        for year in from.year()..=to.year() {
            for h in public_holidays(year) {
                if h.date > from && h.date <= to && self.weekday_counts(h.date) {
                    count -= 1;
                }
            }
        }
        count
    }

    /// Working days left until `deadline`, seen from `today`.
    ///
    /// Positive: working days after today up to and including the deadline. Zero: the deadline
    /// is today (or only non-working days remain before it). Negative: working days since the
    /// deadline passed, and never 0 once it has passed — a Saturday after a Friday deadline
    /// already shows −1, because the referral is overdue.
    pub fn working_days_left(self, today: NaiveDate, deadline: NaiveDate) -> i64 {
        if today <= deadline {
            self.working_days_between(today, deadline)
        } else {
            -self.working_days_between(deadline, today).max(1)
        }
    }

    /// The public holidays that fall on days the clock would otherwise have counted in
    /// (`received`, `deadline`]: these are the ones that moved the deadline.
    pub fn skipped_holidays(self, received: NaiveDate, deadline: NaiveDate) -> Vec<Holiday> {
        let mut out = Vec::new();
        let mut date = received;
        while date < deadline {
            date = date + Days::new(1);
            if let (true, Some(kind)) = (self.weekday_counts(date), holiday_on(date)) {
                out.push(Holiday { date, kind });
            }
        }
        out
    }
}

/// Norwegian weekday abbreviation, as in "man. 14.04.2025" (not "on"/"to", which read as
/// English words).
pub fn weekday_short_nb(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "man.",
        Weekday::Tue => "tir.",
        Weekday::Wed => "ons.",
        Weekday::Thu => "tor.",
        Weekday::Fri => "fre.",
        Weekday::Sat => "lør.",
        Weekday::Sun => "søn.",
    }
}

/// Full Norwegian weekday name.
pub fn weekday_name_nb(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mandag",
        Weekday::Tue => "tirsdag",
        Weekday::Wed => "onsdag",
        Weekday::Thu => "torsdag",
        Weekday::Fri => "fredag",
        Weekday::Sat => "lørdag",
        Weekday::Sun => "søndag",
    }
}

const MONTHS_NB: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];

/// Norwegian month name, lower case as in running text ("november").
pub fn month_name_nb(month: u32) -> &'static str {
    MONTHS_NB[(month.clamp(1, 12) - 1) as usize]
}

/// What a calendar shows about one day, most important first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DayMark {
    /// A public holiday (not a virkedag).
    Holiday(HolidayKind),
    /// A day the clinic has closed (no meetings; the legal deadline still counts it).
    Closed(String),
    /// Saturday or Sunday when it is not a virkedag.
    Weekend,
    /// An ordinary working day.
    Working,
}

/// One row of a month calendar: the ISO week number and its seven days, Monday first.
/// `in_month` is false for the days of the neighbouring months that fill the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarWeek {
    pub iso_week: u32,
    pub days: [(NaiveDate, bool); 7],
}

/// The weeks of a month as a Norwegian calendar shows them: Monday first, with ISO week
/// numbers, from the week holding the 1st to the week holding the last day (4–6 rows).
pub fn month_weeks(year: i32, month: u32) -> Vec<CalendarWeek> {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return Vec::new();
    };
    let mut monday = first - chrono::Days::new(u64::from(first.weekday().num_days_from_monday()));
    let mut weeks = Vec::new();
    while weeks.is_empty() || (monday.year(), monday.month()) == (year, month) {
        let days = std::array::from_fn(|i| {
            let day = monday + chrono::Days::new(i as u64);
            (day, day.month() == month && day.year() == year)
        });
        weeks.push(CalendarWeek {
            iso_week: monday.iso_week().week(),
            days,
        });
        monday = monday + chrono::Days::new(7);
    }
    weeks
}

/// The mark of `date` under `rule`, with the clinic's closure days (date, label).
pub fn day_mark(
    date: NaiveDate,
    rule: WorkingDayRule,
    closures: &[(NaiveDate, String)],
) -> DayMark {
    if let Some(kind) = holiday_on(date) {
        return DayMark::Holiday(kind);
    }
    if let Some((_, label)) = closures.iter().find(|(d, _)| *d == date) {
        return DayMark::Closed(label.clone());
    }
    if rule.is_working_day(date) {
        DayMark::Working
    } else {
        DayMark::Weekend
    }
}

/// A date as the UI shows it: dd.mm.åååå.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// A date with its weekday: "fre. 02.05.2025".
pub fn format_date_weekday(date: NaiveDate) -> String {
    format!("{} {}", weekday_short_nb(date.weekday()), format_date(date))
}

/// Parses dd.mm.åååå or åååå-mm-dd (surrounding spaces allowed).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%d.%m.%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
        // chrono accepts 1- to 4-digit years; a real referral date has four.
        .filter(|d| (1900..=9999).contains(&d.year()))
}

/// A date as a user types it in a date field: `dd.mm.åååå`, `d.m.åå`, `d.m` (this year),
/// `åååå-mm-dd`, `ddmmåååå`, `i dag`, `i morgen`, `i går`, or `+3` (three working days after
/// today). `None` for anything else.
pub fn parse_date_input(text: &str, today: NaiveDate, rule: WorkingDayRule) -> Option<NaiveDate> {
    let t = text.trim().to_lowercase();
    let t = t.trim_end_matches('.');
    match t.replace(' ', "").as_str() {
        "idag" => return Some(today),
        "imorgen" => return today.succ_opt(),
        "igår" => return today.pred_opt(),
        _ => {}
    }
    if let Some(n) = t.strip_prefix('+') {
        return n
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 1000)
            .map(|n| rule.add_working_days(today, n));
    }
    if let Some(d) = parse_date(t) {
        return Some(d);
    }
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if digits(t) && (t.len() == 8 || t.len() == 6) {
        let (day, month, year) = (&t[0..2], &t[2..4], &t[4..]);
        let year: i32 = year.parse().ok()?;
        let year = if year < 100 { 2000 + year } else { year };
        return NaiveDate::from_ymd_opt(year, month.parse().ok()?, day.parse().ok()?)
            .filter(|d| (1900..=9999).contains(&d.year()));
    }
    let parts: Vec<&str> = t.split('.').collect();
    if !(2..=3).contains(&parts.len()) || !parts.iter().all(|p| digits(p)) {
        return None;
    }
    let year = match parts.get(2) {
        None => today.year(),
        Some(y) if y.len() == 2 => 2000 + y.parse::<i32>().ok()?,
        Some(y) if y.len() == 4 => y.parse().ok()?,
        Some(_) => return None,
    };
    NaiveDate::from_ymd_opt(year, parts[1].parse().ok()?, parts[0].parse().ok()?)
}

#[cfg(test)]
mod tests;
