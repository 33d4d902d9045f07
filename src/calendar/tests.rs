//! Tests of `calendar`.

use super::*;

#[test]
fn month_grid_is_monday_first_with_iso_weeks() {
    // November 2026: the 1st is a Sunday (week 44), the 30th a Monday (week 49).
    let weeks = month_weeks(2026, 11);
    assert_eq!(weeks.len(), 6);
    assert_eq!(
        weeks.iter().map(|w| w.iso_week).collect::<Vec<_>>(),
        [44, 45, 46, 47, 48, 49]
    );
    assert_eq!(weeks[0].days[0], (d("2026-10-26"), false));
    assert_eq!(weeks[0].days[6], (d("2026-11-01"), true));
    assert_eq!(weeks[5].days[0], (d("2026-11-30"), true));
    assert_eq!(weeks[5].days[1], (d("2026-12-01"), false));
    // February 2027 starts on a Monday and fills exactly four rows.
    let feb = month_weeks(2027, 2);
    assert_eq!(feb.len(), 4);
    assert_eq!(feb[0].days[0], (d("2027-02-01"), true));
    // The turn of the year: 1 January 2027 (a Friday) is in ISO week 53 of 2026.
    assert_eq!(month_weeks(2027, 1)[0].iso_week, 53);
    assert!(month_weeks(2027, 13).is_empty());
}

#[test]
fn day_marks() {
    let rule = WorkingDayRule::default();
    let closed = vec![(d("2026-12-28"), "Romjul".to_string())];
    for (date, expected) in [
        ("2026-12-25", DayMark::Holiday(HolidayKind::ChristmasDay)),
        ("2026-05-14", DayMark::Holiday(HolidayKind::Ascension)),
        ("2026-12-28", DayMark::Closed("Romjul".into())),
        ("2026-12-27", DayMark::Weekend),
        ("2026-12-29", DayMark::Working),
    ] {
        assert_eq!(day_mark(d(date), rule, &closed), expected, "{date}");
    }
    // A Saturday is a working day when the clinic says so; a holiday Saturday is not.
    let saturday = WorkingDayRule {
        saturday_is_working_day: true,
    };
    assert_eq!(day_mark(d("2026-11-28"), saturday, &[]), DayMark::Working);
    assert_eq!(
        day_mark(d("2027-05-01"), saturday, &[]),
        DayMark::Holiday(HolidayKind::LabourDay)
    );
    assert_eq!(month_name_nb(11), "november");
}

#[test]
fn typed_dates() {
    let today = d("2026-11-23"); // a Monday
    let rule = WorkingDayRule::default();
    for (text, expected) in [
        ("24.11.2026", Some("2026-11-24")),
        ("2026-11-24", Some("2026-11-24")),
        ("1.12", Some("2026-12-01")),
        ("1.12.", Some("2026-12-01")),
        ("01.12.27", Some("2027-12-01")),
        ("24112026", Some("2026-11-24")),
        ("241126", Some("2026-11-24")),
        ("i dag", Some("2026-11-23")),
        ("I morgen", Some("2026-11-24")),
        ("i går", Some("2026-11-22")),
        // Three working days after Monday: Thursday.
        ("+3", Some("2026-11-26")),
        ("31.02.2026", None),
        ("32.1", None),
        ("i overmorgen", None),
        ("", None),
        ("+x", None),
    ] {
        assert_eq!(
            parse_date_input(text, today, rule),
            expected.map(d),
            "«{text}»"
        );
    }
    // Five working days after Friday 18.12.2026: 21, 22, 23, 24 (julaften is a working
    // day), then 1. juledag (Friday 25th) is skipped, and the weekend: Monday 28th.
    assert_eq!(
        parse_date_input("+5", d("2026-12-18"), rule),
        Some(d("2026-12-28")),
        "1. juledag is not a working day"
    );
}

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

const MON_FRI: WorkingDayRule = WorkingDayRule {
    saturday_is_working_day: false,
};

#[test]
fn worked_examples_from_domain_brief() {
    // (received, deadline, why) — ../shared/domain.md, "Worked examples".
    let cases = [
        ("2025-03-03", "2025-03-17", "two plain weeks"),
        (
            "2025-04-14",
            "2025-05-02",
            "Easter 17, 18, 21 Apr and 1 May skipped",
        ),
        (
            "2025-12-22",
            "2026-01-08",
            "25, 26 Dec and 1 Jan skipped; 24 and 31 Dec count",
        ),
        ("2026-03-30", "2026-04-16", "Easter 2, 3, 6 Apr skipped"),
        (
            "2026-05-13",
            "2026-05-29",
            "Ascension 14 May, Whit Monday 25 May skipped",
        ),
        (
            "2026-11-21",
            "2026-12-04",
            "a weekend receipt still counts from that day",
        ),
    ];
    for (received, deadline, why) in cases {
        assert_eq!(
            MON_FRI.assessment_deadline(d(received)),
            d(deadline),
            "{received}: {why}"
        );
    }
}

#[test]
fn saturday_setting_shortens_the_clock() {
    // Mon 3 Mar 2025 with Saturdays counting: 4–8 Mar (5), 10–15 Mar (6th..10th on 14th).
    let with_sat = WorkingDayRule {
        saturday_is_working_day: true,
    };
    assert_eq!(
        with_sat.assessment_deadline(d("2025-03-03")),
        d("2025-03-14")
    );
    // Easter Saturday is an ordinary day in law: it counts when Saturdays do.
    assert!(with_sat.is_working_day(d("2025-04-19")));
    assert!(!MON_FRI.is_working_day(d("2025-04-19")));
}

#[test]
fn ordinary_days_that_are_not_holidays() {
    for day in ["2025-12-24", "2025-12-31", "2025-04-19"] {
        assert_eq!(holiday_on(d(day)), None, "{day}");
    }
}

#[test]
fn easter_sundays_known_dates() {
    let cases = [
        (2000, "2000-04-23"),
        (2008, "2008-03-23"),
        (2011, "2011-04-24"),
        (2019, "2019-04-21"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2038, "2038-04-25"),
        (2049, "2049-04-18"),
        (2285, "2285-03-22"),
    ];
    for (year, date) in cases {
        assert_eq!(easter_sunday(year), d(date), "{year}");
    }
}

#[test]
fn every_year_2000_to_2099_has_twelve_holidays_on_the_right_weekdays() {
    for year in 2000..=2099 {
        let days = public_holidays(year);
        let easter = easter_sunday(year);
        assert_eq!(easter.weekday(), Weekday::Sun, "{year}");
        assert!(easter >= d(&format!("{year}-03-22")) && easter <= d(&format!("{year}-04-25")));
        // Ascension can fall on 1 May (2008) or 17 May (2012); such a date is listed once.
        let mut raw: Vec<NaiveDate> = [-3i64, -2, 0, 1, 39, 49, 50]
            .iter()
            .map(|&o| easter + chrono::Duration::days(o))
            .chain(
                [(1, 1), (5, 1), (5, 17), (12, 25), (12, 26)]
                    .map(|(m, dd)| NaiveDate::from_ymd_opt(year, m, dd).unwrap()),
            )
            .collect();
        raw.sort();
        raw.dedup();
        assert_eq!(days.len(), raw.len(), "{year}");
        let collisions = 12 - raw.len();
        for h in &days {
            assert_eq!(
                holiday_on(h.date).map(|k| k == h.kind || collisions > 0),
                Some(true)
            );
            let expected_weekday = match h.kind {
                HolidayKind::MaundyThursday | HolidayKind::Ascension => Some(Weekday::Thu),
                HolidayKind::GoodFriday => Some(Weekday::Fri),
                HolidayKind::EasterSunday | HolidayKind::WhitSunday => Some(Weekday::Sun),
                HolidayKind::EasterMonday | HolidayKind::WhitMonday => Some(Weekday::Mon),
                _ => None,
            };
            if let Some(w) = expected_weekday {
                assert_eq!(h.date.weekday(), w, "{year} {:?}", h.kind);
            }
        }
    }
    // Known coincidences: Ascension on 1 May in 2008, on 17 May in 2012.
    assert_eq!(public_holidays(2008).len(), 11);
    assert_eq!(holiday_on(d("2008-05-01")), Some(HolidayKind::LabourDay));
    assert_eq!(public_holidays(2012).len(), 11);
    assert_eq!(public_holidays(2025).len(), 12);
}

#[test]
fn working_days_left_signs() {
    let deadline = d("2025-05-02"); // Friday
    let cases = [
        ("2025-04-14", 10),
        ("2025-04-30", 1), // Wed → Fri with 1 May a holiday
        ("2025-05-01", 1),
        ("2025-05-02", 0),
        ("2025-05-03", -1), // Saturday after: already overdue
        ("2025-05-04", -1),
        ("2025-05-05", -1),
        ("2025-05-06", -2),
    ];
    for (today, left) in cases {
        assert_eq!(
            MON_FRI.working_days_left(d(today), deadline),
            left,
            "{today}"
        );
    }
}

#[test]
fn working_days_between_matches_a_day_by_day_walk() {
    for sat in [false, true] {
        let rule = WorkingDayRule {
            saturday_is_working_day: sat,
        };
        let start = d("2023-12-20");
        for offset in [0u64, 1, 3, 6, 7, 8, 13, 14, 45, 120, 400, 800] {
            let from = start + Days::new(offset % 11);
            let to = from + Days::new(offset);
            let mut walk = 0;
            let mut day = from;
            while day < to {
                day = day + Days::new(1);
                walk += i64::from(rule.is_working_day(day));
            }
            assert_eq!(
                rule.working_days_between(from, to),
                walk,
                "{from} → {to}, sat {sat}"
            );
        }
    }
    // 17 May 2026 is a Sunday: it must not be subtracted twice.
    assert_eq!(
        MON_FRI.working_days_between(d("2026-05-15"), d("2026-05-18")),
        1
    );
}

#[test]
fn skipped_holidays_are_the_ones_in_the_window() {
    let kinds: Vec<_> = MON_FRI
        .skipped_holidays(d("2025-04-14"), d("2025-05-02"))
        .into_iter()
        .map(|h| h.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            HolidayKind::MaundyThursday,
            HolidayKind::GoodFriday,
            HolidayKind::EasterMonday,
            HolidayKind::LabourDay
        ]
    );
}

#[test]
fn date_parsing_and_formatting() {
    assert_eq!(parse_date("14.04.2025"), Some(d("2025-04-14")));
    assert_eq!(parse_date(" 2025-04-14 "), Some(d("2025-04-14")));
    assert_eq!(parse_date("31.02.2025"), None);
    assert_eq!(parse_date("14/04/2025"), None);
    assert_eq!(parse_date("14.04.25"), None);
    assert_eq!(format_date_weekday(d("2025-05-02")), "fre. 02.05.2025");
}
