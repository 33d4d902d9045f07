//! Nothing lost under faults, part two (issue 22): restore, encrypt and passphrase replace
//! the file crash-safely and exclusively; busy is never "damaged"; a symlink to a share is
//! on the share; passphrase files from Notepad give the same key.

mod common;

use common::{demo_db, inntak, inntak_with, p, text};
use inntak::domain::ReferralDraft;
use inntak::domain::referral::iso;
use inntak::store::location::FileSystem;
use inntak::store::{IntegrityCheck, OpenError, OpenOptions, Store, StoreError};
use std::path::Path;

const TODAY: &str = "2026-11-20";
const PASS: &str = "Smerte-Inntak-2026!";

fn referrals(db: &Path, passphrase: Option<&str>) -> Option<usize> {
    let out_csv = db.with_extension("telling.csv");
    let out = inntak_with(
        passphrase,
        &[
            "export",
            "--db",
            p(db),
            "--today",
            TODAY,
            "--out",
            p(&out_csv),
        ],
    );
    let _ = std::fs::remove_file(&out_csv);
    if !out.status.success() {
        return None;
    }
    let said = text(&out.stdout) + &text(&out.stderr);
    let n = said
        .split("Skrev ")
        .nth(1)?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    Some(n)
}

fn draft(name: &str) -> ReferralDraft {
    ReferralDraft {
        patient: name.into(),
        referrer_name: "Dr. Berg".into(),
        ..ReferralDraft::new(iso("2026-11-16"))
    }
}

/// Registers a referral for `name` inside the caller's transaction.
fn insert(
    tx: &inntak::store::db::Transaction<'_>,
    name: &str,
) -> Result<inntak::domain::ReferralId, StoreError> {
    inntak::store::referrals::insert(
        tx,
        &draft(name).validate(iso(TODAY)).unwrap(),
        inntak::domain::ReferralStatus::TilVurdering,
        None,
        common::change_on("test", TODAY),
        inntak::store::audit::ReferralAction::Create,
    )
}

fn names(store: &Store) -> Vec<String> {
    store
        .conn()
        .prepare("SELECT patient FROM referrals ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Files in the folder other than the database, its side files and the lock.
fn strays(dir: &Path, db: &str, also: &[&str]) -> Vec<String> {
    let normal: Vec<String> = ["", "-wal", "-shm", "-journal", ".lock"]
        .iter()
        .map(|s| format!("{db}{s}"))
        .collect();
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !normal.contains(n) && !also.contains(&n.as_str()) && !n.contains("-erstattet-")
        })
        .collect();
    found.sort();
    found
}

/// Finding 1 and 9: `restore` killed at any moment leaves a database at the path that opens
/// with all its referrals (the old ones or the backup's), and the next start removes the
/// temporary copy. (Before: the live file was renamed away first; a kill then left no
/// database at the path, and the temporary copy stayed.)
#[test]
fn a_killed_restore_always_leaves_a_whole_database_at_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("levende.sqlite3");
    demo_db(&live, 3000, TODAY, None);
    let backup = dir.path().join("kopi.sqlite3");
    let out = inntak(&[
        "backup",
        "--db",
        p(&live),
        "--out",
        p(&backup),
        "--today",
        TODAY,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = dir.path().join("ti.csv");
    let mut rows = String::from("henvisning_id;mottatt;pasient\n");
    for i in 0..10 {
        rows.push_str(&format!("L{i};16.11.2026;Ny Pasient{i}\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    let out = inntak(&["import", "--db", p(&live), p(&csv), "--today", TODAY]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let n_live = referrals(&live, None).unwrap();
    let n_backup = referrals(&backup, None).unwrap();
    assert_eq!(n_live, n_backup + 10);

    let db = dir.path().join("db.sqlite3");
    let copy_live = || {
        for s in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{s}", db.display()));
        }
        std::fs::copy(&live, &db).unwrap();
        let wal = format!("{}-wal", live.display());
        if Path::new(&wal).exists() {
            std::fs::copy(&wal, format!("{}-wal", db.display())).unwrap();
        }
    };
    // How long an uninterrupted restore takes.
    copy_live();
    let started = std::time::Instant::now();
    let out = inntak(&[
        "restore",
        "--db",
        p(&db),
        "--from",
        p(&backup),
        "--today",
        TODAY,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let whole = started.elapsed();

    for trial in 0..12u32 {
        copy_live();
        for f in std::fs::read_dir(dir.path()).unwrap().flatten() {
            if f.file_name().to_string_lossy().contains("-erstattet-") {
                std::fs::remove_file(f.path()).unwrap();
            }
        }
        let mut child = std::process::Command::new(common::bin())
            .args([
                "restore",
                "--db",
                p(&db),
                "--from",
                p(&backup),
                "--today",
                TODAY,
            ])
            .env("USER", "cli-test")
            .env_remove("INNTAK_PASSPHRASE")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * trial / 10);
        let _ = child.kill();
        let _ = child.wait();
        assert!(db.exists(), "trial {trial}: no database at the path");
        let n = referrals(&db, None);
        assert!(
            n == Some(n_live) || n == Some(n_backup),
            "trial {trial}: {n:?} referrals (live {n_live}, backup {n_backup})"
        );
        let left = strays(
            dir.path(),
            "db.sqlite3",
            &[
                "levende.sqlite3",
                "levende.sqlite3-wal",
                "levende.sqlite3-shm",
                "levende.sqlite3.lock",
                "kopi.sqlite3",
                "kopi.sqlite3-wal",
                "kopi.sqlite3-shm",
                "kopi.sqlite3.lock",
                "ti.csv",
            ],
        );
        assert!(
            left.is_empty(),
            "trial {trial}: left after the next start: {left:?}"
        );
    }
}

/// Finding 2: `encrypt` cannot replace a file another command has open and may still
/// write: it waits, then says the database is in use, and the other command's write is
/// kept. (Before: the encrypted copy was renamed over the file and the write, confirmed,
/// went into the replaced file and was lost.)
#[test]
fn encrypt_waits_for_a_command_that_has_the_file_open_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inntak.sqlite3");
    let mut store = Store::open(&db).unwrap();
    common::register(&mut store, draft("Før Krypteringen"), TODAY);

    let out = inntak_with(Some(PASS), &["encrypt", "--db", p(&db), "--today", TODAY]);
    let said = text(&out.stderr);
    // The import in this process goes on and writes: its row must be in the file at the path.
    let written = store.write(|tx| insert(tx, "Under Krypteringen"));
    drop(store);
    if out.status.success() {
        // Only acceptable if the write was refused rather than lost.
        assert!(
            written.is_err(),
            "encrypt replaced the file under an open writer"
        );
    } else {
        assert!(said.contains("brukes av"), "{said}");
        assert!(written.is_ok(), "{written:?}");
        let again = Store::open(&db).unwrap();
        assert_eq!(names(&again), ["Før Krypteringen", "Under Krypteringen"]);
        assert!(!again.is_encrypted());
    }
}

/// Finding 2, the writer's side: a store whose file was replaced under it (a new file
/// renamed over the path) refuses to write, and says why, instead of writing into the file
/// that no longer has a name.
#[test]
fn a_write_into_a_file_replaced_under_it_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inntak.sqlite3");
    let other = dir.path().join("annen.sqlite3");
    let mut store = Store::open(&db).unwrap();
    common::register(&mut store, draft("Første Pasient"), TODAY);
    {
        let mut o = Store::open(&other).unwrap();
        common::register(&mut o, draft("Annen Pasient"), TODAY);
        o.checkpoint().unwrap();
    }
    std::fs::rename(&other, &db).unwrap();
    for s in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", db.display()));
    }
    let result = store.write(|tx| insert(tx, "Tapt Pasient"));
    match result {
        Err(StoreError::Refused(message)) => assert!(message.contains("byttet ut"), "{message}"),
        other => panic!("wrote into a replaced file: {other:?}"),
    }
    drop(store);
    let now = Store::open(&db).unwrap();
    assert_eq!(names(&now), ["Annen Pasient"]);
}

/// Finding 3: on a network share, a second user while the holder is in the middle of a
/// write is told the file is in use, not that it is damaged.
#[test]
fn a_share_held_mid_write_is_busy_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("delt.sqlite3");
    let share = OpenOptions {
        create: true,
        integrity: IntegrityCheck::BeforeOpen,
        file_system: Some(FileSystem::Network("SMB/CIFS")),
    };
    let mut holder = Store::open_opts(&db, share).unwrap();
    common::register(&mut holder, draft("Første Pasient"), TODAY);
    holder
        .write(|tx| {
            for i in 0..200 {
                insert(tx, &format!("Pasient Nummer{i}"))?;
            }
            assert!(
                Path::new(&format!("{}-journal", db.display())).exists(),
                "the write has its journal"
            );
            // A colleague's command (another process: SQLite's POSIX locks are per process).
            let out = inntak(&[
                "export",
                "--db",
                p(&db),
                "--today",
                TODAY,
                "--out",
                p(&dir.path().join("e.csv")),
            ]);
            let said = text(&out.stderr);
            assert!(!out.status.success(), "{said}");
            assert!(!said.contains("skadet"), "{said}");
            assert!(said.contains("brukes av"), "{said}");
            let csv = dir.path().join("en.csv");
            std::fs::write(
                &csv,
                "henvisning_id;mottatt;pasient\nD1;16.11.2026;Kari Nordmann\n",
            )
            .unwrap();
            let out = inntak(&["import", "--db", p(&db), p(&csv), "--today", TODAY]);
            let said = text(&out.stderr);
            assert!(!out.status.success(), "{said}");
            assert!(!said.contains("skadet"), "{said}");
            assert!(said.contains("brukes av"), "{said}");
            // The same told to a store opened in this process.
            let colleague = Store::open_opts(
                &db,
                OpenOptions {
                    create: false,
                    ..share
                },
            );
            match colleague {
                Err(OpenError::Busy(_)) => {}
                other => panic!("a busy share was said to be {other:?}"),
            }
            Ok(())
        })
        .unwrap();
}

/// Finding 4: a symbolic link in a local folder to a file elsewhere is judged by the folder
/// the file really lies in.
#[cfg(unix)]
#[test]
fn the_share_check_follows_symbolic_links() {
    let local = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("inntak.sqlite3");
    std::fs::write(&target, b"").unwrap();
    let link = local.path().join("lenke.sqlite3");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert_eq!(
        inntak::store::location::real_folder(&link),
        std::fs::canonicalize(elsewhere.path()).unwrap()
    );
    // A linked folder too.
    let folder_link = local.path().join("mappe");
    std::os::unix::fs::symlink(elsewhere.path(), &folder_link).unwrap();
    assert_eq!(
        inntak::store::location::real_folder(&folder_link.join("ny.sqlite3")),
        std::fs::canonicalize(elsewhere.path()).unwrap()
    );
}

/// Finding 7: a passphrase file as Windows Notepad writes it (UTF-8 with BOM, CRLF, a lone
/// CR, UTF-16 LE with BOM) gives the same key as the passphrase typed; a file that is no
/// text is refused as unreadable, not as a wrong passphrase or a write error.
#[test]
fn passphrase_files_from_notepad_give_the_same_key() {
    use inntak::store::cipher::Passphrase;
    let dir = tempfile::tempdir().unwrap();
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            format!("{PASS}\r\n")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("lf", format!("{PASS}\n").into_bytes()),
        ("crlf", format!("{PASS}\r\n").into_bytes()),
        ("cr", format!("{PASS}\r").into_bytes()),
        (
            "bom",
            [&[0xEF, 0xBB, 0xBF][..], format!("{PASS}\r\n").as_bytes()].concat(),
        ),
        ("utf16", utf16),
    ];
    for (name, bytes) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let read = Passphrase::from_file(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read.expose(), PASS, "{name}");
    }
    let junk = dir.path().join("junk");
    std::fs::write(&junk, [0xC3, 0x28, 0xA0]).unwrap();
    let e = Passphrase::from_file(&junk).err().unwrap();
    assert!(e.contains("Kunne ikke lese passordfilen"), "{e}");
    assert!(!e.contains("skrive"), "{e}");

    // Through the command line: a file encrypted with the typed passphrase opens with the
    // Notepad file.
    let db = dir.path().join("kryptert.sqlite3");
    demo_db(&db, 50, TODAY, Some(PASS));
    let bom = dir.path().join("bom");
    let out = inntak(&[
        "stats",
        "--db",
        p(&db),
        "--today",
        TODAY,
        "--year",
        "2026",
        "--passphrase-file",
        p(&bom),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// A database missing at the path with a kept `-erstattet` file beside it (a restore by an
/// earlier version, killed half-way) is named, and no empty database is made in its place.
#[test]
fn a_missing_database_with_a_kept_file_beside_it_is_named_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inntak.sqlite3");
    let kept = dir.path().join("inntak-erstattet-20261120-1010.sqlite3");
    demo_db(&kept, 20, TODAY, None);
    for command in [
        &["stats", "--db", p(&db), "--today", TODAY, "--year", "2026"][..],
        &["demo", "--db", p(&db), "--referrals", "5", "--today", TODAY],
    ] {
        let out = inntak(command);
        let said = text(&out.stderr);
        assert!(!out.status.success());
        assert!(
            said.contains("inntak-erstattet-20261120-1010.sqlite3"),
            "{said}"
        );
        assert!(!db.exists());
    }
}

/// Runs the command line with the audit log's anchors kept in `anchors`.
fn inntak_anchored(anchors: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(common::bin())
        .args(args)
        .env("USER", "cli-test")
        .env("INNTAK_ANCHOR_DIR", anchors)
        .env_remove("INNTAK_PASSPHRASE")
        .output()
        .unwrap()
}

/// Runs SQL on a plain file the way someone with the sqlite3 shell would: the audit log's
/// triggers dropped first and put back after.
fn tamper(db: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let triggers: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (name, _) in &triggers {
        conn.execute_batch(&format!("DROP TRIGGER {name};"))
            .unwrap();
    }
    conn.execute_batch(sql).unwrap();
    for (_, create) in &triggers {
        conn.execute_batch(&format!("{create};")).unwrap();
    }
}

/// Recomputes every hash of the log with the documented scheme (what someone who read the
/// README could do after an edit).
fn rechain(db: &Path) {
    let conn = inntak::store::db::Connection::from(rusqlite::Connection::open(db).unwrap());
    let rows = inntak::store::audit::rows(&conn).unwrap();
    drop(conn);
    let mut prev = String::new();
    let mut sql = String::from("BEGIN;");
    for row in rows {
        let hash = row.hash(&prev);
        sql.push_str(&format!(
            "UPDATE audit_log SET hash = '{hash}' WHERE id = {};",
            row.id
        ));
        prev = hash;
    }
    sql.push_str("COMMIT;");
    tamper(db, &sql);
}

fn scalar(db: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// Finding 5: `verify` notices what is missing or changed behind the log — the newest rows
/// deleted (some, or all), a row rewritten and the chain recomputed, a row deleted and the
/// chain recomputed, a forged row appended with a correct hash, a decision's juridisk frist
/// or outcome or a referral's received date changed directly — and still passes an
/// untouched file. (Before: all of these passed as "loggen er hel".)
#[test]
fn verify_notices_missing_rows_and_records_changed_behind_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let anchors = dir.path().join("ankere");
    let base = dir.path().join("grunnlag.sqlite3");
    let out = inntak_anchored(
        &anchors,
        &[
            "demo",
            "--db",
            p(&base),
            "--referrals",
            "300",
            "--today",
            TODAY,
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = dir.path().join("db.sqlite3");
    let verify = |label: &str, sql: Option<&str>, then_rechain: bool| -> (bool, String) {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{s}", db.display()));
        }
        // A copy of the clinic's file that Inntak has written to here (its anchor is set).
        let out = inntak_anchored(
            &anchors,
            &[
                "backup",
                "--db",
                p(&base),
                "--out",
                p(&db),
                "--today",
                TODAY,
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let out = inntak_anchored(
            &anchors,
            &[
                "export",
                "--db",
                p(&db),
                "--today",
                TODAY,
                "--out",
                p(&dir.path().join("e.csv")),
            ],
        );
        assert!(out.status.success(), "{label}: {}", text(&out.stderr));
        if let Some(sql) = sql {
            tamper(&db, sql);
        }
        if then_rechain {
            rechain(&db);
        }
        let out = inntak_anchored(&anchors, &["verify", "--db", p(&db), "--today", TODAY]);
        (out.status.success(), text(&out.stdout) + &text(&out.stderr))
    };
    let (ok, said) = verify("untouched", None, false);
    assert!(ok, "an untouched file failed: {said}");
    assert!(said.contains("loggen er hel"), "{said}");

    let decision = scalar(
        &base,
        "SELECT id FROM decisions WHERE outcome = 'rett' AND start_of_care_deadline IS NOT NULL LIMIT 1",
    );
    let decide_row = scalar(
        &base,
        "SELECT min(id) FROM audit_log WHERE action = 'decide'",
    );
    let forged = "INSERT INTO audit_log (id, at, recorded_at, actor, action, entity, entity_id, details, hash) \
         SELECT max(id) + 1, '2026-11-19T10:00:00', '2026-11-19T10:00:00+01:00', 'Overlege Hansen', 'decide', \
         'referral', 1, '{\"utfall\":\"rett\"}', '' FROM audit_log;"
        .to_string();
    let cases: Vec<(&str, String, bool)> = vec![
        (
            "delete the newest row",
            "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log);".into(),
            false,
        ),
        (
            "delete the newest 5",
            "DELETE FROM audit_log WHERE id > (SELECT max(id) - 5 FROM audit_log);".into(),
            false,
        ),
        ("delete all", "DELETE FROM audit_log;".into(), false),
        (
            "rewrite a row and rechain",
            format!("UPDATE audit_log SET actor = 'Forfalsket', details = '{{}}' WHERE id = {decide_row};"),
            true,
        ),
        (
            "delete a middle row and rechain",
            format!("DELETE FROM audit_log WHERE id = {decide_row};"),
            true,
        ),
        ("append a forged row", forged, true),
        (
            "move a frist a year on",
            format!(
                "UPDATE decisions SET start_of_care_deadline = date(start_of_care_deadline, '+365 days') WHERE id = {decision};"
            ),
            false,
        ),
        (
            "move received dates",
            "UPDATE referrals SET received_on = date(received_on, '+20 days') WHERE id IN (SELECT id FROM referrals ORDER BY id DESC LIMIT 5);".into(),
            false,
        ),
    ];
    for (label, sql, then_rechain) in cases {
        let (ok, said) = verify(label, Some(&sql), then_rechain);
        assert!(!ok, "{label}: not noticed: {said}");
        assert!(!said.contains("loggen er hel ("), "{label}: {said}");
    }
}

/// A workbook written the way Excel writes one: each sheet's rows as inline strings, each
/// sheet visible or hidden.
fn write_workbook(path: &Path, sheets: &[(&str, bool, &[&[&str]])]) {
    use std::io::Write;
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default();
    let mut put = |name: &str, body: &str| {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    let mut overrides = String::new();
    let mut entries = String::new();
    let mut rels = String::new();
    for (i, (name, visible, _)) in sheets.iter().enumerate() {
        let n = i + 1;
        overrides.push_str(&format!(r#"<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#));
        let state = if *visible { "" } else { r#" state="hidden""# };
        entries.push_str(&format!(
            r#"<sheet name="{name}" sheetId="{n}"{state} r:id="rId{n}"/>"#
        ));
        rels.push_str(&format!(r#"<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>"#));
    }
    put(
        "[Content_Types].xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>"#
        ),
    );
    put(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put(
        "xl/workbook.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{entries}</sheets></workbook>"#
        ),
    );
    put(
        "xl/_rels/workbook.xml.rels",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
        ),
    );
    for (i, (_, _, rows)) in sheets.iter().enumerate() {
        let mut sheet = String::from(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        );
        for row in rows.iter() {
            sheet.push_str("<row>");
            for cell in row.iter() {
                if cell.is_empty() {
                    sheet.push_str("<c/>");
                } else {
                    sheet.push_str(&format!(r#"<c t="inlineStr"><is><t>{cell}</t></is></c>"#));
                }
            }
            sheet.push_str("</row>");
        }
        sheet.push_str("</sheetData></worksheet>");
        put(&format!("xl/worksheets/sheet{}.xml", i + 1), &sheet);
    }
    zip.finish().unwrap();
}

/// Finding 6 and 11: a hidden first sheet is not imported unasked (the summary names the
/// sheet read); merged header cells and a password-protected workbook are explained in
/// Norwegian. (Before: "Importerte 2" from the hidden sheet; "linje 1: : ukjent kolonne";
/// "Cannot detect file format".)
#[test]
fn spreadsheets_hidden_sheets_merged_headers_and_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("liste.xlsx");
    let header: &[&str] = &["henvisning_id", "mottatt", "pasient"];
    write_workbook(
        &book,
        &[
            (
                "Gammel",
                false,
                &[
                    header,
                    &["G1", "2026-11-02", "Skjult Pasient"],
                    &["G2", "2026-11-03", "Skjult Annen"],
                ],
            ),
            (
                "Henvisninger",
                true,
                &[
                    header,
                    &["V1", "2026-11-16", "Synlig En"],
                    &["V2", "2026-11-17", "Synlig To"],
                    &["V3", "2026-11-18", "Synlig Tre"],
                ],
            ),
        ],
    );
    let db = dir.path().join("db.sqlite3");
    let out = inntak(&["import", "--db", p(&db), p(&book), "--today", TODAY]);
    let said = text(&out.stdout) + &text(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("Importerte 3 henvisninger"), "{said}");
    assert!(said.contains("leste arket «Henvisninger»"), "{said}");
    let store = Store::open(&db).unwrap();
    assert_eq!(names(&store), ["Synlig En", "Synlig To", "Synlig Tre"]);
    drop(store);

    // Merged header cells: the second column has no header of its own.
    let merged = dir.path().join("sammenslaatt.xlsx");
    write_workbook(
        &merged,
        &[(
            "Ark1",
            true,
            &[
                &["henvisning_id", "", "pasient"],
                &["M1", "2026-11-16", "Merket Pasient"],
            ],
        )],
    );
    let out = inntak(&["import", "--db", p(&db), p(&merged), "--today", TODAY]);
    let said = text(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("kolonne B"), "{said}");
    assert!(said.contains("ingen overskrift"), "{said}");
    assert!(said.contains("Slå sammen celler"), "{said}");

    // A workbook encrypted with a password: an OLE file with an EncryptedPackage stream.
    let locked = dir.path().join("passord.xlsx");
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.extend(std::iter::repeat_n(0u8, 504));
    bytes.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    bytes.extend(std::iter::repeat_n(0u8, 512));
    std::fs::write(&locked, bytes).unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&locked), "--today", TODAY]);
    let said = text(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("beskyttet med passord"), "{said}");
    assert!(!said.contains("Cannot detect"), "{said}");
}

/// Finding 8: a leading `'` survives export → import, a text like `'=1+1` in someone else's
/// list is kept as written, and a telephone number is guarded in the export.
#[test]
fn a_leading_apostrophe_is_stripped_only_from_files_inntak_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let list = dir.path().join("sykehusliste.csv");
    std::fs::write(
        &list,
        "henvisning_id;mottatt;pasient;problemstilling;henviser\n\
         H1;16.11.2026;Kari Nordmann;'=1+1;+47 22 33 44 55\n\
         H2;16.11.2026;Ola Nordmann;'Sitat fra fastlegen;Dr. Berg\n",
    )
    .unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&list), "--today", TODAY]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let problems = |db: &Path| -> Vec<(String, String)> {
        rusqlite::Connection::open(db)
            .unwrap()
            .prepare("SELECT problem, referrer_name FROM referrals ORDER BY external_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let stored = problems(&db);
    assert_eq!(stored[0].0, "'=1+1");
    assert_eq!(stored[1].0, "'Sitat fra fastlegen");

    let export = dir.path().join("eksport.csv");
    let out = inntak(&[
        "export",
        "--db",
        p(&db),
        "--today",
        TODAY,
        "--out",
        p(&export),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&export).unwrap();
    assert!(written.contains(";''=1+1;"), "{written}");
    assert!(written.contains(";'+47 22 33 44 55;"), "{written}");
    let again = dir.path().join("igjen.sqlite3");
    let out = inntak(&["import", "--db", p(&again), p(&export), "--today", TODAY]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(problems(&again), stored);
}

/// Finding 10: a damaged file that is refused gets no new `-wal` or `-shm` beside it.
#[test]
fn a_refused_damaged_file_gets_no_side_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("skadet.sqlite3");
    demo_db(&db, 200, TODAY, None);
    let out = inntak(&["verify", "--db", p(&db), "--today", TODAY]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for s in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{s}", db.display()));
    }
    // Overwrite a page in the middle with noise.
    let mut bytes = std::fs::read(&db).unwrap();
    let page = 4096 * 5;
    for (i, b) in bytes[page..page + 4096].iter_mut().enumerate() {
        *b = (i * 7 % 251) as u8;
    }
    std::fs::write(&db, &bytes).unwrap();
    let csv = dir.path().join("en.csv");
    std::fs::write(
        &csv,
        "henvisning_id;mottatt;pasient\nS1;16.11.2026;Kari Nordmann\n",
    )
    .unwrap();
    let backup = dir.path().join("kopi.sqlite3");
    for command in [
        &["verify", "--db", p(&db), "--today", TODAY][..],
        &[
            "backup",
            "--db",
            p(&db),
            "--out",
            p(&backup),
            "--today",
            TODAY,
        ],
        &["import", "--db", p(&db), p(&csv), "--today", TODAY],
    ] {
        let out = inntak(command);
        assert!(!out.status.success(), "{command:?}");
        for s in ["-wal", "-shm", "-journal"] {
            assert!(
                !Path::new(&format!("{}{s}", db.display())).exists(),
                "{command:?} made {s}: {}",
                text(&out.stderr)
            );
        }
        assert_eq!(
            std::fs::read(&db).unwrap(),
            bytes,
            "{command:?} changed the file"
        );
    }
}

/// Finding 11: a file of many invalid rows prints the first 100 and a count, not every line.
#[test]
fn an_import_prints_at_most_a_hundred_invalid_lines() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let csv = dir.path().join("feil.csv");
    let mut rows = String::from("henvisning_id;mottatt;pasient\n");
    for i in 0..250 {
        rows.push_str(&format!("F{i};31.02.2026;Kari Nordmann\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    let out = inntak(&["import", "--db", p(&db), p(&csv), "--today", TODAY]);
    let said = text(&out.stderr);
    assert!(!out.status.success());
    let lines = said.lines().filter(|l| l.starts_with("linje ")).count();
    assert_eq!(lines, 100, "{said}");
    assert!(said.contains("… og 150 feil til"), "{said}");
    assert!(said.contains("250 feil på 250 linjer"), "{said}");
}

/// A swap whose final rename fails leaves the database as it was: its log, taken away from
/// the path before the rename, is put back, and the kept name is gone.
#[test]
fn a_swap_that_fails_puts_the_log_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inntak.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )
    .unwrap();
    conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);")
        .unwrap();
    drop(conn);
    let wal = dir.path().join("inntak.sqlite3-wal");
    let log = std::fs::read(&wal).unwrap();
    assert!(!log.is_empty());
    let keep = dir.path().join("inntak-erstattet-20261207-1200.sqlite3");
    let missing = dir.path().join("finnes-ikke.sqlite3");
    let e = inntak::store::replace::swap(&db, &missing, Some(&keep)).unwrap_err();
    assert!(e.contains("Databasen er som før"), "{e}");
    assert_eq!(std::fs::read(&wal).unwrap(), log);
    assert!(!keep.exists());
    let rows: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 3);
}
