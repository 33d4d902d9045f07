//! Meetings and the printed agenda: schedule generation in the store, the plan, and the PDF
//! read back as text in agenda order.

use inntak::agenda::pdf;
use inntak::domain::meeting::Profession;
use inntak::domain::referral::iso;
use inntak::domain::{ReferralDraft, ReferralStatus};
use inntak::planning::{self, PrintOptions};
use inntak::queue::QueueModel;
use inntak::store::referrals::{self, Change};
use inntak::store::{Store, meetings, settings};

fn change() -> Change<'static> {
    Change {
        actor: "test",
        at: iso("2026-11-23").and_hms_opt(7, 45, 0).unwrap(),
    }
}

/// Mon 23 Nov 2026, Tue/Thu meetings. A is overdue at Tuesday's meeting, B is due on it,
/// C has Thursday's meeting before its deadline.
fn store() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let today = iso("2026-11-23");
    store
        .write(|tx| {
            for (patient, received, problem) in [
                ("Cecilie Carlsen", "2026-11-16", "Nakkesmerter"),
                ("Bjørn Berg", "2026-11-10", "Kroniske bekkensmerter"),
                (
                    "Åse Aasen",
                    "2026-11-09",
                    "Langvarige ryggsmerter etter fall på isen",
                ),
            ] {
                let draft = ReferralDraft {
                    patient: patient.into(),
                    referrer_name: "Dr. Lie, Fjordlegene".into(),
                    birth_year: "1970".into(),
                    problem: problem.into(),
                    ..ReferralDraft::new(iso(received))
                };
                let f = draft.validate(today).unwrap();
                referrals::insert(
                    tx,
                    &f,
                    ReferralStatus::TilVurdering,
                    None,
                    change(),
                    inntak::store::audit::ReferralAction::Create,
                )?;
            }
            let lege = meetings::add_member(tx, "Lise Lege", Profession::Lege, change())?;
            meetings::add_member(tx, "Per Psykolog", Profession::Psykolog, change())?;
            let s = settings::load(tx)?;
            meetings::ensure_schedule(tx, &s, today, change())?;
            let first = meetings::from_date(tx, today)?[0].id;
            meetings::set_leader(tx, first, Some(lege), change())?;
            meetings::set_attendance(tx, first, lege, true, change())?;
            Ok(())
        })
        .unwrap();
    store
}

fn planning_of(store: &Store) -> (inntak::domain::settings::ClinicSettings, planning::Planning) {
    let today = iso("2026-11-23");
    let s = settings::load(store.conn()).unwrap();
    let queue = QueueModel::build(
        referrals::all(store.conn()).unwrap(),
        s.working_day_rule(),
        today,
    );
    let p = inntak::model::planning::load(store, &s, &queue, today).unwrap();
    (s, p)
}

/// The next meeting's printed agenda (full names, or initials only), printed Monday 23.11
/// at 07:50.
fn next_agenda_pdf(store: &Store, initials_only: bool) -> Vec<u8> {
    let (s, planning) = planning_of(store);
    let id = planning::find_meeting(&planning, None).unwrap();
    let options = PrintOptions {
        initials_only,
        printed_at: iso("2026-11-23").and_hms_opt(7, 50, 0).unwrap(),
    };
    let printed =
        inntak::model::planning::printed_agenda(store, &s, &planning, id, options).unwrap();
    pdf::render(&printed).unwrap()
}

#[test]
fn the_schedule_is_generated_once_and_skips_holidays() {
    let mut store = store();
    let dates = planning_of(&store).1.upcoming_dates();
    assert_eq!(
        &dates[..3],
        &[iso("2026-11-24"), iso("2026-11-26"), iso("2026-12-01")]
    );
    // 24 Dec 2026 (Thursday) is an ordinary day in law, so it has a meeting unless the clinic
    // closes it; 25 Dec is a Friday.
    assert!(dates.contains(&iso("2026-12-24")));
    assert!(dates.contains(&iso("2026-12-29")));
    let again = store
        .write(|tx| {
            let s = settings::load(tx)?;
            meetings::ensure_schedule(tx, &s, iso("2026-11-23"), change())
        })
        .unwrap();
    assert_eq!(again, 0, "idempotent");
}

#[test]
fn the_next_meeting_proposes_must_decide_first() {
    let store = store();
    let (_, planning) = planning_of(&store);
    let next = &planning.upcoming[0];
    let names: Vec<String> = next
        .plan
        .items
        .iter()
        .map(|(id, _)| referrals::get(store.conn(), *id).unwrap().fields.patient)
        .collect();
    assert_eq!(names, ["Åse Aasen", "Bjørn Berg", "Cecilie Carlsen"]);
    assert_eq!(next.plan.must, 2);
    assert_eq!(
        planning.missing_professions(next),
        ["psykolog/psykologspesialist", "fysioterapeut"]
    );
}

#[test]
fn the_printed_agenda_reads_back_in_order() {
    let store = store();
    let bytes = next_agenda_pdf(&store, false);
    assert!(bytes.starts_with(b"%PDF-"));
    // Issue 23, item 13: tagged, without the entry poppler 22 calls a syntax error.
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"/MarkInfo") && has(b"/StructTreeRoot"));
    assert!(!has(b"/Suspects"));
    let text = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    let position = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("«{needle}» not in:\n{text}"))
    };
    for needle in [
        "Inntaksmøte",
        "tirsdag 24.11.2026",
        "uke 48",
        "Lise Lege",
        "Side 1 av 1",
        "MÅ BEHANDLES",
    ] {
        position(needle);
    }
    assert!(position("Åse Aasen") < position("Bjørn Berg"));
    assert!(position("Bjørn Berg") < position("Cecilie Carlsen"));
    assert!(text.contains("Ikke tverrfaglig"), "{text}");

    let text = pdf_extract::extract_text_from_mem(&next_agenda_pdf(&store, true)).unwrap();
    assert!(!text.contains("Aasen") && text.contains("Å.A."), "{text}");
}

/// Issue 23, item 8: the paper the team holds shows the preparation meeting mode shows (the
/// note, the presenter, the provisional views). Seen failing before the fix.
#[test]
fn the_printed_agenda_shows_the_preparation() {
    use inntak::domain::preparation::{Assessment, TrackKind};
    use inntak::store::preparations;
    let mut store = store();
    let aase = referrals::all(store.conn())
        .unwrap()
        .into_iter()
        .find(|r| r.fields.patient == "Åse Aasen")
        .unwrap()
        .id;
    let lise = meetings::members(store.conn()).unwrap()[0].id;
    store
        .write(|tx| {
            preparations::save(tx, aase, "Les MR-svar fra okt.", Some(lise), change())?;
            preparations::set_view(
                tx,
                aase,
                Profession::Lege,
                Some(Assessment::Rett(Some(TrackKind::Tverrfaglig))),
                change(),
            )?;
            preparations::set_view(
                tx,
                aase,
                Profession::Psykolog,
                Some(Assessment::Avslag),
                change(),
            )
        })
        .unwrap();
    let text = pdf_extract::extract_text_from_mem(&next_agenda_pdf(&store, false)).unwrap();
    let squashed: String = text.split_whitespace().collect();
    for expected in [
        "Forberedt: Notat: Les MR-svar fra okt.",
        "presenteres av Lise Lege",
        "Lege: Rett – tverrfaglig, Psykolog: Avslag",
    ] {
        let e: String = expected.split_whitespace().collect();
        assert!(squashed.contains(&e), "«{expected}» not in:\n{text}");
    }
}

#[test]
fn a_long_agenda_runs_over_pages_with_page_numbers() {
    let mut store = store();
    let today = iso("2026-11-23");
    store
        .write(|tx| {
            for i in 0..30 {
                let draft = ReferralDraft {
                    patient: format!("Pasient Nummer{i:02}"),
                    problem: concat!(
                        "Langvarige og sammensatte smerter i rygg, nakke og skuldre, ",
                        "med søvnvansker og nedsatt funksjon i arbeid og hverdag gjennom flere år"
                    )
                    .into(),
                    ..ReferralDraft::new(iso("2026-11-11"))
                };
                referrals::insert(
                    tx,
                    &draft.validate(today).unwrap(),
                    ReferralStatus::TilVurdering,
                    None,
                    change(),
                    inntak::store::audit::ReferralAction::Create,
                )?;
            }
            Ok(())
        })
        .unwrap();
    let (s, planning) = planning_of(&store);
    let id = planning::find_meeting(&planning, Some(iso("2026-11-24"))).unwrap();
    let options = PrintOptions {
        initials_only: false,
        printed_at: today.and_hms_opt(8, 0, 0).unwrap(),
    };
    let printed =
        inntak::model::planning::printed_agenda(&store, &s, &planning, id, options).unwrap();
    assert_eq!(
        printed.items.len(),
        32,
        "all must-decide referrals, beyond the capacity of 20"
    );
    assert!(
        printed.notice.contains("32 må behandles, kapasitet 20"),
        "{}",
        printed.notice
    );
    let text = pdf_extract::extract_text_from_mem(&pdf::render(&printed).unwrap()).unwrap();
    assert!(
        text.contains("Side 1 av") && text.contains("Side 2 av"),
        "{text}"
    );
}

#[test]
fn changing_the_schedule_keeps_touched_meetings_and_regenerates_the_rest() {
    let mut store = store();
    let today = iso("2026-11-23");
    let mut s = settings::load(store.conn()).unwrap();
    s.meeting_weekdays = vec![chrono::Weekday::Mon, chrono::Weekday::Wed];
    store
        .write(|tx| meetings::save_settings_and_reschedule(tx, &s, today, change()))
        .unwrap();
    let dates = planning_of(&store).1.upcoming_dates();
    // Tuesday 24.11 has a leader and attendance: kept. Thursday 26.11 was untouched: gone.
    assert_eq!(
        &dates[..4],
        &[
            iso("2026-11-23"),
            iso("2026-11-24"),
            iso("2026-11-25"),
            iso("2026-11-30")
        ]
    );
    assert!(!dates.contains(&iso("2026-11-26")));
}

#[test]
fn postpone_guard_start_and_close_roll_forward() {
    use inntak::calendar::WorkingDayRule;
    use inntak::domain::decision::{Outcome, TeamMode, Track};
    use inntak::store::decisions::{self, DecisionExtras, NewDecision};

    let mut store = store();
    let (_, planning) = planning_of(&store);
    let tuesday = &planning.upcoming[0];
    let thursday = planning.upcoming[1].meeting.id;
    let proposal = tuesday.stored_items();
    let [aase, bjorn, cecilie] = [
        proposal[0].referral,
        proposal[1].referral,
        proposal[2].referral,
    ];
    let t = tuesday.meeting.id;
    store
        .write(|tx| meetings::start(tx, t, &proposal, change()))
        .unwrap();

    // Bjørn's deadline is Tuesday itself: Thursday is too late, so postponing is refused.
    let refused = store.write(|tx| meetings::postpone(tx, t, bjorn, iso("2026-11-24"), change()));
    let message = refused.unwrap_err().to_string();
    assert!(
        message.starts_with("Kan ikke utsettes: neste møte (tor. 26.11.2026)"),
        "{message}"
    );
    // Cecilie's deadline is 30.11: she moves to Thursday.
    let moved_to = store
        .write(|tx| meetings::postpone(tx, t, cecilie, iso("2026-11-30"), change()))
        .unwrap();
    assert_eq!(moved_to, thursday);

    // Åse is decided; closing moves the undecided Bjørn to Thursday and locks Åse's decision.
    let rett = Outcome::Rett {
        start_of_care_deadline: Some(iso("2027-02-01")),
        track: Some(Track::Tverrfaglig(TeamMode::Sekvensiell)),
        priority_note: String::new(),
    };
    let extras = DecisionExtras::default();
    let new = NewDecision {
        referral: aase,
        meeting: Some(t),
        decided_on: iso("2026-11-24"),
        outcome: &rett,
        extras: &extras,
    };
    store
        .write(|tx| decisions::record(tx, &new, WorkingDayRule::default(), change()))
        .unwrap();
    assert!(
        decisions::current(store.conn(), aase)
            .unwrap()
            .unwrap()
            .after_deadline,
        "deadline was 23.11"
    );
    let moved = store.write(|tx| meetings::close(tx, t, change())).unwrap();
    assert_eq!(moved, 1);
    let thursday_agenda: Vec<_> = meetings::agenda(store.conn(), thursday)
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|i| i.referral)
        .collect();
    assert_eq!(thursday_agenda, [cecilie, bjorn]);
    let correction = NewDecision {
        outcome: &Outcome::Feilsendt,
        ..new
    };
    assert!(
        store
            .write(|tx| decisions::record(tx, &correction, WorkingDayRule::default(), change()))
            .is_err()
    );
    // Reopening is explicit and needs a reason.
    assert!(
        store
            .write(|tx| meetings::reopen(tx, t, " ", change()))
            .is_err()
    );
    store
        .write(|tx| meetings::reopen(tx, t, "Feil vedtak registrert", change()))
        .unwrap();
    store
        .write(|tx| decisions::record(tx, &correction, WorkingDayRule::default(), change()))
        .unwrap();
}

#[test]
fn minutes_list_every_item_with_its_outcome() {
    use inntak::calendar::WorkingDayRule;
    use inntak::domain::decision::{Outcome, TeamMode, Track};
    use inntak::store::decisions::{self, DecisionExtras, NewDecision};

    let mut store = store();
    let (s, planning) = planning_of(&store);
    let tuesday = &planning.upcoming[0];
    let t = tuesday.meeting.id;
    let proposal = tuesday.stored_items();
    store
        .write(|tx| meetings::start(tx, t, &proposal, change()))
        .unwrap();
    let rett = Outcome::Rett {
        start_of_care_deadline: Some(iso("2027-02-01")),
        track: Some(Track::Tverrfaglig(TeamMode::Samlet)),
        priority_note: String::new(),
    };
    let avslag = Outcome::Avslag {
        reason: "Kan ivaretas i primærhelsetjenesten".into(),
        advice: "Fysioterapi lokalt".into(),
    };
    let extras = DecisionExtras::default();
    for (item, outcome) in proposal.iter().zip([&rett, &avslag]) {
        let new = NewDecision {
            referral: item.referral,
            meeting: Some(t),
            decided_on: iso("2026-11-24"),
            outcome,
            extras: &extras,
        };
        store
            .write(|tx| decisions::record(tx, &new, WorkingDayRule::default(), change()))
            .unwrap();
    }
    store.write(|tx| meetings::close(tx, t, change())).unwrap();

    let options = PrintOptions {
        initials_only: false,
        printed_at: iso("2026-11-24").and_hms_opt(10, 0, 0).unwrap(),
    };
    let minutes = inntak::model::planning::printed_minutes(&store, &s, t, options).unwrap();
    assert_eq!(minutes.notice, "2 av 3 avgjort · møtet er avsluttet");
    let text = pdf_extract::extract_text_from_mem(&pdf::render(&minutes).unwrap()).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let at = |needle: &str| {
        flat.find(needle)
            .unwrap_or_else(|| panic!("«{needle}» not in:\n{flat}"))
    };
    assert!(at("Referat fra inntaksmøte") < at("Åse Aasen"));
    assert!(
        at("Rett – tverrfaglig samlet – juridisk frist 01.02.2027 (avgjort etter fristen)")
            < at("Bjørn Berg")
    );
    assert!(
        at("Avslag – Kan ivaretas i primærhelsetjenesten. Råd: Fysioterapi lokalt")
            < at("Cecilie Carlsen")
    );
    at("Ikke avgjort – flyttet til neste møte");
    // The change log's newest row, on paper (an anchor outside the file).
    let (newest, hash): (i64, String) = store
        .conn()
        .query_row(
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    at(&format!("Endringslogg: rad {newest}, {}", &hash[..12]));
}
