//! Nothing lost: the careless user's slips, bad files and crashes from the probe report
//! (shared/probes/FINDINGS.md), each as the command line meets them.

mod common;

use common::{bin, inntak, p, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TODAY: &str = "2026-11-20";

fn hash(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

fn side(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn demo(db: &Path, n: usize) {
    common::demo_db(db, n, TODAY, None);
}

/// Imports a file with these bytes into a new database: the output, the database and the
/// folder that holds both (dropped at the end of the test).
fn import_bytes(bytes: &[u8]) -> (Output, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let csv = dir.path().join("inn.csv");
    std::fs::write(&csv, bytes).unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&csv), "--today", TODAY]);
    (out, db, dir)
}

/// The row counts of every table but the audit log (which gains a row for every backup and
/// restore), and the audit log's count on its own.
fn data_counts(db: &Path) -> (Vec<(String, i64)>, i64) {
    let all = counts(db);
    let log = all
        .iter()
        .find(|(t, _)| t == "audit_log")
        .map_or(0, |(_, n)| *n);
    (
        all.into_iter().filter(|(t, _)| t != "audit_log").collect(),
        log,
    )
}

/// Commits `sql` and leaves it in the `-wal`, as a process that died before checkpointing.
fn leave_in_wal(db: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .unwrap();
    conn.execute_batch(&format!(
        "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; {sql};"
    ))
    .unwrap();
}

/// All tables with their row counts.
fn counts(db: &Path) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    names
        .into_iter()
        .map(|n| {
            let c = conn
                .query_row(&format!("SELECT count(*) FROM \"{n}\""), [], |r| r.get(0))
                .unwrap();
            (n, c)
        })
        .collect()
}

/// Every command with an output path, pointed at the database itself or one of its side
/// files: refused, exit 1, the database byte-identical. (Before: the database was replaced
/// by a CSV or PDF, exit 0 with the usual success message; seen failing.)
#[test]
fn an_output_path_naming_the_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("klinikk.sqlite3");
    demo(&db, 300);
    let before = hash(&db);
    let csv = dir.path().join("inn.csv");
    std::fs::write(
        &csv,
        "mottatt;pasient\n01.11.2026;Kari Nordmann\n31.13.2026;Ola Nordmann\n",
    )
    .unwrap();
    let same_db_other_spelling = dir.path().join(".").join("klinikk.sqlite3");
    let wal = side(&db, "-wal");
    let cases: Vec<Vec<&str>> = vec![
        vec!["export", "--out", p(&db)],
        vec!["export", "--out", p(&same_db_other_spelling)],
        vec!["export", "--out", p(&wal)],
        vec!["stats", "--year", "2026", "--csv", "--out", p(&db)],
        vec!["fristbrudd", "--out", p(&db)],
        vec!["agenda", "--next", "--out", p(&db)],
        vec!["minutes", "--meeting", "2026-11-19", "--out", p(&db)],
        vec!["import", p(&csv), "--skip-invalid", "--rejects", p(&db)],
        vec!["backup", "--out", p(&db)],
    ];
    for args in cases {
        let mut full = args.clone();
        full.extend(["--db", p(&db), "--today", TODAY]);
        let out = inntak(&full);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("er databasefilen"),
            "{args:?}: {err} {}",
            text(&out.stdout)
        );
        assert_eq!(hash(&db), before, "{args:?} changed the database");
        assert_eq!(count(&db, "referrals"), 300, "{args:?}");
    }
    // The rejects file may not replace the input either.
    let input_before = hash(&csv);
    let out = inntak(&[
        "import",
        "--db",
        p(&db),
        p(&csv),
        "--skip-invalid",
        "--rejects",
        p(&csv),
        "--today",
        TODAY,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("er filen som leses inn"));
    assert_eq!(hash(&csv), input_before);
    assert_eq!(count(&db, "referrals"), 300);
}

/// A write onto a folder fails in Norwegian and leaves no temp file with the data behind.
#[test]
fn a_failed_output_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    demo(&db, 50);
    let target = dir.path().join("ut");
    std::fs::create_dir(&target).unwrap();
    let out = inntak(&["export", "--db", p(&db), "--out", p(&target)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("er en mappe"),
        "{}",
        text(&out.stderr)
    );
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Read commands on a path with no database: "Fant ingen database", exit 1, nothing made.
/// (Before: an empty database was created and zeros reported with exit 0; seen failing.)
#[test]
fn read_commands_never_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("klinik.sqlite3");
    let nested = dir.path().join("ny/mappe/x.sqlite3");
    let out_csv = dir.path().join("ut.csv");
    let out_pdf = dir.path().join("ut.pdf");
    for db in [&typo, &nested] {
        for args in [
            vec!["stats", "--year", "2026"],
            vec!["fristbrudd"],
            vec!["export", "--out", p(&out_csv)],
            vec!["agenda", "--next", "--out", p(&out_pdf)],
            vec!["minutes", "--meeting", "2026-11-19", "--out", p(&out_pdf)],
            vec!["backup"],
        ] {
            let mut full = args.clone();
            full.extend(["--db", p(db), "--today", TODAY]);
            let out = inntak(&full);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
            assert!(
                text(&out.stderr).contains("Fant ingen database på"),
                "{args:?}: {}",
                text(&out.stderr)
            );
            assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        }
    }
    assert!(!typo.exists());
    assert!(!dir.path().join("ny").exists());
    assert!(!out_csv.exists() && !out_pdf.exists());

    // A 0-byte file and an empty SQLite file from elsewhere are not taken over.
    let zero = dir.path().join("null.sqlite3");
    std::fs::write(&zero, b"").unwrap();
    let empty = dir.path().join("tom.sqlite3");
    rusqlite::Connection::open(&empty)
        .unwrap()
        .execute_batch("VACUUM")
        .unwrap();
    std::fs::write(&empty, std::fs::read(&empty).unwrap()).unwrap();
    for db in [&zero, &empty] {
        let before = hash(db);
        let out = inntak(&["fristbrudd", "--db", p(db)]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains("er tom"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(hash(db), before);
    }
}

/// An unclosed quote: refused with its line; no other patient's data ends up in a field.
/// (Before: exit 0, rows 2 and 3 stored inside row 1's problemstilling; seen failing.)
#[test]
fn an_unclosed_quote_imports_nothing() {
    let (out, db, _dir) = import_bytes(
        b"mottatt;pasient;fodselsar;problemstilling\n\
          01.11.2026;Kari Nordmann;1970;\"Langvarige smerter\n\
          02.11.2026;Ola Nordmann;1980;Rygg\n\
          03.11.2026;Per Hansen;1990;Nakke\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("linje 2: problemstilling: uavsluttet anførselstegn"),
        "{err}"
    );
    assert_eq!(count(&db, "referrals"), 0);
}

/// One stray Windows-1252 byte in a UTF-8 file: refused with its line, never mojibake.
/// (Before: exit 0, "Bjørn" stored as "BjÃ¸rn"; seen failing.)
#[test]
fn a_stray_byte_in_a_utf8_file_is_refused() {
    let mut bytes = "mottatt;pasient\n01.11.2026;Bjørn Ødegård\n"
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(b"02.11.2026;K\xE5ri Hansen\n");
    let (out, db, _dir) = import_bytes(&bytes);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("linje 3") && err.contains("UTF-8"), "{err}");
    assert_eq!(count(&db, "referrals"), 0);
}

/// Control characters never reach the database or the terminal raw.
#[test]
fn control_characters_are_refused_and_never_echoed() {
    let (out, db, _dir) = import_bytes(
        "mottatt;pasient\n\u{1b}[2J\u{1b}[31mKLARERT;Kari\n01.11.2026;Ola\u{0}Nordmann\n"
            .as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(!err.contains('\u{1b}') && !err.contains('\u{0}'), "{err:?}");
    assert!(
        err.contains("linje 3: pasient: inneholder et kontrolltegn (U+0000)"),
        "{err}"
    );
    assert_eq!(count(&db, "referrals"), 0);
}

/// Tab-separated files (Excel's "Tekst (tabulatordelt)") are read like `;` and `,`.
#[test]
fn tab_separated_files_are_read() {
    let (out, db, _dir) = import_bytes(b"mottatt\tpasient\n01.11.2026\tKari Nordmann\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(count(&db, "referrals"), 1);
}

/// A refused damaged file with the `-wal` of the last run: both left exactly as they were,
/// so "ikke endret" is true and the latest work can still be recovered. (Before: SQLite
/// folded the `-wal` into the damaged file and deleted it; seen failing.)
#[test]
fn a_damaged_file_and_its_wal_are_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    demo(&db, 2000);
    // An earlier run that died with committed work still in the -wal.
    leave_in_wal(
        &db,
        "UPDATE referrals SET patient = patient || ' ' WHERE id <= 10",
    );
    let wal = side(&db, "-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    let size = std::fs::metadata(&db).unwrap().len();
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
        f.seek(SeekFrom::Start(size / 2 / 4096 * 4096)).unwrap();
        f.write_all(&[0xFF; 64]).unwrap();
    }
    let (main_before, wal_before) = (hash(&db), hash(&wal));
    let out = inntak(&[
        "export",
        "--db",
        p(&db),
        "--out",
        p(&dir.path().join("ut.csv")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("er skadet"), "{err}");
    assert_eq!(hash(&db), main_before, "main file changed");
    assert_eq!(hash(&wal), wal_before, "-wal changed or removed");
}

/// Read commands read without the full integrity check (seconds on a large file), on a
/// connection that cannot write; their first write (the access-log row) waits for it. With
/// the audit log's index damaged (`stats` never reads it): `stats` answers, `export` is
/// refused before it writes its file or its row, and the database is left as it was.
/// (Before: `stats` ran the full check first and refused; seen failing.)
#[test]
fn a_read_command_checks_the_file_only_before_its_first_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    demo(&db, 2000);
    let (page_size, root): (u64, u64) = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let page_size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        (page_size, root)
    };
    assert!(
        !side(&db, "-wal").exists() || std::fs::metadata(side(&db, "-wal")).unwrap().len() == 0
    );
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
        f.seek(SeekFrom::Start((root - 1) * page_size)).unwrap();
        f.write_all(&vec![0xFF; page_size as usize]).unwrap();
    }
    let before = hash(&db);
    let out = inntak(&["stats", "--db", p(&db), "--year", "2026", "--today", TODAY]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Mottatte henvisninger"));
    let csv = dir.path().join("ut.csv");
    let out = inntak(&["export", "--db", p(&db), "--out", p(&csv)]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("er skadet"), "{err}");
    assert!(!csv.exists(), "the export was written from a damaged file");
    assert_eq!(hash(&db), before, "main file changed");
    assert!(
        !side(&db, "-wal").exists() || std::fs::metadata(side(&db, "-wal")).unwrap().len() == 0,
        "something was written"
    );
}

/// A second writer waits, then gets the Norwegian busy message; nothing changes.
/// (Before: raw English "database is locked".)
#[test]
fn a_second_writer_gets_a_norwegian_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    demo(&db, 20);
    let csv = dir.path().join("inn.csv");
    std::fs::write(&csv, "mottatt;pasient\n01.11.2026;Kari Nordmann\n").unwrap();
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&csv), "--today", TODAY]);
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("Databasen brukes av et annet Inntak-vindu eller en annen kommando"),
        "{err}"
    );
    assert!(!err.contains("database is locked"), "{err}");
    assert_eq!(count(&db, "referrals"), 20);
}

/// Two `demo` commands creating one new file at once: both land, no raw "already exists".
#[test]
fn two_demos_on_one_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ny.sqlite3");
    let spawn = |seed: &str| {
        Command::new(bin())
            .args(["demo", "--db", p(&db), "--referrals", "200", "--seed", seed])
            .args(["--today", TODAY])
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn("1"));
        let b = s.spawn(|| spawn("2"));
        (a.join().unwrap(), b.join().unwrap())
    });
    for out in [&a, &b] {
        let err = text(&out.stderr);
        assert!(!err.contains("already exists"), "{err}");
        assert!(
            out.status.success() || err.contains("brukes av et annet"),
            "{err}"
        );
    }
    let landed = [&a, &b].iter().filter(|o| o.status.success()).count() as i64;
    assert_eq!(count(&db, "referrals"), 200 * landed);
}

/// Backup and restore: a checked copy with every table's rows; restore keeps the replaced
/// file and gives identical row counts.
#[test]
fn backup_and_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("klinikk.sqlite3");
    demo(&db, 500);
    let original = counts(&db);
    assert!(original.iter().any(|(t, n)| t == "decisions" && *n > 0));

    // To the default folder, with the dated name.
    let out = inntak(&["backup", "--db", p(&db)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Sikkerhetskopi skrevet og kontrollert: "),
        "{}",
        text(&out.stdout)
    );
    let folder = dir.path().join("sikkerhetskopier");
    let copies: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let name = copies[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        inntak::store::backup::parse_file_name(&name).is_some(),
        "{name}"
    );
    assert_eq!(counts(&copies[0]), original);

    // Work goes on after the backup; restore brings back the backed-up state.
    let csv = dir.path().join("inn.csv");
    std::fs::write(&csv, "mottatt;pasient\n01.11.2026;Kari Nordmann\n").unwrap();
    assert!(
        inntak(&["import", "--db", p(&db), p(&csv), "--today", TODAY])
            .status
            .success()
    );
    let after_import = counts(&db);
    let out = inntak(&["restore", "--db", p(&db), "--from", p(&copies[0])]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The backed-up data, and its log with the restore logged on top.
    let (data, log) = data_counts(&db);
    let (original_data, original_log) = data_counts(&copies[0]);
    assert_eq!(data, original_data);
    assert_eq!(log, original_log + 1);
    let kept: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("-erstattet-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(counts(&kept[0]), after_import);

    // A damaged backup is refused and the database stays as it is.
    let bad = dir.path().join("skadet.sqlite3");
    let mut bytes = std::fs::read(&copies[0]).unwrap();
    let mid = bytes.len() / 2 / 4096 * 4096;
    bytes[mid..mid + 64].fill(0xFF);
    std::fs::write(&bad, bytes).unwrap();
    let before = hash(&db);
    let out = inntak(&["restore", "--db", p(&db), "--from", p(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("kan ikke brukes som sikkerhetskopi"));
    assert_eq!(hash(&db), before);
}

/// kill -9 during a backup: the database is intact and no half copy carries a good name.
#[test]
fn a_killed_backup_leaves_no_half_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    demo(&db, 20_000);
    let (original, _) = data_counts(&db);
    for (i, delay_ms) in [0u64, 5, 20, 60, 150, 400].into_iter().enumerate() {
        let out = dir.path().join(format!("kopi-{i}.sqlite3"));
        let mut child = Command::new(bin())
            .args(["backup", "--db", p(&db), "--out", p(&out)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        if out.exists() {
            // Only a complete, checked copy ever has the name.
            assert_eq!(data_counts(&out).0, original, "kill after {delay_ms} ms");
        }
        assert_eq!(data_counts(&db).0, original);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
}

/// The printed agenda is bounded: with hundreds overdue it prints what a meeting can take
/// and says how many more must be decided.
#[test]
fn the_printed_agenda_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let csv = dir.path().join("inn.csv");
    let mut rows = String::from("mottatt;pasient\n");
    for i in 0..400 {
        rows.push_str(&format!(
            "{:02}.0{}.2025;Pasient {i}\n",
            1 + i % 28,
            1 + i % 9
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    assert!(
        inntak(&["import", "--db", p(&db), p(&csv), "--today", TODAY])
            .status
            .success()
    );
    let pdf = dir.path().join("agenda.pdf");
    let out = inntak(&[
        "agenda",
        "--db",
        p(&db),
        "--next",
        "--out",
        p(&pdf),
        "--today",
        TODAY,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let limit = inntak::planning::PRINT_MUST_CAP;
    assert!(
        stdout.contains(&format!(
            "{} til må behandles – planlegg ekstra møter",
            400 - limit
        )),
        "{stdout}"
    );
    let printed = pdf_extract::extract_text(&pdf).unwrap();
    assert!(printed.contains("til må behandles"), "{printed}");
    assert!(printed.contains(&format!("Pasient {}", 0)) || printed.contains("Pasient"));
}

/// Demo data of any size is data the app's own import accepts: export → import of 30,000
/// demo referrals imports every one. (Before: from ~27,000 up, rows dated before 2000 were
/// refused; seen failing.)
#[test]
fn a_large_demo_exports_and_imports_again() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.sqlite3"), dir.path().join("b.sqlite3"));
    demo(&a, 30_000);
    let export = dir.path().join("eksport.csv");
    let out = inntak(&[
        "export",
        "--db",
        p(&a),
        "--out",
        p(&export),
        "--today",
        TODAY,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = inntak(&["import", "--db", p(&b), p(&export), "--today", TODAY]);
    assert!(
        out.status.success(),
        "{}",
        text(&out.stderr).lines().take(5).collect::<String>()
    );
    assert_eq!(count(&b, "referrals"), 30_000);
    // The decisions came along (history that counts, issue 13), and the second export is the
    // first, byte for byte.
    assert_eq!(count(&b, "decisions"), {
        let conn = rusqlite::Connection::open(&a).unwrap();
        conn.query_row(
            "SELECT count(*) FROM decisions WHERE superseded_by IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
    });
    let again = inntak(&["export", "--db", p(&b), "--today", TODAY]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        std::fs::read(&export).unwrap() == again.stdout,
        "export → import → export differs"
    );
}

/// An older backup copied over the database while the newer `-wal` stayed beside it: refused
/// with what happened and what to do, the backup and the `-wal` untouched. (Before: the `-wal`
/// was folded into the backup, which was then damaged, and deleted; seen failing.)
#[test]
fn a_backup_copied_beside_a_stale_wal_is_explained_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let other = dir.path().join("annen.sqlite3");
    demo(&db, 2000);
    let out = inntak(&[
        "demo",
        "--db",
        p(&other),
        "--referrals",
        "2000",
        "--seed",
        "2",
    ]);
    assert!(out.status.success());
    leave_in_wal(&db, "UPDATE referrals SET patient = patient || ' '");
    std::fs::copy(&other, &db).unwrap();
    let wal = side(&db, "-wal");
    let (main_before, wal_before) = (hash(&db), hash(&wal));
    let out = inntak(&["stats", "--db", p(&db), "--year", "2026"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("passer ikke sammen"), "{err}");
    assert_eq!(hash(&db), main_before);
    assert_eq!(hash(&wal), wal_before);
}

/// The audit log is append-only and chained: the triggers refuse UPDATE and DELETE, and a
/// row changed or deleted behind their back (triggers dropped in the sqlite3 shell) is
/// named by `inntak verify`.
#[test]
fn the_audit_log_is_append_only_and_verify_names_a_changed_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    demo(&db, 40);
    let out = inntak(&["verify", "--db", p(&db)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows = count(&db, "audit_log");
    assert!(
        text(&out.stdout).contains(&format!("loggen er hel ({rows} rader)")),
        "{}",
        text(&out.stdout)
    );

    let conn = rusqlite::Connection::open(&db).unwrap();
    let e = conn
        .execute(
            "UPDATE audit_log SET actor = 'Overlege Hansen' WHERE id = 3",
            [],
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("endringsloggen kan ikke endres"), "{e}");
    let e = conn
        .execute("DELETE FROM audit_log WHERE id = 5", [])
        .unwrap_err()
        .to_string();
    assert!(e.contains("endringsloggen kan ikke slettes"), "{e}");

    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
         UPDATE audit_log SET actor = 'Overlege Hansen' WHERE id = 7;",
    )
    .unwrap();
    drop(conn);
    let out = inntak(&["verify", "--db", p(&db)]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("rad 7 er endret eller slettet"), "{err}");

    // Put row 7 back as it was and delete row 12 instead: the chain breaks at row 13.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "UPDATE audit_log SET actor = 'cli-test' WHERE id = 7; DELETE FROM audit_log WHERE id = 12;",
    )
    .unwrap();
    drop(conn);
    let err = text(&inntak(&["verify", "--db", p(&db)]).stderr);
    assert!(err.contains("rad 13 er endret eller slettet"), "{err}");
}

/// Every print, export and backup leaves an audit row (what, how many patients, where);
/// `--today` moves the clock, but the row keeps the real time with its UTC offset.
#[test]
fn prints_exports_and_backups_are_logged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    demo(&db, 300);
    let f = |name: &str| dir.path().join(name);
    let runs: Vec<Vec<String>> = vec![
        vec!["export".into(), "--out".into(), p(&f("a.csv")).into()],
        vec!["fristbrudd".into(), "--out".into(), p(&f("b.csv")).into()],
        vec![
            "stats".into(),
            "--year".into(),
            "2026".into(),
            "--csv".into(),
        ],
        vec![
            "agenda".into(),
            "--next".into(),
            "--out".into(),
            p(&f("c.pdf")).into(),
        ],
        vec!["backup".into(), "--out".into(), p(&f("d.sqlite3")).into()],
        vec!["export".into()],
    ];
    for args in &runs {
        let mut full: Vec<&str> = args.iter().map(String::as_str).collect();
        full.extend(["--db", p(&db), "--today", "2019-12-31", "--user", "leder"]);
        let out = inntak(&full);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let logged: Vec<(String, String, String, String)> = conn
        .prepare(
            // The demo's own history of sent letters is left out ("til": "demo").
            "SELECT action, actor, at, recorded_at FROM audit_log WHERE entity = 'output'
             AND coalesce(json_extract(details, '$.til'), '') <> 'demo' ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let actions: Vec<&str> = logged.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "export_referrals",
            "export_breaches",
            "export_stats",
            "print_agenda",
            "backup",
            "export_referrals"
        ]
    );
    let real_today = chrono::Local::now().date_naive().to_string();
    for (_, actor, at, recorded) in &logged {
        assert_eq!(actor, "leder");
        assert!(at.starts_with("2019-12-31T"), "{at}");
        assert!(recorded.starts_with(&real_today), "{recorded}");
        let offset = &recorded[recorded.len() - 6..];
        assert!(
            offset.starts_with('+') || offset.starts_with('-'),
            "{recorded}"
        );
    }
    let details: String = conn
        .query_row(
            "SELECT details FROM audit_log WHERE action = 'export_referrals' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(details.contains("\"pasienter\":300"), "{details}");
    assert!(details.contains("a.csv"), "{details}");

    // `inntak audit` lists them for IT, filtered by user, as CSV.
    let out = inntak(&["audit", "--db", p(&db), "--actor", "leder", "--csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(listing.contains("print_agenda") && listing.contains("backup"));
    let by_leder: usize = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE actor = 'leder'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(by_leder >= 6);
    assert_eq!(listing.lines().count(), 1 + by_leder, "{listing}");
}

/// Runs the command line as an unprivileged user when the tests run as root (root ignores
/// file modes), so a read-only file or folder is read-only for the command. `binary` is a
/// copy of the binary the unprivileged user can run (the checkout may be private).
fn inntak_unprivileged(binary: &Path, args: &[&str]) -> Output {
    let mut command = if running_as_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
            .arg(binary);
        c
    } else {
        Command::new(binary)
    };
    command
        .args(args)
        .env("USER", "cli-test")
        .output()
        .expect("runs")
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A healthy database in a read-only folder, or read-only itself, is "skrivebeskyttet", never
/// "skadet": read commands still work, writes are refused with what to do, and the file is
/// unchanged. (Before: "er skadet … bruk en sikkerhetskopi" for the folder case; seen
/// failing.)
#[cfg(unix)]
#[test]
fn a_read_only_database_is_not_called_damaged() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let folder = dir.path().join("ro");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("db.sqlite3");
    demo(&db, 100);
    let csv = dir.path().join("inn.csv");
    std::fs::write(&csv, "mottatt;pasient\n01.11.2026;Kari Nordmann\n").unwrap();
    let out = dir.path().join("ut.csv");
    let binary = if running_as_root() {
        let copy = dir.path().join("inntak");
        std::fs::copy(bin(), &copy).unwrap();
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        copy
    } else {
        PathBuf::from(bin())
    };
    for (file_mode, dir_mode) in [(0o644, 0o555), (0o444, 0o777)] {
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(file_mode)).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(dir_mode)).unwrap();
        std::fs::set_permissions(&csv, std::fs::Permissions::from_mode(0o644)).unwrap();
        let before = hash(&db);
        let read = inntak_unprivileged(&binary, &["export", "--db", p(&db), "--out", p(&out)]);
        let err = text(&read.stderr);
        assert!(read.status.success(), "{file_mode:o}/{dir_mode:o}: {err}");
        assert!(err.contains("ikke ført i endringsloggen"), "{err}");
        let write = inntak_unprivileged(&binary, &["import", "--db", p(&db), p(&csv)]);
        let err = text(&write.stderr);
        assert_eq!(write.status.code(), Some(1), "{err}");
        assert!(err.contains("er skrivebeskyttet"), "{err}");
        assert!(!err.contains("er skadet"), "{err}");
        assert_eq!(hash(&db), before);
        let _ = std::fs::remove_file(&out);
    }
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
}
