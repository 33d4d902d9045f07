//! Henvisning XML files imported from the command line (issue 13): v1.1, v2.0 in MsgHead,
//! a forwarded v2.0 whose ansiennitetsdato becomes the received date, and a Dialogmelding
//! that is refused with what it is. The fixtures are hand-made from the standards' element
//! names, with fictive people.

mod common;

use common::{inntak, p, text};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/henvisning")
        .join(name)
}

#[derive(Debug, PartialEq, Eq)]
struct Row {
    external_id: String,
    received_on: String,
    patient: String,
    national_id: Option<String>,
    birth_year: Option<i64>,
    referrer_name: String,
    referrer_kind: String,
    problem: String,
    diagnosis_group: String,
    /// Street, postnummer, poststed, and the referrer's address.
    address: [String; 4],
}

fn rows(db: &Path) -> Vec<Row> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT external_id, received_on, patient, national_id, birth_year, referrer_name,
                    referrer_kind, problem, diagnosis_group, patient_street, patient_postcode,
                    patient_city, referrer_address FROM referrals ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok(Row {
            external_id: r.get(0)?,
            received_on: r.get(1)?,
            patient: r.get(2)?,
            national_id: r.get(3)?,
            birth_year: r.get(4)?,
            referrer_name: r.get(5)?,
            referrer_kind: r.get(6)?,
            problem: r.get(7)?,
            diagnosis_group: r.get(8)?,
            address: [r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?],
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn the_three_versions_import_with_their_fields_and_received_dates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let files = [
        fixture("v1_1.xml"),
        fixture("v2_0.xml"),
        fixture("v2_0_videresendt.xml"),
    ];
    let mut args = vec!["import", "--db", p(&db)];
    args.extend(files.iter().map(|f| p(f)));
    args.extend(["--today", "2026-11-23"]);
    let out = inntak(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("Importerte 3 henvisninger"), "{said}");
    assert!(
        said.contains("v2_0_videresendt.xml: videresendt henvisning; mottatt er satt til ansiennitetsdatoen 09.11.2026"),
        "{said}"
    );
    assert!(
        said.contains("v2_0_videresendt.xml: henvisertypen står ikke i meldingen"),
        "{said}"
    );
    let got = rows(&db);
    assert_eq!(
        got[0],
        Row {
            external_id: "7f3c2a10-5b1e-4c59-9a53-0d1e2f3a4b5c".into(),
            // Written 16.11.2026 (IssueDate), received by the clinic today.
            received_on: "2026-11-23".into(),
            patient: "Kari Nordmann-Ødegård".into(),
            national_id: Some("13097248022".into()),
            birth_year: Some(1972),
            referrer_name: "Lise Lægdal (HPR 9144889), Storby legesenter".into(),
            referrer_kind: "fastlege".into(),
            problem: "Langvarige smerter i korsrygg med utstråling til venstre bein, over to år. \
                      Ønsker tverrfaglig vurdering."
                .into(),
            diagnosis_group: "L86 Ryggsyndrom med utstråling (ICPC-2); M54.5 Lumbago (ICD-10)"
                .into(),
            // The home address (Type H), and the practice's postal address (PST).
            address: [
                "Kirkeveien 12 B".into(),
                "0364".into(),
                "OSLO".into(),
                "Postboks 33\n0101 OSLO".into(),
            ],
        }
    );
    assert_eq!(
        got[1],
        Row {
            external_id: "b2d4e6f8-1a3c-4e5f-8a9b-0c1d2e3f4a5b".into(),
            received_on: "2026-11-23".into(),
            patient: "Ola Hansen".into(),
            national_id: Some("53097248016".into()),
            birth_year: Some(1972),
            referrer_name: "Åsmund Berg (HPR 7654321), Nordbyen legekontor".into(),
            referrer_kind: "fastlege".into(),
            problem: "Nakkesmerter og hodepine etter bilulykke 2024. Sykmeldt 50 %.".into(),
            diagnosis_group: "L83 Nakkesyndrom (ICPC-2)".into(),
            // A Swedish postal code is not taken; the organisation's only address is.
            address: [
                String::new(),
                String::new(),
                String::new(),
                "Nordbyveien 2\n1405 LANGHUS".into(),
            ],
        }
    );
    assert_eq!(
        got[2],
        Row {
            external_id: "c3e5a7b9-2b4d-4f6a-9b0c-1d2e3f4a5b6c".into(),
            // The forwarded referral's clock started at the ansiennitetsdato.
            received_on: "2026-11-09".into(),
            patient: "Per Solberg".into(),
            national_id: Some("13527248013".into()),
            birth_year: Some(1972),
            referrer_name: "Nina Dahl (HPR 1122334), Regionsykehuset, Ortopedisk avdeling".into(),
            referrer_kind: "annet".into(),
            problem: "Vedvarende smerter etter operasjon i kne. Videresendt fra ortopedisk \
                      poliklinikk."
                .into(),
            diagnosis_group: String::new(),
            address: Default::default(),
        }
    );

    // The same files again: every message is known by its id and skipped.
    let out = inntak(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("Importerte 0 henvisninger; 3 fantes fra før"),
        "{said}"
    );
    assert!(
        said.contains(
            "v1_1.xml: meldingen «7f3c2a10-5b1e-4c59-9a53-0d1e2f3a4b5c» er importert før"
        ),
        "{said}"
    );
    assert_eq!(rows(&db).len(), 3);
}

#[test]
fn a_given_received_date_wins_and_a_dialogmelding_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let dialog = fixture("dialogmelding.xml");
    let v2 = fixture("v2_0_videresendt.xml");
    let out = inntak(&[
        "import",
        "--db",
        p(&db),
        p(&v2),
        p(&dialog),
        "--today",
        "2026-11-23",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let errors = text(&out.stderr);
    assert!(
        errors.contains("dialogmelding.xml: Dette er en Dialogmelding, ikke en henvisning"),
        "{errors}"
    );
    assert!(errors.contains("Ingenting ble importert"), "{errors}");
    assert!(!db.exists() || rows(&db).is_empty());

    let out = inntak(&[
        "import",
        "--db",
        p(&db),
        p(&v2),
        "--received",
        "20.11.2026",
        "--today",
        "2026-11-23",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(rows(&db)[0].received_on, "2026-11-20");

    // Not XML at all, and XML of another kind.
    let junk = dir.path().join("notat.xml");
    std::fs::write(&junk, "dette er ikke xml").unwrap();
    let other = dir.path().join("annet.xml");
    std::fs::write(&other, "<?xml version=\"1.0\"?><Faktura xmlns=\"urn:x\"/>").unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&junk), p(&other)]);
    assert_eq!(out.status.code(), Some(2));
    let errors = text(&out.stderr);
    assert!(
        errors.contains("notat.xml: Filen er ikke gyldig XML"),
        "{errors}"
    );
    assert!(
        errors
            .contains("annet.xml: Dette er et XML-dokument med rot «Faktura», ikke en henvisning"),
        "{errors}"
    );
}

/// Issue 24 (parts 2 and 4): a v1.1 message as the standard lays it out, `MsgId` directly under
/// `Message` and the text pretty-printed: the same file twice is one referral ("importert før"),
/// and the problem text is stored as written, without the file's indentation. Seen failing
/// before: no id (a second referral) and runs of spaces and line breaks in the text.
#[test]
fn a_standard_v1_1_message_is_known_by_its_id_and_its_text_is_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let xml = dir.path().join("standard_v1_1.xml");
    let fixture = std::fs::read_to_string(fixture("v1_1.xml")).unwrap();
    let standard = fixture
        .replace("  <MsgInfo>\n", "")
        .replace("  </MsgInfo>\n", "")
        .replace(
            "Langvarige smerter i korsrygg med utstråling til venstre bein, over to år. Ønsker \
             tverrfaglig vurdering.",
            "\n\t\t\tLangvarige smerter i korsrygg\n\t\t\tmed utstråling til venstre bein.\n\n\
             \t\t\tØnsker tverrfaglig vurdering.\n\t\t",
        );
    assert!(!standard.contains("<MsgInfo>"));
    std::fs::write(&xml, standard).unwrap();
    let args = ["import", "--db", p(&db), p(&xml), "--today", "2026-11-23"];
    let first = inntak(&args);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let again = inntak(&args);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stdout).contains("«7f3c2a10-5b1e-4c59-9a53-0d1e2f3a4b5c» er importert før"),
        "{}",
        text(&again.stdout)
    );
    let stored = rows(&db);
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].external_id,
        "7f3c2a10-5b1e-4c59-9a53-0d1e2f3a4b5c"
    );
    assert_eq!(
        stored[0].problem,
        "Langvarige smerter i korsrygg med utstråling til venstre bein.\nØnsker tverrfaglig vurdering."
    );
}
