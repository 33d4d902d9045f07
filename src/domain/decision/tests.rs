//! Tests of `decision`.

use super::*;
use crate::domain::referral::iso;

#[test]
fn an_imported_status_stands_for_the_outcome_the_meeting_would_have_recorded() {
    use ReferralStatus::*;
    let received = iso("2024-03-04");
    let decided = Some(iso("2024-03-15"));
    let today = iso("2026-11-22");
    let mono = Track::Monofaglig(Clinician::Lege);
    let kartl = Track::Kartlegging(Clinician::Psykolog);
    let with_track = |t| HistoricDecision {
        track: Some(t),
        ..HistoricDecision::default()
    };
    let none = HistoricDecision::default();
    // (status, secondary, history, expected outcome code and track)
    type Case = (
        ReferralStatus,
        bool,
        HistoricDecision,
        Option<(&'static str, Option<Track>)>,
    );
    let cases: [Case; 10] = [
        (Rett, false, with_track(mono), Some(("rett", Some(mono)))),
        (Rett, false, none.clone(), Some(("rett", None))),
        (
            Kartlegging,
            false,
            with_track(kartl),
            Some(("rett", Some(kartl))),
        ),
        (
            TilNyVurdering,
            true,
            with_track(kartl),
            Some(("sekundaer", Some(kartl))),
        ),
        (
            Sekundaer,
            true,
            with_track(mono),
            Some(("sekundaer", Some(mono))),
        ),
        (Avslag, false, none.clone(), Some(("avslag", None))),
        (
            Videresendt,
            false,
            none.clone(),
            Some(("videresendt", None)),
        ),
        (Feilsendt, true, none.clone(), Some(("feilsendt", None))),
        (TilVurdering, false, none.clone(), None),
        (Trukket, false, none.clone(), None),
    ];
    for (status, secondary, history, expected) in cases {
        let decided = if status.is_decided() { decided } else { None };
        let got = imported_outcome(status, decided, received, secondary, &history, today)
            .unwrap_or_else(|e| panic!("{status:?}: {e:?}"));
        assert_eq!(
            got.as_ref().map(|o| (o.code(), o.track())),
            expected,
            "{status:?} secondary {secondary}"
        );
    }
    // Refused: what contradicts the status, and the meeting's own rules.
    use crate::domain::Field;
    let refused: [(ReferralStatus, bool, HistoricDecision, Field); 6] = [
        (Avslag, false, with_track(mono), Field::Track),
        (Rett, true, none.clone(), Field::Status),
        (Sekundaer, false, none.clone(), Field::Status),
        (Kartlegging, false, with_track(mono), Field::Track),
        (
            Feilsendt,
            false,
            HistoricDecision {
                frist: Some(iso("2024-06-01")),
                ..HistoricDecision::default()
            },
            Field::Frist,
        ),
        (
            Rett,
            false,
            HistoricDecision {
                frist: Some(iso("2024-03-14")),
                ..HistoricDecision::default()
            },
            Field::Frist,
        ),
    ];
    for (status, secondary, history, field) in refused {
        let errors = imported_outcome(status, decided, received, secondary, &history, today)
            .expect_err(&format!("{status:?} {history:?}"));
        assert_eq!(errors[0].0, field, "{status:?}: {errors:?}");
    }
}

#[test]
fn tracks_as_a_user_writes_them() {
    for (text, track) in [
        ("monofaglig lege", Some(Track::Monofaglig(Clinician::Lege))),
        (
            "Tverrfaglig  Samlet",
            Some(Track::Tverrfaglig(TeamMode::Samlet)),
        ),
        (
            "kartlegging_psykolog",
            Some(Track::Kartlegging(Clinician::Psykolog)),
        ),
        (
            "kartleggingssamtale fysioterapeut",
            Some(Track::Kartlegging(Clinician::Fysioterapeut)),
        ),
        ("tverrfaglig", None),
        ("monofaglig sekvensiell", None),
        ("", None),
    ] {
        assert_eq!(Track::parse(text), track, "{text}");
    }
}

#[test]
fn who_may_be_decided() {
    use ReferralStatus::*;
    for (status, previous, ok) in [
        (TilVurdering, Previous::None, true),
        (TilNyVurdering, Previous::None, true),
        (Rett, Previous::None, false),
        (Trukket, Previous::None, false),
        (Kartlegging, Previous::None, false),
        // A correction: allowed while its meeting is open, whatever the status now.
        (Rett, Previous::Open, true),
        (Avslag, Previous::Open, true),
        (Rett, Previous::AtClosedMeeting, false),
        (TilNyVurdering, Previous::AtClosedMeeting, false),
    ] {
        assert_eq!(
            may_record(status, previous).is_ok(),
            ok,
            "{status:?} {previous:?}"
        );
    }
    assert_eq!(
        may_record(Trukket, Previous::None).unwrap_err(),
        "Henvisningen har status «Trukket» og kan ikke avgjøres"
    );
}

#[test]
fn late_decisions_and_broken_frister() {
    let rule = WorkingDayRule::default();
    // Received Monday 14.04.2025: the deadline is Friday 02.05.2025 (Easter, 1 May).
    for (decided, late) in [
        ("2025-05-02", false),
        ("2025-05-05", true),
        ("2025-04-15", false),
    ] {
        assert_eq!(
            is_late(iso("2025-04-14"), iso(decided), rule),
            late,
            "{decided}"
        );
    }
    let frist = iso("2026-03-01");
    for (started, today, broken) in [
        (Some("2026-03-01"), "2026-05-01", false),
        (Some("2026-03-02"), "2026-05-01", true),
        (None, "2026-03-01", false),
        (None, "2026-03-02", true),
    ] {
        assert_eq!(
            frist_broken(frist, started.map(iso), iso(today)),
            broken,
            "{started:?} {today}"
        );
    }
}

#[test]
fn the_track_change_state_machine() {
    use ReferralStatus::*;
    let kartl = Track::Kartlegging(Clinician::Fysioterapeut);
    let mono = Track::Monofaglig(Clinician::Lege);
    let tverr = Track::Tverrfaglig(TeamMode::Samlet);
    for (from, to, status, ok) in [
        (kartl, mono, TilNyVurdering, true),
        (kartl, tverr, TilNyVurdering, true),
        (kartl, mono, Kartlegging, false),
        (kartl, kartl, TilNyVurdering, false),
        (kartl, tverr, Rett, false),
        (mono, tverr, Rett, true),
        (mono, tverr, Sekundaer, true),
        (mono, tverr, Avslag, false),
        (mono, mono, Rett, false),
        (tverr, mono, Rett, false),
        (tverr, tverr, Rett, false),
    ] {
        assert_eq!(
            track_change_allowed(from, to, status).is_ok(),
            ok,
            "{from:?} → {to:?} at {status:?}"
        );
    }
    assert_eq!(
        track_change_allowed(kartl, mono, Kartlegging).unwrap_err(),
        "Kartleggingen er ikke meldt tilbake ennå; registrer tilbakemeldingen først"
    );
}

#[test]
fn start_of_care_deadline_proposal() {
    assert_eq!(
        propose_start_of_care_deadline(iso("2026-11-10"), iso("2026-11-24")),
        iso("2027-02-02")
    );
    // Never before the decision date (a very late decision on an old referral).
    assert_eq!(
        propose_start_of_care_deadline(iso("2026-01-05"), iso("2026-05-01")),
        iso("2026-05-01")
    );
}

#[test]
fn mandatory_fields_per_outcome() {
    let d = iso("2026-11-24");
    let rett = |frist: &str| Outcome::Rett {
        start_of_care_deadline: Some(iso(frist)),
        track: Some(Track::Tverrfaglig(TeamMode::Samlet)),
        priority_note: String::new(),
    };
    let avslag = |reason: &str, advice: &str| Outcome::Avslag {
        reason: reason.into(),
        advice: advice.into(),
    };
    let gp = ReferrerKind::Fastlege;
    type Case = (
        &'static str,
        Outcome,
        bool,
        ReferrerKind,
        Result<(), DecisionError>,
    );
    let cases: Vec<Case> = vec![
        ("rett ok", rett("2027-02-02"), false, gp, Ok(())),
        (
            "frist before decision",
            rett("2026-11-23"),
            false,
            gp,
            Err(DecisionError::StartBeforeDecision("24.11.2026".into())),
        ),
        (
            "avslag without reason",
            avslag(" ", "råd"),
            false,
            gp,
            Err(DecisionError::MissingReason),
        ),
        (
            "avslag to GP without advice",
            avslag("kan ivaretas i primærhelsetjenesten", ""),
            false,
            gp,
            Err(DecisionError::MissingAdvice),
        ),
        (
            "avslag to hospital without advice",
            avslag("annet", ""),
            false,
            ReferrerKind::Sykehusavdeling,
            Ok(()),
        ),
        (
            "videresendt without unit",
            Outcome::Videresendt { unit: "".into() },
            false,
            gp,
            Err(DecisionError::MissingUnit),
        ),
        ("feilsendt", Outcome::Feilsendt, false, gp, Ok(())),
        (
            "secondary gets a track",
            Outcome::Sekundaer {
                track: Some(Track::Monofaglig(Clinician::Lege)),
            },
            true,
            gp,
            Ok(()),
        ),
        (
            "secondary is not assessed",
            rett("2027-02-02"),
            true,
            gp,
            Err(DecisionError::SecondaryNeedsTrackOnly),
        ),
        (
            "primary must be assessed",
            Outcome::Sekundaer {
                track: Some(Track::Kartlegging(Clinician::Psykolog)),
            },
            false,
            gp,
            Err(DecisionError::PrimaryNeedsAssessment),
        ),
    ];
    for (name, outcome, secondary, referrer, expected) in cases {
        assert_eq!(
            validate(&outcome, d, secondary, referrer),
            expected,
            "{name}"
        );
    }
}

#[test]
fn codes_round_trip() {
    let tracks = [
        Track::Monofaglig(Clinician::Lege),
        Track::Monofaglig(Clinician::Fysioterapeut),
        Track::Tverrfaglig(TeamMode::Sekvensiell),
        Track::Tverrfaglig(TeamMode::Samlet),
        Track::Kartlegging(Clinician::Psykolog),
    ];
    for t in tracks {
        let (a, b) = t.codes();
        assert_eq!(Track::from_codes(a, b), Some(t));
    }
    assert_eq!(Track::from_codes("tverrfaglig", "lege"), None);
    let sources = [Source::Kjernejournal, Source::HenvisendeLege];
    assert_eq!(Source::parse_list(&Source::format_list(&sources)), sources);
    let kartl = Outcome::Sekundaer {
        track: Some(Track::Kartlegging(Clinician::Lege)),
    };
    assert_eq!(
        kartl.referral_status(),
        crate::domain::ReferralStatus::Kartlegging
    );
}

#[test]
fn postpone_only_within_the_deadline() {
    let deadline = iso("2026-11-26");
    assert_eq!(
        postpone_to(Some(iso("2026-11-26")), deadline),
        Ok(iso("2026-11-26"))
    );
    let refused = postpone_to(Some(iso("2026-12-01")), deadline).unwrap_err();
    assert!(
        refused.contains("tir. 01.12.2026") && refused.contains("tor. 26.11.2026"),
        "{refused}"
    );
    assert!(postpone_to(None, deadline).is_err());
}

#[test]
fn breach_classification() {
    let frist = iso("2027-02-02");
    let cases = [
        (
            Some("2027-01-20"),
            None,
            "2027-03-01",
            BreachStatus::Started,
        ),
        (
            Some("2027-02-03"),
            None,
            "2027-03-01",
            BreachStatus::StartedLate,
        ),
        (None, None, "2027-02-03", BreachStatus::Breached),
        (None, None, "2027-01-19", BreachStatus::Expected),
        (
            None,
            Some("2027-01-25"),
            "2027-01-19",
            BreachStatus::OnTrack,
        ),
        (
            None,
            Some("2027-02-10"),
            "2027-01-19",
            BreachStatus::Expected,
        ),
        (None, None, "2027-01-18", BreachStatus::OnTrack),
    ];
    for (started, booked, today, expected) in cases {
        assert_eq!(
            breach_status(frist, started.map(iso), booked.map(iso), iso(today)),
            expected,
            "{started:?} {booked:?} {today}"
        );
    }
}
