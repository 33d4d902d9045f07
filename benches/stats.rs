//! Statistics benchmark over a 100,000-referral demo database (with decisions, track changes
//! and care starts): a year's report against the year before (budget 20 ms), and for scale the
//! whole history in one from–to period and the Oppfølging lists the app reloads after a change.
//!
//! Run: `cargo bench --bench stats` (optionally `-- 50000` for another size).

use inntak::calendar::WorkingDayRule;
use inntak::domain::referral::iso;
use inntak::stats::{self, Period};
use inntak::store::Store;
use std::time::{Duration, Instant};

mod common;

const TODAY: &str = "2026-11-22";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn measure(name: &str, runs: usize, budget_ms: f64, mut f: impl FnMut()) {
    f(); // warm: statements prepared, pages cached
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    let median = ms(samples[samples.len() / 2]);
    let max = ms(*samples.last().unwrap());
    let verdict = if median <= budget_ms {
        "ok"
    } else {
        "OVER BUDGET"
    };
    println!(
        "{name:<58} median {median:>8.3} ms   max {max:>8.3} ms   (n={runs}, budget {budget_ms} ms) {verdict}"
    );
}

fn main() {
    let count = common::size_from_args();
    let today = iso(TODAY);
    let rule = WorkingDayRule::default();
    let (_dir, path) = common::demo_db(count, today);
    let store = Store::open(&path).expect("open");
    let conn = &store;
    let year = inntak::model::stats_report(conn, Period::Year(2025), true, rule, today).unwrap();
    println!(
        "year 2025: {} received, {} assessed (2024: {})",
        year.figures.received,
        year.figures.assessed,
        year.previous.as_ref().map_or(0, |(_, f)| f.assessed)
    );
    measure(
        "year 2025 against 2024 (report + table lines)",
        51,
        20.0,
        || {
            let r =
                inntak::model::stats_report(conn, Period::Year(2025), true, rule, today).unwrap();
            std::hint::black_box(stats::lines(&r));
        },
    );
    measure("2. tertial 2026 against 2025", 51, 20.0, || {
        let r =
            inntak::model::stats_report(conn, Period::Tertial(2026, 2), true, rule, today).unwrap();
        std::hint::black_box(r);
    });
    let all = Period::Range(iso("1900-01-01"), today);
    measure(
        "whole history as one period (every referral)",
        9,
        f64::INFINITY,
        || {
            let r = inntak::model::stats_report(conn, all, false, rule, today).unwrap();
            std::hint::black_box(r);
        },
    );
    measure(
        "Oppfølging lists (reloaded after each change)",
        9,
        f64::INFINITY,
        || {
            std::hint::black_box(inntak::model::follow_ups(conn, today).unwrap());
        },
    );
}
