//! Meeting planning as the app and the `agenda` command see it: the upcoming meetings with
//! their planned agendas, numbering, the printed agenda's items and texts (pure; read from the
//! store by `model::planning`).

use crate::agenda::pdf::PrintedItem;
use crate::agenda::{Candidate, MeetingPlan, Reason};
use crate::calendar::{WorkingDayRule, format_date};
use crate::domain::meeting::{Meeting, MeetingId, MemberId, TeamMember, missing_professions};
use crate::domain::{Referral, ReferralId, ReferralStatus};
use crate::queue::QueueModel;
use crate::store::{decisions, meetings};
use chrono::{NaiveDate, NaiveDateTime};

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
    /// Referrals whose track was chosen or changed at this meeting, with the choice.
    pub track_changed: Vec<(ReferralId, crate::domain::decision::Track)>,
    /// The stored agenda's item numbers (postponed items included); empty for a proposal.
    pub numbers: Vec<(ReferralId, usize)>,
    /// While the meeting runs: each item's note, presenter and provisional views.
    pub preparations: Vec<(ReferralId, crate::store::preparations::Preparation)>,
    /// While the meeting runs: each item's problemstilling (the queue rows do not keep it).
    pub problems: Vec<(ReferralId, String)>,
    /// While the meeting runs: a forwarded item's rights assessment by its sender, as shown
    /// ("Rettighetsvurdert av …: rett …, frist …").
    pub assessments: Vec<(ReferralId, String)>,
    /// The leader and attendees shown are carried from the previous meeting (nobody has set
    /// this meeting's yet; they are stored with the first change or when it starts).
    pub team_carried: bool,
}

impl MeetingView {
    /// An item's problemstilling while the meeting runs ("" when none was given).
    pub fn problem(&self, referral: ReferralId) -> &str {
        self.problems
            .iter()
            .find(|(id, _)| *id == referral)
            .map_or("", |(_, p)| p.as_str())
    }

    /// A forwarded item's assessment by its sender, as shown, if it has one.
    pub fn assessment(&self, referral: ReferralId) -> Option<&str> {
        self.assessments
            .iter()
            .find(|(id, _)| *id == referral)
            .map(|(_, a)| a.as_str())
    }

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
pub(crate) fn printed_item(
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
        preparation: String::new(),
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

/// The most rows a printed agenda carries: the meeting's capacity, or [`PRINT_MUST_CAP`] when
/// more must be decided than that.
pub fn print_limit(capacity: usize) -> usize {
    capacity.max(PRINT_MUST_CAP)
}

/// Must-decide rows printed beyond a small capacity: about what one long meeting can decide.
pub const PRINT_MUST_CAP: usize = 60;

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
