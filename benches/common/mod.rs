//! What the benchmarks share: a demo database of a given size on disk.

use inntak::calendar::WorkingDayRule;
use inntak::store::referrals::Change;
use inntak::store::{Store, settings};
use std::path::PathBuf;
use std::time::Instant;

/// The benchmark size: the first number on the command line, else 100,000.
pub fn size_from_args() -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000)
}

/// Writes `count` demo referrals (with decisions and follow-ups) for `today` into a new file
/// in a temporary folder, and says how long it took. Keep the folder alive while using it.
pub fn demo_db(count: usize, today: chrono::NaiveDate) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.sqlite3");
    let started = Instant::now();
    let mut store = Store::open(&path).expect("create");
    let change = Change {
        actor: "bench",
        at: today.and_hms_opt(8, 0, 0).unwrap(),
    };
    store
        .write(|tx| {
            settings::put(tx, settings::KEY_DEMO_OFFERED, "1")?;
            inntak::store::demo::insert(tx, count, 1, today, WorkingDayRule::default(), change)
        })
        .expect("fill");
    println!(
        "setup: {count} demo referrals (with decisions and follow-ups) written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    (dir, path)
}
