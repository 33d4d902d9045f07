//! Realistic synthetic referrals for demos and benchmarks: ~20 a week, ~70 % from GPs, ~30 %
//! of assessed referrals rejected. Deterministic for a given seed and `today`.
//!
//! All names are invented combinations; no identity numbers are generated.

use crate::calendar::WorkingDayRule;
use crate::domain::decision::{
    Clinician, DEFAULT_AVSLAG_REASONS, Outcome, TeamMode, Track, propose_start_of_care_deadline,
};
use crate::domain::{ReferralFields, ReferralStatus, ReferrerKind};
use crate::store::followups::CareStart;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What the first-start offer fills in: about two years of referrals, so the statistics can
/// compare this year with last year.
pub const DEFAULT_REFERRALS: usize = 2000;
pub const DEFAULT_SEED: u64 = 2026;

const FIRST_NAMES: &[&str] = &[
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg", "Hilde",
    "Nina", "Solveig", "Randi", "Ida", "Nora", "Emma", "Sara", "Maria", "Ragnhild", "Jan", "Per",
    "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Hans", "Geir", "Tor", "Thomas",
    "Morten", "Erik", "Terje", "Odd", "Martin", "Andreas", "Jon", "Øyvind", "Åse", "Sigrid",
    "Halvor", "Eirik", "Håkon", "Trine", "Mona", "Silje", "Jørgen",
];
const LAST_NAMES: &[&str] = &[
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Svendsen",
    "Eide",
    "Knutsen",
    "Martinsen",
    "Paulsen",
    "Bakken",
    "Kristoffersen",
    "Mathisen",
    "Lie",
    "Amundsen",
    "Nguyen",
    "Rasmussen",
    "Ali",
    "Lunde",
    "Solheim",
    "Berge",
    "Moe",
    "Nygård",
    "Bakke",
    "Kristensen",
    "Fredriksen",
    "Holm",
    "Lien",
    "Hauge",
    "Christensen",
];
const GP_OFFICES: &[&str] = &[
    "Sentrum legesenter",
    "Nordbyen legekontor",
    "Fjordlegene",
    "Bakkehaugen legesenter",
    "Storgata legekontor",
    "Vestsiden legesenter",
    "Øvre Torg legesenter",
    "Åsen legekontor",
    "Elvebakken legesenter",
    "Strandveien legekontor",
    "Sagene legesenter",
    "Lillevik legekontor",
];
/// Street names and (postnummer, poststed) for the demo's postal addresses.
const STREETS: &[&str] = &[
    "Storgata",
    "Kirkeveien",
    "Parkveien",
    "Skolegata",
    "Fjordveien",
    "Bjørkeveien",
    "Solbakken",
    "Elvegata",
    "Granlia",
    "Torggata",
    "Havnegata",
    "Løkkeveien",
];
const PLACES: &[(&str, &str)] = &[
    ("0155", "OSLO"),
    ("0364", "OSLO"),
    ("0682", "OSLO"),
    ("1337", "SANDVIKA"),
    ("2000", "LILLESTRØM"),
    ("3015", "DRAMMEN"),
    ("1530", "MOSS"),
    ("2317", "HAMAR"),
    ("3510", "HØNEFOSS"),
    ("1405", "LANGHUS"),
];

/// A postal address derived from the referral's number alone (street line, postnummer,
/// poststed), so the demo's random sequence, and with it every other demo figure, stays as
/// it was before letters needed addresses.
fn demo_address(id: u64, salt: u64) -> (String, String, String) {
    let h = (id ^ salt.wrapping_mul(0xA24B_AED4_963E_E407))
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(29);
    let street = STREETS[(h % STREETS.len() as u64) as usize];
    let number = 1 + (h >> 12) % 90;
    let (postcode, city) = PLACES[((h >> 24) % PLACES.len() as u64) as usize];
    (format!("{street} {number}"), postcode.into(), city.into())
}

const SPECIALTIES: &[&str] = &[
    "ortopedi",
    "nevrologi",
    "fysikalsk medisin",
    "urologi",
    "gynekologi",
    "gastro",
    "kreft",
    "DPS",
    "revmatologi",
    "nevrokirurgi",
];
/// (problem statement, diagnosis group)
const PROBLEMS: &[(&str, &str)] = &[
    (
        "Langvarige korsryggsmerter med utstråling til venstre ben",
        "Rygg/nakke",
    ),
    ("Kroniske nakkesmerter etter nakkeslengskade", "Rygg/nakke"),
    (
        "Utbredte muskel- og skjelettsmerter, utmattelse og søvnvansker",
        "Generaliserte smerter",
    ),
    (
        "Fibromyalgi, ønsker vurdering av tverrfaglig tilbud",
        "Generaliserte smerter",
    ),
    ("Kronisk hodepine med medikamentoverforbruk", "Hodepine"),
    (
        "Migrene, ikke effekt av forebyggende behandling",
        "Hodepine",
    ),
    (
        "Nevropatiske smerter etter helvetesild",
        "Nevropatiske smerter",
    ),
    (
        "Polynevropati med brennende smerter i føttene",
        "Nevropatiske smerter",
    ),
    ("Kroniske bekkensmerter", "Bekken/underliv"),
    ("Vulvodyni, langvarig forløp", "Bekken/underliv"),
    (
        "Smerter etter kneprotese, ortopedisk ferdigbehandlet",
        "Postoperative smerter",
    ),
    (
        "Langvarige smerter etter brystkreftoperasjon",
        "Postoperative smerter",
    ),
    ("CRPS høyre hånd etter håndleddsbrudd", "CRPS"),
    (
        "Kroniske magesmerter, gastro ferdig utredet",
        "Abdominale smerter",
    ),
    (
        "Skuldersmerter, ikke operasjonsindikasjon",
        "Muskel/skjelett",
    ),
    (
        "Smerter og høyt opioidforbruk, ønsker nedtrapping",
        "Medikamentproblematikk",
    ),
    (
        "Ansiktssmerter, mistanke om trigeminusnevralgi",
        "Nevropatiske smerter",
    ),
    (
        "Langvarige smerter hos ungdom, skolefravær",
        "Generaliserte smerter",
    ),
];

/// One generated referral with its outcome so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoReferral {
    pub fields: ReferralFields,
    /// The status after everything below.
    pub status: ReferralStatus,
    pub decided_on: Option<NaiveDate>,
    pub outcome: Option<Outcome>,
    /// A kartleggingssamtale reported back on this date, and the track then chosen (if the
    /// meeting has chosen yet).
    pub mapping: Option<(NaiveDate, Option<Track>)>,
    pub care: CareStart,
}

const ADVICE: &[&str] = &[
    "Anbefaler fortsatt oppfølging hos fastlege med gradert aktivitet og fysioterapi i \
     kommunen. Ny henvisning ved vesentlig endring.",
    "Anbefaler tverrfaglig oppfølging i kommunen (frisklivssentral) og vurdering av \
     medikamentell behandling hos fastlege.",
    "Pasienten er utredet tidligere uten nye opplysninger. Vi anbefaler videre oppfølging hos \
     fastlege og ev. kontakt med NAV om arbeidsrettede tiltak.",
];

const UNITS: &[&str] = &[
    "Revmatologisk avdeling",
    "Nevrologisk poliklinikk",
    "DPS, allmennpsykiatrisk poliklinikk",
    "Ortopedisk poliklinikk",
];

fn demo_track(rng: &mut ChaCha8Rng) -> Track {
    let t: f64 = rng.random();
    if t < 0.30 {
        Track::Tverrfaglig(TeamMode::Sekvensiell)
    } else if t < 0.45 {
        Track::Tverrfaglig(TeamMode::Samlet)
    } else if t < 0.65 {
        Track::Monofaglig(Clinician::Lege)
    } else if t < 0.75 {
        Track::Monofaglig(Clinician::Psykolog)
    } else if t < 0.85 {
        Track::Monofaglig(Clinician::Fysioterapeut)
    } else {
        Track::Kartlegging(*pick(
            rng,
            &[
                Clinician::Lege,
                Clinician::Psykolog,
                Clinician::Fysioterapeut,
            ],
        ))
    }
}

pub(crate) fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// The first Tuesday or Thursday strictly after `date` (the default meeting days).
pub(crate) fn next_meeting_day(date: NaiveDate, rule: WorkingDayRule) -> NaiveDate {
    let mut d = date + Days::new(1);
    while !(matches!(d.weekday(), Weekday::Tue | Weekday::Thu) && rule.is_working_day(d)) {
        d = d + Days::new(1);
    }
    d
}

/// Generates `count` referrals received up to and including `today`, newest first.
pub fn generate(
    count: usize,
    seed: u64,
    today: NaiveDate,
    rule: WorkingDayRule,
) -> Vec<DemoReferral> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(count);
    let mut day = today;
    let id_base = 4_000_000 + rng.random_range(0..1_000_000u64);
    let scale = volume_scale(count, today);
    while out.len() < count {
        // ~20 a week: 2–6 each working day, now and then one on a weekend or holiday; times
        // `scale` when that would reach back more than ten years.
        let arrivals = if rule.is_working_day(day) {
            rng.random_range(2..=6) * scale
        } else {
            usize::from(rng.random_bool(0.1)) * scale
        };
        for _ in 0..arrivals.min(count - out.len()) {
            let n = out.len() as u64;
            out.push(one(&mut rng, day, today, rule, id_base + n));
        }
        day = match day.checked_sub_days(Days::new(1)) {
            Some(d) => d,
            None => break,
        };
    }
    out
}

/// The first day demo data may use: ten years back, and never before 2000 (the import
/// refuses older receipt dates, and an export must import again).
pub fn earliest_day(today: NaiveDate) -> NaiveDate {
    let floor = NaiveDate::from_ymd_opt(2000, 1, 3).expect("valid date");
    today
        .checked_sub_days(Days::new(MAX_SPAN_DAYS))
        .map_or(floor, |d| d.max(floor))
}

/// Ten years.
const MAX_SPAN_DAYS: u64 = 3652;

/// How many times the usual weekly volume `count` referrals need to fit between
/// [`earliest_day`] and `today`: 1 for up to several thousand (two years at ~20 a week).
fn volume_scale(count: usize, today: NaiveDate) -> usize {
    let days = (today - earliest_day(today)).num_days().max(7) as f64;
    // ~4 arrivals per working day, ~250 working days in 365; a quarter in reserve for chance.
    let capacity = days * 250.0 / 365.0 * 4.0 / 1.25;
    ((count as f64 / capacity).ceil() as usize).max(1)
}

/// Who referred: a GP (70 %), a private specialist, a hospital department (with its
/// specialty) or another (a company doctor); kind, specialty and the referrer's name.
fn demo_referrer(rng: &mut ChaCha8Rng) -> (ReferrerKind, String, String) {
    let r: f64 = rng.random();
    if r < 0.70 {
        let name = format!(
            "{} {}, {}",
            pick(rng, FIRST_NAMES),
            pick(rng, LAST_NAMES),
            pick(rng, GP_OFFICES)
        );
        (ReferrerKind::Fastlege, String::new(), name)
    } else if r < 0.80 {
        let spec = pick(rng, &["revmatologi", "nevrologi", "fysikalsk medisin"]).to_string();
        let name = format!("Dr. {} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES));
        (ReferrerKind::Avtalespesialist, spec, name)
    } else if r < 0.98 {
        let spec = pick(rng, SPECIALTIES).to_string();
        let name = format!(
            "Lege {} {}, {}",
            pick(rng, FIRST_NAMES),
            pick(rng, LAST_NAMES),
            spec
        );
        (ReferrerKind::Sykehusavdeling, spec, name)
    } else {
        (
            ReferrerKind::Annet,
            String::new(),
            format!("Bedriftslege {}", pick(rng, LAST_NAMES)),
        )
    }
}

/// The start of care of a rett referral: booked a few weeks after the decision, most
/// before the frist (~4 % late); older starts recorded, a recent one perhaps not yet.
fn demo_care_start(
    rng: &mut ChaCha8Rng,
    outcome: Option<&Outcome>,
    status: ReferralStatus,
    decided: NaiveDate,
    today: NaiveDate,
) -> CareStart {
    // Start of care: booked a few weeks after the decision, most before the frist; ~4 % late.
    let mut care = CareStart::default();
    if let Some(Outcome::Rett {
        start_of_care_deadline: Some(frist),
        ..
    }) = outcome
        && status == ReferralStatus::Rett
    {
        let spread = (*frist - decided).num_days().max(1) as u64;
        let booked = if rng.random_bool(0.04) {
            *frist + Days::new(rng.random_range(3..30))
        } else {
            decided + Days::new(rng.random_range(14..=spread.max(14)))
        };
        if rng.random_bool(0.9) || booked <= today {
            care.booked = Some(booked);
        }
        // Older starts are all recorded; a recent one may not be registered yet.
        if booked <= today && (booked + Days::new(7) <= today || rng.random_bool(0.8)) {
            care.started = Some(booked);
        }
    }
    care
}

fn one(
    rng: &mut ChaCha8Rng,
    received: NaiveDate,
    today: NaiveDate,
    rule: WorkingDayRule,
    id: u64,
) -> DemoReferral {
    let (referrer_kind, specialty, referrer_name) = demo_referrer(rng);
    let is_secondary = referrer_kind == ReferrerKind::Sykehusavdeling && rng.random_bool(0.3);
    let (problem, group) = *pick(rng, PROBLEMS);
    let patient = format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES));
    let age = rng.random_range(16..=85);
    // A fictive H-nummer from the referral's number (not from `rng`: the rest of the demo
    // stays as it was), born on a day of the birth year.
    let birth = NaiveDate::from_ymd_opt(
        received.year() - age,
        (id % 12) as u32 + 1,
        (id % 28) as u32 + 1,
    )
    .expect("day 1–28 exists in every month");
    let national_id = crate::domain::identity::demo_h_number(birth, id as u32);
    let (patient_street, patient_postcode, patient_city) = demo_address(id, 1);
    let (office_street, office_postcode, office_city) = demo_address(id, 2);
    let referrer_address = format!("{office_street}\n{office_postcode} {office_city}");
    let fields = ReferralFields {
        external_id: Some(format!("H{id:07}")),
        received_on: received,
        patient,
        national_id: Some(national_id),
        birth_year: Some(received.year() - age),
        referrer_name,
        referrer_kind,
        specialty,
        is_secondary,
        problem: problem.to_string(),
        diagnosis_group: group.to_string(),
        patient_street,
        patient_postcode,
        patient_city,
        referrer_address,
        referrer_electronic: false,
    };

    // Decided at one of the first meetings after receipt; ~6 % only after the deadline.
    let deadline = rule.assessment_deadline(received);
    let mut decided = next_meeting_day(received + Days::new(1), rule);
    for _ in 0..rng.random_range(0..3) {
        let later = next_meeting_day(decided, rule);
        if later <= deadline {
            decided = later;
        }
    }
    if rng.random_bool(0.06) {
        decided = next_meeting_day(deadline, rule);
    }
    // ~4 % wait for information from the referrer well past the deadline.
    if rng.random_bool(0.04) {
        let waiting = rule.add_working_days(deadline, rng.random_range(2..8));
        decided = next_meeting_day(waiting, rule);
    }
    let draw: f64 = rng.random();
    let mut status = if draw < 0.01 {
        ReferralStatus::Trukket
    } else if decided > today {
        ReferralStatus::TilVurdering
    } else if draw < 0.04 {
        ReferralStatus::Feilsendt
    } else if draw < 0.08 {
        ReferralStatus::Videresendt
    } else if !is_secondary && draw < 0.08 + 0.92 * 0.30 {
        ReferralStatus::Avslag
    } else if is_secondary {
        ReferralStatus::Sekundaer
    } else {
        ReferralStatus::Rett
    };
    let outcome = match status {
        ReferralStatus::Feilsendt => Some(Outcome::Feilsendt),
        ReferralStatus::Videresendt => Some(Outcome::Videresendt {
            unit: pick(rng, UNITS).to_string(),
        }),
        ReferralStatus::Avslag => Some(Outcome::Avslag {
            reason: pick(rng, &DEFAULT_AVSLAG_REASONS[..3]).to_string(),
            advice: pick(rng, ADVICE).to_string(),
        }),
        ReferralStatus::Sekundaer => Some(Outcome::Sekundaer {
            track: Some(demo_track(rng)),
        }),
        ReferralStatus::Rett => Some(Outcome::Rett {
            start_of_care_deadline: Some(propose_start_of_care_deadline(received, decided)),
            track: Some(demo_track(rng)),
            priority_note: String::new(),
        }),
        _ => None,
    };
    // A kartleggingssamtale within about three weeks; the next meeting or two chooses the track.
    let mut mapping = None;
    if let Some(Track::Kartlegging(_)) = outcome.as_ref().and_then(Outcome::track) {
        status = ReferralStatus::Kartlegging;
        let reported = decided + Days::new(rng.random_range(7..=21));
        if reported <= today {
            status = ReferralStatus::TilNyVurdering;
            let chosen = next_meeting_day(reported, rule);
            let to = (chosen <= today).then(|| match demo_track(rng) {
                Track::Kartlegging(c) => Track::Monofaglig(c),
                other => other,
            });
            if to.is_some() {
                status = if is_secondary {
                    ReferralStatus::Sekundaer
                } else {
                    ReferralStatus::Rett
                };
            }
            mapping = Some((reported, to));
        }
    }
    let care = demo_care_start(rng, outcome.as_ref(), status, decided, today);
    let decided_on = outcome.is_some().then_some(decided);
    DemoReferral {
        fields,
        status,
        decided_on,
        outcome,
        mapping,
        care,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::iso;

    #[test]
    fn deterministic_and_realistic() {
        let today = iso("2026-11-22");
        let rule = WorkingDayRule::default();
        let a = generate(2000, 7, today, rule);
        assert_eq!(a, generate(2000, 7, today, rule));
        assert_ne!(a, generate(2000, 8, today, rule));
        assert_eq!(a.len(), 2000);
        assert!(a.iter().all(|d| d.fields.received_on <= today));

        let weeks = (today - a.last().unwrap().fields.received_on).num_days() as f64 / 7.0;
        let per_week = 2000.0 / weeks;
        assert!((17.0..=23.0).contains(&per_week), "{per_week} per week");

        let gp = a
            .iter()
            .filter(|d| d.fields.referrer_kind == ReferrerKind::Fastlege)
            .count();
        assert!(
            (0.66..=0.74).contains(&(gp as f64 / 2000.0)),
            "{gp} from GPs"
        );

        let assessed = a
            .iter()
            .filter(|d| matches!(d.status, ReferralStatus::Rett | ReferralStatus::Avslag))
            .count();
        let rejected = a
            .iter()
            .filter(|d| d.status == ReferralStatus::Avslag)
            .count();
        let share = rejected as f64 / assessed as f64;
        assert!((0.24..=0.36).contains(&share), "{share} rejected");

        let open = a.iter().filter(|d| d.status.is_open()).count();
        assert!((10..=80).contains(&open), "{open} open");
        for d in &a {
            let draft = crate::domain::ReferralDraft::from_fields(&d.fields);
            assert_eq!(draft.validate(today).as_ref(), Ok(&d.fields));
        }
    }

    #[test]
    fn any_count_fits_in_ten_years_of_valid_rows() {
        let today = iso("2026-11-20");
        let rule = WorkingDayRule::default();
        for count in [30_000, 100_000, 1_000_000] {
            let a = generate(count, 3, today, rule);
            assert_eq!(a.len(), count);
            let oldest = a.last().unwrap().fields.received_on;
            assert!(oldest >= earliest_day(today), "{count}: {oldest}");
            assert!(oldest >= iso("2016-11-01"), "{count}: {oldest}");
            for d in a.iter().step_by(997) {
                let draft = crate::domain::ReferralDraft::from_fields(&d.fields);
                assert_eq!(draft.validate(today).as_ref(), Ok(&d.fields), "{count}");
            }
        }
        // Up to a few thousand the volume is the usual one (two years for 2,000).
        assert_eq!(volume_scale(2000, today), 1);
        assert_eq!(earliest_day(iso("2003-05-01")), iso("2000-01-03"));
    }
}
