//! The Møter view's planning and the printed agenda and minutes, read from the store: the
//! meetings, their stored agendas, attendance, preparations and decisions. The planning
//! itself (`crate::planning`) and the agenda proposal (`crate::agenda`) are pure.

use crate::agenda::pdf::{PrintedAgenda, PrintedItem};
use crate::agenda::{Reason, plan};
use crate::calendar::{format_date, weekday_name_nb};
use crate::domain::meeting::{Meeting, MeetingId, MeetingStatus, MemberId, TeamMember};
use crate::domain::settings::ClinicSettings;
use crate::domain::{Referral, ReferralId};
use crate::planning::*;
use crate::queue::QueueModel;
use crate::store::Store;
use crate::store::db::Connection;
use crate::store::{StoreError, decisions, followups, meetings, referrals};
use chrono::{Datelike, NaiveDate};

/// Loads meetings, agendas and the team, and plans every upcoming meeting.
pub fn load(
    store: &Store,
    settings: &ClinicSettings,
    queue: &QueueModel,
    today: NaiveDate,
) -> rusqlite::Result<Planning> {
    let conn = store.conn();
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
        let (mut preparations, mut problems, mut assessments) =
            (Vec::new(), Vec::new(), Vec::new());
        if meeting.status == MeetingStatus::Pagar {
            for (referral, _) in &plan.items {
                preparations.push((*referral, crate::store::preparations::get(conn, *referral)?));
                problems.push((*referral, referrals::problem(conn, *referral)?));
                if let Some((a, by)) = crate::store::messages::assessment(conn, *referral)? {
                    assessments.push((
                        *referral,
                        format!(
                            "Rettighetsvurdert av {}: {}. Ingen ny rettighetsvurdering: velg \
                             forløp (sekundær).",
                            if by.is_empty() { "avsenderen" } else { &by },
                            a.text()
                        ),
                    ));
                }
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
            problems,
            assessments,
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

/// Builds the printed agenda for one upcoming meeting from the planning state.
/// The preparation as the paper shows it, as meeting mode does: the note, who presents, and
/// each discipline's provisional view. Initials only: the presenter by initials too (the
/// note is the team's own text and printed as written).
fn preparation_text(
    p: &crate::store::preparations::Preparation,
    members: &[TeamMember],
    initials_only: bool,
) -> String {
    let mut parts = Vec::new();
    if !p.note.trim().is_empty() {
        parts.push(format!("Notat: {}", short(p.note.trim(), 240)));
    }
    if let Some(m) = p
        .presenter
        .and_then(|id| members.iter().find(|m| m.id == id))
    {
        let name = if initials_only {
            initials(&m.name)
        } else {
            m.name.clone()
        };
        parts.push(format!("presenteres av {name}"));
    }
    if !p.views.is_empty() {
        parts.push(
            p.views
                .iter()
                .map(|(who, view)| format!("{}: {}", who.label_nb(), view.label_nb()))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    parts.join(" · ")
}

pub fn printed_agenda(
    store: &Store,
    settings: &ClinicSettings,
    planning: &Planning,
    meeting: MeetingId,
    options: PrintOptions,
) -> Result<PrintedAgenda, StoreError> {
    let conn = store.conn();
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
    let members = meetings::members(conn)?;
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
        let prepared = crate::store::preparations::get(conn, *id)?;
        items.push(PrintedItem {
            preparation: preparation_text(&prepared, &members, options.initials_only),
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
        notice: notices.join(" · "),
        privacy_note: "Inneholder helseopplysninger – makuleres etter møtet".into(),
        legend: "Rader merket MÅ BEHANDLES har ikke noe senere møte innen fristen \
                 (10 virkedager fra mottak). Virkedager regnes fra møtedagen."
            .into(),
        items,
        left_out_must,
        ..heading(
            ("agenda", "Inntaksmøte"),
            settings,
            m,
            (&planning.members, &view.attendees),
            options.printed_at,
        )
    })
}

/// What the printed agenda and the minutes share: the clinic, the meeting's day, time and
/// week, its leader and attendees as "name (profession)" ("ikke satt" / "ikke registrert"
/// without), and when it was printed. The caller fills in the rest.
fn heading(
    (kind, title): (&str, &str),
    settings: &ClinicSettings,
    m: &Meeting,
    (members, attendees): (&[TeamMember], &[MemberId]),
    printed_at: chrono::NaiveDateTime,
) -> PrintedAgenda {
    let name = |id: MemberId| {
        members
            .iter()
            .find(|p| p.id == id)
            .map(|p| format!("{} ({})", p.name, p.profession.label_nb().to_lowercase()))
    };
    let attendees: Vec<String> = attendees.iter().filter_map(|id| name(*id)).collect();
    PrintedAgenda {
        kind: kind.into(),
        title: title.into(),
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
        notice: String::new(),
        printed_at: printed_at.format("%d.%m.%Y kl. %H:%M").to_string(),
        privacy_note: String::new(),
        legend: String::new(),
        items: Vec::new(),
        history: Vec::new(),
        left_out_must: 0,
    }
}

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

/// The minutes (referat) of a meeting: its stored agenda in order, each with the outcome
/// recorded at this meeting, or what happened to it.
pub fn printed_minutes(
    store: &Store,
    settings: &ClinicSettings,
    meeting: MeetingId,
    options: PrintOptions,
) -> Result<PrintedAgenda, StoreError> {
    let conn = store.conn();
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
    let attendees = meetings::attendees(conn, meeting)?;
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
        // The change log's newest row on paper: an anchor outside the file that
        // `inntak audit` can be held against later.
        privacy_note: match crate::store::anchor::describe(conn)? {
            Some(row) => format!("Inneholder helseopplysninger · Endringslogg: {row}"),
            None => "Inneholder helseopplysninger".into(),
        },
        legend: "Skyggelagte rader ble avgjort etter vurderingsfristen (fristoverskridelse)."
            .into(),
        items: printed,
        history: reopenings(conn, meeting)?,
        ..heading(
            ("referat", "Referat fra inntaksmøte"),
            settings,
            &m,
            (&members, &attendees),
            options.printed_at,
        )
    })
}
