//! Writes the demo clinic (`crate::demo` generates it), an operation like any other: its
//! referrals, its team, and the past year's meetings as held (attendance, agendas, decisions, preparations, follow-ups, one
//! reopened meeting, the letters sent after each meeting), all through the store's own
//! functions in the caller's transaction, so every row has its audit row as in real use.

use crate::calendar::WorkingDayRule;
use crate::demo::*;
use crate::domain::ReferralId;
use crate::domain::ReferralStatus;
use crate::domain::decision::{Clinician, Outcome, TeamMode, Track};
use crate::domain::letter::CareKind;
use crate::domain::meeting::Reason;
use crate::domain::meeting::{MeetingId, MemberId, Profession};
use crate::domain::preparation::{Assessment, TrackKind};
use crate::domain::settings::ClinicSettings;
use crate::store::StoreError;
use crate::store::db::Transaction;
use crate::store::decisions::{self, DecisionExtras, NewDecision};
use crate::store::followups::{self, CareStart};
use crate::store::meetings::{self, HeldMeeting, StoredItem};
use crate::store::preparations;
use crate::store::referrals::{self, Change};
use crate::store::{letters, settings};
use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashMap};

/// Fills the database with `count` demo referrals (see [`insert`]) in one transaction, and
/// marks the demo as offered. The clinic is generated before the write lock is taken: other
/// writers wait only for the inserts.
pub fn fill(ctx: &mut super::Ctx<'_>, count: usize, seed: u64) -> Result<usize, StoreError> {
    let (today, rule, change) = (ctx.today(), ctx.settings.working_day_rule(), ctx.change);
    let generated = generate(count, seed, today, rule);
    ctx.store.write(|tx| {
        settings::put(tx, settings::KEY_DEMO_OFFERED, "1")?;
        insert_generated(tx, generated, today, rule, change)
    })
}

/// Marks the demo as offered (declined), so the window does not offer it again.
pub fn decline(ctx: &mut super::Ctx<'_>) -> Result<(), StoreError> {
    ctx.store
        .write(|tx| Ok(settings::put(tx, settings::KEY_DEMO_OFFERED, "1")?))
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
        let planned = crate::model::letters::for_meeting_on(
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
