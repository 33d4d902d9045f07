//! Spreadsheets imported directly (issue 13). The fixtures were made by a spreadsheet
//! program: LibreOffice Calc (nb-NO) opened `tests/fixtures/sheets/kilde.csv` and saved it as
//! .xlsx and .ods. In them, `mottatt` and `juridisk_frist` are date cells (Excel date
//! numbers), `avgjort` is text, and `fodselsnummer` is a number cell, so 05038523491 lost
//! its leading zero in the file.

mod common;

use common::{inntak, p, text};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sheets")
        .join(name)
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
);

fn rows(db: &Path) -> Vec<Row> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT r.external_id, r.received_on, r.patient, r.national_id, r.referrer_name,
                    r.status, d.start_of_care_deadline
             FROM referrals r LEFT JOIN decisions d ON d.referral_id = r.id ORDER BY r.id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn xlsx_and_ods_from_a_spreadsheet_program_import_with_letters_and_dates_intact() {
    for name in ["henvisninger.xlsx", "henvisninger.ods"] {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("db.sqlite3");
        let file = fixture(name);
        let out = inntak(&["import", "--db", p(&db), p(&file), "--today", "2026-11-22"]);
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains("Importerte 3 henvisninger"),
            "{name}: {}",
            text(&out.stdout)
        );
        let got = rows(&db);
        let expected: Vec<Row> = vec![
            (
                "X-101".into(),
                "2025-04-14".into(),
                "Bjørn Ødegård".into(),
                Some("05038523491".into()),
                "Dr. Åse Næss".into(),
                "rett".into(),
                Some("2025-07-07".into()),
            ),
            (
                "X-102".into(),
                "2025-05-02".into(),
                "Kåre Ærlig".into(),
                Some("24116345672".into()),
                "Sørlandet sykehus".into(),
                "avslag".into(),
                None,
            ),
            (
                "X-103".into(),
                "2025-05-05".into(),
                "Liv Åsheim".into(),
                None,
                "Legekontoret på Øya".into(),
                "til_vurdering".into(),
                None,
            ),
        ];
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn a_sheet_is_chosen_by_name_and_an_unknown_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let file = fixture("henvisninger.xlsx");
    let out = inntak(&[
        "import",
        "--db",
        p(&db),
        p(&file),
        "--sheet",
        "Ark9",
        "--today",
        "2026-11-22",
    ]);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(
        said.contains("Regnearket har ikke noe ark «Ark9» (arkene er: henvisninger)"),
        "{said}"
    );
    let out = inntak(&[
        "import",
        "--db",
        p(&db),
        p(&file),
        "--sheet",
        "henvisninger",
        "--today",
        "2026-11-22",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_damaged_spreadsheet_is_refused_and_nothing_is_imported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let bad = dir.path().join("skadet.xlsx");
    std::fs::write(&bad, b"PK\x03\x04 this is not a workbook").unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&bad), "--today", "2026-11-22"]);
    assert!(!out.status.success());
    let said = text(&out.stderr);
    assert!(said.contains("regnearket kan ikke åpnes"), "{said}");
}
