//! Tests of `referral`.

use super::*;

fn today() -> NaiveDate {
    iso("2026-11-22")
}

fn draft() -> ReferralDraft {
    ReferralDraft {
        patient: "Kari Nordmann".into(),
        referrer_name: "Dr. Hansen".into(),
        ..ReferralDraft::new(today())
    }
}

fn fields_in_error(d: &ReferralDraft) -> Vec<Field> {
    d.validate(today())
        .err()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e.field)
        .collect()
}

#[test]
fn validation_table() {
    let cases: Vec<(&str, ReferralDraft, Vec<Field>)> = vec![
        ("minimal valid", draft(), vec![]),
        (
            "no patient",
            ReferralDraft {
                patient: "  ".into(),
                ..draft()
            },
            vec![Field::Patient],
        ),
        (
            "no date",
            ReferralDraft {
                received_on: None,
                ..draft()
            },
            vec![Field::Received],
        ),
        (
            "future date",
            ReferralDraft {
                received_on: Some(iso("2026-11-23")),
                ..draft()
            },
            vec![Field::Received],
        ),
        (
            "bad fnr",
            ReferralDraft {
                national_id: "13097248032".into(),
                ..draft()
            },
            vec![Field::NationalId],
        ),
        (
            "fnr and wrong birth year",
            ReferralDraft {
                national_id: "13097248022".into(),
                birth_year: "1973".into(),
                ..draft()
            },
            vec![Field::BirthYear],
        ),
        (
            "bad year",
            ReferralDraft {
                birth_year: "72".into(),
                ..draft()
            },
            vec![Field::BirthYear],
        ),
        (
            "hospital without specialty",
            ReferralDraft {
                referrer_kind: ReferrerKind::Sykehusavdeling,
                ..draft()
            },
            vec![Field::Specialty],
        ),
    ];
    for (name, d, expected) in cases {
        assert_eq!(fields_in_error(&d), expected, "{name}");
    }
}

#[test]
fn birth_year_is_derived_from_the_id() {
    let d = ReferralDraft {
        national_id: "130972 48022".into(),
        ..draft()
    };
    let f = d.validate(today()).unwrap();
    assert_eq!(f.birth_year, Some(1972));
    assert_eq!(f.national_id.as_deref(), Some("13097248022"));
}

#[test]
fn status_and_kind_codes_round_trip() {
    for s in ReferralStatus::ALL {
        assert_eq!(ReferralStatus::parse(s.code()), Some(s));
        assert_eq!(ReferralStatus::parse(s.label_nb()), Some(s));
    }
    for k in ReferrerKind::ALL {
        assert_eq!(ReferrerKind::parse(&k.label_nb().to_uppercase()), Some(k));
    }
    assert_eq!(parse_secondary("Ja"), Some(true));
    assert_eq!(parse_secondary("kanskje"), None);
}
