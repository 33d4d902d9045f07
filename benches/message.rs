//! What a referral message with attachments costs (issue 24: "a 50 MB message imports in
//! ≤ 2 s and ≤ 200 MB"), each figure beside its floor in the same run, every import in a
//! fresh process of its own (time, and the process's peak resident memory, VmHWM):
//! (a) importing one Henvisning v2.0 of 50 MB (a base64 PDF attachment in a second
//!     Document) into a new database, as `inntak import` and the window do: read, parse,
//!     validate, write the referral and its message record;
//! (b) the same message without the attachment (2 KB);
//! (c) a message whose problemstilling is 50 MB of text (refused as too long, at once);
//! (d) the floor: reading the 50 MB file into memory and finding its end tag, nothing else.
//!
//! Run: `cargo bench --bench message` (optionally `-- 100` for another size in MB).

use inntak::domain::referral::iso;
use inntak::store::Store;
use inntak::store::referrals::Change;
use std::path::Path;
use std::time::Instant;

// Only the memory and median helpers are used here (no demo database).
#[allow(dead_code)]
mod common;
use common::{median, peak_mb};

#[path = "../tests/common/messages.rs"]
#[allow(dead_code)]
mod messages;

const TODAY: &str = "2026-11-23";

/// In a child process: import `file` into a new database `db` (or, for "floor", read the
/// file and find its end), then print "seconds peak_mb".
fn child(what: &str, file: &Path, db: &Path) {
    let started = Instant::now();
    if what == "floor" {
        let bytes = std::fs::read(file).unwrap();
        let end = bytes.windows(10).rposition(|w| w == b"</mh:MsgHe");
        assert!(end.is_some());
    } else {
        let mut store = Store::open(db).unwrap();
        let change = Change {
            actor: "bench",
            at: iso(TODAY).and_hms_opt(9, 0, 0).unwrap(),
        };
        let files = [file.to_path_buf()];
        let (parsed, read) =
            inntak::import::henvisning::read_files(&files, None, iso(TODAY)).unwrap();
        let options = inntak::import::ImportOptions {
            messages: read,
            ..Default::default()
        };
        let report =
            inntak::import::import_parsed(&mut store, &parsed, &files, &options, change, None)
                .unwrap();
        let expected = usize::from(what == "import");
        assert_eq!(report.imported, expected, "{:?}", report.errors.first());
    }
    println!("{} {}", started.elapsed().as_secs_f64(), peak_mb());
}

fn in_child(what: &str, file: &Path, dir: &Path, round: usize) -> (f64, f64) {
    let db = dir.join(format!("{what}-{round}.sqlite3"));
    common::in_child(&[
        what.to_string(),
        file.display().to_string(),
        db.display().to_string(),
    ])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(
            &args[i + 1],
            Path::new(&args[i + 2]),
            Path::new(&args[i + 3]),
        );
        return;
    }
    let mb: usize = args
        .iter()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("med_vedlegg.xml");
    let small = dir.path().join("uten_vedlegg.xml");
    let message = |attachment| messages::V2 {
        msg_id: "BENCH-1",
        attachment,
        ..Default::default()
    };
    std::fs::write(&big, message(mb * 1024 * 1024).xml()).unwrap();
    std::fs::write(&small, message(0).xml()).unwrap();
    let long_text = dir.path().join("lang_tekst.xml");
    let words = "Smerter i korsrygg med utstråling til venstre bein, over to år.\n";
    let problem: &'static str = Box::leak(
        words
            .repeat(mb * 1024 * 1024 / words.len())
            .into_boxed_str(),
    );
    std::fs::write(
        &long_text,
        messages::V2 {
            msg_id: "BENCH-2",
            problem,
            ..Default::default()
        }
        .xml(),
    )
    .unwrap();
    let size = std::fs::metadata(&big).unwrap().len() as f64 / 1_048_576.0;
    let rounds = 5;
    let mut rows = Vec::new();
    for (what, file, label) in [
        ("import", &big, format!("import, {size:.0} MB message")),
        ("import", &small, "import, 2 KB message".to_string()),
        (
            "refused",
            &long_text,
            format!("refused: {size:.0} MB problemstilling"),
        ),
        ("floor", &big, format!("floor: read {size:.0} MB file")),
    ] {
        let runs: Vec<(f64, f64)> = (0..rounds)
            .map(|r| in_child(what, file, dir.path(), r + rows.len() * rounds))
            .collect();
        let secs = median(runs.iter().map(|r| r.0).collect());
        let peak = median(runs.iter().map(|r| r.1).collect());
        rows.push((label, secs, peak));
    }
    println!("| what | median s | peak MB (VmHWM) |");
    println!("|---|---|---|");
    for (label, secs, peak) in rows {
        println!("| {label} | {secs:.3} | {peak:.0} |");
    }
}
