//! The agenda, built from the deadlines: which referrals a meeting must decide, the proposal up
//! to capacity, a date for an extra meeting when one is overloaded, and (in `pdf`) the printed
//! agenda. The selection is pure; the PDF is rendered to bytes without file I/O.

pub mod pdf;

use crate::calendar::WorkingDayRule;
use crate::domain::ReferralId;
/// Why a referral is on an agenda: a domain code the store keeps with each agenda item.
pub use crate::domain::meeting::Reason;
use chrono::{Days, NaiveDate};

/// An open referral that could go on an agenda.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub id: ReferralId,
    pub received_on: NaiveDate,
    pub deadline: NaiveDate,
    /// Back from a kartleggingssamtale for a track choice: its rights are already decided, so
    /// the assessment deadline no longer binds it.
    pub after_mapping: bool,
}

/// Why a candidate must be decided at the meeting on `meeting`, given every upcoming meeting
/// date (sorted); `None` if a later meeting still reaches its deadline.
pub fn must_reason(c: &Candidate, meeting: NaiveDate, upcoming: &[NaiveDate]) -> Option<Reason> {
    if c.after_mapping {
        return None;
    }
    if c.deadline < meeting {
        return Some(Reason::Overdue);
    }
    let later_in_time = upcoming.iter().any(|d| *d > meeting && *d <= c.deadline);
    (!later_in_time).then_some(Reason::LastMeetingBeforeDeadline)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub items: Vec<(ReferralId, Reason)>,
    /// How many must be decided at this meeting (all of them are in `items`).
    pub must: usize,
    pub capacity: usize,
}

impl Proposal {
    /// More must be decided than the meeting has room for.
    pub fn overloaded(&self) -> bool {
        self.must > self.capacity
    }

    /// "26 må behandles, kapasitet 20".
    pub fn overload_text(&self) -> Option<String> {
        self.overloaded()
            .then(|| format!("{} må behandles, kapasitet {}", self.must, self.capacity))
    }
}

/// Proposes the agenda for the meeting on `meeting`: every referral that must be decided there
/// (overdue first, then by deadline), then referrals back from a kartleggingssamtale, then the
/// others by deadline and receipt, up to `capacity`. Referrals received on the meeting day or later are left out.
pub fn propose(
    meeting: NaiveDate,
    upcoming: &[NaiveDate],
    candidates: &[Candidate],
    capacity: usize,
) -> Proposal {
    let mut eligible: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.received_on < meeting)
        .collect();
    eligible.sort_by_key(|c| (c.deadline, c.received_on, c.id));
    let mut must: Vec<(ReferralId, Reason)> = Vec::new();
    let mut mapped = Vec::new();
    let mut others = Vec::new();
    for c in eligible {
        match must_reason(c, meeting, upcoming) {
            Some(reason) => must.push((c.id, reason)),
            None if c.after_mapping => mapped.push((c.id, Reason::AfterMapping)),
            None => others.push((c.id, Reason::ByDeadline)),
        }
    }
    let must_count = must.len();
    let room = capacity.saturating_sub(must_count);
    must.extend(mapped.into_iter().chain(others).take(room));
    Proposal {
        items: must,
        must: must_count,
        capacity,
    }
}

/// A date for an extra meeting that relieves an overloaded meeting on `meeting`: the latest
/// working day, after today and no later than the earliest deadline among the overflow, that
/// has no meeting and is not a closure day. `None` if there is no such day.
pub fn suggest_extra_meeting(
    today: NaiveDate,
    earliest_deadline: NaiveDate,
    existing: &[NaiveDate],
    closed: &[NaiveDate],
    rule: WorkingDayRule,
) -> Option<NaiveDate> {
    let mut day = earliest_deadline;
    while day > today {
        if rule.is_working_day(day) && !existing.contains(&day) && !closed.contains(&day) {
            return Some(day);
        }
        day = day.checked_sub_days(Days::new(1))?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::iso;

    fn c(id: i64, received: &str, deadline: &str) -> Candidate {
        Candidate {
            id: ReferralId(id),
            received_on: iso(received),
            deadline: iso(deadline),
            after_mapping: false,
        }
    }

    // Tue/Thu meetings in late Nov / early Dec 2026.
    fn upcoming() -> Vec<NaiveDate> {
        [
            "2026-11-24",
            "2026-11-26",
            "2026-12-01",
            "2026-12-03",
            "2026-12-08",
        ]
        .map(iso)
        .to_vec()
    }

    #[test]
    fn referrals_back_from_mapping_come_after_must_items_and_are_never_must() {
        let mapped = Candidate {
            after_mapping: true,
            // Its assessment deadline passed long ago; the rights are decided.
            ..c(7, "2026-10-01", "2026-10-15")
        };
        let candidates = [
            c(1, "2026-11-16", "2026-11-30"),
            mapped,
            c(2, "2026-11-10", "2026-11-24"),
        ];
        let p = propose(iso("2026-11-24"), &upcoming(), &candidates, 2);
        assert_eq!(
            p.items,
            vec![
                (ReferralId(2), Reason::LastMeetingBeforeDeadline),
                (ReferralId(7), Reason::AfterMapping),
            ]
        );
        assert_eq!(p.must, 1);
        assert_eq!(Reason::parse("after_mapping"), Some(Reason::AfterMapping));
    }

    #[test]
    fn must_decide_first_then_by_deadline_up_to_capacity() {
        let candidates = [
            c(1, "2026-11-16", "2026-11-30"), // next meeting in time: 26.11 → not must on 24.11
            c(2, "2026-11-10", "2026-11-24"), // deadline on the meeting day: last meeting
            c(3, "2026-11-05", "2026-11-19"), // overdue
            c(4, "2026-11-11", "2026-11-25"), // 26.11 is after the deadline: last meeting is 24.11
            c(5, "2026-11-24", "2026-12-08"), // received on the meeting day: left out
            c(6, "2026-11-20", "2026-12-04"),
        ];
        let p = propose(iso("2026-11-24"), &upcoming(), &candidates, 3);
        assert_eq!(
            p.items,
            vec![
                (ReferralId(3), Reason::Overdue),
                (ReferralId(2), Reason::LastMeetingBeforeDeadline),
                (ReferralId(4), Reason::LastMeetingBeforeDeadline),
            ]
        );
        assert_eq!(p.must, 3);
        assert!(!p.overloaded());
        let roomy = propose(iso("2026-11-24"), &upcoming(), &candidates, 20);
        let ids: Vec<i64> = roomy.items.iter().map(|(id, _)| id.0).collect();
        assert_eq!(ids, [3, 2, 4, 1, 6]);
    }

    #[test]
    fn overload_is_reported_with_numbers() {
        let candidates: Vec<Candidate> =
            (0..26).map(|i| c(i, "2026-11-10", "2026-11-24")).collect();
        let p = propose(iso("2026-11-24"), &upcoming(), &candidates, 20);
        assert_eq!(
            p.items.len(),
            26,
            "every must-decide referral stays on the agenda"
        );
        assert_eq!(
            p.overload_text().as_deref(),
            Some("26 må behandles, kapasitet 20")
        );
    }

    #[test]
    fn extra_meeting_suggestion() {
        let rule = WorkingDayRule::default();
        let existing = upcoming();
        // Overflow due Fri 27.11: Wed 25.11 is free (26.11 has a meeting).
        let d = suggest_extra_meeting(iso("2026-11-23"), iso("2026-11-27"), &existing, &[], rule);
        assert_eq!(d, Some(iso("2026-11-27")));
        let d = suggest_extra_meeting(iso("2026-11-23"), iso("2026-11-26"), &existing, &[], rule);
        assert_eq!(d, Some(iso("2026-11-25")));
        assert_eq!(
            suggest_extra_meeting(iso("2026-11-24"), iso("2026-11-24"), &existing, &[], rule),
            None
        );
    }
}

/// An agenda: referrals in order, each with why it is there.
pub type AgendaItems = Vec<(ReferralId, Reason)>;

/// A meeting's agenda as the app shows it: stored, or proposed from what earlier meetings
/// leave, with what must be decided there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingPlan {
    pub date: NaiveDate,
    pub items: Vec<(ReferralId, Reason)>,
    /// The agenda is stored (edited or accepted); otherwise it is a live proposal.
    pub stored: bool,
    /// Items that must be decided at this meeting (reasons recomputed for today's calendar).
    pub must: usize,
    /// Must-decide referrals that are on no agenda: a stored agenda that would miss them.
    pub missing_must: Vec<ReferralId>,
    pub capacity: usize,
}

impl MeetingPlan {
    pub fn overload_text(&self) -> Option<String> {
        (self.must > self.capacity)
            .then(|| format!("{} må behandles, kapasitet {}", self.must, self.capacity))
    }
}

/// Plans the upcoming meetings in date order. A stored agenda is kept as it is (its items
/// leave the pool); a meeting without one gets a proposal from what is left, as the forecast
/// does. `meetings` holds each meeting's date and stored agenda, if any.
pub fn plan(
    meetings: &[(NaiveDate, Option<AgendaItems>)],
    candidates: &[Candidate],
    capacity: usize,
) -> Vec<MeetingPlan> {
    let upcoming: Vec<NaiveDate> = meetings.iter().map(|(d, _)| *d).collect();
    let stored_anywhere: Vec<ReferralId> = meetings
        .iter()
        .filter_map(|(_, s)| s.as_ref())
        .flatten()
        .map(|(id, _)| *id)
        .collect();
    let mut remaining: Vec<Candidate> = candidates
        .iter()
        .filter(|c| !stored_anywhere.contains(&c.id))
        .copied()
        .collect();
    meetings
        .iter()
        .map(|(date, stored)| {
            let (items, is_stored) = match stored {
                Some(items) => {
                    // Recompute the reasons against today's meetings, keeping manual ones.
                    let items = items
                        .iter()
                        .map(|(id, reason)| {
                            let live = candidates
                                .iter()
                                .find(|c| c.id == *id)
                                .and_then(|c| must_reason(c, *date, &upcoming));
                            (*id, live.unwrap_or(*reason))
                        })
                        .collect();
                    (items, true)
                }
                None => {
                    let p = propose(*date, &upcoming, &remaining, capacity);
                    remaining.retain(|c| !p.items.iter().any(|(id, _)| *id == c.id));
                    (p.items, false)
                }
            };
            let missing_must: Vec<ReferralId> = remaining
                .iter()
                .filter(|c| c.received_on < *date && must_reason(c, *date, &upcoming).is_some())
                .map(|c| c.id)
                .collect();
            let must = items.iter().filter(|(_, r)| r.is_must()).count() + missing_must.len();
            MeetingPlan {
                date: *date,
                items,
                stored: is_stored,
                must,
                missing_must,
                capacity,
            }
        })
        .collect()
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use crate::domain::referral::iso;

    #[test]
    fn stored_agendas_are_kept_and_missing_must_items_reported() {
        let c = |id, received: &str, deadline: &str| Candidate {
            id: ReferralId(id),
            received_on: iso(received),
            deadline: iso(deadline),
            after_mapping: false,
        };
        let candidates = [
            c(1, "2026-11-10", "2026-11-24"),
            c(2, "2026-11-16", "2026-11-30"),
            c(3, "2026-11-18", "2026-12-02"),
        ];
        // The first meeting's agenda was stored with only referral 2: referral 1 (due on the
        // meeting day) would be missed.
        let meetings = vec![
            (
                iso("2026-11-24"),
                Some(vec![(ReferralId(2), Reason::Manual)]),
            ),
            (iso("2026-11-26"), None),
        ];
        let plans = plan(&meetings, &candidates, 20);
        assert!(plans[0].stored);
        assert_eq!(plans[0].items, vec![(ReferralId(2), Reason::Manual)]);
        assert_eq!(plans[0].missing_must, vec![ReferralId(1)]);
        assert_eq!(plans[0].must, 1);
        // The proposal for 26.11 takes what is left: 1 (overdue by then) and 3.
        assert!(!plans[1].stored);
        assert_eq!(
            plans[1].items,
            vec![
                (ReferralId(1), Reason::Overdue),
                (ReferralId(3), Reason::LastMeetingBeforeDeadline)
            ]
        );
    }
}
