//! What an import costs the user (issue 13), each figure beside its floor in the same run:
//! (a) importing 100,000 CSV rows and (b) the same rows as an .xlsx sheet, each in a fresh
//!     process of its own (time, and the process's peak resident memory, VmHWM), against a
//!     bare rusqlite INSERT of 100,000 rows of the same fields in one transaction (also in a
//!     process of its own);
//! (c) the window's frame time while an import of the 100,000 CSV rows runs (the import is on
//!     a thread and connection of its own), against the same window's frame time idle.
//!
//! Run: `cargo bench --bench import` (optionally `-- 20000` for another size).

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use inntak::clock::Clock;
use inntak::domain::referral::iso;
use inntak::store::referrals::Change;
use inntak::store::{Store, settings};
use inntak::ui::{Action, App, ImportAction, ImportOrigin};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// `size_from_args` and the memory and median helpers (no demo database: the import starts
// from an empty one).
#[allow(dead_code)]
mod common;
use common::{median, peak_mb};

const TODAY: &str = "2026-11-23";
const HEADER: [&str; 9] = [
    "henvisning_id",
    "mottatt",
    "pasient",
    "fodselsar",
    "henviser",
    "henviser_type",
    "problemstilling",
    "status",
    "avgjort",
];

/// Row `i`: a realistic mix, a third of them history decided (rett, avslag, feilsendt).
fn row(i: usize) -> [String; 9] {
    let day = 1 + (i % 28) as u32;
    let month = 1 + ((i / 28) % 12) as u32;
    let year = 2019 + (i / (28 * 12)) % 7;
    let (status, decided) = match i % 6 {
        0 => (
            "rett",
            format!("{:02}.{month:02}.{year}", (day + 5).min(28)),
        ),
        1 => (
            "avslag",
            format!("{:02}.{month:02}.{year}", (day + 7).min(28)),
        ),
        2 => (
            "feilsendt",
            format!("{:02}.{month:02}.{year}", (day + 1).min(28)),
        ),
        _ => ("til_vurdering", String::new()),
    };
    [
        format!("H{i:07}"),
        format!("{day:02}.{month:02}.{year}"),
        format!("Pasient Nordmann-Ødegård {i}"),
        format!("{}", 1940 + i % 70),
        format!("Dr. Åse Næss, Storby legesenter {}", i % 300),
        "fastlege".into(),
        "Langvarige smerter i korsrygg med utstråling, over to år; ønsker tverrfaglig vurdering"
            .into(),
        status.into(),
        decided,
    ]
}

fn write_csv(path: &Path, n: usize) {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_path(path)
        .unwrap();
    w.write_record(HEADER).unwrap();
    for i in 0..n {
        w.write_record(row(i)).unwrap();
    }
    w.flush().unwrap();
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The same rows as an .xlsx workbook: text as inline strings, `mottatt` as date cells
/// (Excel date numbers with a date format), the birth year as a number.
fn write_xlsx(path: &Path, n: usize) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, body: &str| {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    put(
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#,
    );
    put(
        "_rels/.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    put(
        "xl/workbook.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Henvisninger" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    put(
        "xl/_rels/workbook.xml.rels",
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
    );
    put(
        "xl/styles.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#,
    );
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    let text = |s: &str| format!(r#"<c t="inlineStr"><is><t>{}</t></is></c>"#, xml_escape(s));
    sheet.push_str("<row>");
    for h in HEADER {
        sheet.push_str(&text(h));
    }
    sheet.push_str("</row>");
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
    for i in 0..n {
        let r = row(i);
        sheet.push_str("<row>");
        for (c, cell) in r.iter().enumerate() {
            match c {
                1 => {
                    let d = inntak::calendar::parse_date(cell).unwrap();
                    sheet.push_str(&format!(
                        r#"<c s="1"><v>{}</v></c>"#,
                        (d - epoch).num_days()
                    ));
                }
                3 => sheet.push_str(&format!("<c><v>{cell}</v></c>")),
                _ => sheet.push_str(&text(cell)),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    put("xl/worksheets/sheet1.xml", &sheet);
    zip.finish().unwrap();
}

/// In a child process: import `file` into a new database `db` (or, for "floor", insert the
/// rows bare), then print "seconds peak_mb".
fn child(what: &str, file: &Path, db: &Path, n: usize) {
    let started = Instant::now();
    if what == "floor" {
        let mut conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE rows (id TEXT, mottatt TEXT, pasient TEXT, fodselsar INTEGER,
                henviser TEXT, henviser_type TEXT, problemstilling TEXT, status TEXT, avgjort TEXT);",
        )
        .unwrap();
        let tx = conn.transaction().unwrap();
        {
            let mut stmt = tx
                .prepare("INSERT INTO rows VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
                .unwrap();
            for i in 0..n {
                let r = row(i);
                stmt.execute(rusqlite::params_from_iter(r.iter())).unwrap();
            }
        }
        tx.commit().unwrap();
    } else {
        let mut store = Store::open(db).unwrap();
        let change = Change {
            actor: "bench",
            at: iso(TODAY).and_hms_opt(9, 0, 0).unwrap(),
        };
        let report = inntak::import::import_file(
            &mut store,
            file,
            &inntak::import::ImportOptions::default(),
            iso(TODAY),
            change,
        )
        .unwrap();
        assert_eq!(report.imported, n, "{:?}", report.errors.first());
    }
    println!("{} {}", started.elapsed().as_secs_f64(), peak_mb());
}

/// Runs `what` in a fresh process; (seconds, peak MB).
fn in_child(what: &str, file: &Path, dir: &Path, n: usize, round: usize) -> (f64, f64) {
    let db = dir.join(format!("{what}-{round}.sqlite3"));
    common::in_child(&[
        what.to_string(),
        file.display().to_string(),
        db.display().to_string(),
        n.to_string(),
    ])
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

/// Frame times (ms) of the window: idle, then while the import of `csv` runs.
fn frames(csv: &Path, dir: &Path, n: usize) -> (Vec<f64>, Vec<f64>, f64) {
    let db = dir.join("window.sqlite3");
    let mut store = Store::open(&db).unwrap();
    store
        .write(|tx| Ok(settings::put(tx, settings::KEY_DEMO_OFFERED, "1")?))
        .unwrap();
    let app = App::new(store, Clock::fixed(iso(TODAY)), "bench".into());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    harness.run_ok();
    let mut idle = Vec::new();
    for _ in 0..60 {
        let t = Instant::now();
        harness.step();
        idle.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    harness
        .state_mut()
        .apply(Action::Import(ImportAction::Open(ImportOrigin::Files(
            vec![csv.to_path_buf()],
        ))));
    let label = format!("Importer ({n})");
    while harness.query_by_label(&label).is_none() {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(6);
    harness.get_by_label(&label).click();
    let started = Instant::now();
    let mut during = Vec::new();
    loop {
        let t = Instant::now();
        harness.step();
        during.push(t.elapsed().as_secs_f64() * 1000.0);
        if harness
            .query_all_by_label_contains("Importerte ")
            .next()
            .is_some()
        {
            break;
        }
        // About 60 frames a second, as the window repaints while the import runs.
        std::thread::sleep(Duration::from_millis(16));
    }
    (idle, during, started.elapsed().as_secs_f64())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let n = args[i + 4].parse().unwrap();
        child(
            &args[i + 1],
            Path::new(&args[i + 2]),
            Path::new(&args[i + 3]),
            n,
        );
        return;
    }
    let n = common::size_from_args();
    let dir = tempfile::tempdir().unwrap();
    let csv: PathBuf = dir.path().join("henvisninger.csv");
    let xlsx: PathBuf = dir.path().join("henvisninger.xlsx");
    write_csv(&csv, n);
    write_xlsx(&xlsx, n);
    println!(
        "files: {n} rows; CSV {:.1} MB, xlsx {:.1} MB",
        std::fs::metadata(&csv).unwrap().len() as f64 / 1e6,
        std::fs::metadata(&xlsx).unwrap().len() as f64 / 1e6
    );
    // Interleaved rounds, so all three see the same machine state.
    let (mut c, mut x, mut f) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..3 {
        c.push(in_child("csv", &csv, dir.path(), n, round));
        x.push(in_child("xlsx", &xlsx, dir.path(), n, round));
        f.push(in_child("floor", &csv, dir.path(), n, round));
    }
    let secs = |v: &[(f64, f64)]| median(v.iter().map(|p| p.0).collect());
    let mb = |v: &[(f64, f64)]| median(v.iter().map(|p| p.1).collect());
    println!(
        "(a) import {n} CSV rows:  {:.2} s, peak {:.0} MB",
        secs(&c),
        mb(&c)
    );
    println!(
        "(b) import {n} xlsx rows: {:.2} s, peak {:.0} MB",
        secs(&x),
        mb(&x)
    );
    println!(
        "    floor, bare rusqlite INSERT of {n} rows in one transaction: {:.2} s, peak {:.0} MB \
         (CSV {:.1}×, xlsx {:.1}× its time)",
        secs(&f),
        mb(&f),
        secs(&c) / secs(&f),
        secs(&x) / secs(&f)
    );
    let (idle, during, took) = frames(&csv, dir.path(), n);
    println!(
        "(c) window frame time while the import runs ({took:.1} s, {} frames): median {:.1} ms, \
         p95 {:.1} ms, max {:.1} ms; idle: median {:.1} ms, p95 {:.1} ms",
        during.len(),
        median(during.clone()),
        percentile(during.clone(), 0.95),
        percentile(during, 1.0),
        median(idle.clone()),
        percentile(idle, 0.95)
    );
}
