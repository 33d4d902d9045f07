//! Tests of `mod`.

use super::*;
use crate::domain::referral::iso;

#[test]
fn periods_and_their_year_before() {
    assert_eq!(
        Period::Tertial(2024, 2).bounds(),
        Some((iso("2024-05-01"), iso("2024-08-31")))
    );
    assert_eq!(
        Period::YearToTertial(2024, 2).bounds(),
        Some((iso("2024-01-01"), iso("2024-08-31")))
    );
    assert_eq!(
        Period::Month(2024, 2).bounds(),
        Some((iso("2024-02-01"), iso("2024-02-29")))
    );
    assert_eq!(Period::Tertial(2024, 4).bounds(), None);
    assert_eq!(Period::Month(2025, 13).bounds(), None);
    assert_eq!(
        Period::Range(iso("2024-02-29"), iso("2024-06-30")).year_before(),
        Period::Range(iso("2023-02-28"), iso("2023-06-30"))
    );
    assert_eq!(Period::Tertial(2024, 2).label_nb(), "2. tertial 2024");
    assert_eq!(
        Period::YearToTertial(2024, 2).label_nb(),
        "2024 pr. 2. tertial"
    );
}

#[test]
fn percentiles_and_number_formats() {
    assert_eq!(percentile(&[], 0.5), None);
    assert_eq!(percentile(&[3, 5, 9, 12], 0.5), Some(7.0));
    assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9), Some(9.0));
    assert_eq!(percentile(&[4], 0.9), Some(4.0));
    assert_eq!(thousands(3487), "3\u{a0}487");
    assert_eq!(percent(1005.0 / 3487.0), "28,8 %");
    // The regional report: 3679 received in 2024 against 3456 in 2023 is +6,5 %.
    let now = Measure::Count {
        n: 3679,
        share: None,
    };
    let before = Measure::Count {
        n: 3456,
        share: None,
    };
    assert_eq!(now.change_text(before), "+6,5 %");
    assert_eq!(
        Measure::Share(Some(0.712)).change_text(Measure::Share(Some(0.546))),
        "+16,6 pp"
    );
}
