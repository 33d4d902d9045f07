//! What encryption costs the user, each figure beside its floor in the same run:
//! (a) open + queue view model at 100,000 referrals, encrypted (SQLCipher, the key as the
//!     window has it once unlocked) against the same data in a plain file (budget 1.3×);
//!     the one-time key derivation from a typed passphrase is reported on its own;
//! (b) recording one decision (validation, decision row, status, audit row with its hash,
//!     one IMMEDIATE transaction, synchronous=FULL) against a bare rusqlite INSERT + COMMIT
//!     on the same encrypted file with the same settings (budget 2×); the plain file's pair
//!     is shown for comparison.
//!
//! Run: `cargo bench --bench cipher` (optionally `-- 20000` for another size).

use inntak::calendar::WorkingDayRule;
use inntak::domain::ReferralId;
use inntak::domain::decision::{Outcome, TeamMode, Track};
use inntak::domain::referral::iso;
use inntak::store::cipher::{DbKey, Passphrase, Unlock};
use inntak::store::decisions::{self, DecisionExtras, NewDecision};
use inntak::store::referrals::Change;
use inntak::store::{OpenOptions, Store, settings};
use std::path::Path;
use std::time::{Duration, Instant};

mod common;

const TODAY: &str = "2026-11-22";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Open as the window does and build the queue model; the time to a shown queue.
fn open_and_queue(path: &Path, unlock: &Unlock, count: usize) -> Duration {
    let today = iso(TODAY);
    let t = Instant::now();
    let mut store = Store::open_keyed(path, OpenOptions::WINDOW, unlock).expect("open");
    let s = settings::load(store.conn()).expect("settings");
    let model = inntak::model::queue(&store, s.working_day_rule(), today).expect("queue");
    let took = t.elapsed();
    assert_eq!(model.rows.len(), count);
    store.wait_for_integrity().expect("sound");
    took
}

/// Referrals still waiting for a decision.
fn waiting(store: &Store, n: usize) -> Vec<ReferralId> {
    store
        .conn()
        .prepare("SELECT id FROM referrals WHERE status = 'til_vurdering' AND is_secondary = 0 ORDER BY id LIMIT ?1")
        .unwrap()
        .query_map([n as i64], |r| Ok(ReferralId(r.get(0)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Median time to record one decision; to insert + commit one bare row into a table of its
/// own; and to insert + commit the bare decision row alone (the same table and indexes, no
/// rules, status or audit row), on `path`, in alternating rounds.
fn decision_and_floor(path: &Path, unlock: &Unlock, n: usize) -> (Duration, Duration, Duration) {
    let mut store = Store::open_keyed(path, OpenOptions::EXISTING, unlock).expect("open");
    let ids = waiting(&store, n);
    assert_eq!(ids.len(), n, "enough waiting referrals");
    let outcome = Outcome::Rett {
        start_of_care_deadline: Some(iso("2027-03-01")),
        track: Some(Track::Tverrfaglig(TeamMode::Samlet)),
        priority_note: String::new(),
    };
    let extras = DecisionExtras::default();
    let change = Change {
        actor: "bench",
        at: iso(TODAY).and_hms_opt(10, 0, 0).unwrap(),
    };
    // The floor's connection: the same file, the same settings as the store's.
    let conn = rusqlite::Connection::open(path).unwrap();
    if let Some(key) = unlock.keys.first() {
        key.apply(&conn).unwrap();
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE IF NOT EXISTS bench_floor (x INTEGER, t TEXT);",
    )
    .unwrap();
    let (mut decide, mut bare, mut bare_decision) = (Vec::new(), Vec::new(), Vec::new());
    // Rounds of 40 of each: within a round a connection's page cache stays warm, as the
    // window's does (another connection's write makes SQLite drop it).
    for (round, ids) in ids.chunks(40).enumerate() {
        for &id in ids {
            let new = NewDecision {
                referral: id,
                meeting: None,
                decided_on: iso(TODAY),
                outcome: &outcome,
                extras: &extras,
            };
            let t = Instant::now();
            store
                .write(|tx| decisions::record(tx, &new, WorkingDayRule::default(), change))
                .expect("decide");
            decide.push(t.elapsed());
        }
        for i in 0..ids.len() {
            let t = Instant::now();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            conn.execute(
                "INSERT INTO bench_floor (x, t) VALUES (?1, 'rad')",
                [(round * 40 + i) as i64],
            )
            .unwrap();
            conn.execute_batch("COMMIT").unwrap();
            bare.push(t.elapsed());
        }
        for &id in ids {
            let t = Instant::now();
            conn.execute_batch("BEGIN IMMEDIATE").unwrap();
            conn.execute(
                "INSERT INTO decisions (referral_id, meeting_id, decided_on, outcome,
                    start_of_care_deadline, track, track_detail, priority_note, reason, advice,
                    unit, sources, note, after_deadline, decided_by, created_at)
                 VALUES (?1, NULL, '2026-11-22', 'rett', '2027-03-01', 'tverrfaglig', 'samlet',
                    '', '', '', '', '', '', 0, 'bench', '2026-11-22T10:00:00')",
                [id.0],
            )
            .unwrap();
            conn.execute_batch("COMMIT").unwrap();
            bare_decision.push(t.elapsed());
        }
    }
    (median(decide), median(bare), median(bare_decision))
}

fn main() {
    let count = common::size_from_args();
    let (_dir, plain) = common::demo_db(count, iso(TODAY));
    let encrypted = plain.with_file_name("bench-kryptert.sqlite3");

    // The key as a typed passphrase gives it (once per start), then the encrypted copy.
    let passphrase = Passphrase::new("Smerte-Klinikk-2026");
    let t = Instant::now();
    let key = DbKey::new_for_new_file(&passphrase);
    let derivation = t.elapsed();
    {
        let store = Store::open(&plain).expect("open plain");
        std::fs::File::create(&encrypted).unwrap();
        inntak::store::export_encrypted(store.conn(), &encrypted, &key).expect("encrypt");
    }
    let unlock = Unlock::key(key);
    let none = Unlock::none();
    println!(
        "files: plain {:.1} MB, encrypted {:.1} MB",
        std::fs::metadata(&plain).unwrap().len() as f64 / 1e6,
        std::fs::metadata(&encrypted).unwrap().len() as f64 / 1e6
    );

    // (a) interleaved, so both see the same machine state.
    let (mut p, mut e) = (Vec::new(), Vec::new());
    for _ in 0..11 {
        p.push(open_and_queue(&plain, &none, count));
        e.push(open_and_queue(&encrypted, &unlock, count));
    }
    let (p, e) = (ms(median(p)), ms(median(e)));
    let ratio = e / p;
    println!(
        "(a) open + queue model, {count} referrals: plain {p:.1} ms, encrypted {e:.1} ms, \
         ratio {ratio:.2} (budget 1.30) {}",
        if ratio <= 1.3 { "ok" } else { "OVER BUDGET" }
    );
    println!(
        "    key derivation from a typed passphrase (once per start; none with a remembered \
         key): {:.0} ms",
        ms(derivation)
    );

    // (b) one decision against a bare insert + commit, on each file.
    let n = 200;
    let (decide_e, bare_e, row_e) = decision_and_floor(&encrypted, &unlock, n);
    let (decide_p, bare_p, row_p) = decision_and_floor(&plain, &none, n);
    let ratio = ms(decide_e) / ms(bare_e);
    println!(
        "(b) record one decision, encrypted: {:.2} ms; bare insert + commit on the same file: \
         {:.2} ms; ratio {ratio:.2} (budget 2.00) {}",
        ms(decide_e),
        ms(bare_e),
        if ratio <= 2.0 { "ok" } else { "OVER BUDGET" }
    );
    println!(
        "    the bare decision row alone (same table and indexes) + commit, encrypted: {:.2} ms; \
         ratio {:.2}",
        ms(row_e),
        ms(decide_e) / ms(row_e)
    );
    println!(
        "    plain file for comparison: decision {:.2} ms, bare insert + commit {:.2} ms \
         (ratio {:.2}), bare decision row {:.2} ms; encryption adds {:.2} ms per decision",
        ms(decide_p),
        ms(bare_p),
        ms(decide_p) / ms(bare_p),
        ms(row_p),
        ms(decide_e) - ms(decide_p)
    );
}
