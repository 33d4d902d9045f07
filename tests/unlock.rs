//! The passphrase screen as the user meets it, headless: a wrong passphrase says "Feil
//! passord" and leaves the file byte-identical, five in a row make the next try wait, the
//! right one opens the app and "Husk på denne maskinen" remembers the key; a new database
//! asks for the passphrase twice.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use inntak::clock::Clock;
use inntak::domain::referral::iso;
use inntak::store::cipher::{Passphrase, Unlock};
use inntak::store::{OpenOptions, Store};
use inntak::ui::unlock::Mode;
use inntak::ui::{App, Root, UnlockScreen};
use inntak::vault::{MemoryVault, Vault};
use std::path::Path;
use std::sync::Arc;

const PASS: &str = "Smerte-Klinikk-2026";

fn harness(screen: UnlockScreen) -> Harness<'static, Root> {
    let root = Root::locked(screen, |store| {
        App::new(store, Clock::fixed(iso("2026-11-23")), "tester".into())
    });
    Harness::builder()
        .with_size(egui::vec2(1024.0, 700.0))
        .build_ui_state(|ui, root: &mut Root| root.show(ui), root)
}

fn type_into(harness: &mut Harness<'_, Root>, label: &str, text: &str) {
    harness
        .get_by_role_and_label(Role::PasswordInput, label)
        .click();
    harness.run();
    harness
        .get_by_role_and_label(Role::PasswordInput, label)
        .type_text(text);
    harness.run();
}

/// Steps the UI until `done` holds (the key is derived on a thread of its own).
fn settle(harness: &mut Harness<'_, Root>, done: impl Fn(&Harness<'_, Root>) -> bool) {
    for _ in 0..400 {
        harness.step();
        if done(harness) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!("the screen did not settle");
}

fn snapshot(db: &Path) -> Vec<Option<Vec<u8>>> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| std::fs::read(format!("{}{s}", db.display())).ok())
        .collect()
}

/// `n` demo referrals as of 20.11.2026, with the demo offer answered.
fn fill_demo(store: &mut Store, n: usize) {
    let change = inntak::store::referrals::Change {
        actor: "test",
        at: iso("2026-11-20").and_hms_opt(9, 0, 0).unwrap(),
    };
    store
        .write(|tx| {
            inntak::store::settings::put(tx, inntak::store::settings::KEY_DEMO_OFFERED, "1")?;
            inntak::ops::demo::insert(
                tx,
                n,
                1,
                iso("2026-11-20"),
                inntak::calendar::WorkingDayRule::default(),
                change,
            )
        })
        .unwrap();
}

fn encrypted_db(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("klinikk.sqlite3");
    let mut store = Store::open_keyed(
        &db,
        OpenOptions::CREATE,
        &Unlock::passphrase(Passphrase::new(PASS)),
    )
    .unwrap();
    store.checkpoint().unwrap();
    drop(store);
    db
}

#[test]
fn wrong_passphrase_is_refused_and_the_right_one_opens_and_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let db = encrypted_db(dir.path());
    let vault = Arc::new(MemoryVault::default());
    let screen = match UnlockScreen::needed(&db, vault.clone()).unwrap() {
        Err(screen) => screen,
        Ok(_) => panic!("an encrypted file without a remembered key must ask"),
    };
    assert!(matches!(screen.mode(), Mode::Locked(_)));
    let before = snapshot(&db);
    let mut harness = harness(screen);
    harness.run();
    assert!(harness.query_by_label("Inntak er låst").is_some());

    type_into(&mut harness, "Passord", "ikke dette passordet");
    harness.get_by_label("Lås opp").click();
    settle(&mut harness, |h| {
        h.query_by_label_contains("Feil passord").is_some()
    });
    assert_eq!(snapshot(&db), before, "a wrong passphrase changes nothing");

    type_into(&mut harness, "Passord", PASS);
    harness.get_by_label("Husk på denne maskinen").click();
    harness.run();
    harness.get_by_label("Lås opp").click();
    settle(&mut harness, |h| h.state().app().is_some());
    harness.run();
    assert!(
        harness.query_all_by_label("Henvisninger").next().is_some(),
        "the app shows"
    );

    // Remembered: the next start opens without asking.
    assert!(vault.get(&db).is_some());
    drop(harness);
    assert!(UnlockScreen::needed(&db, vault).unwrap().is_ok());
}

#[test]
fn five_wrong_tries_in_a_row_make_the_next_one_wait() {
    let dir = tempfile::tempdir().unwrap();
    let db = encrypted_db(dir.path());
    let before = snapshot(&db);
    let vault = Arc::new(MemoryVault::default());
    let Err(screen) = UnlockScreen::needed(&db, vault).unwrap() else {
        panic!("must ask")
    };
    let mut harness = harness(screen);
    harness.run();
    for attempt in 1..=5 {
        type_into(&mut harness, "Passord", &format!("feil nummer {attempt}"));
        harness.key_press(egui::Key::Enter);
        settle(&mut harness, |h| {
            h.state().screen().is_some_and(|s| s.failures() == attempt)
        });
    }
    let error = harness
        .state()
        .screen()
        .unwrap()
        .error()
        .unwrap()
        .to_string();
    assert!(
        error.contains("5 forsøk på rad") && error.contains("Vent 5 sekunder"),
        "{error}"
    );
    assert!(
        harness
            .get_by_label("Lås opp")
            .accesskit_node()
            .is_disabled()
    );
    // Enter does not try again while waiting.
    type_into(&mut harness, "Passord", PASS);
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(harness.state().screen().unwrap().failures(), 5);
    assert!(harness.state().app().is_none());
    assert_eq!(snapshot(&db), before);
}

#[test]
fn a_new_database_asks_for_the_passphrase_twice_and_is_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ny.sqlite3");
    let vault = Arc::new(MemoryVault::default());
    let Err(screen) = UnlockScreen::needed(&db, vault).unwrap() else {
        panic!("a new database must ask for a passphrase")
    };
    assert_eq!(screen.mode(), Mode::New);
    let mut harness = harness(screen);
    harness.run();
    assert!(
        harness
            .query_by_label_contains("Mister dere passordet, kan dataene ikke gjenopprettes")
            .is_some()
    );
    type_into(&mut harness, "Passord", "kort");
    harness.run();
    assert!(harness.query_by_label("For kort: minst 10 tegn.").is_some());
    type_into(&mut harness, "Passord", "-men nå langt nok");
    type_into(&mut harness, "Gjenta passordet", "noe annet helt");
    harness.get_by_label("Lag kryptert database").click();
    harness.run();
    assert!(
        harness
            .query_by_label("De to passordene er ikke like.")
            .is_some()
    );
    assert!(!db.exists(), "no file before the passphrase is settled");

    harness
        .get_by_role_and_label(Role::PasswordInput, "Gjenta passordet")
        .click();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_role_and_label(Role::PasswordInput, "Gjenta passordet")
        .type_text("kort-men nå langt nok");
    harness.run();
    harness.get_by_label("Lag kryptert database").click();
    settle(&mut harness, |h| h.state().app().is_some());
    drop(harness);
    let head = std::fs::read(&db).unwrap();
    assert_ne!(&head[..16], b"SQLite format 3\0");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "key", "kort-men nå langt nok")
        .unwrap();
    conn.pragma_update(None, "cipher_hmac_algorithm", "HMAC_SHA256")
        .unwrap();
    let version: i32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, inntak::store::SCHEMA_VERSION);
}

/// A backup taken before the passphrase was changed: the window's restore asks for the
/// passphrase it was taken with; a wrong one changes nothing.
#[test]
fn restoring_a_backup_from_before_a_passphrase_change_asks_for_its_passphrase() {
    use inntak::ops::encryption::{self, Purpose};
    use inntak::store::backup::{self, Source};
    use inntak::store::referrals::Change;
    const NEW: &str = "hest batteri stift korrekt";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("klinikk.sqlite3");
    let copy = dir.path().join("kopi.sqlite3");
    let change = Change {
        actor: "test",
        at: iso("2026-11-20").and_hms_opt(9, 0, 0).unwrap(),
    };
    {
        let old = Unlock::passphrase(Passphrase::new(PASS));
        let mut store = Store::open_keyed(&db, OpenOptions::CREATE, &old).unwrap();
        fill_demo(&mut store, 40);
        backup::backup_to(Source::Open(store.conn(), &db), &copy, store.key()).unwrap();
    }
    let old = Unlock::passphrase(Passphrase::new(PASS));
    encryption::reencrypt(
        &db,
        &old,
        &Passphrase::new(NEW),
        Purpose::NewPassphrase,
        change,
    )
    .unwrap();
    let store = Store::open_keyed(
        &db,
        OpenOptions::CREATE,
        &Unlock::passphrase(Passphrase::new(NEW)),
    )
    .unwrap();
    let app = App::new(store, Clock::fixed(iso("2026-11-20")), "tester".into());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    harness.run();
    harness.get_by_label("Innstillinger").click();
    harness.run();

    // A wrong passphrase: refused, the database untouched.
    harness.state_mut().ask_restore(copy.clone());
    harness.run();
    assert!(
        harness
            .get_by_label("Gjenopprett")
            .accesskit_node()
            .is_disabled(),
        "needs the passphrase first"
    );
    harness.get_by_label_contains("Passordet kopien ble tatt med:");
    harness.get_by_role(Role::PasswordInput).click();
    harness.run();
    harness
        .get_by_role(Role::PasswordInput)
        .type_text("ikke det gamle passordet");
    harness.run();
    harness.get_by_label("Gjenopprett").click();
    harness.run();
    harness.get_by_label_contains("kan ikke brukes som sikkerhetskopi");
    assert!(
        harness
            .query_by_label("Gjenopprette fra sikkerhetskopi?")
            .is_none()
    );
    assert_eq!(harness.state().queue().rows.len(), 40);
    // Still the same database, under the new passphrase, with no replaced copy beside it.
    let reader = inntak::store::open_reader(
        &db,
        Some(&inntak::store::cipher::DbKey::derive(
            &Passphrase::new(NEW),
            std::fs::read(&db).unwrap()[..16].try_into().unwrap(),
        )),
    )
    .unwrap();
    let n: i64 = reader
        .query_row("SELECT count(*) FROM referrals", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 40);
    drop(reader);
    let replaced = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("-erstattet-")
        })
        .count();
    assert_eq!(replaced, 0, "a refused restore keeps nothing aside");

    // The right one restores, and the database now has the backup's passphrase.
    harness.state_mut().ask_restore(copy.clone());
    harness.run();
    harness.get_by_role(Role::PasswordInput).click();
    harness.run();
    harness.get_by_role(Role::PasswordInput).type_text(PASS);
    harness.run();
    harness.get_by_label("Gjenopprett").click();
    harness.run();
    harness.get_by_label_contains("Databasen har nå passordet kopien ble tatt med");
    assert_eq!(harness.state().queue().rows.len(), 40);
    drop(harness);
    assert!(
        Store::open_keyed(
            &db,
            OpenOptions::EXISTING,
            &Unlock::passphrase(Passphrase::new(PASS))
        )
        .is_ok()
    );
}

/// Innstillinger → Kryptering: a plain database is encrypted from the window (the same safe
/// rewrite as `inntak encrypt`), and its passphrase changed only with the current one.
#[test]
fn the_window_encrypts_a_plain_database_and_changes_its_passphrase() {
    const NEW: &str = "hest batteri stift korrekt";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("klinikk.sqlite3");
    {
        let mut store = Store::open(&db).unwrap();
        fill_demo(&mut store, 30);
    }
    let vault = Arc::new(MemoryVault::default());
    let mut app = App::new(
        Store::open(&db).unwrap(),
        Clock::fixed(iso("2026-11-20")),
        "tester".into(),
    );
    app.set_vault(vault.clone());
    // Tall enough that Innstillinger's last section is on screen without scrolling.
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 2400.0))
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    harness.run();
    harness.get_by_label("ikke kryptert");
    harness.get_by_label("Innstillinger").click();
    harness.run();
    harness.get_by_label("Krypter databasen…").click();
    harness.run();
    let type_in = |h: &mut Harness<'_, App>, label: &str, text: &str| {
        h.get_by_role_and_label(Role::PasswordInput, label).click();
        h.run();
        h.get_by_role_and_label(Role::PasswordInput, label)
            .type_text(text);
        h.run();
    };
    type_in(&mut harness, "Nytt passord:", PASS);
    type_in(&mut harness, "Gjenta det nye passordet:", PASS);
    harness.get_by_label("Husk på denne maskinen").click();
    harness.get_by_label("Krypter").click();
    harness.run();
    harness.get_by_label_contains("Databasen er kryptert.");
    assert!(harness.state().store().is_encrypted());
    assert_eq!(harness.state().queue().rows.len(), 30);
    assert_ne!(&std::fs::read(&db).unwrap()[..16], b"SQLite format 3\0");
    assert!(vault.get(&db).is_some(), "remembered as asked");

    // A wrong current passphrase changes nothing.
    harness.get_by_label("Bytt passord…").click();
    harness.run();
    type_in(&mut harness, "Nåværende passord:", "ikke det nåværende");
    type_in(&mut harness, "Nytt passord:", NEW);
    type_in(&mut harness, "Gjenta det nye passordet:", NEW);
    harness.get_by_label("Bytt passord").click();
    harness.run();
    harness.get_by_label_contains("Feil nåværende passord");
    harness.get_by_label("Bytt passord…").click();
    harness.run();
    type_in(&mut harness, "Nåværende passord:", PASS);
    type_in(&mut harness, "Nytt passord:", NEW);
    type_in(&mut harness, "Gjenta det nye passordet:", NEW);
    harness.get_by_label("Bytt passord").click();
    harness.run();
    harness.get_by_label_contains("Passordet er byttet.");
    assert_eq!(harness.state().queue().rows.len(), 30);
    drop(harness);
    let reopened = Store::open_keyed(
        &db,
        OpenOptions::EXISTING,
        &Unlock::passphrase(Passphrase::new(NEW)),
    )
    .unwrap();
    let log = inntak::store::audit::list(reopened.conn(), None, None, None).unwrap();
    let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
    assert!(actions.contains(&"encrypt") && actions.contains(&"new_passphrase"));
    // The remembered key was brought up to date.
    assert!(UnlockScreen::needed(&db, vault).unwrap().is_ok());
}

/// Issue 23, item 9: a `--db` path with no database asks in the window (before: a system
/// dialog, and without a dialog program the program exited with one line on stderr and no
/// window). "Ja" goes on to the passphrase; nothing is created before.
#[test]
fn a_named_path_without_a_database_is_asked_about_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("skrivefeil.sqlite3");
    let vault: Arc<dyn Vault + Sync> = Arc::new(MemoryVault::default());
    let screen = UnlockScreen::new(&db, Mode::New, vault, None).ask_before_creating();
    let mut harness = harness(screen);
    harness.run();
    harness.get_by_label("Ny database?");
    harness.get_by_label_contains("Det finnes ingen database på");
    harness.get_by_label("Nei, avslutt");
    assert!(
        harness
            .query_by_role_and_label(Role::PasswordInput, "Passord")
            .is_none()
    );
    assert!(!db.exists());
    harness.get_by_label("Ja, lag en ny database").click();
    harness.run();
    harness.get_by_label("Ny database: velg et passord");
    harness.get_by_role_and_label(Role::PasswordInput, "Passord");
    assert!(!db.exists(), "nothing made before the passphrase");
}
