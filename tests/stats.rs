//! Statistics on a small hand-made data set. Every expected figure is worked out by hand in the
//! comments, from the counting rules in the README and `src/stats.rs`.

use inntak::calendar::WorkingDayRule;
use inntak::domain::decision::{Clinician, Outcome, TeamMode, Track};
use inntak::domain::referral::iso;
use inntak::domain::{ReferralDraft, ReferralId, ReferrerKind};
use inntak::stats::{self, Measure, Period};
use inntak::store::Store;
use inntak::store::followups::{self, CareStart};
use inntak::store::referrals::{self, Change};

const TODAY: &str = "2026-01-10";

mod common;

fn change() -> Change<'static> {
    Change {
        actor: "test",
        at: iso(TODAY).and_hms_opt(9, 0, 0).unwrap(),
    }
}

fn add(
    store: &mut Store,
    received: &str,
    kind: ReferrerKind,
    specialty: &str,
    secondary: bool,
) -> ReferralId {
    let draft = ReferralDraft {
        patient: format!("Pasient {received}"),
        referrer_kind: kind,
        specialty: specialty.into(),
        is_secondary: secondary,
        ..ReferralDraft::new(iso(received))
    };
    common::register(store, draft, TODAY)
}

fn decide(store: &mut Store, id: ReferralId, on: &str, outcome: Outcome) {
    common::decide(store, id, &outcome, on);
}

fn rett(frist: &str, track: Track) -> Outcome {
    Outcome::Rett {
        start_of_care_deadline: Some(iso(frist)),
        track: Some(track),
        priority_note: String::new(),
    }
}

fn avslag(reason: &str) -> Outcome {
    Outcome::Avslag {
        reason: reason.into(),
        advice: "Råd til fastlegen".into(),
    }
}

fn started(store: &mut Store, id: ReferralId, on: &str) {
    let care = CareStart {
        booked: Some(iso(on)),
        started: Some(iso(on)),
        ..Default::default()
    };
    store
        .write(|tx| followups::set_care_start(tx, id, care, change()))
        .unwrap();
}

fn data_set() -> Store {
    use ReferrerKind::*;
    let mut s = Store::open_in_memory().unwrap();
    // A: received Mon 03.03.2025 (deadline 17.03). First saved as avslag, then corrected to
    // rett tverrfaglig samlet on 11.03 (6 working days); care started before the frist.
    let a = add(&mut s, "2025-03-03", Fastlege, "", false);
    decide(&mut s, a, "2025-03-11", avslag("Annet"));
    decide(
        &mut s,
        a,
        "2025-03-11",
        rett("2025-05-26", Track::Tverrfaglig(TeamMode::Samlet)),
    );
    started(&mut s, a, "2025-05-20");
    // B: received 03.03.2025, avslag on 18.03: one day after the deadline, 11 working days.
    let b = add(&mut s, "2025-03-03", Fastlege, "", false);
    decide(
        &mut s,
        b,
        "2025-03-18",
        avslag("Kan ivaretas i primærhelsetjenesten"),
    );
    // C: received 14.04.2025 (deadline 02.05, Easter skipped), rett monofaglig psykolog on
    // 29.04 = 8 working days (15, 16, 22, 23, 24, 25, 28, 29 April). Frist 30.06.2025 without a
    // start: a juridisk frist breach.
    let c = add(&mut s, "2025-04-14", Sykehusavdeling, "Ortopedi", false);
    decide(
        &mut s,
        c,
        "2025-04-29",
        rett("2025-06-30", Track::Monofaglig(Clinician::Psykolog)),
    );
    // D: received 02.06.2025 from a specialist, feilsendt.
    let d = add(&mut s, "2025-06-02", Avtalespesialist, "revmatologi", false);
    decide(&mut s, d, "2025-06-05", Outcome::Feilsendt);
    // E: secondary, received 29.12.2025 but decided in 2026: received in 2025 only.
    let e = add(&mut s, "2025-12-29", Sykehusavdeling, "nevrologi", true);
    decide(
        &mut s,
        e,
        "2026-01-06",
        Outcome::Sekundaer {
            track: Some(Track::Kartlegging(Clinician::Lege)),
        },
    );
    // F: received Fri 20.12.2024, rett monofaglig lege on 07.01.2025: 9 working days (23, 24,
    // 27, 30, 31 Dec, 2, 3, 6, 7 Jan). Started 20.03, after its frist 14.03: a breach.
    let f = add(&mut s, "2024-12-20", Fastlege, "", false);
    decide(
        &mut s,
        f,
        "2025-01-07",
        rett("2025-03-14", Track::Monofaglig(Clinician::Lege)),
    );
    started(&mut s, f, "2025-03-20");
    // G: received 05.05.2025 and withdrawn: received, nothing else.
    let g = add(&mut s, "2025-05-05", Fastlege, "", false);
    s.write(|tx| referrals::withdraw(tx, g, "Pasienten ønsket ikke", change()))
        .unwrap();
    // H: 2024, avslag «Annet» on 12.03.2024 (6 working days).
    let h = add(&mut s, "2024-03-04", Fastlege, "", false);
    decide(&mut s, h, "2024-03-12", avslag("Annet"));
    s
}

fn figure(lines: &[stats::Line], label: &str) -> (Measure, Option<Measure>) {
    let l = lines
        .iter()
        .find(|l| l.label == label)
        .unwrap_or_else(|| panic!("no line «{label}»"));
    (l.now, l.before)
}

fn n(count: usize, share: Option<f64>) -> Measure {
    Measure::Count { n: count, share }
}

#[test]
fn a_year_against_the_year_before_by_hand() {
    let store = data_set();
    let report = inntak::model::stats_report(
        &store,
        Period::Year(2025),
        true,
        WorkingDayRule::default(),
        iso(TODAY),
    )
    .unwrap();
    let f = &report.figures;
    // Received in 2025: A, B, C, D, E, G.
    assert_eq!(f.received, 6);
    // Decided in 2025: D feilsendt; assessed A, B, C, F (A's correction replaces its avslag).
    assert_eq!(f.feilsendt_videresendt, 1);
    assert_eq!((f.assessed, f.avslag, f.rett, f.secondary), (4, 1, 3, 0));
    // B is the only one after its deadline: 3 of 4 within 10 working days.
    assert_eq!((f.within_deadline, f.after_deadline), (3, 1));
    // Working days 6, 8, 9, 11: median (8 + 9) / 2 = 8.5; 90th percentile rank ⌈3.6⌉ = 4 → 11.
    assert_eq!((f.median_days, f.p90_days), (Some(8.5), Some(11.0)));
    // Frister in 2025: A started in time, C not started (passed), F started late.
    assert_eq!(f.frist_breaches, 2);

    let lines = stats::lines(&report);
    // 2024: received F and H; assessed H (avslag). 6 against 2 is +200 %.
    assert_eq!(
        figure(&lines, "Mottatte henvisninger"),
        (n(6, None), Some(n(2, None)))
    );
    assert_eq!(
        figure(&lines, "herav avslag"),
        (n(1, Some(0.25)), Some(n(1, Some(1.0))))
    );
    assert_eq!(
        figure(&lines, "herav rett til helsehjelp").0,
        n(3, Some(0.75))
    );
    // Tracks over rett + sekundær (3): one each.
    for track in [
        "tverrfaglig samlet",
        "monofaglig psykolog",
        "monofaglig lege",
    ] {
        assert_eq!(figure(&lines, track).0, n(1, Some(1.0 / 3.0)), "{track}");
    }
    assert_eq!(figure(&lines, "kartlegging lege").0, n(0, Some(0.0)));
    assert_eq!(
        figure(&lines, "Vurdert innen 10 virkedager"),
        (Measure::Share(Some(0.75)), Some(Measure::Share(Some(1.0))))
    );
    assert_eq!(
        figure(&lines, "Virkedager til vedtak, median"),
        (Measure::Days(Some(8.5)), Some(Measure::Days(Some(6.0))))
    );
    // By referrer (of 6 received): GP A, B, G; hospital C, E; specialist D.
    assert_eq!(figure(&lines, "Fastlege").0, n(3, Some(0.5)));
    assert_eq!(figure(&lines, "Sykehusavdeling").0, n(2, Some(2.0 / 6.0)));
    assert_eq!(figure(&lines, "Avtalespesialist").0, n(1, Some(1.0 / 6.0)));
    assert_eq!(figure(&lines, "ortopedi").0, n(1, Some(1.0 / 6.0)));
    // Avslag reasons: this year's one, and last year's «Annet» shown with 0 now.
    assert_eq!(
        figure(&lines, "Kan ivaretas i primærhelsetjenesten").0,
        n(1, Some(1.0))
    );
    let annet = lines
        .iter()
        .find(|l| l.section == "Avslag etter begrunnelse" && l.label == "Annet")
        .unwrap();
    assert_eq!(
        (annet.now, annet.before),
        (n(0, None), Some(n(1, Some(1.0))))
    );

    // Per month: March has A (rett) and B (avslag); April C; June D (other).
    let march = &f.months[2];
    assert_eq!((march.rett, march.avslag, march.other), (1, 1, 0));
    assert_eq!(march.median_days, Some(8.5));
    assert_eq!((f.months[5].rett, f.months[5].other), (0, 1));

    let csv = String::from_utf8(stats::to_csv(&report).unwrap()).unwrap();
    assert!(
        csv.contains("Henvisninger;Mottatte henvisninger;6;;2;;+200,0 %"),
        "{csv}"
    );
    assert!(csv.contains("Frister;Vurdert innen 10 virkedager;75,0;;100,0;;-25,0 pp"));
    let text = stats::to_text(&report);
    assert!(
        text.starts_with("Statistikk 2025 sammenlignet med 2024\n"),
        "{text}"
    );
}

#[test]
fn tertial_and_a_period_running_past_today() {
    let store = data_set();
    let rule = WorkingDayRule::default();
    // T1 2025 (January–April): received A, B, C; decided F (Jan), A, B (Mar), C (Apr).
    let t1 = inntak::model::stats_report(&store, Period::Tertial(2025, 1), false, rule, iso(TODAY))
        .unwrap();
    assert_eq!((t1.figures.received, t1.figures.assessed), (3, 4));
    assert_eq!(t1.figures.months.len(), 4);
    // 2026 runs past today: counted to 10.01.2026 against 10.01.2025, where F was decided.
    let y =
        inntak::model::stats_report(&store, Period::Year(2026), true, rule, iso(TODAY)).unwrap();
    assert_eq!(y.until, Some(iso(TODAY)));
    assert_eq!(y.figures.secondary, 1);
    let (_, before) = y.previous.as_ref().unwrap();
    assert_eq!(before.assessed, 1);
    assert_eq!(
        y.title_nb(),
        "2026 (til og med 10.01.2026) sammenlignet med 2025 (til og med 10.01.2025)"
    );
}

/// The text table keeps its columns whatever the period label's length: "2025 pr. 2.
/// tertial" (18 characters) no longer runs into "andel", and each figure ends under the end
/// of its period's label.
#[test]
fn the_text_table_stays_aligned_with_long_period_labels() {
    let store = data_set();
    let report = inntak::model::stats_report(
        &store,
        Period::YearToTertial(2025, 2),
        true,
        WorkingDayRule::default(),
        iso(TODAY),
    )
    .unwrap();
    let text = stats::to_text(&report);
    let header = text
        .lines()
        .find(|l| l.contains("andel") && l.contains("2025 pr. 2. tertial"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(header.contains("2025 pr. 2. tertial  "), "{header}");
    assert!(header.contains("2024 pr. 2. tertial  "), "{header}");
    let chars: Vec<char> = header.chars().collect();
    let end_of = |label: &str| {
        let at = header.find(label).unwrap();
        header[..at].chars().count() + label.chars().count()
    };
    let now_end = end_of("2025 pr. 2. tertial");
    let before_end = end_of("2024 pr. 2. tertial");
    assert!(chars.len() > before_end);
    let row = text
        .lines()
        .find(|l| l.starts_with("Mottatte henvisninger"))
        .unwrap();
    let row: Vec<char> = row.chars().collect();
    // The counts end exactly where their labels end.
    assert!(
        row[now_end - 1].is_ascii_digit() && row[now_end] == ' ',
        "{text}"
    );
    assert!(
        row[before_end - 1].is_ascii_digit() && row[before_end] == ' ',
        "{text}"
    );
}
