//! Meeting planning as the app and the `agenda` command see it: reads meetings, the team and
//! stored agendas from the store, plans the agendas, and builds the printed agenda.

use crate::agenda::pdf::{PrintedAgenda, PrintedItem};
use crate::agenda::{Candidate, MeetingPlan, Reason, plan};
use crate::calendar::{WorkingDayRule, format_date, weekday_name_nb};
use crate::domain::meeting::{
    Meeting, MeetingId, MeetingStatus, MemberId, TeamMember, missing_professions,
};
use crate::domain::settings::ClinicSettings;
use crate::domain::{Referral, ReferralId, ReferralStatus};
use crate::queue::QueueModel;
use crate::store::{StoreError, decisions, followups, meetings, referrals};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use rusqlite::Connection;

/// One upcoming meeting with everything the Møter view shows.
#[derive(Clone, Debug)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub plan: MeetingPlan,
    pub attendees: Vec<MemberId>,
    /// Referrals postponed (utsatt) from this meeting to the next.
    pub postponed: Vec<ReferralId>,
    /// The current decisions recorded at this meeting (for corrections).
    pub decided: Vec<decisions::StoredDecision>,
    /// Referrals whose track was chosen or changed at this meeting.
    /// Referrals whose track was chosen or changed at this meeting, with the choice.
    pub track_changed: Vec<(ReferralId, crate::domain::decision::Track)>,
    /// The stored agenda's item numbers (postponed items included); empty for a proposal.
    pub numbers: Vec<(ReferralId, usize)>,
    /// While the meeting runs: each item's note, presenter and provisional views.
    pub preparations: Vec<(ReferralId, crate::store::preparations::Preparation)>,
    /// The leader and attendees shown are carried from the previous meeting (nobody has set
    /// this meeting's yet; they are stored with the first change or when it starts).
    pub team_carried: bool,
}

impl MeetingView {
    /// An item's number: its stored number, or (in a proposal) its place in the list.
    pub fn number(&self, referral: ReferralId, index: usize) -> usize {
        self.stored_number(referral).unwrap_or(index + 1)
    }

    /// An item's number on the stored agenda, postponed items included.
    pub fn stored_number(&self, referral: ReferralId) -> Option<usize> {
        self.numbers
            .iter()
            .find(|(r, _)| *r == referral)
            .map(|(_, n)| *n)
    }

    /// The meeting's current agenda (stored or proposed) as items to store.
    pub fn stored_items(&self) -> Vec<meetings::StoredItem> {
        self.plan
            .items
            .iter()
            .map(|(referral, reason)| meetings::StoredItem {
                referral: *referral,
                reason: *reason,
            })
            .collect()
    }
}

/// The planning state: upcoming meetings (with plans), recent past ones, the team.
#[derive(Clone, Debug, Default)]
pub struct Planning {
    pub upcoming: Vec<MeetingView>,
    /// Meetings in the last four weeks that are closed or cancelled, newest first.
    pub recent: Vec<Meeting>,
    pub members: Vec<TeamMember>,
    pub today: NaiveDate,
}

impl Planning {
    /// Dates of the upcoming (planned or in progress) meetings from today, sorted.
    pub fn upcoming_dates(&self) -> Vec<NaiveDate> {
        // A reopened meeting in the past is listed to be finished, but it is no later meeting.
        self.upcoming
            .iter()
            .map(|m| m.meeting.date)
            .filter(|d| *d >= self.today)
            .collect()
    }

    pub fn find(&self, id: MeetingId) -> Option<&MeetingView> {
        self.upcoming.iter().find(|m| m.meeting.id == id)
    }

    pub fn member(&self, id: MemberId) -> Option<&TeamMember> {
        self.members.iter().find(|m| m.id == id)
    }

    /// The professions a meeting lacks to be interdisciplinary.
    pub fn missing_professions(&self, view: &MeetingView) -> Vec<&'static str> {
        let present: Vec<_> = view
            .attendees
            .iter()
            .filter_map(|id| self.member(*id))
            .map(|m| m.profession)
            .collect();
        missing_professions(&present)
    }
}

/// Candidates for agendas: every open referral in the queue, and those back from a
/// kartleggingssamtale for a track choice.
pub fn candidates(queue: &QueueModel) -> Vec<Candidate> {
    queue
        .rows
        .iter()
        .filter(|r| r.status.awaits_meeting())
        .map(|r| Candidate {
            id: r.id,
            received_on: r.received_on,
            deadline: r.deadline,
            after_mapping: r.status == ReferralStatus::TilNyVurdering,
        })
        .collect()
}

/// Loads meetings, agendas and the team, and plans every upcoming meeting.
pub fn load(
    conn: &Connection,
    settings: &ClinicSettings,
    queue: &QueueModel,
    today: NaiveDate,
) -> rusqlite::Result<Planning> {
    let from = today - chrono::Days::new(28);
    let all = meetings::from_date(conn, from)?;
    let (upcoming, past): (Vec<Meeting>, Vec<Meeting>) = all.into_iter().partition(|m| {
        m.status == MeetingStatus::Pagar || (m.status.is_upcoming() && m.date >= today)
    });
    let mut stored = Vec::with_capacity(upcoming.len());
    for m in &upcoming {
        let items = meetings::agenda(conn, m.id)?
            .map(|items| items.into_iter().map(|i| (i.referral, i.reason)).collect());
        stored.push((m.date, items));
    }
    let plans = plan(
        &stored,
        &candidates(queue),
        settings.agenda_capacity as usize,
    );
    let mut views = Vec::with_capacity(upcoming.len());
    for (mut meeting, plan) in upcoming.into_iter().zip(plans) {
        let mut attendees = meetings::attendees(conn, meeting.id)?;
        let mut team_carried = false;
        if meeting.status == MeetingStatus::Planlagt
            && let Some((leader, present)) = meetings::carried_team(conn, &meeting)?
        {
            meeting.leader = leader;
            attendees = present;
            team_carried = true;
        }
        let (postponed, decided, track_changed) = if meeting.status == MeetingStatus::Pagar {
            (
                meetings::postponed(conn, meeting.id)?,
                decisions::at_meeting(conn, meeting.id)?,
                followups::changed_at_meeting(conn, meeting.id)?,
            )
        } else {
            Default::default()
        };
        let numbers = if plan.stored {
            meetings::numbers(conn, meeting.id)?
        } else {
            Vec::new()
        };
        let mut preparations = Vec::new();
        if meeting.status == MeetingStatus::Pagar {
            for (referral, _) in &plan.items {
                preparations.push((*referral, crate::store::preparations::get(conn, *referral)?));
            }
        }
        views.push(MeetingView {
            meeting,
            plan,
            attendees,
            postponed,
            decided,
            track_changed,
            numbers,
            team_carried,
            preparations,
        });
    }
    let mut recent: Vec<Meeting> = past
        .into_iter()
        .filter(|m| m.date < today || !m.status.is_upcoming())
        .collect();
    recent.reverse();
    Ok(Planning {
        upcoming: views,
        recent,
        members: meetings::members(conn)?,
        today,
    })
}

/// Patient name, or initials only ("Kari Nordmann" → "K.N.") for agendas that leave the room.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect()
}

/// First `max` characters of a text, on one line, with "…" when cut.
pub fn short(text: &str, max: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

/// What the "left at the meeting" column says for an item back from a kartleggingssamtale: its
/// assessment deadline no longer applies.
pub const AFTER_MAPPING_LEFT: &str = "rett gitt – velg forløp";

/// The deadline column for an agenda item: the working days at the meeting, or
/// [`AFTER_MAPPING_LEFT`].
pub fn item_left_at_meeting(
    rule: WorkingDayRule,
    meeting: NaiveDate,
    deadline: NaiveDate,
    reason: Reason,
) -> String {
    if reason == Reason::AfterMapping {
        AFTER_MAPPING_LEFT.to_string()
    } else {
        left_at_meeting(rule, meeting, deadline)
    }
}

/// The deadline seen from the meeting day: "frist på møtedagen", "1 virkedag etter møtet",
/// "3 virkedager over fristen".
pub fn left_at_meeting(rule: WorkingDayRule, meeting: NaiveDate, deadline: NaiveDate) -> String {
    let plural = |n: i64| if n == 1 { "virkedag" } else { "virkedager" };
    if deadline < meeting {
        let over = rule.working_days_left(meeting, deadline).abs();
        format!("{over} {} over fristen", plural(over))
    } else {
        match rule.working_days_between(meeting, deadline) {
            0 => "frist på møtedagen".to_string(),
            n => format!("{n} {} etter møtet", plural(n)),
        }
    }
}

/// The columns every printed row shares (agenda and minutes), seen from the meeting day.
fn printed_item(
    number: usize,
    r: &Referral,
    rule: WorkingDayRule,
    meeting: NaiveDate,
    initials_only: bool,
) -> PrintedItem {
    let f = &r.fields;
    let deadline = rule.assessment_deadline(f.received_on);
    let referrer_kind = if f.specialty.is_empty() {
        f.referrer_kind.label_nb().to_string()
    } else {
        format!("{} ({})", f.referrer_kind.label_nb(), f.specialty)
    };
    PrintedItem {
        number,
        patient: if initials_only {
            initials(&f.patient)
        } else {
            f.patient.clone()
        },
        kind: if f.is_secondary {
            "Sekundær"
        } else {
            "Primær"
        }
        .into(),
        birth_year: f
            .birth_year
            .map(|y| y.to_string())
            .unwrap_or_else(|| "–".into()),
        received: format_date(f.received_on),
        deadline: format_date(deadline),
        days_left: left_at_meeting(rule, meeting, deadline),
        must: false,
        reason: String::new(),
        referrer: if f.referrer_name.is_empty() {
            "–".into()
        } else {
            f.referrer_name.clone()
        },
        referrer_kind,
        problem: short(&f.problem, 220),
        outcome: String::new(),
        after_mapping: false,
    }
}

/// Options for the printed agenda.
#[derive(Clone, Copy, Debug)]
pub struct PrintOptions {
    pub initials_only: bool,
    pub printed_at: NaiveDateTime,
}

/// Builds the printed agenda for one upcoming meeting from the planning state.
pub fn printed_agenda(
    conn: &Connection,
    settings: &ClinicSettings,
    planning: &Planning,
    meeting: MeetingId,
    options: PrintOptions,
) -> Result<PrintedAgenda, StoreError> {
    let view = planning
        .find(meeting)
        .ok_or_else(|| StoreError::Rule("Møtet er ikke et kommende møte".into()))?;
    let m = &view.meeting;
    let rule = settings.working_day_rule();
    // A queue with thousands overdue (a history imported without its statuses) must not
    // print thousands of rows: the paper holds what a meeting can take, and says the rest.
    let limit = view
        .plan
        .items
        .len()
        .min(print_limit(settings.agenda_capacity as usize));
    let left_out_must = view.plan.items[limit..]
        .iter()
        .filter(|(_, reason)| reason.is_must())
        .count();
    let mut items = Vec::with_capacity(limit);
    for (number, (id, reason)) in view.plan.items[..limit].iter().enumerate() {
        let r: Referral = referrals::get(conn, *id)?;
        let reason_text = match reason {
            Reason::Overdue => "MÅ BEHANDLES – over fristen".to_string(),
            Reason::LastMeetingBeforeDeadline => "MÅ BEHANDLES – siste møte før frist".to_string(),
            other => other.label_nb().to_string(),
        };
        let base = printed_item(
            view.number(*id, number),
            &r,
            rule,
            m.date,
            options.initials_only,
        );
        // Back from kartlegging: the paper shows what the mapping found, not the referral text.
        let after_mapping = *reason == Reason::AfterMapping;
        let problem = match followups::mapping_report(conn, *id)? {
            Some(report) if after_mapping && !report.summary.trim().is_empty() => {
                format!("Kartlegging: {}", short(&report.summary, 200))
            }
            _ => base.problem.clone(),
        };
        items.push(PrintedItem {
            must: reason.is_must(),
            reason: reason_text,
            days_left: item_left_at_meeting(
                rule,
                m.date,
                rule.assessment_deadline(r.fields.received_on),
                *reason,
            ),
            after_mapping,
            problem,
            ..base
        });
    }
    let member_text = |id: MemberId| {
        planning
            .member(id)
            .map(|p| format!("{} ({})", p.name, p.profession.label_nb().to_lowercase()))
    };
    let attendees: Vec<String> = view
        .attendees
        .iter()
        .filter_map(|id| member_text(*id))
        .collect();
    let mut notices = Vec::new();
    if let Some(text) = view.plan.overload_text() {
        notices.push(format!("{text} – vurder ekstramøte"));
    }
    if !view.plan.missing_must.is_empty() {
        notices.push(format!(
            "{} som må behandles nå står ikke på agendaen",
            view.plan.missing_must.len()
        ));
    }
    if left_out_must > 0 {
        notices.push(format!(
            "{left_out_must} til må behandles – planlegg ekstra møter (agendaen viser de {limit} \
             første)"
        ));
    }
    let missing = planning.missing_professions(view);
    if !view.attendees.is_empty() && !missing.is_empty() {
        notices.push(format!("Ikke tverrfaglig: mangler {}", missing.join(", ")));
    }
    Ok(PrintedAgenda {
        kind: "agenda".into(),
        title: "Inntaksmøte".into(),
        clinic: settings.clinic_name.clone(),
        date_text: format!(
            "{} {}",
            weekday_name_nb(m.date.weekday()),
            format_date(m.date)
        ),
        time: m.time.format("%H:%M").to_string(),
        week: m.date.iso_week().week(),
        leader: m
            .leader
            .and_then(member_text)
            .unwrap_or_else(|| "ikke satt".into()),
        attendees: if attendees.is_empty() {
            "ikke registrert".into()
        } else {
            attendees.join(", ")
        },
        notice: notices.join(" · "),
        printed_at: options.printed_at.format("%d.%m.%Y kl. %H:%M").to_string(),
        privacy_note: "Inneholder helseopplysninger – makuleres etter møtet".into(),
        legend: "Rader merket MÅ BEHANDLES har ikke noe senere møte innen fristen \
                 (10 virkedager fra mottak). Virkedager regnes fra møtedagen."
            .into(),
        items,
        history: Vec::new(),
        left_out_must,
    })
}

/// The most rows a printed agenda carries: the meeting's capacity, or [`PRINT_MUST_CAP`] when
/// more must be decided than that.
pub fn print_limit(capacity: usize) -> usize {
    capacity.max(PRINT_MUST_CAP)
}

/// Must-decide rows printed beyond a small capacity: about what one long meeting can decide.
pub const PRINT_MUST_CAP: usize = 60;

/// "Gjenåpnet 24.11.2026 kl. 14:05 av ingrid: Glemte Bo", from the meeting's change log.
fn reopenings(conn: &Connection, meeting: MeetingId) -> Result<Vec<String>, StoreError> {
    let rows =
        crate::store::audit::for_entity(conn, crate::store::audit::Entity::Meeting, meeting.0)?;
    Ok(rows
        .into_iter()
        .filter(|a| {
            a.event
                == crate::store::audit::Event::Meeting(crate::store::audit::MeetingAction::Reopen)
        })
        .map(|a| {
            let when = chrono::NaiveDateTime::parse_from_str(&a.at, "%Y-%m-%dT%H:%M:%S")
                .map(|t| t.format("%d.%m.%Y kl. %H:%M").to_string())
                .unwrap_or(a.at.clone());
            let why = a.details["begrunnelse"].as_str().unwrap_or("").to_string();
            format!("Gjenåpnet {when} av {}: {why}", a.actor)
        })
        .collect())
}

/// Finds the meeting `--next` or `--meeting DATE` means.
pub fn find_meeting(planning: &Planning, date: Option<NaiveDate>) -> Result<MeetingId, String> {
    match date {
        None => planning
            .upcoming
            .first()
            .map(|m| m.meeting.id)
            .ok_or_else(|| {
                "Det er ingen kommende møter. Sjekk møtedagene i innstillingene.".into()
            }),
        Some(d) => planning
            .upcoming
            .iter()
            .find(|m| m.meeting.date == d)
            .map(|m| m.meeting.id)
            .ok_or_else(|| {
                format!(
                    "Det er ikke noe planlagt møte {}",
                    crate::calendar::format_date_weekday(d)
                )
            }),
    }
}

/// The outcome of a decision in words, for the minutes: "Rett – tverrfaglig samlet – juridisk
/// frist 02.02.2027", "Avslag – reason. Råd: …".
pub fn outcome_text(outcome: &crate::domain::decision::Outcome) -> String {
    use crate::domain::decision::{Outcome, TeamMode, Track};
    let track = |t: &Track| match t {
        Track::Monofaglig(c) => format!("monofaglig ({})", c.code()),
        Track::Tverrfaglig(TeamMode::Sekvensiell) => "tverrfaglig sekvensiell".to_string(),
        Track::Tverrfaglig(TeamMode::Samlet) => "tverrfaglig samlet".to_string(),
        Track::Kartlegging(c) => format!("kartleggingssamtale ({})", c.code()),
    };
    match outcome {
        Outcome::Rett {
            start_of_care_deadline,
            track: t,
            priority_note,
        } => {
            let mut text = format!(
                "Rett – {} – juridisk frist {}",
                t.as_ref()
                    .map_or_else(|| "forløp ukjent".to_string(), track),
                start_of_care_deadline.map_or_else(|| "ukjent".to_string(), format_date)
            );
            if !priority_note.is_empty() {
                text.push_str(&format!(". {priority_note}"));
            }
            text
        }
        Outcome::Avslag { reason, advice } if advice.is_empty() => format!("Avslag – {reason}"),
        Outcome::Avslag { reason, advice } => format!("Avslag – {reason}. Råd: {advice}"),
        Outcome::Videresendt { unit } => format!("Videresendt til {unit}"),
        Outcome::Feilsendt => "Feilsendt".to_string(),
        Outcome::Sekundaer { track: t } => format!(
            "Sekundærhenvisning – {}",
            t.as_ref()
                .map_or_else(|| "forløp ukjent".to_string(), track)
        ),
    }
}

/// The minutes (referat) of a meeting: its stored agenda in order, each with the outcome
/// recorded at this meeting, or what happened to it.
pub fn printed_minutes(
    conn: &Connection,
    settings: &ClinicSettings,
    meeting: MeetingId,
    options: PrintOptions,
) -> Result<PrintedAgenda, StoreError> {
    let m = meetings::get(conn, meeting)?;
    // In number order, postponed items in their place: the same numbers as the agenda.
    let (items, flags): (Vec<meetings::StoredItem>, Vec<bool>) =
        meetings::agenda_with_postponed(conn, meeting)?
            .into_iter()
            .unzip();
    let postponed: Vec<ReferralId> = items
        .iter()
        .zip(&flags)
        .filter(|(_, p)| **p)
        .map(|(i, _)| i.referral)
        .collect();
    let rule = settings.working_day_rule();
    let mut printed = Vec::with_capacity(items.len());
    for (number, item) in items.iter().enumerate() {
        let r = referrals::get(conn, item.referral)?;
        let decision = crate::store::decisions::current(conn, item.referral)?
            .filter(|d| d.meeting == Some(meeting));
        let track_change = followups::track_history(conn, item.referral)?
            .into_iter()
            .rfind(|t| t.meeting == Some(meeting));
        let outcome = match (&decision, &track_change) {
            _ if postponed.contains(&item.referral) => "Utsatt til neste møte".to_string(),
            (_, Some(t)) => {
                let note = if t.note.is_empty() {
                    String::new()
                } else {
                    format!(". {}", t.note)
                };
                format!(
                    "Forløp etter {}: {}{note}",
                    t.from.label_nb(),
                    t.to.label_nb()
                )
            }
            (Some(d), None) => {
                let late = if d.after_deadline {
                    " (avgjort etter fristen)"
                } else {
                    ""
                };
                format!("{}{late}", outcome_text(&d.outcome))
            }
            (None, None) if m.status == MeetingStatus::Avsluttet => {
                "Ikke avgjort – flyttet til neste møte".to_string()
            }
            (None, None) => "Ikke avgjort ennå".to_string(),
        };
        printed.push(PrintedItem {
            must: decision.as_ref().is_some_and(|d| d.after_deadline),
            reason: if postponed.contains(&item.referral) {
                "Utsatt".to_string()
            } else {
                item.reason.label_nb().to_string()
            },
            problem: short(&r.fields.problem, 160),
            outcome,
            days_left: item_left_at_meeting(
                rule,
                m.date,
                rule.assessment_deadline(r.fields.received_on),
                item.reason,
            ),
            ..printed_item(number + 1, &r, rule, m.date, options.initials_only)
        });
    }
    let members = meetings::members(conn)?;
    let name = |id: MemberId| {
        members
            .iter()
            .find(|p| p.id == id)
            .map(|p| format!("{} ({})", p.name, p.profession.label_nb().to_lowercase()))
    };
    let attendees: Vec<String> = meetings::attendees(conn, meeting)?
        .into_iter()
        .filter_map(name)
        .collect();
    let decided = printed
        .iter()
        .filter(|i| !i.outcome.starts_with("Ikke avgjort") && !i.outcome.starts_with("Utsatt"))
        .count();
    // Decisions are dated the day they were made: a meeting held on another day than planned
    // (run early, or reopened later) says when.
    let mut held: Vec<NaiveDate> = crate::store::decisions::at_meeting(conn, meeting)?
        .iter()
        .map(|d| d.decided_on)
        .filter(|d| *d != m.date)
        .collect();
    held.sort();
    held.dedup();
    let held_text = if held.is_empty() {
        String::new()
    } else {
        let days: Vec<String> = held
            .iter()
            .map(|d| format!("{} {}", weekday_name_nb(d.weekday()), format_date(*d)))
            .collect();
        format!(" · vedtak fattet {}", days.join(" og "))
    };
    Ok(PrintedAgenda {
        kind: "referat".into(),
        title: "Referat fra inntaksmøte".into(),
        clinic: settings.clinic_name.clone(),
        date_text: format!(
            "{} {}",
            weekday_name_nb(m.date.weekday()),
            format_date(m.date)
        ),
        time: m.time.format("%H:%M").to_string(),
        week: m.date.iso_week().week(),
        leader: m
            .leader
            .and_then(name)
            .unwrap_or_else(|| "ikke satt".into()),
        attendees: if attendees.is_empty() {
            "ikke registrert".into()
        } else {
            attendees.join(", ")
        },
        notice: format!(
            "{decided} av {} avgjort{} · møtet er {}{held_text}",
            printed.len() - postponed.len(),
            if postponed.is_empty() {
                String::new()
            } else {
                format!(" · {} utsatt", postponed.len())
            },
            m.status.label_nb().to_lowercase()
        ),
        printed_at: options.printed_at.format("%d.%m.%Y kl. %H:%M").to_string(),
        privacy_note: "Inneholder helseopplysninger".into(),
        legend: "Skyggelagte rader ble avgjort etter vurderingsfristen (fristoverskridelse)."
            .into(),
        items: printed,
        history: reopenings(conn, meeting)?,
        left_out_must: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_and_short_text() {
        assert_eq!(initials("Kari Nordmann"), "K.N.");
        assert_eq!(initials("åse  lie-berg"), "Å.L.");
        assert_eq!(short("Smerter\ni ryggen", 40), "Smerter i ryggen");
        assert_eq!(short("abcdefghij", 6), "abcde…");
        let rule = WorkingDayRule::default();
        let meeting = crate::domain::referral::iso("2026-11-24");
        let cases = [
            ("2026-11-18", "4 virkedager over fristen"),
            ("2026-11-23", "1 virkedag over fristen"),
            ("2026-11-24", "frist på møtedagen"),
            ("2026-11-25", "1 virkedag etter møtet"),
            ("2026-11-27", "3 virkedager etter møtet"),
        ];
        for (deadline, text) in cases {
            assert_eq!(
                left_at_meeting(rule, meeting, crate::domain::referral::iso(deadline)),
                text
            );
        }
    }
}
