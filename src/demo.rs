//! Realistic synthetic referrals for demos and benchmarks: ~20 a week, ~70 % from GPs, ~30 %
//! of assessed referrals rejected. Deterministic for a given seed and `today`.
//!
//! All names are invented combinations; no identity numbers are generated.

use crate::agenda::Reason;
use crate::calendar::WorkingDayRule;
use crate::domain::ReferralId;
use crate::domain::decision::{
    Clinician, DEFAULT_AVSLAG_REASONS, Outcome, TeamMode, Track, propose_start_of_care_deadline,
};
use crate::domain::letter::CareKind;
use crate::domain::meeting::{MeetingId, MemberId, Profession};
use crate::domain::preparation::{Assessment, TrackKind};
use crate::domain::settings::ClinicSettings;
use crate::domain::{ReferralFields, ReferralStatus, ReferrerKind};
use crate::store::StoreError;
use crate::store::decisions::{self, DecisionExtras, NewDecision};
use crate::store::followups::{self, CareStart};
use crate::store::meetings::{self, HeldMeeting, StoredItem};
use crate::store::preparations;
use crate::store::referrals::{self, Change};
use crate::store::{letters, settings};
use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::Transaction;
use std::collections::{BTreeMap, HashMap};

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

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// The first Tuesday or Thursday strictly after `date` (the default meeting days).
fn next_meeting_day(date: NaiveDate, rule: WorkingDayRule) -> NaiveDate {
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

fn one(
    rng: &mut ChaCha8Rng,
    received: NaiveDate,
    today: NaiveDate,
    rule: WorkingDayRule,
    id: u64,
) -> DemoReferral {
    let r: f64 = rng.random();
    let (referrer_kind, specialty, referrer_name) = if r < 0.70 {
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
    };
    let is_secondary = referrer_kind == ReferrerKind::Sykehusavdeling && rng.random_bool(0.3);
    let (problem, group) = *pick(rng, PROBLEMS);
    let patient = format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES));
    let age = rng.random_range(16..=85);
    let (patient_street, patient_postcode, patient_city) = demo_address(id, 1);
    let (office_street, office_postcode, office_city) = demo_address(id, 2);
    let referrer_address = format!("{office_street}\n{office_postcode} {office_city}");
    let fields = ReferralFields {
        external_id: Some(format!("H{id:07}")),
        received_on: received,
        patient,
        national_id: None,
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
    // Start of care: booked a few weeks after the decision, most before the frist; ~4 % late.
    let mut care = CareStart::default();
    if let Some(Outcome::Rett {
        start_of_care_deadline: Some(frist),
        ..
    }) = &outcome
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

/// Inserts `count` demo referrals inside the caller's transaction, with the clinic's team and
/// its past year of meetings. Returns how many referrals.
pub fn insert(
    tx: &Transaction<'_>,
    count: usize,
    seed: u64,
    today: NaiveDate,
    rule: WorkingDayRule,
    change: Change<'_>,
) -> Result<usize, StoreError> {
    insert_generated(tx, generate(count, seed, today, rule), today, rule, change)
}

/// The demo clinic's team: two leger (the first leads), a psykolog, a psykologspesialist, a
/// fysioterapeut and a sykepleier.
pub const TEAM: &[(&str, Profession)] = &[
    ("Kari Nordmann", Profession::Lege),
    ("Ola Brekke", Profession::Lege),
    ("Ingrid Solheim", Profession::Psykolog),
    ("Hanne Lie", Profession::Psykologspesialist),
    ("Per Moen", Profession::Fysioterapeut),
    ("Siri Dahl", Profession::Sykepleier),
];

/// How far back the demo clinic's meetings are kept with agendas, attendance and minutes.
const HISTORY_DAYS: u64 = 365;

/// Inserts referrals made by [`generate`] (made before the write lock is taken, so other
/// writers wait only for the inserts). When the team is still empty, the demo clinic's team is
/// added, and the past year's meetings are stored as held: attendance, agendas (a few items
/// postponed), decisions tied to their meeting, and one meeting reopened to correct a decision.
pub fn insert_generated(
    tx: &Transaction<'_>,
    mut demo: Vec<DemoReferral>,
    today: NaiveDate,
    rule: WorkingDayRule,
    change: Change<'_>,
) -> Result<usize, StoreError> {
    demo.reverse(); // oldest first, so row ids follow receipt
    let mut ids = Vec::with_capacity(demo.len());
    for d in &demo {
        let initial = if d.status == ReferralStatus::Trukket {
            ReferralStatus::Trukket
        } else {
            ReferralStatus::TilVurdering
        };
        ids.push(referrals::insert(
            tx,
            &d.fields,
            initial,
            None,
            change,
            crate::store::audit::ReferralAction::Demo,
        )?);
    }
    let planned = if meetings::members(tx)?.is_empty() {
        plan_past_meetings(tx, &demo, &ids, today, rule, change)?
    } else {
        BTreeMap::new()
    };
    // Everything that happened, in the order it happened, so each past meeting is open only
    // while its own decisions are recorded (step: 0 decision, 1 mapping reported, 2 track).
    let mut events: Vec<(NaiveDate, u8, usize)> = Vec::new();
    for (i, d) in demo.iter().enumerate() {
        if let (Some(_), Some(decided)) = (&d.outcome, d.decided_on) {
            events.push((decided, 0, i));
        }
        if let Some((reported, to)) = d.mapping {
            events.push((reported, 1, i));
            if to.is_some() {
                events.push((next_meeting_day(reported, rule), 2, i));
            }
        }
    }
    events.sort_unstable();
    let mut past = PastMeetings {
        planned: planned.into_iter().collect::<Vec<_>>().into_iter(),
        open: None,
        held: HashMap::new(),
        actor: change.actor,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0x51e4);
    for (date, step, i) in events {
        past.advance(tx, date)?;
        let (d, id) = (&demo[i], ids[i]);
        let meeting = past.on(date);
        let when = match meeting {
            Some(_) => meeting_change(change.actor, date),
            None => change,
        };
        match (step, &d.outcome, d.mapping) {
            (0, Some(outcome), _) => {
                if meeting.is_some() {
                    give_views(tx, &mut rng, id, outcome, when)?;
                }
                // Most juridiske frister are for the start of utredning; every fifth behandling.
                let extras = DecisionExtras {
                    care_kind: Some(if id.0 % 5 == 0 {
                        CareKind::Behandling
                    } else {
                        CareKind::Utredning
                    }),
                    ..Default::default()
                };
                let decision = NewDecision {
                    referral: id,
                    meeting,
                    decided_on: date,
                    outcome,
                    extras: &extras,
                };
                decisions::record(tx, &decision, rule, when)?;
            }
            (1, _, Some(_)) => {
                followups::report_mapping(tx, id, date, "Kartlegging gjennomført.", change)?;
            }
            (2, _, Some((_, Some(to)))) => {
                followups::change_track(tx, id, meeting, date, to, "", when)?;
            }
            _ => {}
        }
    }
    past.advance(tx, today)?;
    prepare_waiting(tx, &mut rng, &demo, &ids, change)?;
    for (d, &id) in demo.iter().zip(&ids) {
        if d.care != CareStart::default() {
            followups::set_care_start(tx, id, d.care, change)?;
        }
    }
    let held = past.held;
    reopen_one(tx, &held, today, rule, change)?;
    send_letters(tx, &held, today, rule, change)?;
    Ok(demo.len())
}

/// The demo clinic's letterhead and signer, unless the clinic has its own.
fn demo_letterhead(tx: &Transaction<'_>, change: Change<'_>) -> Result<ClinicSettings, StoreError> {
    let mut s = settings::load(tx)?;
    if s.letters.address.trim().is_empty() && s.letters.signer.trim().is_empty() {
        s.letters.address = "Sykehusveien 1\n2317 HAMAR".into();
        s.letters.phone = "62 00 00 00".into();
        s.letters.signer = TEAM[0].0.into();
        s.letters.signer_title = "overlege, leder av inntaksteamet".into();
        settings::save(tx, &s, change)?;
    }
    Ok(s)
}

/// The letters of the past year's meetings, printed and sent as a clinic would: most the day
/// of the meeting, some a working day or two later, a few after the vurderingsfrist. The
/// meetings of the last two working days are not sent yet (the leader's next job). Decisions
/// made before the meeting history are "before letters were tracked".
fn send_letters(
    tx: &Transaction<'_>,
    held: &HashMap<NaiveDate, MeetingId>,
    today: NaiveDate,
    rule: WorkingDayRule,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let settings = demo_letterhead(tx, change)?;
    let from: i64 = tx.query_row(
        "SELECT coalesce(max(id), 0) FROM decisions WHERE meeting_id IS NULL",
        [],
        |r| r.get(0),
    )?;
    settings::put(tx, letters::KEY_LETTERS_FROM, &from.to_string())?;
    let mut rng = ChaCha8Rng::seed_from_u64(0xb4e7);
    let mut days: Vec<_> = held.iter().map(|(d, m)| (*d, *m)).collect();
    days.sort();
    for (day, meeting) in days {
        if rule.working_days_between(day, today) < 2 {
            continue;
        }
        let planned = crate::letters::for_meeting(
            tx,
            &settings,
            meeting,
            crate::letters::Selection::default(),
            day,
        )?;
        let draw: f64 = rng.random();
        let delay = if draw < 0.85 {
            0
        } else if draw < 0.97 {
            rng.random_range(1..=2)
        } else {
            rng.random_range(5..=9)
        };
        let sent = rule.add_working_days(day, delay).min(today);
        let printed: Vec<_> = planned
            .iter()
            .filter(|p| p.is_complete())
            .map(|p| p.printed())
            .collect();
        if printed.is_empty() {
            continue;
        }
        let when = Change {
            actor: change.actor,
            at: sent.and_time(MEETING_END),
        };
        letters::record_printed(tx, &printed, "demo", Some(sent), when)?;
    }
    Ok(())
}

/// About four in ten referrals decided rett or avslag at a past meeting had provisional views
/// from two to four disciplines, each agreeing with the decision about four times in five.
fn give_views(
    tx: &Transaction<'_>,
    rng: &mut ChaCha8Rng,
    referral: ReferralId,
    outcome: &Outcome,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let Some(decided) = Assessment::of_decision(outcome) else {
        return Ok(());
    };
    if !rng.random_bool(0.4) {
        return Ok(());
    }
    let professions = [
        Profession::Lege,
        Profession::Psykolog,
        Profession::Fysioterapeut,
        Profession::Sykepleier,
    ];
    let n = rng.random_range(2..=4);
    for profession in &professions[..n] {
        let view = if rng.random_bool(0.8) {
            // Agrees on rett/avslag; on rett, mostly also on the track.
            match decided {
                Assessment::Rett(track) if rng.random_bool(0.25) => {
                    Assessment::Rett(if rng.random_bool(0.5) { None } else { track })
                }
                other => other,
            }
        } else if decided.is_rett() {
            Assessment::Avslag
        } else {
            Assessment::Rett(Some(*pick(
                rng,
                &[
                    TrackKind::Monofaglig,
                    TrackKind::Tverrfaglig,
                    TrackKind::Kartlegging,
                ],
            )))
        };
        preparations::set_view(tx, referral, *profession, Some(view), change)?;
    }
    Ok(())
}

/// Referrals still waiting for the meeting: some have a note and a presenter already.
fn prepare_waiting(
    tx: &Transaction<'_>,
    rng: &mut ChaCha8Rng,
    demo: &[DemoReferral],
    ids: &[ReferralId],
    change: Change<'_>,
) -> Result<(), StoreError> {
    const NOTES: &[&str] = &[
        "Les journal fra ortopedisk poliklinikk",
        "Ring fastlege om medikamentliste",
        "Be om MR-beskrivelse",
        "Sjekk tidligere henvisninger",
    ];
    let team = meetings::members(tx)?;
    for (d, &id) in demo.iter().zip(ids) {
        if d.status != ReferralStatus::TilVurdering || !rng.random_bool(0.3) {
            continue;
        }
        let presenter = (!team.is_empty()).then(|| pick(rng, &team).id);
        let note = NOTES[rng.random_range(0..NOTES.len())];
        preparations::save(tx, id, note, presenter, change)?;
    }
    Ok(())
}

/// When a demo meeting's decisions are written (the audit rows carry the meeting's day).
const MEETING_END: NaiveTime = NaiveTime::from_hms_opt(10, 0, 0).expect("valid time");

/// A past meeting as the demo plans it: its agenda, leader and attendance.
struct PlannedMeeting {
    items: Vec<(StoredItem, bool)>,
    leader: MemberId,
    attendees: Vec<MemberId>,
}

/// The past meetings, stored one by one as the demo's history reaches their day: each is open
/// while its decisions are recorded and closed before the next one.
struct PastMeetings<'a> {
    planned: std::vec::IntoIter<(NaiveDate, PlannedMeeting)>,
    open: Option<(NaiveDate, MeetingId)>,
    held: HashMap<NaiveDate, MeetingId>,
    actor: &'a str,
}

impl PastMeetings<'_> {
    /// Closes the open meeting if its day is before `date`, and holds every planned meeting
    /// up to `date` (the last one on `date` stays open).
    fn advance(&mut self, tx: &Transaction<'_>, date: NaiveDate) -> Result<(), StoreError> {
        loop {
            if let Some((day, id)) = self.open
                && day < date
            {
                meetings::close(tx, id, meeting_change(self.actor, day))?;
                self.open = None;
            }
            let next_day = self.planned.as_slice().first().map(|(day, _)| *day);
            match next_day {
                Some(day) if day <= date && self.open.is_none() => {
                    let (day, planned) = self.planned.next().expect("peeked");
                    let id = meetings::insert_held(
                        tx,
                        &HeldMeeting {
                            date: day,
                            time: NaiveTime::from_hms_opt(8, 30, 0).expect("valid time"),
                            leader: Some(planned.leader),
                            attendees: &planned.attendees,
                            items: &planned.items,
                        },
                        meeting_change(self.actor, day),
                    )?;
                    self.held.insert(day, id);
                    self.open = Some((day, id));
                }
                _ => return Ok(()),
            }
        }
    }

    /// The meeting held on `date`, if it is the open one.
    fn on(&self, date: NaiveDate) -> Option<MeetingId> {
        self.open.filter(|(day, _)| *day == date).map(|(_, id)| id)
    }
}

fn meeting_change(actor: &str, day: NaiveDate) -> Change<'_> {
    Change {
        actor,
        at: day.and_time(MEETING_END),
    }
}

/// Adds the team, and plans every Tuesday and Thursday meeting of the past year with its
/// agenda and attendance.
fn plan_past_meetings(
    tx: &Transaction<'_>,
    demo: &[DemoReferral],
    ids: &[ReferralId],
    today: NaiveDate,
    rule: WorkingDayRule,
    change: Change<'_>,
) -> Result<BTreeMap<NaiveDate, PlannedMeeting>, StoreError> {
    let mut team = Vec::new();
    for (name, profession) in TEAM {
        team.push(meetings::add_member(tx, name, *profession, change)?);
    }
    let first = today - Days::new(HISTORY_DAYS);
    // What each past meeting had on its agenda: (referral, reason, postponed, deadline).
    let mut agendas: BTreeMap<NaiveDate, Vec<(ReferralId, Reason, bool, NaiveDate)>> =
        BTreeMap::new();
    let mut rng = ChaCha8Rng::seed_from_u64(0x1_47a6);
    for (d, &id) in demo.iter().zip(ids) {
        let deadline = rule.assessment_deadline(d.fields.received_on);
        if let Some(decided) = d.decided_on.filter(|day| *day >= first && *day < today) {
            let reason = if decided > deadline {
                Reason::Overdue
            } else if next_meeting_day(decided, rule) > deadline {
                Reason::LastMeetingBeforeDeadline
            } else {
                Reason::ByDeadline
            };
            agendas
                .entry(decided)
                .or_default()
                .push((id, reason, false, deadline));
            // Now and then the team ran out of time or lacked information: postponed from
            // the meeting before (only while that still kept the deadline).
            let before = previous_meeting_day(decided, rule);
            if before > d.fields.received_on
                && before >= first
                && decided <= deadline
                && rng.random_bool(0.12)
            {
                agendas
                    .entry(before)
                    .or_default()
                    .push((id, Reason::ByDeadline, true, deadline));
            }
        }
        if let Some((reported, Some(_))) = d.mapping {
            let on = next_meeting_day(reported, rule);
            if on >= first && on < today {
                agendas
                    .entry(on)
                    .or_default()
                    .push((id, Reason::AfterMapping, false, deadline));
            }
        }
    }
    let mut planned = BTreeMap::new();
    let mut day = next_meeting_day(first - Days::new(1), rule);
    while day < today {
        let mut items = agendas.remove(&day).unwrap_or_default();
        // As the agenda is built: overdue first, then the last chance, then by deadline;
        // the referrals back from a kartleggingssamtale last.
        items.sort_by_key(|(id, reason, _, deadline)| (reason_rank(*reason), *deadline, id.0));
        let items = items
            .iter()
            .map(|(referral, reason, postponed, _)| {
                let item = StoredItem {
                    referral: *referral,
                    reason: *reason,
                };
                (item, *postponed)
            })
            .collect();
        // The usual leader, now and then away (the other lege leads); the rest mostly there.
        let leader_away = rng.random_bool(0.08);
        let leader = if leader_away { team[1] } else { team[0] };
        let attendees = team
            .iter()
            .enumerate()
            .filter(|(i, _)| match i {
                0 => !leader_away,
                1 => leader_away || rng.random_bool(0.7),
                _ => rng.random_bool(0.8),
            })
            .map(|(_, m)| *m)
            .collect();
        planned.insert(
            day,
            PlannedMeeting {
                items,
                leader,
                attendees,
            },
        );
        day = next_meeting_day(day, rule);
    }
    Ok(planned)
}

fn reason_rank(reason: Reason) -> u8 {
    match reason {
        Reason::Overdue => 0,
        Reason::LastMeetingBeforeDeadline => 1,
        Reason::ByDeadline | Reason::Manual => 2,
        Reason::AfterMapping => 3,
    }
}

/// The last Tuesday or Thursday strictly before `date` that is a working day.
fn previous_meeting_day(date: NaiveDate, rule: WorkingDayRule) -> NaiveDate {
    let mut d = date - Days::new(1);
    while !(matches!(d.weekday(), Weekday::Tue | Weekday::Thu) && rule.is_working_day(d)) {
        d = d - Days::new(1);
    }
    d
}

/// One held meeting about two months back is reopened two days later to correct the track of
/// a rett decision (the fastlege sent more information), and closed again: its minutes show
/// the reopening with who and why.
fn reopen_one(
    tx: &Transaction<'_>,
    held: &HashMap<NaiveDate, MeetingId>,
    today: NaiveDate,
    rule: WorkingDayRule,
    change: Change<'_>,
) -> Result<(), StoreError> {
    let mut days: Vec<_> = held
        .keys()
        .filter(|d| **d + Days::new(56) <= today)
        .copied()
        .collect();
    days.sort_unstable_by(|a, b| b.cmp(a));
    for day in days {
        let meeting = held[&day];
        let on_agenda = meetings::agenda(tx, meeting)?.unwrap_or_default();
        let mut candidate = None;
        let mut all_settled = true;
        for item in &on_agenda {
            let r = referrals::get(tx, item.referral)?;
            if r.status.awaits_meeting() {
                all_settled = false;
            }
            if r.status == ReferralStatus::Rett
                && followups::track_history(tx, item.referral)?.is_empty()
                && let Some(current) = decisions::current(tx, item.referral)?
                && current.meeting == Some(meeting)
                && let Outcome::Rett {
                    start_of_care_deadline,
                    track,
                    ..
                } = &current.outcome
            {
                candidate.get_or_insert((item.referral, *start_of_care_deadline, *track));
            }
        }
        let Some((referral, frist, track)) = candidate.filter(|_| all_settled) else {
            continue;
        };
        let later = meeting_change(change.actor, day + Days::new(2));
        meetings::reopen(
            tx,
            meeting,
            "Fastlegen ettersendte opplysninger; forløpet rettes",
            later,
        )?;
        let corrected = Outcome::Rett {
            start_of_care_deadline: frist,
            track: Some(match track {
                Some(Track::Tverrfaglig(TeamMode::Samlet)) => Track::Monofaglig(Clinician::Lege),
                _ => Track::Tverrfaglig(TeamMode::Samlet),
            }),
            priority_note: String::new(),
        };
        let extras = DecisionExtras {
            note: "Rettet etter nye opplysninger fra fastlegen.".into(),
            care_kind: Some(CareKind::Utredning),
            ..Default::default()
        };
        decisions::record(
            tx,
            &NewDecision {
                referral,
                meeting: Some(meeting),
                decided_on: day,
                outcome: &corrected,
                extras: &extras,
            },
            rule,
            later,
        )?;
        meetings::close(tx, meeting, later)?;
        return Ok(());
    }
    Ok(())
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
