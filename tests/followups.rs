//! Follow-ups in the store: the kartlegging round trip back to a meeting, the monofaglig →
//! tverrfaglig upgrade kept as history, the start of care, the fristbrudd list and its CSV,
//! and the fornyet vurdering check.

use inntak::calendar::WorkingDayRule;
use inntak::domain::decision::{BreachStatus, Clinician, Outcome, TeamMode, Track};
use inntak::domain::referral::iso;
use inntak::domain::renewal::Renewal;
use inntak::domain::{ReferralDraft, ReferralId, ReferralStatus, ReferrerKind};
use inntak::followup;
use inntak::queue::QueueModel;
use inntak::store::decisions;
use inntak::store::followups::{self, CareStart};
use inntak::store::referrals::{self, Change};
use inntak::store::{Store, audit};

mod common;

fn change_on(day: &str) -> Change<'static> {
    common::change_on("leder", day)
}

fn change() -> Change<'static> {
    change_on("2026-11-24")
}

fn add(store: &mut Store, patient: &str, received: &str, fnr: &str, group: &str) -> ReferralId {
    let draft = ReferralDraft {
        patient: patient.into(),
        national_id: fnr.into(),
        referrer_kind: ReferrerKind::Fastlege,
        diagnosis_group: group.into(),
        ..ReferralDraft::new(iso(received))
    };
    common::register(store, draft, "2026-11-24")
}

fn decide(store: &mut Store, id: ReferralId, outcome: &Outcome, on: &str) {
    common::decide(store, id, outcome, on);
}

fn rett(frist: &str, track: Track) -> Outcome {
    Outcome::Rett {
        start_of_care_deadline: Some(iso(frist)),
        track: Some(track),
        priority_note: String::new(),
    }
}

/// A track change outside any meeting (Oppfølging) on `on`.
fn track_change(
    store: &mut Store,
    id: ReferralId,
    on: &str,
    to: Track,
    note: &str,
) -> Result<(), inntak::store::StoreError> {
    store.write(|tx| followups::change_track(tx, id, None, iso(on), to, note, change()))
}

fn status(store: &Store, id: ReferralId) -> ReferralStatus {
    referrals::get(store.conn(), id).unwrap().status
}

#[test]
fn kartlegging_reports_back_and_a_later_meeting_chooses_the_track() {
    let mut store = Store::open_in_memory().unwrap();
    let id = add(&mut store, "Kari Nordmann", "2026-11-10", "", "Rygg");
    decide(
        &mut store,
        id,
        &rett("2027-02-02", Track::Kartlegging(Clinician::Psykolog)),
        "2026-11-17",
    );
    assert_eq!(status(&store, id), ReferralStatus::Kartlegging);

    // No track choice before the clinician has reported back.
    let early = track_change(
        &mut store,
        id,
        "2026-11-24",
        Track::Monofaglig(Clinician::Lege),
        "",
    );
    assert!(
        early
            .unwrap_err()
            .to_string()
            .contains("ikke meldt tilbake")
    );
    // A report in the future is refused and changes nothing.
    let future = store
        .write(|tx| followups::report_mapping(tx, id, iso("2026-11-30"), "For tidlig", change()));
    assert!(future.unwrap_err().to_string().contains("fram i tid"));
    assert_eq!(status(&store, id), ReferralStatus::Kartlegging);

    store
        .write(|tx| {
            followups::report_mapping(
                tx,
                id,
                iso("2026-11-23"),
                "Sammensatt bilde; anbefaler team",
                change(),
            )
        })
        .unwrap();
    assert_eq!(status(&store, id), ReferralStatus::TilNyVurdering);
    let report = followups::mapping_report(store.conn(), id)
        .unwrap()
        .unwrap();
    assert_eq!(report.summary, "Sammensatt bilde; anbefaler team");

    // Back in the queue as an agenda candidate, never must-decide (its rights are decided).
    let queue = QueueModel::build(
        referrals::all(store.conn()).unwrap(),
        WorkingDayRule::default(),
        iso("2026-11-24"),
    );
    let candidates = inntak::planning::candidates(&queue);
    assert_eq!(candidates.len(), 1);
    assert!(candidates[0].after_mapping);

    // Kartlegging → kartlegging is not a choice.
    let wrong = track_change(
        &mut store,
        id,
        "2026-11-26",
        Track::Kartlegging(Clinician::Lege),
        "",
    );
    assert!(wrong.is_err());
    track_change(
        &mut store,
        id,
        "2026-11-26",
        Track::Tverrfaglig(TeamMode::Sekvensiell),
        "Etter kartlegging",
    )
    .unwrap();
    assert_eq!(status(&store, id), ReferralStatus::Rett);
    assert_eq!(
        followups::current_track(store.conn(), id).unwrap(),
        Some(Track::Tverrfaglig(TeamMode::Sekvensiell))
    );
    let actions: Vec<String> = audit::for_entity(store.conn(), audit::Entity::Referral, id.0)
        .unwrap()
        .into_iter()
        .map(|a| a.event.code().to_string())
        .collect();
    assert!(actions.ends_with(&[
        "decide".to_string(),
        "mapping_report".to_string(),
        "track_change".to_string()
    ]));
}

#[test]
fn monofaglig_is_upgraded_to_tverrfaglig_and_the_history_is_kept() {
    let mut store = Store::open_in_memory().unwrap();
    let id = add(&mut store, "Ola Nordmann", "2026-11-10", "", "Rygg");
    decide(
        &mut store,
        id,
        &rett("2027-02-02", Track::Monofaglig(Clinician::Fysioterapeut)),
        "2026-11-17",
    );
    track_change(
        &mut store,
        id,
        "2026-12-03",
        Track::Tverrfaglig(TeamMode::Samlet),
        "Mer sammensatt enn antatt",
    )
    .unwrap();
    let history = followups::track_history(store.conn(), id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].from, Track::Monofaglig(Clinician::Fysioterapeut));
    assert_eq!(history[0].to, Track::Tverrfaglig(TeamMode::Samlet));
    // The rights decision itself is untouched.
    let d = decisions::current(store.conn(), id).unwrap().unwrap();
    assert_eq!(
        d.outcome.track(),
        Some(Track::Monofaglig(Clinician::Fysioterapeut))
    );
    // Already tverrfaglig: no further upgrade.
    let again = track_change(
        &mut store,
        id,
        "2026-12-08",
        Track::Tverrfaglig(TeamMode::Sekvensiell),
        "",
    );
    assert!(
        again
            .unwrap_err()
            .to_string()
            .contains("allerede tverrfaglig")
    );
}

#[test]
fn the_fristbrudd_list_follows_the_start_of_care() {
    let mut store = Store::open_in_memory().unwrap();
    let today = "2027-01-20";
    // Frist passed without a start: fristbrudd.
    let a = add(&mut store, "Anne Aas", "2026-10-01", "", "");
    decide(
        &mut store,
        a,
        &rett("2027-01-10", Track::Tverrfaglig(TeamMode::Samlet)),
        "2026-10-13",
    );
    // Frist in 10 days, nothing booked: forventet fristbrudd.
    let b = add(&mut store, "Berit Bø", "2026-11-02", "", "");
    decide(
        &mut store,
        b,
        &rett("2027-01-30", Track::Monofaglig(Clinician::Lege)),
        "2026-11-10",
    );
    // Frist in 10 days, booked before it: i rute.
    let c = add(&mut store, "Cecilie Dahl", "2026-11-03", "", "");
    decide(
        &mut store,
        c,
        &rett("2027-01-30", Track::Monofaglig(Clinician::Psykolog)),
        "2026-11-10",
    );
    store
        .write(|tx| {
            followups::set_care_start(
                tx,
                c,
                CareStart {
                    booked: Some(iso("2027-01-27")),
                    started: None,
                    ..Default::default()
                },
                change_on(today),
            )
        })
        .unwrap();
    // Started in time.
    let d = add(&mut store, "Dag Eide", "2026-10-05", "", "");
    decide(
        &mut store,
        d,
        &rett("2027-01-15", Track::Monofaglig(Clinician::Lege)),
        "2026-10-13",
    );
    store
        .write(|tx| {
            followups::set_care_start(
                tx,
                d,
                CareStart {
                    booked: Some(iso("2027-01-12")),
                    started: Some(iso("2027-01-12")),
                    ..Default::default()
                },
                change_on(today),
            )
        })
        .unwrap();
    // An avslag is not on the list at all.
    let e = add(&mut store, "Eva Fjeld", "2026-11-03", "", "");
    decide(
        &mut store,
        e,
        &Outcome::Avslag {
            reason: "Annet".into(),
            advice: "Råd".into(),
        },
        "2026-11-10",
    );

    // A start in the future is refused, and the stored dates stay as they were.
    let refused = store.write(|tx| {
        followups::set_care_start(
            tx,
            c,
            CareStart {
                booked: Some(iso("2027-01-27")),
                started: Some(iso("2027-01-27")),
                ..Default::default()
            },
            change_on(today),
        )
    });
    assert!(refused.unwrap_err().to_string().contains("fram i tid"));
    assert_eq!(
        followups::care_start(store.conn(), c).unwrap(),
        CareStart {
            booked: Some(iso("2027-01-27")),
            started: None,
            ..Default::default()
        }
    );
    // No start of care for an avslag.
    let avslag =
        store.write(|tx| followups::set_care_start(tx, e, CareStart::default(), change_on(today)));
    assert!(avslag.is_err());

    let lists = inntak::model::follow_ups(&store, iso(today)).unwrap();
    let got: Vec<(&str, BreachStatus, i64)> = lists
        .care
        .iter()
        .map(|r| (r.patient.as_str(), r.breach, r.days_left))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Anne Aas", BreachStatus::Breached, -10),
            ("Dag Eide", BreachStatus::Started, -5),
            ("Berit Bø", BreachStatus::Expected, 10),
            ("Cecilie Dahl", BreachStatus::OnTrack, 10),
        ]
    );
    let reportable = lists.reportable();
    let csv = followup::breach_csv(&reportable, iso(today)).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("henvisnings_id;pasient;fodselsnummer;mottatt"));
    assert!(lines[1].contains(";Anne Aas;"));
    assert!(lines[1].contains(";2027-01-10;tverrfaglig samlet;;;fristbrudd;-10;2027-01-20"));
    assert!(lines[2].contains(";Berit Bø;"));
    assert!(lines[2].contains(";forventet fristbrudd;10;"));
}

#[test]
fn a_third_referral_for_the_same_condition_warns_about_the_used_renewal() {
    let mut store = Store::open_in_memory().unwrap();
    let fnr = "13097248022";
    let first = add(&mut store, "Kari Nordmann", "2025-03-03", fnr, "Rygg/nakke");
    decide(
        &mut store,
        first,
        &Outcome::Avslag {
            reason: "Annet".into(),
            advice: "Råd".into(),
        },
        "2025-03-11",
    );
    let second = add(&mut store, "Kari Nordmann", "2026-01-05", fnr, "rygg/nakke");
    // Another condition and a forwarded referral do not count.
    let other = add(&mut store, "Kari Nordmann", "2026-02-02", fnr, "Hodepine");
    decide(
        &mut store,
        other,
        &rett("2026-04-27", Track::Monofaglig(Clinician::Lege)),
        "2026-02-10",
    );
    let queue = |store: &Store| {
        QueueModel::build(
            referrals::all(store.conn()).unwrap(),
            WorkingDayRule::default(),
            iso("2026-11-24"),
        )
    };
    assert_eq!(
        queue(&store).renewal(second),
        Some(Renewal::Renewed {
            earlier: iso("2025-03-03")
        })
    );
    decide(
        &mut store,
        second,
        &rett("2026-03-30", Track::Tverrfaglig(TeamMode::Samlet)),
        "2026-01-13",
    );
    // A new referral for the same condition, before it is saved (the registration form).
    let q = queue(&store);
    let check = q.renewal_for(Some(fnr), "Rygg/nakke", iso("2026-11-20"), None);
    assert_eq!(
        check,
        Some(Renewal::AlreadyRenewed {
            earlier: vec![iso("2025-03-03"), iso("2026-01-05")]
        })
    );
    assert!(check.unwrap().is_warning());
    // A different patient: nothing.
    assert_eq!(
        q.renewal_for(Some("15021951940"), "Rygg/nakke", iso("2026-11-20"), None),
        None
    );
}

#[test]
fn a_track_choice_is_corrected_at_the_same_meeting_and_locked_when_it_closes() {
    use inntak::store::meetings;
    let mut store = Store::open_in_memory().unwrap();
    let id = add(&mut store, "Kari Nordmann", "2026-11-10", "", "Rygg");
    decide(
        &mut store,
        id,
        &rett("2027-02-02", Track::Kartlegging(Clinician::Lege)),
        "2026-11-17",
    );
    store
        .write(|tx| followups::report_mapping(tx, id, iso("2026-11-23"), "", change()))
        .unwrap();
    let meeting = store
        .write(|tx| {
            meetings::add_extra(
                tx,
                iso("2026-11-25"),
                chrono::NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
                change(),
            )
        })
        .unwrap();
    let choose = |store: &mut Store, track: Track| {
        store.write(|tx| {
            followups::change_track(
                tx,
                id,
                Some(meeting),
                iso("2026-11-25"),
                track,
                "",
                change(),
            )
        })
    };
    choose(&mut store, Track::Tverrfaglig(TeamMode::Samlet)).unwrap();
    // Corrected at the same meeting: checked against kartlegging again, both rows kept.
    choose(&mut store, Track::Monofaglig(Clinician::Psykolog)).unwrap();
    assert_eq!(
        followups::current_track(store.conn(), id).unwrap(),
        Some(Track::Monofaglig(Clinician::Psykolog))
    );
    let history = followups::track_history(store.conn(), id).unwrap();
    assert_eq!(history.len(), 2);
    assert!(
        history
            .iter()
            .all(|t| t.from == Track::Kartlegging(Clinician::Lege))
    );
    assert_eq!(
        followups::changed_at_meeting(store.conn(), meeting).unwrap(),
        vec![(id, Track::Monofaglig(Clinician::Psykolog))]
    );
    assert_eq!(status(&store, id), ReferralStatus::Rett);
    // Once the meeting is closed the choice is locked.
    store
        .write(|tx| meetings::close(tx, meeting, change()))
        .unwrap();
    let locked = choose(&mut store, Track::Tverrfaglig(TeamMode::Sekvensiell));
    assert!(locked.unwrap_err().to_string().contains("avsluttet"));
}
