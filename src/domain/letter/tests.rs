//! Tests of `letter`.

use super::*;
use crate::domain::referral::iso;

const RULE: WorkingDayRule = WorkingDayRule {
    saturday_is_working_day: false,
};

/// Received Monday 2 November 2026: day 10 (the frist) is Monday 16 November.
#[test]
fn informed_against_the_vurderingsfrist() {
    let received = iso("2026-11-02");
    let deadline = RULE.assessment_deadline(received);
    assert_eq!(deadline, iso("2026-11-16"));
    let day9 = RULE.add_working_days(received, 9);
    let day11 = RULE.add_working_days(received, 11);
    assert_eq!(day9, iso("2026-11-13"));
    assert_eq!(day11, iso("2026-11-17"));
    let cases = [
        // (sent, tracked, today, expected)
        (
            Some(day9),
            true,
            day11,
            Informed::Sent {
                on: day9,
                in_time: true,
            },
        ),
        (
            Some(deadline),
            true,
            day11,
            Informed::Sent {
                on: deadline,
                in_time: true,
            },
        ),
        (
            Some(day11),
            true,
            day11,
            Informed::Sent {
                on: day11,
                in_time: false,
            },
        ),
        (None, true, day9, Informed::NotYet { days_left: 1 }),
        (None, true, deadline, Informed::NotYet { days_left: 0 }),
        (None, true, day11, Informed::NotYet { days_left: -1 }),
        // Saturday after a Friday: still 1 working day (Monday the frist).
        (
            None,
            true,
            iso("2026-11-14"),
            Informed::NotYet { days_left: 1 },
        ),
        (None, false, day11, Informed::Unknown),
        // A sent date is a fact even for history.
        (
            Some(day9),
            false,
            day11,
            Informed::Sent {
                on: day9,
                in_time: true,
            },
        ),
    ];
    for (sent, tracked, today, expected) in cases {
        assert_eq!(
            informed(RULE, deadline, sent, tracked, today),
            expected,
            "{sent:?} {tracked} {today}"
        );
    }
    assert_eq!(
        Informed::NotYet { days_left: 2 }.label_nb(),
        "Ikke informert – 2 virkedager igjen"
    );
    assert_eq!(
        Informed::NotYet { days_left: -3 }.label_nb(),
        "Ikke informert – 3 virkedager over fristen"
    );
    assert_eq!(
        Informed::Sent {
            on: day11,
            in_time: false
        }
        .label_nb(),
        "Informert 17.11.2026 (etter fristen)"
    );
}

#[test]
fn appointment_rules() {
    let decided = iso("2026-11-24");
    let near = Some(iso("2027-02-01"));
    let far = Some(iso("2027-06-01"));
    let ok = |a, f| check_appointment(a, decided, f).is_ok();
    let at = |d: &str, t: Option<&str>| {
        Appointment::Day(
            iso(d),
            t.map(|t| NaiveTime::parse_from_str(t, "%H:%M").unwrap()),
        )
    };
    assert!(ok(at("2027-01-12", Some("09:00")), near));
    assert!(ok(at("2027-01-12", None), near));
    assert!(ok(Appointment::SeparateNotice, near));
    // A week alone only with the frist more than 4 months away.
    assert!(!ok(
        Appointment::Week {
            year: 2027,
            week: 3
        },
        near
    ));
    assert!(ok(
        Appointment::Week {
            year: 2027,
            week: 20
        },
        far
    ));
    // Exactly 4 months is not more than 4 months.
    assert!(!ok(
        Appointment::Week {
            year: 2027,
            week: 10
        },
        Some(iso("2027-03-24"))
    ));
    assert!(ok(
        Appointment::Week {
            year: 2027,
            week: 10
        },
        Some(iso("2027-03-25"))
    ));
    // Not after the frist, not before the decision, a real week.
    assert!(!ok(at("2027-02-02", None), near));
    assert!(!ok(
        Appointment::Week {
            year: 2027,
            week: 23
        },
        far
    ));
    assert!(!ok(at("2026-11-23", None), near));
    assert!(!ok(
        Appointment::Week {
            year: 2027,
            week: 53
        },
        far
    ));
    assert_eq!(
        at("2027-01-12", Some("09:00")).letter_text(),
        "Du har time tirsdag 12.01.2027 kl. 09:00."
    );
}

#[test]
fn what_a_letter_misses() {
    let complete = LetterFacts {
        has_patient_address: true,
        has_referrer_address: true,
        has_referrer_name: true,
        care_kind: Some(CareKind::Utredning),
        frist: Some(iso("2027-02-01")),
        reason: "Ikke forventet nytte".into(),
        unit: "Nevrologisk avdeling".into(),
        has_clinic_address: true,
        has_signer: true,
        breach_reason: "Ingen ledig lege før fristen".into(),
    };
    for kind in LetterKind::ALL {
        for to in Recipient::ALL {
            assert!(missing(kind, to, &complete).is_empty(), "{kind:?} {to:?}");
        }
    }
    let bare = LetterFacts::default();
    assert_eq!(
        missing(LetterKind::Rett, Recipient::Patient, &bare),
        [
            Missing::PatientAddress,
            Missing::CareKind,
            Missing::Frist,
            Missing::ClinicAddress,
            Missing::Signer
        ]
    );
    assert_eq!(
        missing(
            LetterKind::Avslag,
            Recipient::Referrer,
            &LetterFacts {
                has_referrer_name: true,
                ..bare.clone()
            }
        ),
        [
            Missing::ReferrerAddress,
            Missing::Reason,
            Missing::ClinicAddress,
            Missing::Signer
        ]
    );
    assert_eq!(
        missing(
            LetterKind::Videresendt,
            Recipient::Patient,
            &LetterFacts {
                has_patient_address: true,
                has_clinic_address: true,
                has_signer: true,
                ..bare.clone()
            }
        ),
        [Missing::Unit]
    );
    let summary = missing_summary(&[
        vec![Missing::PatientAddress],
        vec![Missing::PatientAddress, Missing::Reason],
        vec![Missing::PatientAddress],
    ]);
    assert_eq!(
        summary,
        [
            "3 brev mangler pasientens adresse",
            "1 brev mangler begrunnelse"
        ]
    );
    assert_eq!(
        LetterKind::for_outcome("feilsendt"),
        Some(LetterKind::Videresendt)
    );
    assert_eq!(LetterKind::for_outcome("sekundaer"), None);
    // A fristbrudd needs its reason; the Helfo sheet needs no postal address.
    assert_eq!(
        missing(
            LetterKind::Fristbrudd,
            Recipient::Helfo,
            &LetterFacts {
                frist: Some(iso("2027-02-01")),
                has_clinic_address: true,
                has_signer: true,
                ..bare.clone()
            }
        ),
        [Missing::BreachReason]
    );
}
