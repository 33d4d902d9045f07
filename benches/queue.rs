//! Queue benchmark over a 100,000-referral database: open + view model, one full frame of
//! the queue view (CPU only, no rendering), all deadlines, and peak memory.
//!
//! Run: `cargo bench --bench queue` (optionally `-- 50000` for another size).

use chrono::Datelike;
use inntak::calendar::WorkingDayRule;
use inntak::clock::Clock;
use inntak::domain::referral::iso;
use inntak::queue::{QueueFilter, StatusFilter};
use inntak::store::referrals;
use inntak::store::{IntegrityCheck, Store, settings};
use inntak::ui::App;
use std::time::{Duration, Instant};

mod common;

const TODAY: &str = "2026-11-22";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident memory of this process (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn summary(name: &str, mut samples: Vec<Duration>, budget_ms: f64) {
    samples.sort();
    let median = ms(percentile(&samples, 0.5));
    let p99 = ms(percentile(&samples, 0.99));
    let verdict = if median <= budget_ms {
        "ok"
    } else {
        "OVER BUDGET"
    };
    println!(
        "{name:<44} median {median:>8.3} ms   p99 {p99:>8.3} ms   (n={}, budget {budget_ms} ms median) {verdict}",
        samples.len()
    );
}

fn main() {
    let count = common::size_from_args();
    let today = iso(TODAY);
    let rule = WorkingDayRule::default();
    let (_dir, path) = common::demo_db(count, today);
    let baseline_mb = peak_rss_mb().unwrap_or(0.0);

    // (a) open the store and build the queue view model, as the window does: the integrity
    // check runs in the background (the first write waits for it), measured separately.
    let mut open_build = Vec::new();
    let (mut opens, mut reads, mut checks) = (Vec::new(), Vec::new(), Vec::new());
    let mut letters = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        let mut store = Store::open_with(&path, IntegrityCheck::Background).expect("open");
        let opened = t.elapsed();
        let s = settings::load(store.conn()).expect("settings");
        // As the window loads it: rows stream into the model (one pass, no list of them all).
        let model = inntak::model::queue(&store, s.working_day_rule(), today).expect("queue");
        open_build.push(t.elapsed());
        opens.push(opened);
        reads.push(t.elapsed() - opened);
        assert_eq!(model.rows.len(), count);
        store.wait_for_integrity().expect("sound");
        checks.push(t.elapsed());
        // The part of the read that marks decided patients not yet informed (issue 14).
        let l = Instant::now();
        let pending = inntak::store::letters::pending(store.conn()).expect("letters");
        let mut marked = model;
        marked.set_letters(&pending, s.working_day_rule(), today);
        letters.push(l.elapsed());
    }
    let mut sync_opens = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        drop(Store::open(&path).expect("open"));
        sync_opens.push(t.elapsed());
    }
    summary("(a) open store + build queue view model", open_build, 300.0);
    summary(
        "    of which: open (header, schema checks)",
        opens,
        f64::INFINITY,
    );
    summary(
        "    of which: read rows into the model",
        reads,
        f64::INFINITY,
    );
    summary(
        "    of which: not informed (letters), again alone",
        letters,
        f64::INFINITY,
    );
    summary(
        "    background quick_check done (from open; it starts when released)",
        checks,
        f64::INFINITY,
    );
    summary(
        "    for comparison: open with quick_check first",
        sync_opens,
        f64::INFINITY,
    );

    // (c) all deadlines and working days left.
    let received: Vec<_> = {
        let store = Store::open(&path).expect("open");
        referrals::all(store.conn())
            .unwrap()
            .into_iter()
            .map(|r| r.fields.received_on)
            .collect()
    };
    let mut deadlines = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let mut checksum = 0i64;
        for &d in &received {
            checksum += i64::from(rule.assessment_deadline(d).day());
        }
        deadlines.push(t.elapsed());
        std::hint::black_box(checksum);
    }
    summary("(c) compute all 100k deadlines", deadlines, 10.0);

    // (b) one full frame of the queue view, all rows in the table (status filter "Alle").
    let store = Store::open(&path).expect("open");
    let mut app = App::new(store, Clock::fixed(today), "bench".into());
    app.set_queue_filter(QueueFilter {
        status: StatusFilter::All,
        ..Default::default()
    });
    let ctx = egui::Context::default();
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1400.0, 900.0));
    let mut frames = Vec::new();
    for i in 0..400 {
        let mut input = egui::RawInput {
            screen_rect: Some(screen),
            ..Default::default()
        };
        input.time = Some(i as f64 / 60.0);
        // Move the pointer over the rows, and scroll now and then, like a user reading the queue.
        let y = 150.0 + (i % 30) as f32 * 20.0;
        input
            .events
            .push(egui::Event::PointerMoved(egui::pos2(300.0, y)));
        if i % 10 == 0 {
            input.events.push(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, -200.0),
                modifiers: egui::Modifiers::NONE,
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Wheel,
            });
        }
        let t = Instant::now();
        let output = ctx.run_ui(input, |ui| app.show(ui));
        let _ = ctx.tessellate(output.shapes, output.pixels_per_point);
        if i >= 20 {
            frames.push(t.elapsed()); // after warm-up (font atlas, first layout)
        }
    }
    assert_eq!(app.visible_rows(), count);
    let mut sorted = frames.clone();
    sorted.sort();
    let p99 = ms(percentile(&sorted, 0.99));
    summary(
        "(b) one queue frame, 100k rows (incl. tessellation)",
        frames,
        1.0,
    );
    println!(
        "    frame p99 budget 4 ms: {}",
        if p99 <= 4.0 { "ok" } else { "OVER BUDGET" }
    );

    let peak = peak_rss_mb().unwrap_or(0.0);
    println!(
        "(d) peak resident memory: {peak:.0} MB (after setup {baseline_mb:.0} MB; budget 150 MB) {}",
        if peak <= 150.0 { "ok" } else { "OVER BUDGET" }
    );
}
