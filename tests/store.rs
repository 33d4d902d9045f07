//! Store round-trips, refusal of foreign/corrupt/newer files (left byte-identical), and
//! one-transaction-per-intent behaviour.

use inntak::domain::referral::iso;
use inntak::domain::{ReferralDraft, ReferralStatus, ReferrerKind};
use inntak::store::referrals::{self, Change};
use inntak::store::{
    Integrity, IntegrityCheck, OpenError, SCHEMA_VERSION, Store, StoreError, audit, settings,
};
use std::path::Path;

fn change() -> Change<'static> {
    Change {
        actor: "test",
        at: iso("2026-11-20").and_hms_opt(9, 0, 0).unwrap(),
    }
}

fn draft(patient: &str, external_id: &str) -> ReferralDraft {
    ReferralDraft {
        patient: patient.into(),
        external_id: external_id.into(),
        referrer_name: "Dr. Berg".into(),
        national_id: "13097248022".into(),
        ..ReferralDraft::new(iso("2026-11-16"))
    }
}

/// Registers one open referral in its own transaction.
fn insert_open(
    store: &mut Store,
    fields: &inntak::domain::ReferralFields,
) -> inntak::domain::ReferralId {
    store
        .write(|tx| {
            referrals::insert(
                tx,
                fields,
                ReferralStatus::TilVurdering,
                None,
                change(),
                inntak::store::audit::ReferralAction::Create,
            )
        })
        .unwrap()
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn create_reopen_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("inntak.sqlite3");
    let fields = draft("Kari Nordmann", "H1")
        .validate(iso("2026-11-22"))
        .unwrap();
    {
        let mut store = Store::open(&path).unwrap();
        let id = insert_open(&mut store, &fields);
        assert_eq!(id.0, 1);
    }
    let store = Store::open(&path).unwrap();
    let all = referrals::all(store.conn()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].fields, fields);
    assert_eq!(all[0].fields.birth_year, Some(1972));
    let version: i32 = store
        .conn()
        .sqlite()
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let history = audit::for_entity(store.conn(), audit::Entity::Referral, 1).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].actor.as_str(), history[0].event.code()),
        ("test", "create")
    );
}

#[test]
fn a_text_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.sqlite3");
    std::fs::write(&path, "Dette er ikke en database\n".repeat(20)).unwrap();
    let before = bytes(&path);
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, OpenError::NotSqlite(_)), "{err}");
    assert!(err.to_string().contains("Filen er ikke endret"));
    assert_eq!(bytes(&path), before);
}

#[test]
fn another_programs_sqlite_file_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE patients (name TEXT); INSERT INTO patients VALUES ('x');")
            .unwrap();
    }
    let before = bytes(&path);
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, OpenError::NotOurs(_)), "{err}");
    assert_eq!(bytes(&path), before);
    assert!(!dir.path().join("other.db-wal").exists());
}

#[test]
fn a_newer_schema_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.sqlite3");
    drop(Store::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
    }
    let before = bytes(&path);
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, OpenError::Newer { found, supported, .. } if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err}"
    );
    assert!(err.to_string().contains("nyere versjon av Inntak"));
    assert_eq!(bytes(&path), before);
}

#[test]
fn a_corrupt_database_is_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        let today = iso("2026-11-22");
        store
            .write(|tx| {
                for i in 0..300 {
                    let f = draft(&format!("Pasient {i}"), &format!("H{i}"))
                        .validate(today)
                        .unwrap();
                    referrals::insert(
                        tx,
                        &f,
                        ReferralStatus::TilVurdering,
                        None,
                        change(),
                        inntak::store::audit::ReferralAction::Create,
                    )?;
                }
                Ok(())
            })
            .unwrap();
    }
    // Overwrite a stretch of pages after the header with garbage.
    let mut data = bytes(&path);
    assert!(data.len() > 20_000, "{}", data.len());
    for b in &mut data[8192..16384] {
        *b = 0xAB;
    }
    std::fs::write(&path, &data).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, OpenError::Corrupt { .. }), "{err}");
    assert_eq!(bytes(&path), data);

    // The window's way: the check runs in the background, and the first write waits for it
    // and is refused. Nothing is written.
    {
        let mut store = Store::open_with(&path, IntegrityCheck::Background).unwrap();
        let refused = store.write(|tx| Ok(settings::put(tx, "x", "y")?));
        assert!(
            matches!(&refused, Err(StoreError::Refused(m)) if m.contains("er skadet")),
            "{refused:?}"
        );
        assert!(matches!(store.integrity(), Integrity::Damaged(_)));
    }
    assert_eq!(bytes(&path), data);
}

#[test]
fn a_sound_file_checked_in_the_background_opens_and_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.sqlite3");
    drop(Store::open(&path).unwrap());
    let mut store = Store::open_with(&path, IntegrityCheck::Background).unwrap();
    store.write(|tx| Ok(settings::put(tx, "x", "y")?)).unwrap();
    assert_eq!(store.integrity(), Integrity::Ok);
}

#[test]
fn a_failed_intent_leaves_nothing_behind() {
    let mut store = Store::open_in_memory().unwrap();
    let today = iso("2026-11-22");
    let a = draft("A", "SAME").validate(today).unwrap();
    let b = draft("B", "OTHER").validate(today).unwrap();
    let dup = draft("C", "SAME").validate(today).unwrap();
    let result = store.write(|tx| {
        referrals::insert(
            tx,
            &a,
            ReferralStatus::TilVurdering,
            None,
            change(),
            inntak::store::audit::ReferralAction::Create,
        )?;
        referrals::insert(
            tx,
            &b,
            ReferralStatus::TilVurdering,
            None,
            change(),
            inntak::store::audit::ReferralAction::Create,
        )?;
        referrals::insert(
            tx,
            &dup,
            ReferralStatus::TilVurdering,
            None,
            change(),
            inntak::store::audit::ReferralAction::Create,
        )
    });
    assert!(matches!(result, Err(StoreError::DuplicateExternalId(ref id)) if id == "SAME"));
    assert_eq!(referrals::count(store.conn()).unwrap(), 0);
    let audit_rows: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .unwrap();
    assert_eq!(audit_rows, 0);
}

#[test]
fn edit_withdraw_and_reopen_are_audited() {
    let mut store = Store::open_in_memory().unwrap();
    let today = iso("2026-11-22");
    let fields = draft("Kari", "H9").validate(today).unwrap();
    let id = insert_open(&mut store, &fields);
    let mut edited = fields.clone();
    edited.patient = "Kari N.".into();
    edited.referrer_kind = ReferrerKind::Avtalespesialist;
    assert!(
        store
            .write(|tx| referrals::update(tx, id, &edited, change()))
            .unwrap()
    );
    assert!(
        !store
            .write(|tx| referrals::update(tx, id, &edited, change()))
            .unwrap(),
        "no-op edit"
    );
    store
        .write(|tx| referrals::withdraw(tx, id, "Pasienten ønsket det ikke", change()))
        .unwrap();
    assert_eq!(
        referrals::get(store.conn(), id).unwrap().status,
        ReferralStatus::Trukket
    );
    let again = store.write(|tx| referrals::withdraw(tx, id, "igjen", change()));
    assert!(matches!(again, Err(StoreError::Rule(_))));
    store
        .write(|tx| referrals::reopen(tx, id, change()))
        .unwrap();

    let history = audit::for_entity(store.conn(), audit::Entity::Referral, id.0).unwrap();
    let actions: Vec<&str> = history.iter().map(|h| h.event.code()).collect();
    assert_eq!(actions, ["create", "update", "withdraw", "reopen"]);
    assert_eq!(
        history[1].details["pasient"],
        serde_json::json!(["Kari", "Kari N."])
    );
    assert_eq!(
        history[1].details["henviser_type"],
        serde_json::json!(["fastlege", "avtalespesialist"])
    );
    assert_eq!(
        history[2].details["begrunnelse"],
        "Pasienten ønsket det ikke"
    );
}

#[test]
fn settings_round_trip_with_closure_days() {
    use inntak::domain::settings::{ClinicSettings, ClosureDay};
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(
        settings::load(store.conn()).unwrap(),
        ClinicSettings::default()
    );
    let s = ClinicSettings {
        clinic_name: "Smerteklinikken, Haukeland".into(),
        saturday_is_working_day: true,
        meeting_weekdays: vec![chrono::Weekday::Mon, chrono::Weekday::Thu],
        agenda_capacity: 15,
        closure_days: vec![ClosureDay {
            date: iso("2026-12-24"),
            label: "Julaften".into(),
        }],
        ..Default::default()
    };
    store.write(|tx| settings::save(tx, &s, change())).unwrap();
    assert_eq!(settings::load(store.conn()).unwrap(), s);
    let bad = ClinicSettings {
        meeting_weekdays: vec![],
        ..s.clone()
    };
    assert!(
        store
            .write(|tx| settings::save(tx, &bad, change()))
            .is_err()
    );
    assert_eq!(settings::load(store.conn()).unwrap(), s);
}

/// The schema objects of a database, normalised, for comparing a migrated file with a fresh one.
fn schema_of(conn: &rusqlite::Connection) -> Vec<(String, String)> {
    let mut stmt = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(|r| {
        let (name, sql) = r.unwrap();
        // A table rebuilt by a migration is stored as CREATE TABLE "name" after its rename.
        let sql = sql.replace(&format!("\"{name}\""), &name);
        (name, sql.split_whitespace().collect::<Vec<_>>().join(" "))
    })
    .collect()
}

#[test]
fn a_version_1_database_is_upgraded_in_place_and_keeps_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite3");
    std::fs::copy("tests/fixtures/v1.sqlite3", &path).unwrap();
    let store = Store::open(&path).unwrap();
    let version: i32 = store
        .conn()
        .sqlite()
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    assert_eq!(referrals::count(store.conn()).unwrap(), 40);
    let fresh = Store::open_in_memory().unwrap();
    assert_eq!(
        schema_of(store.conn().sqlite().unwrap()),
        schema_of(fresh.conn().sqlite().unwrap()),
        "migrations and schema.sql agree"
    );
    let meetings: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM meetings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(meetings, 0);
    // The rows written before the chain existed are chained once, and the upgrade is logged.
    let rows = audit::verify_chain(store.conn()).unwrap();
    let (action, details): (String, String) = store
        .conn()
        .query_row(
            "SELECT action, details FROM audit_log ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(action, "upgrade");
    assert!(
        details.contains("\"fra_versjon\":1")
            && details.contains(&format!("\"rader_kjedet\":{}", rows - 1)),
        "{details}"
    );
}

/// Issue 10: every released schema version is upgraded to the current one in place: a
/// database at version 2, 3 and 4 (tests/fixtures/v*.sql, made by the migrations with rows
/// of each version's features) opens, keeps every row, ends with the same schema as a fresh
/// database, and its audit log is chained with the upgrade logged.
#[test]
fn databases_at_versions_2_3_and_4_are_upgraded_and_keep_their_data() {
    let count = |conn: &rusqlite::Connection, table: &str| -> i64 {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    for (version, tables) in [
        (
            2,
            &[
                "referrals",
                "team_members",
                "meetings",
                "meeting_attendees",
                "agenda_items",
            ][..],
        ),
        (
            3,
            &["referrals", "meetings", "agenda_items", "decisions"][..],
        ),
        (
            4,
            &["referrals", "decisions", "mapping_reports", "care_starts"][..],
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("v{version}.sqlite3"));
        let sql = std::fs::read_to_string(format!("tests/fixtures/v{version}.sql")).unwrap();
        let before: Vec<i64> = {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(&sql).unwrap();
            let found: i32 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(found, version);
            tables.iter().map(|t| count(&conn, t)).collect()
        };
        let audit_before: i64 = {
            let conn = rusqlite::Connection::open(&path).unwrap();
            count(&conn, "audit_log")
        };
        let store = Store::open(&path).unwrap_or_else(|e| panic!("v{version}: {e}"));
        let now: i32 = store
            .conn()
            .sqlite()
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(now, SCHEMA_VERSION, "v{version}");
        let after: Vec<i64> = tables
            .iter()
            .map(|t| count(store.conn().sqlite().unwrap(), t))
            .collect();
        assert_eq!(after, before, "v{version}: rows kept in {tables:?}");
        let fresh = Store::open_in_memory().unwrap();
        assert_eq!(
            schema_of(store.conn().sqlite().unwrap()),
            schema_of(fresh.conn().sqlite().unwrap()),
            "v{version}: migrations and schema.sql agree"
        );
        // Every earlier row plus the upgrade row, chained.
        let rows = audit::verify_chain(store.conn()).unwrap();
        assert_eq!(rows as i64, audit_before + 1, "v{version}");
        let details: String = store
            .conn()
            .query_row(
                "SELECT details FROM audit_log WHERE action = 'upgrade'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            details.contains(&format!("\"fra_versjon\":{version}")),
            "{details}"
        );
        // The data reads back through the store as the app reads it.
        assert_eq!(referrals::count(store.conn()).unwrap(), 40);
        if version >= 3 {
            let d = inntak::store::decisions::current(store.conn(), inntak::domain::ReferralId(15))
                .unwrap()
                .expect("the avslag survives");
            assert!(matches!(
                d.outcome,
                inntak::domain::decision::Outcome::Avslag { .. }
            ));
        }
        let check: String = store
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
}
