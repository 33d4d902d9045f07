//! History that counts (issue 13): a clinic's earlier referrals imported with their status,
//! decision date and the optional decision columns are counted by `inntak stats` exactly as
//! decisions made in the app. The expected figures below were computed by hand from the file.

mod common;

use common::{inntak, p, text};
use std::collections::HashMap;

/// 20 referrals: 2024's decisions (5 feilsendt/videresendt, 4 avslag, 6 rett, two of them
/// late), one open, one withdrawn, and three from 2023 that 2024 must not count.
const HISTORY: &str = "\
henvisning_id;mottatt;pasient;status;avgjort;forlop;juridisk_frist;avslagsgrunn;oppstart
F1;05.02.2024;P01;feilsendt;07.02.2024;;;;
F2;12.02.2024;P02;feilsendt;14.02.2024;;;;
F3;06.05.2024;P03;feilsendt;08.05.2024;;;;
V1;04.03.2024;P04;videresendt;06.03.2024;;;;
V2;03.06.2024;P05;videresendt;05.06.2024;;;;
A1;04.03.2024;P06;avslag;15.03.2024;;;Kan ivaretas i primærhelsetjenesten;
A2;08.04.2024;P07;avslag;12.04.2024;;;Kan ivaretas i primærhelsetjenesten;
A3;13.05.2024;P08;avslag;24.05.2024;;;;
A4;04.03.2024;P09;avslag;25.03.2024;;;;
R1;08.01.2024;P10;rett;12.01.2024;monofaglig lege;01.05.2024;;20.04.2024
R2;15.01.2024;P11;rett;19.01.2024;tverrfaglig samlet;01.06.2024;;10.06.2024
R3;05.02.2024;P12;rett;09.02.2024;Tverrfaglig samlet;01.07.2024;;
R4;04.03.2024;P13;rett;25.03.2024;tverrfaglig samlet;01.08.2024;;15.07.2024
R5;08.04.2024;P14;rett;12.04.2024;kartlegging psykolog;;;
R6;18.12.2023;P15;rett;03.01.2024;monofaglig lege;;;
O1;05.08.2024;P16;til_vurdering;;;;;
T1;05.08.2024;P17;trukket;;;;;
X1;06.03.2023;P18;rett;10.03.2023;monofaglig fysioterapeut;01.06.2023;;
X2;03.04.2023;P19;avslag;14.04.2023;;;;
X3;04.09.2023;P20;feilsendt;06.09.2023;;;;
";

/// The statistics CSV as label → (count, share).
fn figures(db: &std::path::Path, period: &[&str]) -> HashMap<String, (String, String)> {
    let mut args = vec!["stats", "--db", p(db), "--csv", "--no-compare"];
    args.extend_from_slice(period);
    args.extend_from_slice(&["--today", "2026-11-22"]);
    let out = inntak(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    csv.trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(';').collect();
            (
                cells[1].to_string(),
                (cells[2].to_string(), cells[3].to_string()),
            )
        })
        .collect()
}

fn assert_figure(f: &HashMap<String, (String, String)>, label: &str, count: &str, share: &str) {
    let got = f
        .get(label)
        .unwrap_or_else(|| panic!("no line «{label}» in {f:?}"));
    assert_eq!(
        (got.0.as_str(), got.1.as_str()),
        (count, share),
        "«{label}»"
    );
}

#[test]
fn imported_history_is_counted_by_the_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let csv = dir.path().join("historikk.csv");
    std::fs::write(&csv, HISTORY).unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&csv), "--today", "2026-11-22"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("Importerte 20 henvisninger"), "{said}");
    assert!(said.contains("18 av dem hadde en avgjørelse"), "{said}");

    for period in [
        vec!["--year", "2024"],
        vec!["--year", "2024", "--tertial", "2", "--cumulative"],
    ] {
        let f = figures(&db, &period);
        assert_figure(&f, "Feilsendt/videresendt", "5", "");
        assert_figure(&f, "Behandlede henvisninger", "10", "100,0");
        assert_figure(&f, "herav avslag", "4", "40,0");
        assert_figure(&f, "herav rett til helsehjelp", "6", "60,0");
        assert_figure(&f, "monofaglig lege", "2", "33,3");
        assert_figure(&f, "tverrfaglig samlet", "3", "50,0");
        assert_figure(&f, "kartlegging psykolog", "1", "16,7");
        assert_figure(&f, "monofaglig fysioterapeut", "0", "0,0");
        assert_figure(&f, "Avgjort etter vurderingsfristen", "2", "");
    }
    let year = figures(&db, &["--year", "2024"]);
    assert_figure(&year, "Mottatte henvisninger", "16", "");
    // R2 started after its frist, R3 never started; X1's frist lies in 2023.
    assert_figure(&year, "Brudd på juridisk frist", "2", "");
    let before = figures(&db, &["--year", "2023"]);
    assert_figure(&before, "Feilsendt/videresendt", "1", "");
    assert_figure(&before, "Behandlede henvisninger", "2", "100,0");
    assert_figure(&before, "herav rett til helsehjelp", "1", "50,0");
    assert_figure(&before, "Brudd på juridisk frist", "1", "");

    // Each imported decision is a real decision row, with the late flag and the care start.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let late: Vec<String> = conn
        .prepare(
            "SELECT r.external_id FROM decisions d JOIN referrals r ON r.id = d.referral_id
             WHERE d.after_deadline = 1 ORDER BY r.external_id",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(late, ["A4", "R4"]);
    let (by, meeting): (String, Option<i64>) = conn
        .query_row(
            "SELECT d.decided_by, d.meeting_id FROM decisions d JOIN referrals r ON r.id = d.referral_id
             WHERE r.external_id = 'R1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((by.as_str(), meeting), ("import", None));
    let decisions: i64 = conn
        .query_row("SELECT count(*) FROM decisions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(decisions, 18);
    let started: i64 = conn
        .query_row("SELECT count(*) FROM care_starts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(started, 3);
}

#[test]
fn history_exports_and_reimports_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    let csv = dir.path().join("historikk.csv");
    std::fs::write(&csv, HISTORY).unwrap();
    let today = ["--today", "2026-11-22"];
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&today);
        let out = inntak(&all);
        assert!(out.status.success(), "{}", text(&out.stderr));
        out
    };
    run(&["import", "--db", p(&a), p(&csv)]);
    let first = run(&["export", "--db", p(&a)]).stdout;
    let exported = dir.path().join("eksport.csv");
    std::fs::write(&exported, &first).unwrap();
    run(&["import", "--db", p(&b), p(&exported)]);
    let second = run(&["export", "--db", p(&b)]).stdout;
    assert_eq!(text(&first), text(&second));
    let export = text(&first);
    let header = export
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap();
    assert!(
        header.ends_with(
            ";avgjort;forlop;juridisk_frist;avslagsgrunn;oppstart;adresse;postnummer;poststed;henviser_adresse"
        ),
        "{header}"
    );
    // R3's track was written «Tverrfaglig samlet»: the export writes the label.
    assert!(
        export.contains(";tverrfaglig samlet;2024-07-01;;;;;;\n")
            || export.contains(";tverrfaglig samlet;2024-07-01;;;;;;\r\n"),
        "{export}"
    );
}

#[test]
fn history_columns_that_contradict_the_status_are_refused_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let csv = dir.path().join("feil.csv");
    std::fs::write(
        &csv,
        "mottatt;pasient;status;avgjort;forlop;juridisk_frist;avslagsgrunn;oppstart\n\
         04.03.2024;Kari;avslag;15.03.2024;monofaglig lege;;;\n\
         04.03.2024;Ola;rett;15.03.2024;tverrfaglig;01.03.2024;;\n\
         04.03.2024;Per;rett;;monofaglig lege;;;\n\
         04.03.2024;Liv;feilsendt;06.03.2024;;;Annet;\n\
         04.03.2024;Eva;rett;15.03.2024;monofaglig lege;;;01.01.2024\n",
    )
    .unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&csv), "--today", "2026-11-22"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let errors = text(&out.stderr);
    for expected in [
        "linje 2: forlop: satt, men status «Avslag» har ikke forløp",
        "linje 3: forlop: «tverrfaglig» er ukjent",
        "linje 3: juridisk_frist: er før avgjort-datoen",
        "linje 4: avgjort: mangler: forløp, juridisk frist",
        "linje 5: avslagsgrunn: satt, men status er «Feilsendt»",
        "linje 6: oppstart: er før mottatt-datoen",
    ] {
        assert!(
            errors.contains(expected),
            "«{expected}» missing in:\n{errors}"
        );
    }
}

/// Imported history without a juridisk frist (R5, R6 here) is unknown, not late: the
/// fristbrudd list and the follow-ups leave it out instead of failing. (Before: `inntak
/// fristbrudd` stopped with "Invalid column type Null at index: 6"; found by the 1M probe,
/// seen failing here.)
#[test]
fn history_without_a_frist_leaves_the_fristbrudd_list_working() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let csv = dir.path().join("historikk.csv");
    std::fs::write(&csv, HISTORY).unwrap();
    let today = ["--today", "2026-11-22"];
    let mut args = vec!["import", "--db", p(&db), p(&csv)];
    args.extend_from_slice(&today);
    assert!(inntak(&args).status.success());
    let mut args = vec!["fristbrudd", "--db", p(&db)];
    args.extend_from_slice(&today);
    let out = inntak(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout) + &text(&out.stderr);
    // R3 (frist 01.07.2024) and X1 (01.06.2023) never started: both breached.
    assert!(said.contains("2 fristbrudd og 0 forventede"), "{said}");
    // The follow-ups read the same records, as the window does.
    let store = inntak::store::Store::open(&db).unwrap();
    let records = inntak::store::followups::care_records(store.conn()).unwrap();
    let with_frist: Vec<_> = records.iter().map(|r| r.external_id.as_str()).collect();
    assert_eq!(with_frist, ["X1", "R1", "R2", "R3", "R4"]);
}
