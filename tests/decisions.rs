//! Decisions in the store: one transaction with the audit row and the referral's status,
//! corrections that keep history, locked once the meeting is closed, deadline overruns flagged.

use inntak::calendar::WorkingDayRule;
use inntak::domain::decision::{Clinician, Outcome, Source, TeamMode, Track};
use inntak::domain::referral::iso;
use inntak::domain::{ReferralDraft, ReferralId, ReferralStatus, ReferrerKind};
use inntak::store::decisions::{self, DecisionExtras, NewDecision};
use inntak::store::referrals::{self, Change};
use inntak::store::{Store, StoreError, audit};

mod common;

fn change() -> Change<'static> {
    Change {
        actor: "leder",
        at: iso("2026-11-24").and_hms_opt(9, 0, 0).unwrap(),
    }
}

fn store_with_referral(received: &str, kind: ReferrerKind) -> (Store, ReferralId) {
    let mut store = Store::open_in_memory().unwrap();
    let draft = ReferralDraft {
        patient: "Kari Nordmann".into(),
        referrer_kind: kind,
        specialty: "ortopedi".into(),
        ..ReferralDraft::new(iso(received))
    };
    let id = common::register(&mut store, draft, "2026-11-24");
    (store, id)
}

fn rett() -> Outcome {
    Outcome::Rett {
        start_of_care_deadline: Some(iso("2027-02-02")),
        track: Some(Track::Tverrfaglig(TeamMode::Samlet)),
        priority_note: "Prioriteres".into(),
    }
}

fn decide(
    store: &mut Store,
    id: ReferralId,
    outcome: &Outcome,
    on: &str,
) -> Result<decisions::DecisionId, StoreError> {
    let extras = DecisionExtras {
        sources: vec![Source::Kjernejournal],
        note: "Drøftet".into(),
        ..Default::default()
    };
    let new = NewDecision {
        referral: id,
        meeting: None,
        decided_on: iso(on),
        outcome,
        extras: &extras,
    };
    store.write(|tx| decisions::record(tx, &new, WorkingDayRule::default(), change()))
}

fn audit_actions(store: &Store, id: ReferralId) -> Vec<String> {
    audit::for_entity(store.conn(), audit::Entity::Referral, id.0)
        .unwrap()
        .into_iter()
        .map(|a| a.event.code().to_string())
        .collect()
}

#[test]
fn a_decision_sets_status_and_is_audited() {
    let (mut store, id) = store_with_referral("2026-11-10", ReferrerKind::Fastlege);
    decide(&mut store, id, &rett(), "2026-11-24").unwrap();
    let r = referrals::get(store.conn(), id).unwrap();
    assert_eq!(
        (r.status, r.decided_on),
        (ReferralStatus::Rett, Some(iso("2026-11-24")))
    );
    let d = decisions::current(store.conn(), id).unwrap().unwrap();
    assert_eq!(d.outcome, rett());
    assert_eq!(d.extras.sources, [Source::Kjernejournal]);
    assert!(!d.after_deadline, "24.11 is the deadline day");
    assert_eq!(d.decided_by, "leder");
    assert_eq!(audit_actions(&store, id), ["create", "decide"]);
}

#[test]
fn an_invalid_decision_writes_nothing() {
    let (mut store, id) = store_with_referral("2026-11-10", ReferrerKind::Fastlege);
    let no_advice = Outcome::Avslag {
        reason: "Kan ivaretas i primærhelsetjenesten".into(),
        advice: " ".into(),
    };
    let err = decide(&mut store, id, &no_advice, "2026-11-24").unwrap_err();
    assert!(err.to_string().contains("råd og veiledning"), "{err}");
    assert_eq!(
        referrals::get(store.conn(), id).unwrap().status,
        ReferralStatus::TilVurdering
    );
    assert!(decisions::history(store.conn(), id).unwrap().is_empty());
    assert_eq!(audit_actions(&store, id), ["create"]);
}

#[test]
fn the_decision_and_its_audit_row_commit_together_or_not_at_all() {
    let (mut store, id) = store_with_referral("2026-11-10", ReferrerKind::Fastlege);
    // Make the audit insert fail: the decision row and the status change must roll back too.
    store
        .conn()
        .execute_batch(
            "CREATE TEMP TRIGGER no_audit BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit down'); END;",
        )
        .unwrap();
    assert!(decide(&mut store, id, &rett(), "2026-11-24").is_err());
    assert!(decisions::history(store.conn(), id).unwrap().is_empty());
    let r = referrals::get(store.conn(), id).unwrap();
    assert_eq!(
        (r.status, r.decided_on),
        (ReferralStatus::TilVurdering, None)
    );
}

#[test]
fn a_correction_keeps_the_earlier_version() {
    let (mut store, id) = store_with_referral("2026-11-10", ReferrerKind::Fastlege);
    let first = decide(&mut store, id, &rett(), "2026-11-24").unwrap();
    let avslag = Outcome::Avslag {
        reason: "Manglende forventet nytte".into(),
        advice: "Fysioterapi lokalt".into(),
    };
    let second = decide(&mut store, id, &avslag, "2026-11-24").unwrap();
    let history = decisions::history(store.conn(), id).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].superseded_by, Some(second));
    assert_eq!(history[1].id, second);
    assert_ne!(first, second);
    assert_eq!(
        decisions::current(store.conn(), id)
            .unwrap()
            .unwrap()
            .outcome,
        avslag
    );
    assert_eq!(
        referrals::get(store.conn(), id).unwrap().status,
        ReferralStatus::Avslag
    );
    assert_eq!(audit_actions(&store, id), ["create", "decide", "correct"]);
}

#[test]
fn decisions_of_a_closed_meeting_are_locked() {
    let (mut store, id) = store_with_referral("2026-11-10", ReferrerKind::Fastlege);
    let sql = "INSERT INTO meetings (id, date, time, status, created_at) \
               VALUES (1, '2026-11-24', '08:30', 'planlagt', 'x')";
    store.conn().execute(sql, []).unwrap();
    let meeting = Some(inntak::domain::meeting::MeetingId(1));
    let extras = DecisionExtras::default();
    store
        .write(|tx| {
            let outcome = rett();
            let new = NewDecision {
                referral: id,
                meeting,
                decided_on: iso("2026-11-24"),
                outcome: &outcome,
                extras: &extras,
            };
            decisions::record(tx, &new, WorkingDayRule::default(), change())
        })
        .unwrap();
    store
        .conn()
        .execute("UPDATE meetings SET status = 'avsluttet' WHERE id = 1", [])
        .unwrap();
    let err = decide(&mut store, id, &Outcome::Feilsendt, "2026-11-25").unwrap_err();
    assert!(err.to_string().contains("avsluttet møte"), "{err}");
    assert_eq!(decisions::history(store.conn(), id).unwrap().len(), 1);
}

#[test]
fn late_decisions_and_tracks() {
    // Received 03.11 → deadline 17.11; decided 24.11: after the deadline.
    let (mut store, id) = store_with_referral("2026-11-03", ReferrerKind::Sykehusavdeling);
    let kartlegging = Outcome::Rett {
        start_of_care_deadline: Some(iso("2027-01-26")),
        track: Some(Track::Kartlegging(Clinician::Psykolog)),
        priority_note: String::new(),
    };
    decide(&mut store, id, &kartlegging, "2026-11-24").unwrap();
    let d = decisions::current(store.conn(), id).unwrap().unwrap();
    assert!(d.after_deadline);
    assert_eq!(d.outcome, kartlegging);
    assert_eq!(
        referrals::get(store.conn(), id).unwrap().status,
        ReferralStatus::Kartlegging
    );
    // A withdrawn referral cannot be decided.
    let (mut store, id) = store_with_referral("2026-11-03", ReferrerKind::Fastlege);
    store
        .write(|tx| referrals::withdraw(tx, id, "Pasienten flyttet", change()))
        .unwrap();
    assert!(decide(&mut store, id, &rett(), "2026-11-24").is_err());
}
