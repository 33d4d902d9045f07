//! Issue 14: the letters that close the legal loop. The command line prints a past meeting's
//! letters from the demo clinic, read back from the PDF; the patient counts as informed when
//! the patient letter is marked sent, against the vurderingsfrist (day 9, 10 and 11).

mod common;

use common::{change_on, inntak, p, register, text};
use inntak::calendar::{WorkingDayRule, format_date};
use inntak::domain::ReferralDraft;
use inntak::domain::decision::{Clinician, Outcome, Track};
use inntak::domain::letter::{CareKind, Informed, informed};
use inntak::domain::referral::iso;
use inntak::store::decisions::{self, DecisionExtras, NewDecision};
use inntak::store::{Store, letters, referrals, settings};

const TODAY: &str = "2026-11-20";

/// A demo clinic of `n` referrals as of TODAY in `dir`: its database file.
fn demo(dir: &tempfile::TempDir, n: usize) -> std::path::PathBuf {
    let db = dir.path().join("demo.sqlite3");
    common::demo_db(&db, n, TODAY, None);
    db
}

/// The text without any whitespace: pdf-extract joins lines broken with `\\` without a space
/// ("Liv LieBjørkeveien 56"), so text is compared squashed.
fn words(text: &str) -> String {
    text.split_whitespace().collect()
}

/// `inntak letters` on past meetings of the demo clinic: one patient letter per rett, avslag
/// and videresendt decision and one referrer copy each, and in each letter what the law and
/// the national templates require.
#[test]
fn a_past_meetings_letters_say_what_the_law_requires() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(&dir, 1500);

    let store = Store::open_existing(&db).unwrap();
    let conn = store.conn();
    // The held meetings, latest first, until every kind of letter has been seen.
    let mut stmt = conn
        .prepare("SELECT id, date FROM meetings WHERE status = 'avsluttet' ORDER BY date DESC")
        .unwrap();
    let meetings: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for (id, date) in meetings.iter().take(12) {
        let decided = decisions::at_meeting(conn, inntak::domain::meeting::MeetingId(*id)).unwrap();
        let with_letters: Vec<_> = decided
            .iter()
            .filter(|d| d.outcome.code() != "sekundaer")
            .collect();
        if with_letters.is_empty() {
            continue;
        }
        let pdf = dir.path().join(format!("brev-{date}.pdf"));
        let out = inntak(&[
            "letters",
            "--db",
            p(&db),
            "--meeting",
            date,
            "--out",
            p(&pdf),
            "--today",
            TODAY,
        ]);
        assert!(out.status.success(), "{date}: {}", text(&out.stderr));
        let bytes = std::fs::read(&pdf).unwrap();
        let all = pdf_extract::extract_text_from_mem(&bytes).unwrap();
        // Each letter starts with the letterhead's phone line; patient letters come first.
        let letters: Vec<String> = words(&all)
            .split(&words("Telefon 62 00 00 00"))
            .skip(1)
            .map(str::to_string)
            .collect();
        assert_eq!(
            letters.len(),
            with_letters.len() * 2,
            "{date}: one patient letter and one referrer copy per decision"
        );
        for (i, d) in with_letters.iter().enumerate() {
            let r = referrals::get(conn, d.referral).unwrap();
            let f = &r.fields;
            let to_patient = &letters[i];
            let to_referrer = &letters[with_letters.len() + i];
            let reference = f.external_id.clone().unwrap();
            for (letter, who) in [(to_patient, "pasient"), (to_referrer, "henviser")] {
                assert!(letter.contains(&reference), "{date} {who}: {reference}");
                assert!(
                    letter.contains(&words("4 uker"))
                        || d.outcome.code() == "videresendt"
                        || d.outcome.code() == "feilsendt",
                    "{date} {who}: klagefrist"
                );
            }
            // The recipient's address, as the window envelope shows it.
            assert!(
                to_patient.contains(&words(&format!(
                    "{} {} {} {}",
                    f.patient, f.patient_street, f.patient_postcode, f.patient_city
                ))),
                "{date}: the patient's address {} {} {} in {}",
                f.patient_street,
                f.patient_postcode,
                f.patient_city,
                &all[..600.min(all.len())]
            );
            let first_line = f.referrer_address.lines().next().unwrap();
            assert!(
                to_referrer.contains(&words(&format!("{} {first_line}", f.referrer_name))),
                "{date}: the referrer's address"
            );
            match &d.outcome {
                Outcome::Rett {
                    start_of_care_deadline: Some(frist),
                    ..
                } => {
                    seen.insert("rett");
                    let frist = format_date(*frist);
                    for letter in [to_patient, to_referrer] {
                        assert!(
                            letter.contains(&words("rett til nødvendig helsehjelp")),
                            "{date}"
                        );
                        assert!(letter.contains(&frist), "{date}: juridisk frist {frist}");
                        assert!(letter.contains("Statsforvalteren"), "{date}");
                        assert!(letter.contains("Helfo"), "{date}");
                    }
                    let kind = d.extras.care_kind.unwrap().label_nb().to_lowercase();
                    assert!(
                        to_patient.contains(&words(&format!("oppstart av {kind}"))),
                        "{date}"
                    );
                    assert!(
                        to_patient.contains(&words("Fritt behandlingsvalg")),
                        "{date}"
                    );
                    assert!(
                        to_patient.contains(&words("to forskjellige ting")),
                        "{date}"
                    );
                }
                Outcome::Avslag { reason, advice } => {
                    seen.insert("avslag");
                    for letter in [to_patient, to_referrer] {
                        assert!(
                            letter.contains(&words("ikke rett til nødvendig helsehjelp")),
                            "{date}"
                        );
                        assert!(letter.contains(&words(reason)), "{date}: begrunnelse");
                        assert!(letter.contains("Statsforvalteren"), "{date}");
                        assert!(letter.contains(&words("fornyet vurdering")), "{date}");
                    }
                    if f.referrer_kind == inntak::domain::ReferrerKind::Fastlege {
                        seen.insert("avslag til fastlege");
                        assert!(to_referrer.contains(&words("Råd og veiledning")), "{date}");
                        assert!(to_referrer.contains(&words(advice)), "{date}: the advice");
                    }
                }
                Outcome::Videresendt { unit } => {
                    seen.insert("videresendt");
                    assert!(to_patient.contains(&words("sendt videre")), "{date}");
                    assert!(to_patient.contains(&words(unit)), "{date}: {unit}");
                    assert!(to_patient.contains(&words("gir ingen ny frist")), "{date}");
                }
                Outcome::Feilsendt => {
                    assert!(to_patient.contains(&words("sendt den tilbake")), "{date}");
                }
                other => panic!("{other:?}"),
            }
        }
        if seen.len() == 4 {
            break;
        }
    }
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["avslag", "avslag til fastlege", "rett", "videresendt"]
    );
    // Each print is kept with a hash of its text, and logged.
    let (rows, hashes): (i64, i64) = conn
        .query_row(
            "SELECT count(*), count(DISTINCT text_hash) FROM letters WHERE printed_by = 'cli-test'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(rows > 0 && hashes == rows, "{rows} {hashes}");
    let logged: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'print_letters' AND actor = 'cli-test'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(logged > 0);
    // Each print's row names every referral once, though each has two letters, and counts
    // as many patients. (Before: every id twice; seen failing.)
    let mut stmt = conn
        .prepare(
            "SELECT details FROM audit_log WHERE action = 'print_letters' AND actor = 'cli-test'",
        )
        .unwrap();
    for details in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        let details: serde_json::Value = serde_json::from_str(&details.unwrap()).unwrap();
        let ids: Vec<i64> = serde_json::from_value(details["henvisninger"].clone()).unwrap();
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{details}");
        assert_eq!(details["pasienter"], ids.len(), "{details}");
    }
}

/// A letter missing what it needs is never printed blank: the command lists what is missing
/// and writes nothing, unless told to print the complete ones.
#[test]
fn a_letter_without_an_address_is_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(&dir, 400);
    let (meeting, referral): (String, i64) = {
        let store = Store::open_existing(&db).unwrap();
        store
            .conn()
            .query_row(
                "SELECT m.date, d.referral_id FROM decisions d JOIN meetings m ON m.id = d.meeting_id
                 WHERE d.superseded_by IS NULL AND d.outcome = 'avslag' ORDER BY m.date DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "UPDATE referrals SET patient_street = '', patient_postcode = '', patient_city = '' WHERE id = ?1",
        [referral],
    )
    .unwrap();
    drop(conn);
    let pdf = dir.path().join("brev.pdf");
    let out = inntak(&[
        "letters",
        "--db",
        p(&db),
        "--meeting",
        &meeting,
        "--out",
        p(&pdf),
        "--today",
        TODAY,
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("1 brev mangler pasientens adresse"), "{err}");
    assert!(err.contains("Ingen brev er skrevet ut"), "{err}");
    assert!(!pdf.exists());
    let out = inntak(&[
        "letters",
        "--db",
        p(&db),
        "--meeting",
        &meeting,
        "--out",
        p(&pdf),
        "--today",
        TODAY,
        "--skip-incomplete",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(pdf.exists());
}

/// Received Monday 2 November 2026: the vurderingsfrist is day 10, Monday 16 November.
/// Letters marked sent on day 9 and 10 are in time, day 11 is late, and an unsent one is on
/// the "ikke informert" list with the working days past the frist.
#[test]
fn informed_by_the_letter_sent_on_day_9_10_or_11() {
    let rule = WorkingDayRule::default();
    let received = "2026-11-02";
    let day = |n| rule.add_working_days(iso(received), n);
    let mut store = Store::open_in_memory().unwrap();
    let mut s = settings::load(store.conn()).unwrap();
    s.letters.address = "Sykehusveien 1\n2317 HAMAR".into();
    s.letters.signer = "Kari Nordmann".into();
    store
        .write(|tx| settings::save(tx, &s, change_on("test", received)))
        .unwrap();
    let mut ids = Vec::new();
    for name in ["Ni Dag", "Ti Dag", "Elleve Dag", "Ikke Sendt", "Ikke Ennå"] {
        let mut draft = ReferralDraft::new(iso(received));
        draft.patient = name.into();
        draft.referrer_name = "Dr. Berg".into();
        draft.patient_street = "Storgata 1".into();
        draft.patient_postcode = "0155".into();
        draft.patient_city = "OSLO".into();
        draft.referrer_electronic = true;
        ids.push(register(&mut store, draft, received));
    }
    let outcome = Outcome::Rett {
        start_of_care_deadline: Some(iso("2027-02-01")),
        track: Some(Track::Monofaglig(Clinician::Lege)),
        priority_note: String::new(),
    };
    let extras = DecisionExtras {
        care_kind: Some(CareKind::Utredning),
        ..Default::default()
    };
    let decided = day(5);
    for id in &ids {
        store
            .write(|tx| {
                decisions::record(
                    tx,
                    &NewDecision {
                        referral: *id,
                        meeting: None,
                        decided_on: decided,
                        outcome: &outcome,
                        extras: &extras,
                    },
                    rule,
                    change_on("test", "2026-11-09"),
                )
            })
            .unwrap();
    }
    let settings = settings::load(store.conn()).unwrap();
    for (id, sent) in ids
        .iter()
        .zip([Some(day(9)), Some(day(10)), Some(day(11)), None])
    {
        let planned =
            inntak::model::letters::for_referral(&store, &settings, *id, None, decided).unwrap();
        assert_eq!(planned.len(), 2);
        assert!(
            planned.iter().all(|p| p.is_complete()),
            "{:?}",
            planned[0].missing
        );
        let printed: Vec<_> = planned.iter().map(|p| p.printed()).collect();
        let when = inntak::store::referrals::Change {
            actor: "test",
            at: sent.unwrap_or(decided).and_hms_opt(15, 0, 0).unwrap(),
        };
        store
            .write(|tx| letters::record_printed(tx, &printed, "brev.pdf", sent, when).map(|_| ()))
            .unwrap();
    }
    let today = day(11);
    let deadline = rule.assessment_deadline(iso(received));
    let status: Vec<Informed> = ids
        .iter()
        .map(|id| {
            let s = letters::state_of(store.conn(), *id).unwrap().unwrap();
            informed(rule, deadline, s.sent_on, s.tracked, today)
        })
        .collect();
    assert_eq!(
        status,
        [
            Informed::Sent {
                on: day(9),
                in_time: true
            },
            Informed::Sent {
                on: day(10),
                in_time: true
            },
            Informed::Sent {
                on: day(11),
                in_time: false
            },
            Informed::NotYet { days_left: -1 },
            Informed::NotYet { days_left: -1 },
        ]
    );
    // The queue's "ikke informert" list: the two without a sent letter, with their text.
    let model = inntak::model::queue(&store, rule, today).unwrap();
    let mut pending: Vec<_> = model
        .rows
        .iter()
        .filter_map(|r| r.informed_text().map(|t| (r.patient().to_string(), t)))
        .collect();
    pending.sort();
    assert_eq!(
        pending,
        [
            (
                "Ikke Ennå".to_string(),
                "Ikke informert – 1 virkedag over fristen".to_string()
            ),
            (
                "Ikke Sendt".to_string(),
                "Ikke informert – 1 virkedag over fristen".to_string()
            ),
        ]
    );
    assert_eq!(model.counts.not_informed, 2);
    // The statistics: informed within 10 working days, 2 of the 5 (day 11 is late, and the
    // two unsent are past the frist).
    let report = inntak::model::stats_report(
        &store,
        inntak::stats::Period::Range(iso("2026-11-01"), iso("2026-11-30")),
        false,
        rule,
        today,
    )
    .unwrap();
    let f = &report.figures;
    assert_eq!(
        (f.informed_in_time, f.informed_counted, f.informed_unknown),
        (2, 5, 0)
    );
    let line = inntak::stats::lines(&report)
        .into_iter()
        .find(|l| l.label == "Pasienten informert innen 10 virkedager")
        .unwrap();
    assert_eq!(line.now.text(), "40,0 %");
    // Marked sent later: it leaves the list, and keeps the first date.
    let unsent: Vec<_> = letters::history(store.conn(), ids[3])
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    let marked = store
        .write(|tx| letters::mark_sent(tx, &unsent, today, change_on("test", "2026-11-17")))
        .unwrap();
    assert_eq!(marked, 2);
    let model = inntak::model::queue(&store, rule, today).unwrap();
    assert_eq!(model.counts.not_informed, 1);
    // A date in the future is refused.
    let refused = store.write(|tx| {
        letters::mark_sent(
            tx,
            &unsent,
            iso("2026-11-30"),
            change_on("test", "2026-11-17"),
        )
    });
    assert!(refused.is_err());
}

/// Item 5: a juridisk frist that cannot be met gets the "Varsel om fristbrudd" to the patient
/// and, for the clinic, one page with what Helfo's fristbrudd form asks. A fristbrudd letter
/// is not the rights letter: it does not count as informing the patient of the decision.
#[test]
fn a_fristbrudd_gets_the_patients_warning_and_the_helfo_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(&dir, 400);
    let (external, frist, received, informed_before): (String, String, String, Option<String>) = {
        let store = Store::open_existing(&db).unwrap();
        store
            .conn()
            .query_row(
                "SELECT r.external_id, d.start_of_care_deadline, r.received_on,
                        (SELECT min(sent_on) FROM letters l WHERE l.decision_id = d.id
                         AND l.recipient = 'pasient')
                 FROM decisions d JOIN referrals r ON r.id = d.referral_id
                 WHERE d.superseded_by IS NULL AND d.outcome = 'rett' AND r.status = 'rett'
                   AND d.start_of_care_deadline > ?1 ORDER BY d.id DESC LIMIT 1",
                [TODAY],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap()
    };
    let pdf = dir.path().join("fristbrudd.pdf");
    let reason = "Legen som skulle utrede er sykmeldt, og vi har ingen ledig lege før fristen.";
    let run = |args: &[&str]| {
        let mut all = vec![
            "letters",
            "--db",
            p(&db),
            "--out",
            p(&pdf),
            "--today",
            TODAY,
        ];
        all.extend(args);
        inntak(&all)
    };
    // The reason is required, and a letter is not sent in the future.
    let refused = run(&["--fristbrudd", &external]);
    assert!(!refused.status.success());
    let refused = run(&[
        "--fristbrudd",
        &external,
        "--reason",
        "x",
        "--sent",
        "2026-11-21",
    ]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("fram i tid"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!pdf.exists(), "nothing written when refused");
    let out = run(&[
        "--fristbrudd",
        &external,
        "--reason",
        reason,
        "--sent",
        TODAY,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 til pasient, 1 ark til Helfo"),
        "{}",
        text(&out.stdout)
    );
    let all = words(&pdf_extract::extract_text(&pdf).unwrap());
    let frist = format_date(iso(&frist));
    for expected in [
        "Varsel om fristbrudd",
        &frist,
        reason,
        "Helfo pasientformidling",
        "800 43 573",
        "Statsforvalteren",
        "Fristbrudd – til Helfos skjema",
        "Ansiennitetsdato (mottatt)",
        &format_date(iso(&received)),
        "Hvorfor fristen ikke kan holdes",
        &external,
    ] {
        assert!(all.contains(&words(expected)), "{expected}");
    }
    // Recorded with the reason; the patient's informed date is the rights letter's, unchanged.
    let store = Store::open_existing(&db).unwrap();
    let (rows, note): (i64, String) = store
        .conn()
        .query_row(
            "SELECT count(*), max(note) FROM letters WHERE kind = 'fristbrudd'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((rows, note.as_str()), (2, reason));
    let id = referrals::find_by_external_id(store.conn(), &external)
        .unwrap()
        .unwrap();
    let state = letters::state_of(store.conn(), inntak::domain::ReferralId(id))
        .unwrap()
        .unwrap();
    assert_eq!(state.sent_on.map(|d| d.to_string()), informed_before);
}

/// Sekundær gets no rights letter; where the clinic wants one (Innstillinger → Brev), a
/// confirmation to the patient only, which does not put the referral on the "ikke informert"
/// list.
#[test]
fn a_secondary_referral_gets_a_confirmation_only_where_the_clinic_wants_one() {
    let mut store = Store::open_in_memory().unwrap();
    let mut s = settings::load(store.conn()).unwrap();
    s.letters.address = "Sykehusveien 1\n2317 HAMAR".into();
    s.letters.signer = "Kari Nordmann".into();
    store
        .write(|tx| settings::save(tx, &s, change_on("test", "2026-11-02")))
        .unwrap();
    let mut draft = ReferralDraft::new(iso("2026-11-02"));
    draft.patient = "Sekundær Pasient".into();
    draft.referrer_name = "Ortopedisk avdeling".into();
    draft.referrer_kind = inntak::domain::ReferrerKind::Sykehusavdeling;
    draft.specialty = "ortopedi".into();
    draft.is_secondary = true;
    draft.patient_street = "Storgata 1".into();
    draft.patient_postcode = "0155".into();
    draft.patient_city = "OSLO".into();
    let id = register(&mut store, draft, "2026-11-02");
    common::decide(
        &mut store,
        id,
        &Outcome::Sekundaer {
            track: Some(Track::Monofaglig(Clinician::Fysioterapeut)),
        },
        "2026-11-05",
    );
    let today = iso("2026-11-06");
    let plan = |store: &Store| {
        let s = settings::load(store.conn()).unwrap();
        inntak::model::letters::for_referral(store, &s, id, None, today).unwrap()
    };
    assert!(
        plan(&store).is_empty(),
        "no letter unless the clinic wants one"
    );
    s.letters.secondary_confirmation = true;
    store
        .write(|tx| settings::save(tx, &s, change_on("test", "2026-11-06")))
        .unwrap();
    let planned = plan(&store);
    assert_eq!(planned.len(), 1, "the patient only");
    assert!(planned[0].is_complete(), "{:?}", planned[0].missing);
    let pdf = inntak::letters::render(&[&planned[0]]).unwrap();
    let all = words(&pdf_extract::extract_text_from_mem(&pdf).unwrap());
    for expected in [
        "Bekreftelse – henvisningen er mottatt",
        "allerede vurdert",
        "utredning og behandling hos fysioterapeut",
    ] {
        assert!(all.contains(&words(expected)), "{expected}");
    }
    assert!(!all.contains(&words("rett til nødvendig helsehjelp")));
    let model = inntak::model::queue(&store, WorkingDayRule::default(), today).unwrap();
    assert_eq!(model.counts.not_informed, 0);
}

/// The letters of a decision are found by index: the demo and every letters prompt look them
/// up per decision, and a scan per decision made the 1,000,000-referral demo quadratic.
#[test]
fn a_decisions_letters_and_the_not_informed_set_are_read_by_index() {
    let store = Store::open_in_memory().unwrap();
    let plan = |sql: &str| -> String {
        let mut stmt = store
            .conn()
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<_>>();
        rows.join(" | ")
    };
    let by_decision = plan("SELECT id FROM letters WHERE decision_id = 1 ORDER BY id");
    assert!(by_decision.contains("letters_by_decision"), "{by_decision}");
    let pending = plan(
        "SELECT d.referral_id FROM decisions d WHERE d.id > 0 AND d.superseded_by IS NULL
         AND NOT EXISTS (SELECT 1 FROM letters l WHERE l.decision_id = d.id
                         AND l.recipient = 'pasient' AND l.sent_on IS NOT NULL)",
    );
    assert!(
        pending.contains("letters_by_decision") && !pending.contains("SCAN l"),
        "{pending}"
    );
}

/// A row of the letters table: (patient, kind, recipient, what it says, what it never says).
type Row<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], &'a [&'a str]);

/// One referral of `kind` from `referrer`, with a patient address, registered on 02.11.2026.
fn letter_referral(
    store: &mut Store,
    patient: &str,
    referrer_kind: inntak::domain::ReferrerKind,
) -> inntak::domain::ReferralId {
    let mut draft = ReferralDraft::new(iso("2026-11-02"));
    draft.patient = patient.into();
    draft.referrer_name = "Dr. Lund".into();
    draft.referrer_address = "Legesenteret\n2317 HAMAR".into();
    draft.referrer_kind = referrer_kind;
    if referrer_kind != inntak::domain::ReferrerKind::Fastlege {
        draft.specialty = "ortopedi".into();
    }
    draft.patient_street = "Storgata 1".into();
    draft.patient_postcode = "0155".into();
    draft.patient_city = "OSLO".into();
    register(store, draft, "2026-11-02")
}

/// Issue 23, item 5 and 6: each kind of letter, read by each of its readers, holds its
/// paragraphs and none meant for another reader. The table is `assets/letters/README.md`'s.
/// Seen failing before the fix: the GP's avslag said "at du trenger", every patient letter
/// spoke of a fee for a missed appointment, the feilsendt letter was headed "sendt videre"
/// with a frist, and the Helfo sheet named the first decision's track.
#[test]
fn every_letter_says_what_its_reader_needs_and_nothing_meant_for_another() {
    use inntak::domain::ReferrerKind::{Fastlege, Sykehusavdeling};
    use inntak::domain::decision::TeamMode;
    let mut store = Store::open_in_memory().unwrap();
    let mut s = settings::load(store.conn()).unwrap();
    s.letters.address = "Sykehusveien 1\n2317 HAMAR".into();
    s.letters.signer = "Kari Nordmann".into();
    s.letters.secondary_confirmation = true;
    store
        .write(|tx| settings::save(tx, &s, change_on("test", "2026-11-02")))
        .unwrap();
    let advice = "Fysioterapi i kommunen og gradert aktivitet.";
    let rett = letter_referral(&mut store, "Rett Pasient", Fastlege);
    let avslag = letter_referral(&mut store, "Avslag Pasient", Fastlege);
    let videre = letter_referral(&mut store, "Videre Pasient", Sykehusavdeling);
    let feil = letter_referral(&mut store, "Feil Pasient", Fastlege);
    let sek = {
        let mut draft = ReferralDraft::new(iso("2026-11-02"));
        draft.patient = "Sekundær Pasient".into();
        draft.referrer_name = "Ortopedisk avdeling".into();
        draft.referrer_kind = Sykehusavdeling;
        draft.specialty = "ortopedi".into();
        draft.is_secondary = true;
        draft.patient_street = "Storgata 1".into();
        draft.patient_postcode = "0155".into();
        draft.patient_city = "OSLO".into();
        register(&mut store, draft, "2026-11-02")
    };
    let on = "2026-11-10";
    let outcome = Outcome::Rett {
        start_of_care_deadline: Some(iso("2027-01-15")),
        track: Some(Track::Monofaglig(Clinician::Lege)),
        priority_note: String::new(),
    };
    let extras = DecisionExtras {
        care_kind: Some(CareKind::Utredning),
        ..Default::default()
    };
    let new = NewDecision {
        referral: rett,
        meeting: None,
        decided_on: iso(on),
        outcome: &outcome,
        extras: &extras,
    };
    store
        .write(|tx| decisions::record(tx, &new, WorkingDayRule::default(), change_on("test", on)))
        .unwrap();
    common::decide(
        &mut store,
        avslag,
        &Outcome::Avslag {
            reason: "Kan ivaretas i primærhelsetjenesten".into(),
            advice: advice.into(),
        },
        on,
    );
    common::decide(
        &mut store,
        videre,
        &Outcome::Videresendt {
            unit: "Nevrologisk poliklinikk".into(),
        },
        on,
    );
    common::decide(&mut store, feil, &Outcome::Feilsendt, on);
    common::decide(
        &mut store,
        sek,
        &Outcome::Sekundaer {
            track: Some(Track::Monofaglig(Clinician::Fysioterapeut)),
        },
        on,
    );
    // Rett Pasient is upgraded to tverrfaglig later: Helfo must hear of that track.
    store
        .write(|tx| {
            inntak::store::followups::change_track(
                tx,
                rett,
                None,
                iso("2026-11-20"),
                Track::Tverrfaglig(TeamMode::Samlet),
                "",
                change_on("test", "2026-11-20"),
            )
        })
        .unwrap();

    let today = iso("2026-11-24");
    let s = settings::load(store.conn()).unwrap();
    let mut letters = Vec::new();
    for id in [rett, avslag, videre, feil, sek] {
        letters.extend(inntak::model::letters::for_referral(&store, &s, id, None, today).unwrap());
    }
    letters.extend(
        inntak::model::letters::for_breach(&store, &s, rett, "Ingen ledig lege.", today).unwrap(),
    );
    // (patient, kind, recipient) → what the letter must say, and what it must not.
    let fee = "kan bli fakturert";
    let table: &[Row] = &[
        (
            "Rett Pasient",
            "rett",
            "pasient",
            &[
                "du har rett til nødvendig helsehjelp",
                "Juridisk frist",
                "15.01.2027",
                "Helfo pasientformidling",
                "Fritt behandlingsvalg",
                "Du kan klage",
                "Kontakt",
                fee,
            ],
            &["Råd og veiledning"],
        ),
        (
            "Rett Pasient",
            "rett",
            "henviser",
            &[
                "Pasienten har rett til nødvendig helsehjelp",
                "15.01.2027",
                "Statsforvalteren",
            ],
            &[fee, "Du kan klage"],
        ),
        (
            "Avslag Pasient",
            "avslag",
            "pasient",
            &[
                "du har ikke rett til nødvendig helsehjelp",
                "at du trenger helsehjelp",
                "Fornyet vurdering",
                "Du kan klage",
                "Kontakt",
                "fastlegen din med råd",
            ],
            &[fee, "oppsatt time", "Juridisk frist"],
        ),
        (
            "Avslag Pasient",
            "avslag",
            "henviser",
            &[
                "ikke rett til nødvendig helsehjelp",
                "at pasienten trenger helsehjelp",
                "Råd og veiledning",
                advice,
                "Ny henvisning",
                "Statsforvalteren",
            ],
            &["du trenger", fee],
        ),
        (
            "Videre Pasient",
            "videresendt",
            "pasient",
            &[
                "Henvisningen din er sendt videre",
                "Nevrologisk poliklinikk",
                "Fristen regnes fra første mottak",
                "Kontakt",
            ],
            &[fee, "sendt tilbake", "Du kan klage"],
        ),
        (
            "Videre Pasient",
            "videresendt",
            "henviser",
            &[
                "Henvisningen er sendt videre",
                "Nevrologisk poliklinikk",
                "Ansienniteten",
            ],
            &["returneres", fee],
        ),
        (
            "Feil Pasient",
            "videresendt",
            "pasient",
            &[
                "Henvisningen din er sendt tilbake til henviseren",
                "Hva skjer nå",
                "Kontakt",
            ],
            &["sendt videre", "Fristen", "frist", fee],
        ),
        (
            "Feil Pasient",
            "videresendt",
            "henviser",
            &["Henvisningen returneres", "sendt tilbake til deg"],
            &["sendt videre", "Ansienniteten", fee],
        ),
        (
            "Sekundær Pasient",
            "sekundaer",
            "pasient",
            &[
                "Bekreftelse – henvisningen er mottatt",
                "Oppmøte",
                "Kontakt",
                fee,
            ],
            &["rett til nødvendig helsehjelp", "Du kan klage"],
        ),
        (
            "Rett Pasient",
            "fristbrudd",
            "pasient",
            &[
                "Varsel om fristbrudd",
                "Ingen ledig lege.",
                "Helfo pasientformidling",
                "Du kan klage",
                "Kontakt",
            ],
            &[fee],
        ),
        (
            "Rett Pasient",
            "fristbrudd",
            "helfo",
            &["Fristbrudd – til Helfos skjema", "tverrfaglig samlet"],
            &["monofaglig lege"],
        ),
    ];
    assert_eq!(
        letters.len(),
        table.len(),
        "one letter per row of the table"
    );
    for (patient, kind, to, says, never) in table {
        let letter = letters
            .iter()
            .find(|p| p.patient == *patient && p.letter.kind == *kind && p.letter.recipient == *to)
            .unwrap_or_else(|| panic!("no {kind} letter to {to} for {patient}"));
        assert!(letter.is_complete(), "{:?}", letter.missing);
        let pdf = inntak::letters::render(&[letter]).unwrap();
        let raw = pdf_extract::extract_text_from_mem(&pdf).unwrap();
        let all = words(&raw);
        for expected in *says {
            assert!(
                all.contains(&words(expected)),
                "{kind} to {to}: «{expected}» missing in\n{raw}"
            );
        }
        for wrong in *never {
            assert!(
                !all.contains(&words(wrong)),
                "{kind} to {to}: «{wrong}» does not belong in\n{raw}"
            );
        }
        // A letter of more than one page names the patient and the reference on each page.
        let pages = (1..=4)
            .filter(|n| all.contains(&format!("Side{n}av")))
            .count();
        let references = all.matches(&words("Vår referanse:")).count();
        assert!(
            references >= pages,
            "{kind} to {to}: {pages} pages, the reference on {references}"
        );
    }
    // In one PDF (a meeting's batch) each page names its reference exactly once: a later page
    // by its header, a letter's first page by its letterhead only.
    let batch: Vec<_> = letters
        .iter()
        .filter(|p| p.patient == "Rett Pasient")
        .collect();
    let pdf = inntak::letters::render(&batch).unwrap();
    let all = words(&pdf_extract::extract_text_from_mem(&pdf).unwrap());
    let pages = all.matches("Side").count();
    assert_eq!(
        all.matches(&words("Vår referanse:")).count(),
        pages,
        "{all}"
    );
}
