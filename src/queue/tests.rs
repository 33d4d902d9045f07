//! Tests of `queue`.

use super::*;
use crate::domain::referral::iso;
use crate::domain::{ReferralFields, ReferrerKind};

/// A row keeps its texts in one allocation with 16-bit offsets: a name longer than the
/// rules allow (a file edited outside Inntak) is cut at a character boundary, never
/// panics, and the other texts stay readable.
#[test]
fn over_long_texts_are_cut_at_a_character_boundary() {
    let long = "ø".repeat(40_000); // 80,000 bytes
    let mut r = referral(1, "2026-11-02", &long, ReferralStatus::TilVurdering);
    r.fields.external_id = Some("EXT-1".into());
    r.fields.national_id = Some("12345678901".into());
    let model = QueueModel::build(vec![r], WorkingDayRule::default(), iso("2026-11-04"));
    let row = &model.rows[0];
    assert_eq!(row.patient().len(), 65_534, "whole characters only");
    assert!(long.starts_with(row.patient()));
    // One byte of room was left: the id's first character, then nothing.
    assert_eq!(row.external_id(), Some("E"));
    assert_eq!(row.national_id(), Some(""));
    assert_eq!(model.referrer_name(row), "Dr. Berg");
    let short = referral(2, "2026-11-02", "Ada Lund", ReferralStatus::TilVurdering);
    let model = QueueModel::build(vec![short], WorkingDayRule::default(), iso("2026-11-04"));
    assert_eq!(model.rows[0].patient(), "Ada Lund");
    assert_eq!(model.rows[0].external_id(), None);
}

/// A referral from a GP with a fixed problem text (the queue panel's tests use it too).
pub(crate) fn referral(id: i64, received: &str, patient: &str, status: ReferralStatus) -> Referral {
    Referral {
        id: ReferralId(id),
        fields: ReferralFields {
            external_id: None,
            received_on: iso(received),
            patient: patient.into(),
            national_id: None,
            birth_year: None,
            referrer_name: "Dr. Berg".into(),
            referrer_kind: ReferrerKind::Fastlege,
            specialty: String::new(),
            is_secondary: false,
            problem: "Langvarige ryggsmerter".into(),
            diagnosis_group: String::new(),
            patient_street: String::new(),
            patient_postcode: String::new(),
            patient_city: String::new(),
            referrer_address: String::new(),
            referrer_electronic: false,
        },
        status,
        decided_on: None,
    }
}

#[test]
fn a_column_sorts_both_ways_with_empty_values_last() {
    let today = iso("2025-04-30");
    let model = QueueModel::build(
        vec![
            referral(1, "2025-04-14", "ada", ReferralStatus::TilVurdering),
            referral(2, "2025-04-01", "Bo", ReferralStatus::TilVurdering),
            referral(3, "2025-04-28", "Cy", ReferralStatus::TilVurdering),
            referral(4, "2025-04-29", "Di", ReferralStatus::Trukket),
        ],
        WorkingDayRule::default(),
        today,
    );
    let names = |sort: QueueSort| -> Vec<String> {
        let filter = QueueFilter {
            status: StatusFilter::All,
            sort,
            ..Default::default()
        };
        model
            .filter(&filter)
            .iter()
            .map(|i| model.rows[*i as usize].patient().to_string())
            .collect()
    };
    // The default is the legal order.
    assert_eq!(names(QueueSort::default()), ["Bo", "ada", "Cy", "Di"]);
    let by_name = QueueSort::default().clicked(SortColumn::Patient);
    assert_eq!(
        names(by_name),
        ["ada", "Bo", "Cy", "Di"],
        "case does not matter"
    );
    assert_eq!(
        names(by_name.clicked(SortColumn::Patient)),
        ["Di", "Cy", "Bo", "ada"]
    );
    // Working days left: Bo is overdue (negative), Di (withdrawn) has none: last both ways.
    let left = QueueSort::default().clicked(SortColumn::WorkingDaysLeft);
    assert_eq!(names(left), ["Bo", "ada", "Cy", "Di"]);
    assert_eq!(
        names(left.clicked(SortColumn::WorkingDaysLeft)),
        ["Cy", "ada", "Bo", "Di"]
    );
    let received = QueueSort::default().clicked(SortColumn::Received);
    assert_eq!(
        names(received.clicked(SortColumn::Received)),
        ["Di", "Cy", "ada", "Bo"]
    );
}

#[test]
fn rows_sorted_by_deadline_with_urgency_and_counts() {
    // Today Wed 2025-04-30. Deadlines: 2025-04-14 → 02.05 (1 left: due soon);
    // 2025-04-01 → 15.04 (overdue); 2025-04-28 → 14.05 (on track); one withdrawn.
    let today = iso("2025-04-30");
    let model = QueueModel::build(
        vec![
            referral(1, "2025-04-14", "Ada", ReferralStatus::TilVurdering),
            referral(2, "2025-04-01", "Bo", ReferralStatus::TilVurdering),
            referral(3, "2025-04-28", "Cy", ReferralStatus::TilVurdering),
            referral(4, "2025-04-29", "Di", ReferralStatus::Trukket),
        ],
        WorkingDayRule::default(),
        today,
    );
    let order: Vec<_> = model
        .rows
        .iter()
        .map(|r| (r.patient(), r.urgency))
        .collect();
    assert_eq!(
        order,
        [
            ("Bo", Urgency::Overdue),
            ("Ada", Urgency::DueSoon),
            ("Cy", Urgency::OnTrack),
            ("Di", Urgency::Closed)
        ]
    );
    assert_eq!(model.rows[1].working_days_left, Some(1));
    assert_eq!(model.rows[3].working_days_left, None);
    assert_eq!(
        model.counts,
        QueueCounts {
            open: 3,
            after_mapping: 0,
            overdue: 1,
            due_this_week: 1,
            total: 4,
            no_meeting_before_deadline: 0,
            not_informed: 0,
        }
    );
}

#[test]
fn the_work_week_on_weekends_is_the_coming_one() {
    assert_eq!(work_week_end(iso("2026-11-18")), iso("2026-11-22")); // Wednesday
    assert_eq!(work_week_end(iso("2026-11-20")), iso("2026-11-22")); // Friday
    assert_eq!(work_week_end(iso("2026-11-21")), iso("2026-11-29")); // Saturday
    assert_eq!(work_week_end(iso("2026-11-22")), iso("2026-11-29")); // Sunday
    assert_eq!(work_week(iso("2026-11-22")), 48);
}

#[test]
fn last_meeting_before_deadline_and_none_left() {
    let today = iso("2025-04-29");
    let mut model = QueueModel::build(
        vec![
            referral(1, "2025-04-14", "Ada", ReferralStatus::TilVurdering), // frist 02.05
            referral(2, "2025-04-25", "Bo", ReferralStatus::TilVurdering),  // frist 12.05
        ],
        WorkingDayRule::default(),
        today,
    );
    // Meetings Tue 29.04 and Tue 06.05 (Thu 1 May is a holiday).
    model.set_meetings(&[iso("2025-04-29"), iso("2025-05-06")]);
    assert_eq!(model.rows[0].last_meeting, Some(iso("2025-04-29")));
    assert_eq!(model.rows[1].last_meeting, Some(iso("2025-05-06")));
    model.set_meetings(&[iso("2025-05-06")]);
    assert_eq!(model.rows[0].last_meeting, None);
    assert_eq!(model.counts.no_meeting_before_deadline, 1);
}

#[test]
fn filter_by_text_status_and_kind() {
    let model = QueueModel::build(
        vec![
            referral(1, "2025-04-14", "Ada Lund", ReferralStatus::TilVurdering),
            referral(2, "2025-04-15", "Bo Lie", ReferralStatus::TilVurdering),
            referral(3, "2025-04-16", "Ada Berg", ReferralStatus::Trukket),
        ],
        WorkingDayRule::default(),
        iso("2025-04-22"),
    );
    let names = |f: &QueueFilter| -> Vec<String> {
        model
            .filter(f)
            .into_iter()
            .map(|i| model.rows[i as usize].patient().to_string())
            .collect()
    };
    let open_ada = QueueFilter {
        text: "ada".into(),
        ..Default::default()
    };
    assert_eq!(names(&open_ada), ["Ada Lund"]);
    let all_ada = QueueFilter {
        status: StatusFilter::All,
        ..open_ada.clone()
    };
    assert_eq!(names(&all_ada), ["Ada Lund", "Ada Berg"]);
    let two_words = QueueFilter {
        text: "LUND rygg".into(),
        ..Default::default()
    };
    assert_eq!(names(&two_words), ["Ada Lund"]);
    let hospital = QueueFilter {
        referrer_kind: Some(ReferrerKind::Sykehusavdeling),
        ..Default::default()
    };
    assert!(names(&hospital).is_empty());
}
