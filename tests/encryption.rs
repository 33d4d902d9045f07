//! Encryption at rest (SQLCipher), as the command line and a clinic's IT person meet it:
//! a wrong or missing passphrase leaves the file byte-identical, nothing readable is in the
//! file, encrypt / passphrase / backup / restore keep every row, and the hash chain still
//! names a row changed with SQLCipher and the key.

mod common;

use common::{bin, p, text};
use inntak::store::cipher::{DbKey, Passphrase, Unlock};
use inntak::store::{OpenError, OpenOptions, Store};
use std::path::Path;
use std::process::Output;

const TODAY: &str = "2026-11-20";
const PASS: &str = "Smerte-Klinikk-2026";

/// Runs the command line with `passphrase` in INNTAK_PASSPHRASE (none: unset).
fn run(passphrase: Option<&str>, args: &[&str]) -> Output {
    common::inntak_with(passphrase, args)
}

fn demo(db: &Path, passphrase: Option<&str>, n: usize) {
    common::demo_db(db, n, TODAY, passphrase);
}

/// Every table's row count, read with the passphrase (SQLCipher's own derivation).
fn counts(db: &Path, passphrase: Option<&str>) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    if let Some(pass) = passphrase {
        conn.pragma_update(None, "key", pass).unwrap();
        conn.pragma_update(None, "cipher_hmac_algorithm", "HMAC_SHA256")
            .unwrap();
    }
    inntak::store::table_counts(&conn.into()).unwrap()
}

fn count(counts: &[(String, i64)], table: &str) -> i64 {
    counts
        .iter()
        .find(|(t, _)| t == table)
        .map_or(-1, |(_, n)| *n)
}

/// Names and fødselsnummer the demo wrote, read back through the key.
fn patients(db: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_update(None, "key", PASS).unwrap();
    conn.pragma_update(None, "cipher_hmac_algorithm", "HMAC_SHA256")
        .unwrap();
    conn.prepare("SELECT patient, coalesce(national_id, '') FROM referrals LIMIT 50")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The printable runs of at least 6 bytes in a file, as `strings` shows them.
fn strings(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let mut out = String::new();
    for run in bytes.split(|b| !(0x20..0x7f).contains(b)) {
        if run.len() >= 6 {
            out.push_str(&String::from_utf8_lossy(run));
            out.push('\n');
        }
    }
    out
}

/// The file and its side files, byte for byte.
fn snapshot(db: &Path) -> Vec<Option<Vec<u8>>> {
    ["", "-wal", "-shm", "-journal"]
        .iter()
        .map(|s| std::fs::read(format!("{}{s}", db.display())).ok())
        .collect()
}

#[test]
fn an_encrypted_file_shows_nothing_and_opens_only_with_its_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("klinikk.sqlite3");
    demo(&db, Some(PASS), 200);

    // Nothing the demo wrote is readable in the file.
    let found = strings(&db);
    let people = patients(&db);
    assert!(people.len() == 50);
    for (name, fnr) in &people {
        assert!(
            !found.contains(name.as_str()),
            "a name is readable in the file"
        );
        if !fnr.is_empty() {
            assert!(!found.contains(fnr.as_str()), "a fødselsnummer is readable");
        }
    }
    assert!(!found.contains("SQLite format 3"));

    // The plain SQLite library (as the sqlite3 shell) refuses it.
    let plain = rusqlite::Connection::open(&db).unwrap();
    let e = plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert!(e.to_string().contains("file is not a database"), "{e}");
    drop(plain);

    // `sqlcipher` given the passphrase (its own key derivation) opens it.
    assert_eq!(count(&counts(&db, Some(PASS)), "referrals"), 200);

    // A wrong passphrase and no passphrase are refused; the files stay byte-identical.
    let before = snapshot(&db);
    let out = run(Some("ikke dette passordet"), &["export", "--db", p(&db)]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("Feil passord"), "{err}");
    // SQLCipher's own log (HMAC failures) never reaches the terminal.
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(text(&out.stdout).is_empty());
    let out = run(None, &["stats", "--db", p(&db), "--year", "2026"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("er kryptert"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(snapshot(&db), before);

    // The passphrase file works like the variable.
    let pass_file = dir.path().join("passord.txt");
    std::fs::write(&pass_file, format!("{PASS}\n")).unwrap();
    let out = run(
        None,
        &["--passphrase-file", p(&pass_file), "verify", "--db", p(&db)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The store's own open: wrong key refused, right key opens.
    let wrong = Store::open_keyed(
        &db,
        OpenOptions::EXISTING,
        &Unlock::passphrase(Passphrase::new("ikke dette passordet")),
    );
    assert!(matches!(wrong, Err(OpenError::WrongPassphrase(_))));
    assert!(matches!(
        Store::open_opts(&db, OpenOptions::EXISTING),
        Err(OpenError::Encrypted(_))
    ));
    assert_eq!(snapshot(&db), before);
    let store = Store::open_keyed(
        &db,
        OpenOptions::EXISTING,
        &Unlock::passphrase(Passphrase::new(PASS)),
    )
    .unwrap();
    assert!(store.is_encrypted());

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&db).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn a_command_that_creates_a_plain_database_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.sqlite3");
    let out = run(
        None,
        &["demo", "--db", p(&db), "--referrals", "5", "--today", TODAY],
    );
    assert!(out.status.success());
    assert!(
        text(&out.stderr).contains("UKRYPTERT"),
        "{}",
        text(&out.stderr)
    );
    assert!(strings(&db).contains("SQLite format 3"));
    // A passphrase too short for a new database makes no file.
    let short = dir.path().join("kort.sqlite3");
    let out = run(
        Some("kort"),
        &["demo", "--db", p(&short), "--referrals", "5"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("minst 10 tegn"),
        "{}",
        text(&out.stderr)
    );
    assert!(!short.exists());
}

#[test]
fn encrypt_and_change_passphrase_keep_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("klinikk.sqlite3");
    demo(&db, None, 150);
    let plain = counts(&db, None);

    let out = run(Some(PASS), &["encrypt", "--db", p(&db)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!strings(&db).contains("SQLite format 3"));
    let encrypted = counts(&db, Some(PASS));
    // Every table has its rows; the log has one more: the encryption itself.
    for (table, n) in &plain {
        let expected = if table == "audit_log" { n + 1 } else { *n };
        assert_eq!(count(&encrypted, table), expected, "{table}");
    }
    // Nothing left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("tmp-inntak")), "{names:?}");
    // Encrypting twice is refused.
    let out = run(Some(PASS), &["encrypt", "--db", p(&db)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("allerede kryptert"));

    // A new passphrase: the old one stops working, the rows stay.
    let new = "hest batteri stift korrekt";
    let out = std::process::Command::new(bin())
        .args(["passphrase", "--db", p(&db)])
        .env("USER", "cli-test")
        .env("INNTAK_PASSPHRASE", PASS)
        .env("INNTAK_NEW_PASSPHRASE", new)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rekeyed = counts(&db, Some(new));
    assert_eq!(count(&rekeyed, "referrals"), 150);
    assert_eq!(
        count(&rekeyed, "audit_log"),
        count(&encrypted, "audit_log") + 1
    );
    let out = run(Some(PASS), &["verify", "--db", p(&db)]);
    assert!(text(&out.stderr).contains("Feil passord"));
    let out = run(Some(new), &["verify", "--db", p(&db)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(Some(new), &["audit", "--db", p(&db)]);
    let log = text(&out.stdout);
    assert!(
        log.contains("encrypt") && log.contains("new_passphrase"),
        "{log}"
    );
}

#[test]
fn backups_are_encrypted_and_restore_with_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("klinikk.sqlite3");
    let copy = dir.path().join("kopi.sqlite3");
    demo(&db, Some(PASS), 120);
    let out = run(Some(PASS), &["backup", "--db", p(&db), "--out", p(&copy)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!strings(&copy).contains("SQLite format 3"));
    let backed_up = counts(&copy, Some(PASS));
    assert_eq!(count(&backed_up, "referrals"), 120);

    // Restore asks for the passphrase the backup was taken with.
    let out = run(None, &["restore", "--db", p(&db), "--from", p(&copy)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("er kryptert"),
        "{}",
        text(&out.stderr)
    );
    let out = run(Some(PASS), &["restore", "--db", p(&db), "--from", p(&copy)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let restored = counts(&db, Some(PASS));
    for (table, n) in &backed_up {
        // The restore is logged in the restored file.
        let expected = if table == "audit_log" { n + 1 } else { *n };
        assert_eq!(count(&restored, table), expected, "{table}");
    }
}

#[test]
fn the_chain_names_a_row_changed_with_sqlcipher_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("klinikk.sqlite3");
    demo(&db, Some(PASS), 30);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "key", PASS).unwrap();
    conn.pragma_update(None, "cipher_hmac_algorithm", "HMAC_SHA256")
        .unwrap();
    let e = conn
        .execute("DELETE FROM audit_log WHERE id = 5", [])
        .unwrap_err()
        .to_string();
    assert!(e.contains("endringsloggen kan ikke slettes"), "{e}");
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET actor = 'Overlege Hansen' WHERE id = 9;",
    )
    .unwrap();
    drop(conn);
    let out = run(Some(PASS), &["verify", "--db", p(&db)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("rad 9 er endret eller slettet"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn our_key_is_the_one_sqlcipher_derives_from_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.sqlite3");
    let pass = Passphrase::new(PASS);
    let key = DbKey::new_for_new_file(&pass);
    let mut store = Store::open_keyed(&db, OpenOptions::CREATE, &Unlock::key(key.clone())).unwrap();
    store
        .write(|tx| Ok(tx.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (42);")?))
        .unwrap();
    store.checkpoint().unwrap();
    drop(store);
    // The file's salt is the key's; SQLCipher's own derivation opens it.
    assert_eq!(std::fs::read(&db).unwrap()[..16], key.salt());
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "key", PASS).unwrap();
    conn.pragma_update(None, "cipher_hmac_algorithm", "HMAC_SHA256")
        .unwrap();
    let x: i64 = conn.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(x, 42);
    assert!(DbKey::derive(&pass, key.salt()) == key);
}
