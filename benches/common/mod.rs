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
            inntak::ops::demo::insert(tx, count, 1, today, WorkingDayRule::default(), change)
        })
        .expect("fill");
    println!(
        "setup: {count} demo referrals (with decisions and follow-ups) written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    (dir, path)
}

/// This process's peak resident memory (VmHWM), in MB.
#[allow(dead_code)] // each bench uses its part
pub fn peak_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The median of the values.
#[allow(dead_code)] // each bench uses its part
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs this benchmark again as a child process with `--child` and `args`, for a fresh
/// process's time and peak memory: the child prints "seconds peak_mb".
#[allow(dead_code)] // each bench uses its part
pub fn in_child(args: &[String]) -> (f64, f64) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--child")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let secs: f64 = parts.next().unwrap().parse().unwrap();
    let mb: f64 = parts.next().unwrap().parse().unwrap();
    (secs, mb)
}
