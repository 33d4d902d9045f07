//! The command line as a clinic's IT person uses it: demo, import (all-or-nothing, rejects
//! file, encodings, re-import) and export round trips.

mod common;

use common::{inntak, p, text};
use std::path::Path;

fn count(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("SELECT count(*) FROM referrals", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn demo_is_deterministic_and_exports_identically() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    for db in [&a, &b] {
        let out = inntak(&[
            "demo",
            "--db",
            p(db),
            "--referrals",
            "400",
            "--seed",
            "3",
            "--today",
            "2026-11-22",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(count(db), 400);
    }
    let ea = inntak(&["export", "--db", p(&a), "--today", "2026-11-22"]);
    let eb = inntak(&["export", "--db", p(&b), "--today", "2026-11-22"]);
    assert!(ea.status.success());
    assert_eq!(ea.stdout, eb.stdout);
    let export = text(&ea.stdout);
    let header = export
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap();
    assert!(
        header.starts_with("henvisning_id;mottatt;vurderingsfrist;status;"),
        "{header}"
    );
    assert_eq!(export.lines().count(), 401);
}

#[test]
fn one_invalid_row_imports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let csv = dir.path().join("henvisninger.csv");
    std::fs::write(
        &csv,
        "henvisning_id;mottatt;pasient;fodselsnummer\n\
         A1;14.04.2025;Kari Nordmann;13097248022\n\
         A2;31.04.2025;Ola Nordmann;\n\
         A3;2025-04-15;Per Hansen;13097248032\n",
    )
    .unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&csv), "--today", "2026-11-22"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("linje 3: mottatt: «31.04.2025» er ikke en dato"),
        "{err}"
    );
    assert!(
        err.contains("linje 4: fodselsnummer: kontrollsifrene stemmer ikke"),
        "{err}"
    );
    assert!(err.contains("Ingenting ble importert"), "{err}");
    assert_eq!(count(&db), 0);
}

#[test]
fn skip_invalid_imports_the_rest_and_writes_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let csv = dir.path().join("liste.csv");
    let rejects = dir.path().join("avvist.csv");
    std::fs::write(
        &csv,
        "henvisning_id,mottatt,pasient,henviser_type,fagfelt\n\
         B1,14.04.2025,\"Nordmann, Kari\",fastlege,\n\
         B2,15.04.2025,Ola,sykehusavdeling,\n\
         B3,16.04.2025,Per,sykehusavdeling,ortopedi\n",
    )
    .unwrap();
    let out = inntak(&[
        "import",
        "--db",
        p(&db),
        p(&csv),
        "--skip-invalid",
        "--rejects",
        p(&rejects),
        "--today",
        "2026-11-22",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("linje 3: fagfelt: mangler"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("Importerte 2 henvisninger"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(count(&db), 2);
    let rejected = text(&std::fs::read(&rejects).unwrap());
    let lines: Vec<&str> = rejected.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "henvisning_id;mottatt;pasient;henviser_type;fagfelt;linje;feil"
    );
    assert!(
        lines[1].starts_with("B2;15.04.2025;Ola;sykehusavdeling;;3;fagfelt: mangler"),
        "{}",
        lines[1]
    );
    assert_eq!(lines.len(), 2);

    // Importing the same file again skips what is there and says so.
    let again = inntak(&[
        "import",
        "--db",
        p(&db),
        p(&csv),
        "--skip-invalid",
        "--rejects",
        p(&rejects),
        "--today",
        "2026-11-22",
    ]);
    let stdout = text(&again.stdout);
    assert!(
        stdout.contains("linje 2: henvisning_id: «B1» finnes allerede i databasen, hoppet over"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Importerte 0 henvisninger; 2 fantes fra før."),
        "{stdout}"
    );
    assert_eq!(count(&db), 2);
}

#[test]
fn windows_1252_from_excel() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let csv = dir.path().join("excel.csv");
    // "Bjørn Ås;Smerter i kne" in Windows-1252, CRLF line ends, as Excel writes it.
    let mut bytes =
        b"mottatt;pasient;problemstilling\r\n03.03.2025;Bj\xF8rn \xC5s;Smerter i kn\xE6r\r\n"
            .to_vec();
    bytes.extend_from_slice(b"\r\n");
    std::fs::write(&csv, bytes).unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&csv), "--today", "2026-11-22"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let (patient, problem): (String, String) = conn
        .query_row("SELECT patient, problem FROM referrals", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(
        (patient.as_str(), problem.as_str()),
        ("Bjørn Ås", "Smerter i knær")
    );
}

#[test]
fn export_imports_into_another_database_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    let first = dir.path().join("first.csv");
    let second = dir.path().join("second.csv");
    assert!(
        inntak(&[
            "demo",
            "--db",
            p(&a),
            "--referrals",
            "300",
            "--today",
            "2026-11-22"
        ])
        .status
        .success()
    );
    assert!(
        inntak(&[
            "export",
            "--db",
            p(&a),
            "--out",
            p(&first),
            "--today",
            "2026-11-22"
        ])
        .status
        .success()
    );
    let imported = inntak(&["import", "--db", p(&b), p(&first), "--today", "2026-11-22"]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    assert!(
        inntak(&[
            "export",
            "--db",
            p(&b),
            "--out",
            p(&second),
            "--today",
            "2026-11-22"
        ])
        .status
        .success()
    );
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
}

#[test]
fn a_foreign_file_is_refused_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("regneark.xlsx");
    let bytes =
        b"PK\x03\x04 not a database at all, just bytes long enough to fill a header 0123456789";
    std::fs::write(&file, bytes).unwrap();
    let before = std::fs::read(&file).unwrap();
    let out = inntak(&["export", "--db", p(&file)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("er ikke en SQLite-database"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[test]
fn bad_today_is_a_clear_error() {
    let out = inntak(&[
        "export",
        "--today",
        "22.13.2026",
        "--db",
        "/nonexistent/x.sqlite3",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("«22.13.2026» er ikke en dato"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn agenda_command_writes_the_next_meetings_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let pdf = dir.path().join("agenda.pdf");
    assert!(
        inntak(&[
            "demo",
            "--db",
            p(&db),
            "--referrals",
            "300",
            "--today",
            "2026-11-23"
        ])
        .status
        .success()
    );
    let out = inntak(&[
        "agenda",
        "--db",
        p(&db),
        "--next",
        "--out",
        p(&pdf),
        "--initials",
        "--today",
        "2026-11-23",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("Skrev agendaen for tirsdag 24.11.2026 ("),
        "{stdout}"
    );
    assert!(stdout.contains("forslag, ikke lagret"), "{stdout}");
    let body = pdf_extract::extract_text(&pdf).unwrap();
    assert!(
        body.contains("Inntaksmøte") && body.contains("uke 48"),
        "{body}"
    );

    // A date without a meeting is a clear error, and no file is written.
    let none = dir.path().join("none.pdf");
    let out = inntak(&[
        "agenda",
        "--db",
        p(&db),
        "--meeting",
        "2026-11-25",
        "--out",
        p(&none),
        "--today",
        "2026-11-23",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Det er ikke noe planlagt møte ons. 25.11.2026"),
        "{}",
        text(&out.stderr)
    );
    assert!(!none.exists());
}

#[test]
fn stats_and_fristbrudd_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.sqlite3");
    let today = ["--today", "2026-11-22"];
    let demo = inntak(&[&["demo", "--db", p(&db), "--referrals", "1500"][..], &today].concat());
    assert!(demo.status.success(), "{}", text(&demo.stderr));

    let table = inntak(&[&["stats", "--db", p(&db), "--year", "2025"][..], &today].concat());
    assert!(table.status.success(), "{}", text(&table.stderr));
    let out = text(&table.stdout);
    assert!(
        out.starts_with("Statistikk 2025 sammenlignet med 2024\n"),
        "{out}"
    );
    assert!(out.contains("Behandlede henvisninger") && out.contains("Vurdert innen 10 virkedager"));

    let csv = inntak(
        &[
            &[
                "stats",
                "--db",
                p(&db),
                "--year",
                "2026",
                "--tertial",
                "2",
                "--csv",
            ][..],
            &today,
        ]
        .concat(),
    );
    assert!(csv.status.success(), "{}", text(&csv.stderr));
    let csv = text(&csv.stdout);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let received: i64 = conn
        .query_row(
            "SELECT count(*) FROM referrals WHERE received_on BETWEEN '2026-05-01' AND '2026-08-31'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let line = csv
        .lines()
        .find(|l| l.starts_with("Henvisninger;Mottatte henvisninger;"))
        .unwrap();
    assert!(
        line.starts_with(&format!("Henvisninger;Mottatte henvisninger;{received};")),
        "{line}"
    );

    // A bad period is a clear error, not a panic.
    let bad = inntak(&[
        "stats",
        "--db",
        p(&db),
        "--from",
        "2026-05-01",
        "--to",
        "2026-01-01",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("Ugyldig periode"),
        "{}",
        text(&bad.stderr)
    );

    let out_file = dir.path().join("helfo.csv");
    let helfo = inntak(
        &[
            &["fristbrudd", "--db", p(&db), "--out", p(&out_file)][..],
            &today,
        ]
        .concat(),
    );
    assert!(helfo.status.success(), "{}", text(&helfo.stderr));
    let written = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        written
            .trim_start_matches('\u{feff}')
            .starts_with("henvisnings_id;pasient;")
    );
    assert!(text(&helfo.stderr).contains("forventede fristbrudd per 22.11.2026"));
}

/// Formula-like values leave every export as text (a leading `'`), and the import takes the
/// prefix off again: export → import → export stays byte-identical.
#[test]
fn formula_values_are_neutralised_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    let csv = dir.path().join("inn.csv");
    std::fs::write(
        &csv,
        "henvisning_id;mottatt;pasient;problemstilling\n\
         =F5;01.11.2026;=1+1;\"=HYPERLINK(\"\"http://evil.example/\"\";\"\"Klikk\"\")\"\n\
         B2;02.11.2026;@SUM(1+1);-2+3\n\
         B3;03.11.2026;Kari Nordmann;+cmd\n",
    )
    .unwrap();
    let today = ["--today", "2026-11-22"];
    let import = |db: &Path, file: &Path| {
        let mut args = vec!["import", "--db", p(db), p(file)];
        args.extend(today);
        let out = inntak(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    let export = |db: &Path, file: &Path| {
        let mut args = vec!["export", "--db", p(db), "--out", p(file)];
        args.extend(today);
        assert!(inntak(&args).status.success());
        std::fs::read_to_string(file).unwrap()
    };
    import(&a, &csv);
    let first = export(&a, &dir.path().join("first.csv"));
    for cell in [
        "'=F5",
        "'=1+1",
        "\"'=HYPERLINK(",
        "'@SUM(1+1)",
        "'-2+3",
        "'+cmd",
    ] {
        assert!(first.contains(cell), "{cell} in {first}");
    }
    let stored: String = rusqlite::Connection::open(&a)
        .unwrap()
        .query_row(
            "SELECT patient FROM referrals WHERE external_id = '=F5'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, "=1+1");
    import(&b, &dir.path().join("first.csv"));
    let second = export(&b, &dir.path().join("second.csv"));
    assert_eq!(first, second);
}

/// Issue 11 ("the demo clinic lives"): a fresh demo has a team, a year of held meetings with
/// attendance, stored agendas (some items postponed), decisions tied to their meeting and one
/// reopened meeting; the minutes of a past Thursday print, and the statistics count the
/// meetings.
#[test]
fn the_demo_clinic_has_a_team_and_a_year_of_meetings_with_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let today = ["--today", "2026-11-23"];
    let out = inntak(&[&["demo", "--db", p(&db)][..], &today].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));

    let conn = rusqlite::Connection::open(&db).unwrap();
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let professions: Vec<String> = conn
        .prepare("SELECT profession FROM team_members ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        professions,
        [
            "lege",
            "lege",
            "psykolog",
            "psykologspesialist",
            "fysioterapeut",
            "sykepleier"
        ]
    );
    // Twice a week for a year, less the holidays: about a hundred, all closed.
    let held = one("SELECT count(*) FROM meetings WHERE status = 'avsluttet'");
    assert!((95..=104).contains(&held), "{held} held meetings");
    assert_eq!(
        one("SELECT count(*) FROM meetings WHERE date < '2025-11-23' OR date >= '2026-11-23'"),
        0
    );
    assert_eq!(
        one(
            "SELECT count(*) FROM meetings WHERE leader_id IS NULL OR id NOT IN (SELECT meeting_id FROM meeting_attendees)"
        ),
        0,
        "every meeting has a leader and attendance"
    );
    assert!(one("SELECT count(*) FROM agenda_items WHERE postponed = 1") > 20);
    // Every current decision of the past year is tied to the meeting of its day.
    assert_eq!(
        one("SELECT count(*) FROM decisions d WHERE d.decided_on >= '2025-11-23' AND d.superseded_by IS NULL
             AND (d.meeting_id IS NULL OR d.decided_on <> (SELECT date FROM meetings m WHERE m.id = d.meeting_id))"),
        0
    );
    // A postponed item was decided at a later meeting.
    assert_eq!(
        one("SELECT count(*) FROM agenda_items i WHERE i.postponed = 1 AND NOT EXISTS
             (SELECT 1 FROM decisions d JOIN meetings m ON m.id = d.meeting_id
              WHERE d.referral_id = i.referral_id AND m.date > (SELECT date FROM meetings WHERE id = i.meeting_id))"),
        0
    );
    assert_eq!(
        one("SELECT count(*) FROM audit_log WHERE action = 'reopen'"),
        1
    );
    assert_eq!(
        one("SELECT count(*) FROM decisions WHERE superseded_by IS NOT NULL"),
        1
    );

    // The minutes of last Thursday.
    let pdf = dir.path().join("referat.pdf");
    let out = inntak(
        &[
            &[
                "minutes",
                "--db",
                p(&db),
                "--meeting",
                "2026-11-19",
                "--out",
                p(&pdf),
            ][..],
            &today,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("torsdag 19.11.2026")
            && text(&out.stdout).contains("møtet er avsluttet"),
        "{}",
        text(&out.stdout)
    );
    let body = pdf_extract::extract_text(&pdf).unwrap();
    assert!(body.contains("Kari Nordmann (lege)"), "{body}");
    assert!(
        body.contains("Siste møte før frist") || body.contains("Etter fristrekkefølge"),
        "{body}"
    );

    // The reopened meeting's minutes say when, by whom and why.
    let reopened: String = conn
        .query_row(
            "SELECT date FROM meetings WHERE id = (SELECT entity_id FROM audit_log WHERE action = 'reopen')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let pdf = dir.path().join("gjenapnet.pdf");
    let out = inntak(
        &[
            &[
                "minutes",
                "--db",
                p(&db),
                "--meeting",
                &reopened,
                "--out",
                p(&pdf),
            ][..],
            &today,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let body = pdf_extract::extract_text(&pdf).unwrap();
    assert!(
        body.contains("Fastlegen ettersendte opplysninger"),
        "{body}"
    );

    // The statistics count the held meetings and what their agendas came to.
    let out = inntak(
        &[
            &["stats", "--db", p(&db), "--year", "2026", "--no-compare"][..],
            &today,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stats = text(&out.stdout);
    let meetings_2026 = one("SELECT count(*) FROM meetings WHERE date >= '2026-01-01'");
    let line = stats
        .lines()
        .find(|l| l.starts_with("Holdte inntaksmøter"))
        .unwrap_or_else(|| panic!("{stats}"));
    assert!(
        line.trim_end().ends_with(&format!(" {meetings_2026}")),
        "{line}"
    );
    let items = one(
        "SELECT count(*) FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id WHERE m.date >= '2026-01-01'",
    );
    let postponed = one(
        "SELECT count(*) FROM agenda_items i JOIN meetings m ON m.id = i.meeting_id WHERE m.date >= '2026-01-01' AND i.postponed = 1",
    );
    assert!(
        stats.lines().any(|l| l.starts_with("Saker på agendaene")
            && l.contains(&inntak::stats::thousands(items as usize).replace('\u{a0}', " "))),
        "{stats}"
    );
    let share = format!("{:.1}", postponed as f64 * 100.0 / items as f64).replace('.', ",");
    assert!(
        stats
            .lines()
            .any(|l| l.starts_with("  herav utsatt til neste møte") && l.contains(&share)),
        "{share}\n{stats}"
    );
}

/// Issue 23, item 2: a list without referral ids imported twice does not put the patients in
/// twice. The second import stops at the possible duplicates and names them; then
/// `--skip-duplicates` leaves them out and `--import-duplicates` takes them anyway. Seen
/// failing before the fix: the second import added the three again.
#[test]
fn a_list_imported_twice_stops_at_the_possible_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("klinikk.sqlite3");
    let csv = dir.path().join("liste.csv");
    std::fs::write(
        &csv,
        "mottatt;pasient;fodselsnummer;fodselsar;henviser\n\
         2026-11-16;Bjørn Ødegård;13097248022;;Dr. Næss\n\
         2026-11-17;Kari Nordmann;;1970;Dr. Berg\n\
         2026-11-18;Per Hansen;;;Dr. Berg\n",
    )
    .unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "--db", p(&db), "--today", "2026-11-23", p(&csv)];
        args.extend(extra);
        inntak(&args)
    };
    let first = import(&[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert_eq!(count(&db), 3);
    let again = import(&[]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stdout));
    let err = text(&again.stderr);
    for expected in [
        "linje 2: Bjørn Ødegård, mottatt 16.11.2026 – samme fødselsnummer som henvisning nr. 1",
        "linje 3: Kari Nordmann, mottatt 17.11.2026 – samme navn og fødselsår som henvisning nr. 2",
        "linje 4: Per Hansen, mottatt 18.11.2026 – samme navn, henviser og mottaksdag",
        "Ingenting ble importert: 3 rader ligner",
        "--skip-duplicates",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert_eq!(count(&db), 3);
    let skipped = import(&["--skip-duplicates"]);
    assert!(skipped.status.success(), "{}", text(&skipped.stderr));
    assert!(text(&skipped.stdout).contains("(hoppet over)"));
    assert!(text(&skipped.stdout).contains("Importerte 0 henvisninger"));
    assert_eq!(count(&db), 3);
    let taken = import(&["--import-duplicates"]);
    assert!(taken.status.success(), "{}", text(&taken.stderr));
    assert!(text(&taken.stdout).contains("(importert likevel)"));
    assert_eq!(count(&db), 6);

    // A number on one side only: the name and the birth year count (Kari was stored without a
    // number; here she comes with one, a day later, from another referrer).
    std::fs::write(
        &csv,
        "mottatt;pasient;fodselsnummer;fodselsar;henviser\n\
         2026-11-18;Kari Nordmann;05057006813;;Dr. Lie\n",
    )
    .unwrap();
    let mixed = import(&[]);
    assert_eq!(mixed.status.code(), Some(2), "{}", text(&mixed.stdout));
    assert!(
        text(&mixed.stderr)
            .contains("linje 2: Kari Nordmann, mottatt 18.11.2026 – samme navn og fødselsår"),
        "{}",
        text(&mixed.stderr)
    );
}
