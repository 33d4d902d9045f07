//! The electronic answer to the referrer (issue 24): a Dialogmelding 1.1 "Status på
//! henvisning" in a MsgHead, one file per referral, written by `inntak reply`, recorded like a
//! letter to the referrer, and valid against the official XSDs (`xmllint --schema`, the
//! vendored files in tests/fixtures/xsd/).

mod common;

use common::messages::V2;
use common::{change_on, decide, inntak, p, text};
use inntak::domain::ReferralId;
use inntak::domain::decision::{Clinician, Outcome, Track};
use inntak::domain::referral::iso;
use inntak::store::Store;
use std::path::{Path, PathBuf};

const DAY: &str = "2026-11-24";

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xsd/status-henvisning.xsd")
}

/// Runs xmllint against the official schemas: Ok, or what it said.
fn validate(file: &Path) -> Result<(), String> {
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(schema())
        .arg(file)
        .output()
        .expect("xmllint is installed (Debian: libxml2-utils; .ci/run installs it)");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("{}{}", text(&out.stdout), text(&out.stderr)))
    }
}

/// `inntak reply` for one referral into `out_dir`.
fn reply(db: &Path, referral: &str, out_dir: &Path) -> std::process::Output {
    inntak(&[
        "reply",
        "--db",
        p(db),
        "--referral",
        referral,
        "--out-dir",
        p(out_dir),
        "--today",
        DAY,
    ])
}

fn said(out: &std::process::Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// A database with four referrals from messages, each decided differently, and the clinic's
/// HER-id set (unless `her` is empty).
fn clinic(dir: &Path, her: &str) -> PathBuf {
    let db = dir.join("db.sqlite3");
    let patients = [
        ("Åse", "Øvrebø &amp; Co &lt;test&gt;"),
        ("Per", "Hansen"),
        ("Lise", "Berg"),
        ("Ola", "Dahl"),
    ];
    let files: Vec<PathBuf> = patients
        .iter()
        .enumerate()
        .map(|(i, &(given, family))| {
            let path = dir.join(format!("h{i}.xml"));
            let msg = V2 {
                msg_id: ["G-1", "G-2", "G-3", "G-4"][i],
                patient: (given, family),
                ..V2::default()
            };
            std::fs::write(&path, msg.xml()).unwrap();
            path
        })
        .collect();
    let mut args = vec!["import", "--db", p(&db), "--import-duplicates"];
    args.extend(files.iter().map(|f| p(f)));
    args.extend(["--today", "2026-11-20"]);
    let out = inntak(&args);
    assert!(out.status.success(), "{}", said(&out));
    let mut store = Store::open(&db).unwrap();
    let outcomes = [
        Outcome::Rett {
            start_of_care_deadline: Some(iso("2027-02-02")),
            track: Some(Track::Monofaglig(Clinician::Lege)),
            priority_note: String::new(),
        },
        Outcome::Avslag {
            reason: "Ikke behov for tverrfaglig smertebehandling".into(),
            advice: "Fortsatt oppfølging hos fastlegen; fysioterapi lokalt.".into(),
        },
        Outcome::Videresendt {
            unit: "Revmatologisk poliklinikk".into(),
        },
        Outcome::Feilsendt,
    ];
    for (i, o) in outcomes.iter().enumerate() {
        decide(&mut store, ReferralId(i as i64 + 1), o, DAY);
    }
    store
        .write(|tx| {
            let mut s = inntak::store::settings::load(tx)?;
            s.clinic_name = "Smerteklinikken".into();
            s.letters.her_id = her.into();
            s.letters.phone = "22 11 80 80".into();
            inntak::store::settings::save(tx, &s, change_on("test", DAY))
        })
        .unwrap();
    db
}

#[test]
fn every_reply_validates_against_the_official_schemas_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = clinic(dir.path(), "90123");
    let out_dir = dir.path().join("utboks");
    std::fs::create_dir(&out_dir).unwrap();
    for id in ["1", "2", "3", "4"] {
        let out = reply(&db, id, &out_dir);
        assert!(out.status.success(), "{}", said(&out));
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "{files:?}");
    let mut seen = Vec::new();
    for f in &files {
        validate(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let xml = std::fs::read_to_string(f).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let tema = doc
            .descendants()
            .find(|n| n.has_tag_name("TemaKodet"))
            .unwrap();
        let body = doc
            .descendants()
            .find(|n| n.has_tag_name("TekstNotatInnhold"))
            .and_then(|n| n.text())
            .unwrap()
            .to_string();
        let answers = doc
            .descendants()
            .find(|n| n.has_tag_name("RefToConversation"))
            .and_then(|n| n.text())
            .unwrap()
            .to_string();
        let to = doc
            .descendants()
            .find(|n| n.has_tag_name("Receiver"))
            .unwrap()
            .descendants()
            .filter(|n| n.has_tag_name("Id"))
            .map(|n| n.text().unwrap().to_string())
            .collect::<Vec<_>>();
        assert_eq!(to, ["81234", "81235"], "the GP office and the GP by HER-id");
        seen.push((tema.attribute("V").unwrap().to_string(), answers, body));
    }
    seen.sort();
    let (code, answers, body) = &seen[0];
    assert_eq!((code.as_str(), answers.as_str()), ("1", "G-1"));
    assert!(
        body.contains("Pasienten har rett til nødvendig helsehjelp"),
        "{body}"
    );
    assert!(body.contains("02.02.2027"), "{body}");
    assert!(body.contains("Pasienten får egen innkalling."), "{body}");
    assert!(
        body.contains("Øvrebø & Co <test>"),
        "escaped and read back: {body}"
    );
    assert!(body.contains("telefon 22 11 80 80"), "{body}");
    let (code, _, body) = &seen[1];
    assert_eq!(code, "2");
    assert!(
        body.contains("Begrunnelse: Ikke behov for tverrfaglig smertebehandling."),
        "{body}"
    );
    assert!(body.contains("Fortsatt oppfølging hos fastlegen"), "{body}");
    assert!(body.contains("klage"), "{body}");
    assert_eq!(seen[2].0, "3");
    assert!(
        seen[2].2.contains("Revmatologisk poliklinikk"),
        "{}",
        seen[2].2
    );
    assert_eq!(seen[3].0, "4");
    // Recorded like a letter to the referrer, sent today, with the file's hash.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let rows: Vec<(String, String, String, String)> = conn
        .prepare("SELECT kind, recipient, channel, sent_on FROM letters ORDER BY referral_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter()
            .all(|r| r.1 == "henviser" && r.2 == "dialogmelding" && r.3 == DAY),
        "{rows:?}"
    );
    let hash: String = conn
        .query_row(
            "SELECT text_hash FROM letters WHERE referral_id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let first = files
        .iter()
        .find(|f| {
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("dialogmelding-1-")
        })
        .unwrap();
    use sha2::Digest;
    assert_eq!(
        hash,
        hex::encode(sha2::Sha256::digest(std::fs::read(first).unwrap()))
    );
    let audit: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'send_reply'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audit, 4);
    // The records and the audit log still agree.
    let out = inntak(&["verify", "--db", p(&db)]);
    assert!(out.status.success(), "{}", said(&out));
}

#[test]
fn the_validator_refuses_a_reply_that_breaks_the_schema() {
    // The check above can fail: a reply without its receiver is not a valid MsgHead.
    let dir = tempfile::tempdir().unwrap();
    let db = clinic(dir.path(), "90123");
    let out_dir = dir.path().join("utboks");
    std::fs::create_dir(&out_dir).unwrap();
    let out = reply(&db, "1", &out_dir);
    assert!(out.status.success(), "{}", said(&out));
    let file = std::fs::read_dir(&out_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let xml = std::fs::read_to_string(&file).unwrap();
    let start = xml.find("<Receiver>").unwrap();
    let end = xml.find("</Receiver>").unwrap() + "</Receiver>".len();
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, format!("{}{}", &xml[..start], &xml[end..])).unwrap();
    let err = validate(&broken).unwrap_err();
    assert!(err.contains("Receiver"), "{err}");
}

#[test]
fn a_reply_is_refused_without_the_clinics_her_id_or_the_referrers() {
    let dir = tempfile::tempdir().unwrap();
    let db = clinic(dir.path(), "");
    let out_dir = dir.path().join("utboks");
    std::fs::create_dir(&out_dir).unwrap();
    let out = reply(&db, "1", &out_dir);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("Klinikkens HER-id er ikke satt"),
        "{}",
        said(&out)
    );
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0);
    // A referral registered by hand did not come with the referrer's HER-id: answer by letter.
    {
        let mut store = Store::open(&db).unwrap();
        store
            .write(|tx| {
                let mut s = inntak::store::settings::load(tx)?;
                s.letters.her_id = "90123".into();
                inntak::store::settings::save(tx, &s, change_on("test", DAY))
            })
            .unwrap();
        let id = common::register(
            &mut store,
            inntak::domain::ReferralDraft {
                patient: "Nina Nilsen".into(),
                ..inntak::domain::ReferralDraft::new(iso("2026-11-20"))
            },
            DAY,
        );
        decide(&mut store, id, &Outcome::Feilsendt, DAY);
    }
    let out = reply(&db, "5", &out_dir);
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains(
            "kom ikke som elektronisk melding med henviserens HER-id: svar henviseren med brev"
        ),
        "{}",
        said(&out)
    );
    // The folder must exist: nothing is written elsewhere.
    let out = reply(&db, "1", &dir.path().join("finnes-ikke"));
    assert!(!out.status.success());
    assert!(
        said(&out).contains("Mappen for elektroniske svar finnes ikke"),
        "{}",
        said(&out)
    );
}

/// The window: a cancellation after the decision stands in the detail pane as a warning, and
/// "Send elektronisk svar" writes the reply into the clinic's folder and shows it as sent.
#[test]
fn the_detail_pane_warns_of_a_late_cancellation_and_sends_the_reply() {
    use egui_kittest::kittest::Queryable;
    let dir = tempfile::tempdir().unwrap();
    let db = clinic(dir.path(), "90123");
    let out_dir = dir.path().join("utboks");
    std::fs::create_dir(&out_dir).unwrap();
    let cancel = dir.path().join("kansellering.xml");
    std::fs::write(
        &cancel,
        V2::cancel("G-9", "G-1", "Pasienten er flyttet til Bergen.").xml(),
    )
    .unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&cancel), "--today", DAY]);
    assert!(out.status.success(), "{}", said(&out));
    let mut store = Store::open(&db).unwrap();
    store
        .write(|tx| {
            inntak::store::settings::put(tx, inntak::store::settings::KEY_DEMO_OFFERED, "1")?;
            let mut s = inntak::store::settings::load(tx)?;
            s.letters.dialog_folder = out_dir.display().to_string();
            inntak::store::settings::save(tx, &s, change_on("test", DAY))
        })
        .unwrap();
    let mut harness = common::ui::harness(store, DAY);
    harness
        .state_mut()
        .apply(inntak::ui::Action::Nav(inntak::ui::NavAction::Select(
            ReferralId(1),
        )));
    harness.run_ok();
    harness.get_by_label("Fra henviserens system");
    harness.get_by_label_contains(
        "Varsel: 20.11.2026 Kansellering etter at henvisningen var avgjort – ikke gjennomført: «Pasienten er flyttet til Bergen.»",
    );
    harness.get_by_label("Send elektronisk svar").click();
    harness.run_ok();
    let files: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert_eq!(files.len(), 1);
    validate(&files[0].as_ref().unwrap().path()).unwrap();
    harness.get_by_label_contains("1 elektroniske svar lagt i");
    harness.get_by_label_contains("elektronisk svar sendt 24.11.2026");
    harness.get_by_label("Henviser informert 24.11.2026 (elektronisk svar)");
}
