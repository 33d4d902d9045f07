//! What the clinic's server costs the user, each figure beside its floor in the same run, on a
//! PostgreSQL of this machine over loopback with TLS (as `.ci/postgres.sh` starts one):
//! (a) open + queue view model at 100,000 referrals from the server against the same data in
//!     the SQLite file (budget 1.5×);
//! (b) one decision round trip (validation, decision row, status, audit row with its hash, one
//!     transaction under the writer lock) on the server (budget 10 ms median), beside a bare
//!     INSERT + COMMIT on the server and the same decision on the file;
//! (c) 8 clients at once, each recording 200 decisions on referrals of its own and 50 on
//!     referrals all of them decide: every decision reported saved is stored, no engine text
//!     reaches a user, throughput.
//!
//! Run: `source .ci/postgres.sh; pg_start; cargo bench --bench server; pg_stop` (optionally
//! `-- 20000` for another size).

use inntak::calendar::WorkingDayRule;
use inntak::domain::ReferralId;
use inntak::domain::decision::Outcome;
use inntak::domain::referral::iso;
use inntak::store::cipher::Unlock;
use inntak::store::decisions::{self, DecisionExtras, NewDecision, Sending};
use inntak::store::referrals::Change;
use inntak::store::server::{Scratch, ServerUrl};
use inntak::store::{OpenOptions, Store, settings};
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

fn queue_of(store: &Store, count: usize) {
    let s = settings::load(store.conn()).expect("settings");
    let model = inntak::model::queue(store, s.working_day_rule(), iso(TODAY)).expect("queue");
    assert_eq!(model.rows.len(), count);
}

fn waiting(store: &Store, n: usize, skip: usize) -> Vec<ReferralId> {
    store
        .conn()
        .prepare(
            "SELECT id FROM referrals WHERE status = 'til_vurdering' AND is_secondary = 0 \
             ORDER BY id LIMIT ?1 OFFSET ?2",
        )
        .unwrap()
        .query_map([n as i64, skip as i64], |r| Ok(ReferralId(r.get(0)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// One decision as the meeting sends it, timed.
fn decide(
    store: &mut Store,
    id: ReferralId,
    key: &str,
    actor: &str,
) -> (Duration, Result<(), String>) {
    let outcome = Outcome::Feilsendt;
    let extras = DecisionExtras::default();
    let new = NewDecision {
        referral: id,
        meeting: None,
        decided_on: iso(TODAY),
        outcome: &outcome,
        extras: &extras,
    };
    let change = Change {
        actor,
        at: iso(TODAY).and_hms_opt(10, 0, 0).unwrap(),
    };
    let sending = Sending {
        key: Some(key),
        corrects: None,
    };
    let t = Instant::now();
    let result = store
        .write(|tx| decisions::record_sent(tx, &new, WorkingDayRule::default(), change, sending))
        .map(|_| ())
        .map_err(|e| e.to_string());
    (t.elapsed(), result)
}

fn main() {
    if std::env::var("INNTAK_TEST_PG").is_err() {
        eprintln!(
            "No PostgreSQL to measure against: run `source .ci/postgres.sh; pg_start` first \
             (it sets INNTAK_TEST_PG)."
        );
        std::process::exit(1);
    }
    let count = common::size_from_args();
    let (_dir, file) = common::demo_db(count, iso(TODAY));
    let target = Scratch::empty_for_tests();
    let started = Instant::now();
    {
        let store = Store::open(&file).expect("open the file");
        inntak::ops::port::port(&store, &target.url).expect("port");
    }
    println!(
        "setup: the file moved to the server with `port` in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let url: ServerUrl = target.url.clone();

    // (a) interleaved, so both see the same machine state.
    let (mut f, mut s) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        let t = Instant::now();
        let store = Store::open_keyed(&file, OpenOptions::WINDOW, &Unlock::none()).unwrap();
        queue_of(&store, count);
        f.push(t.elapsed());
        drop(store);
        let t = Instant::now();
        let store = Store::open_server(&url).unwrap();
        queue_of(&store, count);
        s.push(t.elapsed());
    }
    let (f, s) = (ms(median(f)), ms(median(s)));
    let ratio = s / f;
    println!(
        "(a) open + queue model, {count} referrals: file {f:.1} ms, server {s:.1} ms, ratio \
         {ratio:.2} (budget 1.50) {}",
        if ratio <= 1.5 { "ok" } else { "OVER BUDGET" }
    );

    // (b) one decision round trip, beside a bare insert + commit on the server and the file's.
    let n = 200;
    let mut server = Store::open_server(&url).unwrap();
    let ids = waiting(&server, 2 * n, 0);
    let (server_ids, file_ids) = ids.split_at(n);
    let mut on_server = Vec::new();
    for (i, &id) in server_ids.iter().enumerate() {
        let (took, result) = decide(&mut server, id, &format!("b-{i}"), "bench");
        result.expect("decide");
        on_server.push(took);
    }
    let mut client = url.connect().unwrap();
    client
        .batch_execute("CREATE TABLE bench_floor (x BIGINT, t TEXT)")
        .unwrap();
    let mut bare = Vec::new();
    for i in 0..n as i64 {
        let t = Instant::now();
        let mut tx = client.transaction().unwrap();
        tx.execute("INSERT INTO bench_floor (x, t) VALUES ($1, 'rad')", &[&i])
            .unwrap();
        tx.commit().unwrap();
        bare.push(t.elapsed());
    }
    let mut on_file = Vec::new();
    {
        let mut store = Store::open_keyed(&file, OpenOptions::EXISTING, &Unlock::none()).unwrap();
        for (i, &id) in file_ids.iter().enumerate() {
            let (took, result) = decide(&mut store, id, &format!("f-{i}"), "bench");
            result.expect("decide on the file");
            on_file.push(took);
        }
    }
    let (d, b, fd) = (ms(median(on_server)), ms(median(bare)), ms(median(on_file)));
    println!(
        "(b) one decision round trip on the server: {d:.2} ms median (budget 10 ms) {}; bare \
         INSERT + COMMIT on the server {b:.2} ms (ratio {:.2}); the same decision on the file \
         {fd:.2} ms (server/file {:.2})",
        if d <= 10.0 { "ok" } else { "OVER BUDGET" },
        d / b,
        d / fd
    );

    // (c) 8 clients at once: 200 decisions each on their own referrals, 50 on shared ones.
    let clients = 8;
    let own = 200;
    let shared_n = 50;
    // Referrals waiting for a decision, enough for every client (the demo's are mostly
    // decided by now).
    let change = Change {
        actor: "bench",
        at: iso(TODAY).and_hms_opt(9, 0, 0).unwrap(),
    };
    let fields = inntak::domain::ReferralDraft {
        patient: "Bench Pasient".into(),
        birth_year: "1970".into(),
        referrer_name: "Dr. Lege".into(),
        problem: "Langvarige smerter".into(),
        ..inntak::domain::ReferralDraft::new(iso(TODAY))
    }
    .validate(iso(TODAY))
    .unwrap();
    let pool: Vec<ReferralId> = server
        .write(|tx| {
            (0..clients * own + shared_n)
                .map(|_| {
                    inntak::store::referrals::insert(
                        tx,
                        &fields,
                        inntak::domain::ReferralStatus::TilVurdering,
                        None,
                        change,
                        inntak::store::audit::ReferralAction::Create,
                    )
                })
                .collect()
        })
        .expect("referrals for the clients");
    let shared: Vec<ReferralId> = pool[..shared_n].to_vec();
    let start = std::sync::Arc::new(std::sync::Barrier::new(clients));
    let t = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let url = url.clone();
            let mine: Vec<ReferralId> = pool[shared_n + c * own..shared_n + (c + 1) * own].to_vec();
            let shared = shared.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                let mut store = Store::open_server(&url).expect("client");
                let actor = format!("klient{c}");
                start.wait();
                let (mut saved, mut refused, mut engine_text) = (0usize, 0usize, Vec::new());
                for (i, &id) in mine.iter().chain(shared.iter()).enumerate() {
                    match decide(&mut store, id, &format!("c{c}-{i}"), &actor).1 {
                        Ok(()) => saved += 1,
                        Err(text) => {
                            refused += 1;
                            if text.contains("svarte:") {
                                engine_text.push(text);
                            }
                        }
                    }
                }
                (saved, refused, engine_text)
            })
        })
        .collect();
    let (mut saved, mut refused, mut engine_text) = (0, 0, Vec::new());
    for h in handles {
        let (s, r, e) = h.join().expect("client thread");
        saved += s;
        refused += r;
        engine_text.extend(e);
    }
    let took = t.elapsed();
    let keys: i64 = server
        .conn()
        .query_row(
            "SELECT count(*) FROM decisions WHERE request_key LIKE 'c%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let current_shared: i64 = server
        .conn()
        .query_row(
            &format!(
                "SELECT count(*) FROM decisions WHERE superseded_by IS NULL AND referral_id IN ({})",
                shared
                    .iter()
                    .map(|r| r.0.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            [],
            |r| r.get(0),
        )
        .unwrap();
    let chain = inntak::store::audit::verify_chain(server.conn()).map(|_| "whole");
    println!(
        "(c) {clients} clients at once, {} decisions sent: {saved} saved, {refused} refused \
         by the rules; {keys} stored (every saved one: {}); one current decision on each of \
         the {shared_n} shared referrals: {}; engine text shown to a user: {}; chain {}; \
         {:.0} decisions/s",
        clients * (own + shared_n),
        if keys as usize == saved {
            "ok"
        } else {
            "LOST UPDATES"
        },
        if current_shared as usize == shared_n {
            "ok"
        } else {
            "NO"
        },
        engine_text.len(),
        chain.unwrap_or("BROKEN"),
        saved as f64 / took.as_secs_f64()
    );
    for text in engine_text.iter().take(3) {
        println!("    {text}");
    }
}
