//! Letters benchmark (issue 14): the letters for 30 decisions (a patient letter and a
//! referrer copy each, 60 letters) planned from the store and typeset into one PDF, first
//! run and warm runs; beside it, in the same run, the floor: a meeting's minutes PDF.
//!
//! Run: `cargo bench --bench letters`. Budget: under 1 s warm.

use inntak::calendar::WorkingDayRule;
use inntak::domain::ReferralId;
use inntak::domain::referral::iso;
use inntak::letters;
use inntak::store::referrals::Change;
use inntak::store::{Store, settings};
use std::time::{Duration, Instant};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let today = iso("2026-11-20");
    let mut store = Store::open_in_memory().expect("store");
    let change = Change {
        actor: "bench",
        at: today.and_hms_opt(8, 0, 0).unwrap(),
    };
    store
        .write(|tx| {
            inntak::ops::demo::insert(tx, 3000, 7, today, WorkingDayRule::default(), change)
                .map(|_| ())
        })
        .expect("demo");
    let s = settings::load(store.conn()).expect("settings");
    // The 30 latest decisions that call for letters.
    let ids: Vec<ReferralId> = store
        .conn()
        .prepare(
            "SELECT referral_id FROM decisions WHERE superseded_by IS NULL
             AND outcome IN ('rett', 'avslag', 'videresendt') ORDER BY id DESC LIMIT 30",
        )
        .unwrap()
        .query_map([], |r| Ok(ReferralId(r.get(0)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ids.len(), 30);
    let run = || {
        let t = Instant::now();
        let mut planned = Vec::new();
        for id in &ids {
            planned.extend(
                inntak::model::letters::for_referral(&store, &s, *id, None, today).unwrap(),
            );
        }
        let ready: Vec<_> = planned.iter().filter(|p| p.is_complete()).collect();
        assert_eq!(ready.len(), 60, "every demo letter is complete");
        let bytes = letters::render(&ready).expect("render");
        (t.elapsed(), bytes.len())
    };
    let (first, size) = run();
    println!(
        "letters, 30 decisions (60 letters), first run (templates + fonts parsed): {:.0} ms, {size} bytes",
        ms(first)
    );
    let warm = median((0..7).map(|_| run().0).collect());
    println!(
        "letters, 30 decisions (60 letters), warm median of 7: {:.0} ms (budget 1000 ms)",
        ms(warm)
    );

    // The floor: the minutes PDF of the latest held meeting (typst, the same fonts).
    let held: i64 = store
        .conn()
        .query_row(
            "SELECT id FROM meetings WHERE status = 'avsluttet' ORDER BY date DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let minutes = |i: u32| {
        let options = inntak::planning::PrintOptions {
            initials_only: false,
            printed_at: today.and_hms_opt(9, i % 60, 0).unwrap(),
        };
        let printed = inntak::model::planning::printed_minutes(
            &store,
            &s,
            inntak::domain::meeting::MeetingId(held),
            options,
        )
        .unwrap();
        let t = Instant::now();
        inntak::agenda::pdf::render(&printed).unwrap();
        t.elapsed()
    };
    minutes(0);
    let floor = median((1..8).map(minutes).collect());
    println!(
        "floor: the latest meeting's minutes PDF, warm median of 7: {:.0} ms",
        ms(floor)
    );
}
