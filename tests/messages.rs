//! Referral messages as hospitals send them (issue 24): new, the same twice, change and
//! cancellation (before and after a decision), forwarded with and without the sender's
//! assessment, in every version of the standard. The messages are written here from the
//! standard's element names, with what real ones carry: leading XML comments, `IssueDate`
//! with a time, `Type V="H"`, `ProcessingStatus V="TEST"`, other namespace prefixes and
//! base64 attachments. Fictive people.

mod common;

use common::messages::{NS_V1_0, NS_V1_1, V2, v1, write};
use common::{decide, inntak, p, text};
use inntak::domain::decision::{Outcome, TeamMode, Track};
use inntak::domain::referral::iso;
use inntak::store::Store;
use std::path::Path;

const DAY: &str = "2026-11-23";

fn import(db: &Path, files: &[&Path], extra: &[&str]) -> std::process::Output {
    let mut args = vec!["import", "--db", p(db)];
    args.extend(files.iter().map(|f| p(f)));
    args.extend(extra);
    args.extend(["--today", DAY]);
    inntak(&args)
}

fn query<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> Vec<T> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn said(out: &std::process::Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn the_same_message_twice_is_skipped_in_every_version() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let a = write(
        dir.path(),
        "v1_0.xml",
        &v1(NS_V1_0, "MSG-10", "HV-10", "N", "Smerter."),
    );
    let b = write(
        dir.path(),
        "v1_1.xml",
        &v1(NS_V1_1, "MSG-11", "HV-11", "N", "Smerter."),
    );
    let c = write(dir.path(), "v2_0.xml", &V2::new("MSG-20").xml());
    let first = import(&db, &[&a, &b, &c], &["--import-duplicates"]);
    assert!(first.status.success(), "{}", said(&first));
    assert!(
        said(&first).contains("Importerte 3 henvisninger"),
        "{}",
        said(&first)
    );
    let again = import(&db, &[&a, &b, &c], &[]);
    assert!(again.status.success(), "{}", said(&again));
    let out = said(&again);
    assert!(
        out.contains("Importerte 0 henvisninger; 3 fantes fra før"),
        "{out}"
    );
    for (file, id) in [
        ("v1_0.xml", "MSG-10"),
        ("v1_1.xml", "MSG-11"),
        ("v2_0.xml", "MSG-20"),
    ] {
        assert!(
            out.contains(&format!(
                "{file}: meldingen «{id}» er importert før, hoppet over"
            )),
            "{out}"
        );
    }
    // Every message is kept with its ids.
    let ids: Vec<String> = query(
        &db,
        "SELECT message_id || '|' || own_id || '|' || version || '|' || kind || '|' || sender_her
         FROM referral_messages ORDER BY id",
    );
    assert_eq!(
        ids,
        [
            "MSG-10|HV-10|1.0|ny|71111",
            "MSG-11|HV-11|1.1|ny|71111",
            "MSG-20|REF-MSG-20|2.0|ny|81234"
        ]
    );
    // The problem text is as written, not as the XML was indented.
    let problems: Vec<String> = query(&db, "SELECT problem FROM referrals WHERE id = 3");
    assert_eq!(problems, ["Smerter i korsrygg i tre år."]);
}

#[test]
fn a_cancellation_withdraws_the_open_referral_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let new = write(dir.path(), "ny.xml", &V2::new("A-1").xml());
    let cancel = write(
        dir.path(),
        "kansellering.xml",
        &V2::cancel(
            "A-2",
            "A-1",
            "Pasienten ønsker å benytte fritt sykehusvalg og er henvist til et annet sykehus.",
        )
        .xml(),
    );
    assert!(import(&db, &[&new], &[]).status.success());
    // It stands on a planned meeting's stored agenda.
    {
        use inntak::store::meetings;
        let mut store = Store::open(&db).unwrap();
        store
            .write(|tx| {
                let change = common::change_on("test", DAY);
                let m = meetings::add_extra(
                    tx,
                    iso("2026-11-26"),
                    chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
                    change,
                )?;
                meetings::store_agenda(
                    tx,
                    m,
                    &[meetings::StoredItem {
                        referral: inntak::domain::ReferralId(1),
                        reason: inntak::agenda::Reason::Manual,
                    }],
                    inntak::store::audit::MeetingAction::AgendaAccept,
                    change,
                )
            })
            .unwrap();
    }
    let out = import(&db, &[&cancel], &[]);
    assert!(out.status.success(), "{}", said(&out));
    let on_agenda: Vec<i64> = query(&db, "SELECT count(*) FROM agenda_items");
    assert_eq!(on_agenda, [0], "off the planned meeting's agenda");
    let text = said(&out);
    assert!(
        text.contains("kansellering.xml: kansellering: henvisning nr. 1 er trukket («Pasienten ønsker å benytte fritt sykehusvalg"),
        "{text}"
    );
    // Still one referral: withdrawn, not a second one in the queue.
    let rows: Vec<String> = query(&db, "SELECT status FROM referrals");
    assert_eq!(rows, ["trukket"]);
    let audit: Vec<String> = query(
        &db,
        "SELECT details FROM audit_log WHERE action = 'withdraw' AND entity_id = 1",
    );
    assert_eq!(audit.len(), 1);
    assert!(audit[0].contains("fritt sykehusvalg"), "{}", audit[0]);
    let kept: Vec<String> = query(
        &db,
        "SELECT kind || '|' || outcome || '|' || comment FROM referral_messages WHERE message_id = 'A-2'",
    );
    assert!(
        kept[0].starts_with("kansellering|trukket|Pasienten ønsker"),
        "{kept:?}"
    );
    // Out of the queue and the deadline counts, kept in the statistics as withdrawn.
    let out = inntak(&["stats", "--db", p(&db), "--year", "2026", "--today", DAY]);
    let report = common::text(&out.stdout);
    let line = report
        .lines()
        .find(|l| l.contains("herav trukket (kansellert)"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(line.contains(" 1 ") && line.contains("100,0 %"), "{line}");
    let out = inntak(&["export", "--db", p(&db), "--today", DAY]);
    assert!(
        common::text(&out.stdout).contains("trukket"),
        "the export keeps it"
    );
    // A new message and its cancellation in one import, in either order: nothing to assess.
    let db2 = dir.path().join("db2.sqlite3");
    let out = import(&db2, &[&cancel, &new], &[]);
    assert!(out.status.success(), "{}", said(&out));
    let rows: Vec<String> = query(&db2, "SELECT status FROM referrals");
    assert_eq!(rows, ["trukket"]);
}

#[test]
fn a_cancellation_after_the_decision_is_put_before_the_leader_instead() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let new = write(dir.path(), "ny.xml", &V2::new("B-1").xml());
    assert!(import(&db, &[&new], &[]).status.success());
    {
        let mut store = Store::open(&db).unwrap();
        let rett = Outcome::Rett {
            start_of_care_deadline: Some(iso("2027-02-02")),
            track: Some(Track::Tverrfaglig(TeamMode::Samlet)),
            priority_note: String::new(),
        };
        decide(
            &mut store,
            inntak::domain::ReferralId(1),
            &rett,
            "2026-11-24",
        );
    }
    let cancel = write(
        dir.path(),
        "kansellering.xml",
        &V2::cancel("B-2", "B-1", "Pasienten er flyttet.").xml(),
    );
    let out = import(&db, &[&cancel], &[]);
    assert!(out.status.success(), "{}", said(&out));
    let text = said(&out);
    assert!(
        text.contains("Varsel – kansellering.xml: kansellering av henvisning nr. 1 som allerede er avgjort (rett til helsehjelp 24.11.2026): trekkes ikke"),
        "{text}"
    );
    let rows: Vec<String> = query(&db, "SELECT status FROM referrals");
    assert_eq!(rows, ["rett"]);
    let kept: Vec<String> = query(
        &db,
        "SELECT outcome FROM referral_messages WHERE message_id = 'B-2'",
    );
    assert_eq!(kept, ["varsel"]);
    let audit: Vec<String> = query(
        &db,
        "SELECT action FROM audit_log WHERE entity_id = 1 ORDER BY id DESC LIMIT 1",
    );
    assert_eq!(audit, ["message"]);
}

#[test]
fn a_change_updates_the_referral_and_waits_for_confirmation_once_decided() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let new = write(dir.path(), "ny.xml", &V2::new("C-1").xml());
    let change = write(
        dir.path(),
        "endring.xml",
        &V2 {
            msg_id: "C-2",
            serv_type: "M",
            conversation: "C-1",
            problem: "Smerter i korsrygg og nakke i tre år.",
            ..V2::default()
        }
        .xml(),
    );
    assert!(import(&db, &[&new], &[]).status.success());
    let out = import(&db, &[&change], &[]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("endring.xml: endring: henvisning nr. 1 er endret (problemstilling)"),
        "{}",
        said(&out)
    );
    let problems: Vec<String> = query(&db, "SELECT problem FROM referrals");
    assert_eq!(problems, ["Smerter i korsrygg og nakke i tre år."]);
    let audit: Vec<String> = query(
        &db,
        "SELECT details FROM audit_log WHERE action = 'update' AND entity_id = 1",
    );
    assert!(audit[0].contains("nakke"), "{audit:?}");
    // Once decided, a change waits for the leader: nothing is written without it.
    {
        let mut store = Store::open(&db).unwrap();
        let avslag = Outcome::Avslag {
            reason: "Ikke behov for tverrfaglig smertebehandling".into(),
            advice: "Fortsatt oppfølging hos fastlegen.".into(),
        };
        decide(
            &mut store,
            inntak::domain::ReferralId(1),
            &avslag,
            "2026-11-24",
        );
    }
    let second = write(
        dir.path(),
        "endring2.xml",
        &V2 {
            msg_id: "C-3",
            serv_type: "M",
            conversation: "C-1",
            patient: ("Kari", "Nordmann-Li"),
            ..V2::default()
        }
        .xml(),
    );
    let out = import(&db, &[&second], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    let text = said(&out);
    assert!(
        text.contains("endring2.xml: endring av henvisning nr. 1: endrer pasient, problemstilling – allerede avgjort (avslag 24.11.2026), må bekreftes"),
        "{text}"
    );
    assert!(text.contains("--confirm-changes"), "{text}");
    let names: Vec<String> = query(&db, "SELECT patient FROM referrals");
    assert_eq!(names, ["Kari Nordmann"]);
    let kept: Vec<i64> = query(
        &db,
        "SELECT count(*) FROM referral_messages WHERE message_id = 'C-3'",
    );
    assert_eq!(kept, [0]);
    let out = import(&db, &[&second], &["--confirm-changes"]);
    assert!(out.status.success(), "{}", said(&out));
    let names: Vec<String> = query(&db, "SELECT patient || '|' || status FROM referrals");
    assert_eq!(names, ["Kari Nordmann-Li|avslag"]);
    // Changes, refusals and the decision: the records and the audit log agree.
    let out = inntak(&["verify", "--db", p(&db)]);
    assert!(out.status.success(), "{}", said(&out));
}

#[test]
fn a_v1_change_finds_its_referral_by_the_referrals_own_id() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let new = write(
        dir.path(),
        "ny.xml",
        &v1(NS_V1_1, "M-1", "HV-77", "N", "Smerter."),
    );
    let change = write(
        dir.path(),
        "endring.xml",
        &v1(NS_V1_1, "M-2", "HV-77", "M", "Smerter i skulder."),
    );
    let cancel = write(
        dir.path(),
        "kansellering.xml",
        &v1(NS_V1_1, "M-3", "HV-77", "C", "Smerter i skulder."),
    );
    assert!(import(&db, &[&new], &[]).status.success());
    let out = import(&db, &[&change, &cancel], &[]);
    assert!(out.status.success(), "{}", said(&out));
    let rows: Vec<String> = query(&db, "SELECT problem || '|' || status FROM referrals");
    assert_eq!(rows, ["Smerter i skulder.|trukket"]);
}

#[test]
fn a_change_or_cancellation_of_an_unknown_referral_is_refused_or_kept_as_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let other = write(
        dir.path(),
        "annen.xml",
        &V2 {
            msg_id: "D-0",
            patient: ("Per", "Hansen"),
            ..V2::default()
        }
        .xml(),
    );
    let cancel = write(
        dir.path(),
        "kansellering.xml",
        &V2 {
            msg_id: "D-2",
            serv_type: "C",
            conversation: "D-1",
            ..V2::default()
        }
        .xml(),
    );
    let out = import(&db, &[&other, &cancel], &[]);
    assert!(!out.status.success(), "{}", said(&out));
    let text = said(&out);
    assert!(
        text.contains("Meldingen «D-2» er en kansellering av en henvisning som ikke finnes i Inntak (viser til «D-1»). Ingenting er importert"),
        "{text}"
    );
    let n: Vec<i64> = query(&db, "SELECT count(*) FROM referrals");
    assert_eq!(n, [0]);
    let out = import(&db, &[&other, &cancel], &["--keep-unknown-as-note"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("lagret som notat"), "{}", said(&out));
    let kept: Vec<String> = query(
        &db,
        "SELECT outcome || '|' || coalesce(referral_id, 'ingen') FROM referral_messages WHERE message_id = 'D-2'",
    );
    assert_eq!(kept, ["notat|ingen"]);
    // The original arrives after its cancellation (messages can come out of order): the kept
    // cancellation is applied to it at once, and said so.
    let original = write(dir.path(), "opprinnelig.xml", &V2::new("D-1").xml());
    let out = import(&db, &[&original], &["--import-duplicates"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("opprinnelig.xml: kanselleringen «D-2» som kom før henvisningen er gjennomført: henvisning nr. 2 er trukket"),
        "{}",
        said(&out)
    );
    let rows: Vec<String> = query(
        &db,
        "SELECT status FROM referrals WHERE external_id = 'D-1'",
    );
    assert_eq!(rows, ["trukket"]);
    let kept: Vec<String> = query(
        &db,
        "SELECT outcome || '|' || referral_id FROM referral_messages WHERE message_id = 'D-2'",
    );
    assert_eq!(kept, ["trukket|2"]);
    let out = inntak(&["verify", "--db", p(&db)]);
    assert!(out.status.success(), "{}", said(&out));
}

#[test]
fn a_forwarded_referral_keeps_the_senders_assessment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let forwarded = write(
        dir.path(),
        "videresendt.xml",
        &V2 {
            msg_id: "E-1",
            dates: ["2026-10-01", "2026-10-08", "2027-01-15", ""],
            assessment: r#"<hv:RettTilHelsehjelp V="1" DN="Rett til nødvendig helsehjelp"/>
                           <hv:UtfallAvVurdering V="1" DN="Rett til helsehjelp"/>"#,
            ..V2::default()
        }
        .xml(),
    );
    let plain = write(
        dir.path(),
        "uten.xml",
        &V2 {
            msg_id: "E-2",
            patient: ("Per", "Hansen"),
            dates: ["2026-10-01", "", "", ""],
            ..V2::default()
        }
        .xml(),
    );
    let out = import(&db, &[&forwarded, &plain], &["--import-duplicates"]);
    assert!(out.status.success(), "{}", said(&out));
    let kept: Vec<String> = query(
        &db,
        "SELECT referral_id || '|' || has_right || '|' || assessed_on || '|' || deadline || '|' || assessed_by
         FROM sender_assessments",
    );
    assert_eq!(kept, ["1|1|2026-10-08|2027-01-15|Nordbyen legekontor"]);
    let seniority: Vec<String> = query(&db, "SELECT seniority_on FROM sender_assessments");
    assert_eq!(seniority, ["2026-10-01"]);
    // Assessed by the sender: no second rights clock. It awaits triage only (secondary),
    // received the day it came; without an assessment the rights clock runs from the
    // ansiennitetsdato as before.
    let received: Vec<String> = query(
        &db,
        "SELECT received_on || '|' || is_secondary FROM referrals ORDER BY id",
    );
    assert_eq!(received, ["2026-11-23|1", "2026-10-01|0"]);
    let text = said(&out);
    assert!(
        text.contains("videresendt.xml: videresendt med vurdering: rett til nødvendig helsehjelp"),
        "{text}"
    );
    // The fristbrudd watch follows the frist the sender gave, before the meeting triages it.
    let out = inntak(&["fristbrudd", "--db", p(&db), "--today", "2027-01-18"]);
    assert!(out.status.success(), "{}", said(&out));
    let csv = common::text(&out.stdout);
    let lines: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(lines.len(), 1, "{csv}");
    assert!(lines[0].contains("2027-01-15"), "{csv}");
    assert!(lines[0].contains("Kari Nordmann"), "{csv}");
}

#[test]
fn attachments_are_neither_stored_nor_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let big = write(
        dir.path(),
        "med_vedlegg.xml",
        &V2 {
            msg_id: "F-1",
            attachment: 5 * 1024 * 1024,
            ..V2::default()
        }
        .xml(),
    );
    let out = import(&db, &[&big], &[]);
    assert!(out.status.success(), "{}", said(&out));
    let size = std::fs::metadata(&db).unwrap().len();
    assert!(size < 1024 * 1024, "the database grew to {size} bytes");
}

#[test]
fn a_problem_text_longer_than_the_field_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let words = "Smerter i korsrygg med utstråling til venstre bein, over to år.\n";
    let problem: &'static str =
        Box::leak(words.repeat(5 * 1024 * 1024 / words.len()).into_boxed_str());
    let long = write(
        dir.path(),
        "lang.xml",
        &V2 {
            msg_id: "L-1",
            problem,
            ..V2::default()
        }
        .xml(),
    );
    let out = import(&db, &[&long], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("lang.xml: problemstilling: er for lang (høyst 4000 tegn)"),
        "{}",
        said(&out)
    );
    let n: Vec<i64> = query(&db, "SELECT count(*) FROM referrals");
    assert_eq!(n, [0]);
}
