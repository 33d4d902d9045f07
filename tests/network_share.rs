//! A database on a network share: rollback journal with exclusive locking instead of WAL;
//! the integrity check, the chain walk and backups go through the one connection that
//! holds the file, and a second opener is told the file is busy.

mod common;

use inntak::domain::ReferralDraft;
use inntak::domain::referral::iso;
use inntak::store::backup::{self, Source};
use inntak::store::location::FileSystem;
use inntak::store::{IntegrityCheck, OpenError, OpenOptions, Store};

fn on_share(create: bool) -> OpenOptions {
    OpenOptions {
        create,
        integrity: IntegrityCheck::Background,
        file_system: Some(FileSystem::Network("SMB/CIFS")),
    }
}

#[test]
fn a_file_on_a_network_share_is_held_by_one_connection_without_wal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("delt.sqlite3");
    let mut store = Store::open_opts(&db, on_share(true)).unwrap();
    assert!(store.is_exclusive());
    let notice = store.location_notice().unwrap();
    assert!(
        notice.contains("nettverksdisk (SMB/CIFS)") && notice.contains("bare én"),
        "{notice}"
    );
    let journal: String = store
        .conn()
        .file()
        .unwrap()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "delete");
    let locking: String = store
        .conn()
        .file()
        .unwrap()
        .pragma_query_value(None, "locking_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(locking, "exclusive");

    for n in 0..5 {
        let draft = ReferralDraft {
            patient: format!("Pasient {n}"),
            referrer_name: "Dr. Berg".into(),
            ..ReferralDraft::new(iso("2026-11-16"))
        };
        common::register(&mut store, draft, "2026-11-20");
    }
    // The integrity check was made before opening (nothing runs beside the connection).
    assert_eq!(store.integrity(), inntak::store::Integrity::Ok);
    assert!(!dir.path().join("delt.sqlite3-wal").exists());

    // Another opener (a colleague's machine) is refused as busy, the file unchanged.
    let before = std::fs::read(&db).unwrap();
    let other = Store::open_opts(&db, on_share(false));
    assert!(
        matches!(other, Err(OpenError::Busy(_) | OpenError::Corrupt { .. })),
        "{other:?}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);

    // The chain walk and a backup go through the store's own connection.
    let verdict = store.spawn_chain_check().recv().unwrap();
    assert_eq!(verdict.unwrap(), 5, "one audit row per registration");
    let copy = dir.path().join("kopi.sqlite3");
    let copied = backup::backup_to(Source::Open(store.conn(), &db), &copy, None).unwrap();
    assert_eq!(copied.referrals(), 5);
    // A backup on a connection of its own cannot read the held file.
    let elsewhere = dir.path().join("kopi2.sqlite3");
    assert!(backup::backup_to(Source::File(&db), &elsewhere, None).is_err());
    assert!(!elsewhere.exists());
}
