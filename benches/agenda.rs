//! Agenda PDF benchmark: a 30-item agenda rendered to PDF, first render and warm renders.
//!
//! Run: `cargo bench --bench agenda`. Budget: ≤ 100 ms per render after the first.

use inntak::agenda::pdf::{self, PrintedAgenda, PrintedItem};
use std::time::{Duration, Instant};

fn agenda(items: usize) -> PrintedAgenda {
    PrintedAgenda {
        kind: "agenda".into(),
        title: "Inntaksmøte".into(),
        clinic: "Smerteklinikken".into(),
        date_text: "tirsdag 24.11.2026".into(),
        time: "08:30".into(),
        week: 48,
        leader: "Lise Lege (lege)".into(),
        attendees: "Lise Lege (lege), Per Psykolog (psykolog), Fia Fysio (fysioterapeut)".into(),
        notice: String::new(),
        printed_at: "23.11.2026 kl. 15:00".into(),
        privacy_note: "Inneholder helseopplysninger – makuleres etter møtet".into(),
        legend: "Forklaring".into(),
        items: (0..items)
            .map(|i| PrintedItem {
                number: i + 1,
                patient: format!("Åse Ødegård Nummer{i}"),
                kind: "Primær".into(),
                birth_year: "1970".into(),
                received: "10.11.2026".into(),
                deadline: "24.11.2026".into(),
                days_left: "frist på møtedagen".into(),
                must: i % 3 == 0,
                reason: "Siste møte før frist".into(),
                referrer: "Dr. Lie, Fjordlegene".into(),
                referrer_kind: "Fastlege".into(),
                problem: "Langvarige smerter i rygg og nakke med utstråling, søvnvansker og nedsatt funksjon".into(),
                // Every third prepared, as a real agenda has some.
                preparation: if i % 3 == 1 {
                    "Notat: Les MR-svar · presenteres av Lise Lege · Lege: Rett – tverrfaglig".into()
                } else {
                    String::new()
                },
                outcome: String::new(),
                after_mapping: false,
            })
            .collect(),
        history: Vec::new(),
        left_out_must: 0,
    }
}

fn main() {
    let data = agenda(30);
    let t = Instant::now();
    let first = pdf::render(&data).expect("render");
    println!(
        "first render (template + fonts parsed): {:.1} ms, {} bytes",
        t.elapsed().as_secs_f64() * 1000.0,
        first.len()
    );
    let mut samples: Vec<Duration> = (0..20)
        .map(|i| {
            let mut d = data.clone();
            d.printed_at = format!("23.11.2026 kl. 15:{i:02}"); // a new input each time, no cache hit
            let t = Instant::now();
            pdf::render(&d).expect("render");
            t.elapsed()
        })
        .collect();
    samples.sort();
    let median = samples[samples.len() / 2].as_secs_f64() * 1000.0;
    let max = samples[samples.len() - 1].as_secs_f64() * 1000.0;
    let verdict = if median <= 100.0 { "ok" } else { "OVER BUDGET" };
    println!(
        "warm render, 30 items: median {median:.1} ms, max {max:.1} ms (n=20, budget 100 ms) {verdict}"
    );
}
