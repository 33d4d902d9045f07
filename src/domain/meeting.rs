//! Intake meetings and the team: meeting status, professions, the schedule that generates
//! meetings, and the interdisciplinary check. Pure.

use crate::calendar::holiday_on;
use crate::domain::settings::ClinicSettings;
use chrono::{Datelike, Days, NaiveDate, NaiveTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeetingId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MeetingStatus {
    Planlagt,
    Pagar,
    Avsluttet,
    Avlyst,
}

impl MeetingStatus {
    pub const ALL: [Self; 4] = [Self::Planlagt, Self::Pagar, Self::Avsluttet, Self::Avlyst];

    pub fn code(self) -> &'static str {
        match self {
            Self::Planlagt => "planlagt",
            Self::Pagar => "pagar",
            Self::Avsluttet => "avsluttet",
            Self::Avlyst => "avlyst",
        }
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Planlagt => "Planlagt",
            Self::Pagar => "Pågår",
            Self::Avsluttet => "Avsluttet",
            Self::Avlyst => "Avlyst",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// A meeting that will still be held: it can take referrals before their deadline.
    pub fn is_upcoming(self) -> bool {
        matches!(self, Self::Planlagt | Self::Pagar)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profession {
    Lege,
    Psykolog,
    Psykologspesialist,
    Fysioterapeut,
    Sykepleier,
    Annet,
}

impl Profession {
    pub const ALL: [Self; 6] = [
        Self::Lege,
        Self::Psykolog,
        Self::Psykologspesialist,
        Self::Fysioterapeut,
        Self::Sykepleier,
        Self::Annet,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Lege => "lege",
            Self::Psykolog => "psykolog",
            Self::Psykologspesialist => "psykologspesialist",
            Self::Fysioterapeut => "fysioterapeut",
            Self::Sykepleier => "sykepleier",
            Self::Annet => "annet",
        }
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Lege => "Lege",
            Self::Psykolog => "Psykolog",
            Self::Psykologspesialist => "Psykologspesialist",
            Self::Fysioterapeut => "Fysioterapeut",
            Self::Sykepleier => "Sykepleier",
            Self::Annet => "Annet",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        let c = code.trim().to_lowercase();
        Self::ALL.into_iter().find(|p| p.code() == c)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamMember {
    pub id: MemberId,
    pub name: String,
    pub profession: Profession,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    pub id: MeetingId,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub status: MeetingStatus,
    pub leader: Option<MemberId>,
    /// The schedule slot this meeting was generated for; `None` for extra meetings. A moved
    /// meeting keeps its slot, so the schedule does not generate it again.
    pub scheduled_date: Option<NaiveDate>,
    pub note: String,
}

/// The dates the schedule puts a meeting on in [`from`, `to`]: the clinic's meeting weekdays,
/// skipping public holidays and closure days.
pub fn scheduled_dates(
    settings: &ClinicSettings,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut day = from;
    while day <= to {
        let closed = settings.closure_days.iter().any(|c| c.date == day);
        if settings.meeting_weekdays.contains(&day.weekday())
            && holiday_on(day).is_none()
            && !closed
        {
            out.push(day);
        }
        day = day + Days::new(1);
    }
    out
}

/// What an interdisciplinary team lacks among those attending: a lege, a
/// psykolog/psykologspesialist and a fysioterapeut are required.
pub fn missing_professions(attending: &[Profession]) -> Vec<&'static str> {
    let has = |p: &[Profession]| attending.iter().any(|a| p.contains(a));
    let mut missing = Vec::new();
    if !has(&[Profession::Lege]) {
        missing.push("lege");
    }
    if !has(&[Profession::Psykolog, Profession::Psykologspesialist]) {
        missing.push("psykolog/psykologspesialist");
    }
    if !has(&[Profession::Fysioterapeut]) {
        missing.push("fysioterapeut");
    }
    missing
}

/// The latest upcoming meeting on or before `deadline` (dates sorted ascending, all upcoming).
pub fn last_meeting_before_deadline(
    deadline: NaiveDate,
    meetings: &[NaiveDate],
) -> Option<NaiveDate> {
    let end = meetings.partition_point(|d| *d <= deadline);
    end.checked_sub(1).map(|i| meetings[i])
}

/// Why a referral is on the agenda.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The deadline is already past on the meeting day.
    Overdue,
    /// No later meeting falls on or before the deadline: decide it at this one.
    LastMeetingBeforeDeadline,
    /// Room on the agenda: next by deadline.
    ByDeadline,
    /// Put on by the leader.
    Manual,
    /// Back from a kartleggingssamtale: choose monofaglig or tverrfaglig.
    AfterMapping,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Self::Overdue => "overdue",
            Self::LastMeetingBeforeDeadline => "last_meeting",
            Self::ByDeadline => "by_deadline",
            Self::Manual => "manual",
            Self::AfterMapping => "after_mapping",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::Overdue,
            Self::LastMeetingBeforeDeadline,
            Self::ByDeadline,
            Self::Manual,
            Self::AfterMapping,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }

    /// Must be decided at this meeting.
    pub fn is_must(self) -> bool {
        matches!(self, Self::Overdue | Self::LastMeetingBeforeDeadline)
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Overdue => "Over fristen",
            Self::LastMeetingBeforeDeadline => "Siste møte før frist",
            Self::ByDeadline => "Etter fristrekkefølge",
            Self::Manual => "Lagt til manuelt",
            Self::AfterMapping => "Ny vurdering etter kartlegging",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::iso;
    use crate::domain::settings::ClosureDay;

    #[test]
    fn schedule_skips_holidays_and_closure_days() {
        let settings = ClinicSettings {
            closure_days: vec![ClosureDay {
                date: iso("2026-04-09"),
                label: "Stengt".into(),
            }],
            ..Default::default()
        };
        // Easter 2026: Maundy Thursday 2 Apr; Tue 7 Apr is ordinary; Thu 9 Apr closed.
        let dates = scheduled_dates(&settings, iso("2026-03-30"), iso("2026-04-17"));
        let expected: Vec<NaiveDate> = ["2026-03-31", "2026-04-07", "2026-04-14", "2026-04-16"]
            .map(iso)
            .to_vec();
        assert_eq!(dates, expected);
        // Ascension Thursday 14 May 2026 and 17 May (a Sunday) — Tuesday/Thursday schedule.
        let may = scheduled_dates(
            &ClinicSettings::default(),
            iso("2026-05-11"),
            iso("2026-05-22"),
        );
        assert_eq!(
            may,
            ["2026-05-12", "2026-05-19", "2026-05-21"].map(iso).to_vec()
        );
    }

    #[test]
    fn last_meeting_on_or_before_the_deadline() {
        let meetings = ["2026-11-24", "2026-11-26", "2026-12-01", "2026-12-03"].map(iso);
        let cases = [
            ("2026-11-23", None),
            ("2026-11-24", Some("2026-11-24")),
            ("2026-11-25", Some("2026-11-24")),
            ("2026-12-02", Some("2026-12-01")),
            ("2026-12-31", Some("2026-12-03")),
        ];
        for (deadline, expected) in cases {
            assert_eq!(
                last_meeting_before_deadline(iso(deadline), &meetings),
                expected.map(iso),
                "{deadline}"
            );
        }
    }

    #[test]
    fn interdisciplinary_check() {
        use Profession::*;
        assert!(missing_professions(&[Lege, Psykologspesialist, Fysioterapeut]).is_empty());
        assert_eq!(
            missing_professions(&[Lege, Sykepleier]),
            ["psykolog/psykologspesialist", "fysioterapeut"]
        );
        assert_eq!(missing_professions(&[]).len(), 3);
    }
}

// --- The meeting's rules: what may be done to a meeting in which state ---

/// Why a meeting write was refused. `Display` is the sentence the user reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MeetingRefusal {
    #[error("Fant ikke møtet (id {})", .0.0)]
    NotFound(MeetingId),
    #[error("Det er allerede et møte {}", crate::calendar::format_date_weekday(*.0))]
    DateTaken(NaiveDate),
    #[error("Bare planlagte møter kan flyttes")]
    OnlyPlannedMove,
    /// The meeting is not in the state the action needs.
    #[error("Møtet har status «{}»", .0.label_nb())]
    Status(MeetingStatus),
    #[error("Møtet har status «{}»; gjenåpne det først", .0.label_nb())]
    ReopenFirst(MeetingStatus),
    #[error("Navn mangler")]
    NameMissing,
    #[error("Agendaen til et avsluttet møte kan ikke endres")]
    AgendaClosed,
    #[error("Ingen senere møter")]
    NoLaterMeeting,
    #[error(
        "«{patient}» er allerede avgjort ({status}). Et vedtak kan ikke utsettes; vil du endre \
         det, rett vedtaket i skjemaet."
    )]
    DecidedCannotPostpone { patient: String, status: String },
    #[error("Henvisningen står ikke på dette møtets agenda")]
    NotOnAgenda,
    /// Another leader's decision was saved first (two at once on the clinic's server, or a
    /// second window): theirs stands, this one is not written, the form keeps what was typed.
    #[error(
        "{by} lagret et vedtak for denne henvisningen {at} mens du skrev ({outcome}). Ditt vedtak \
         er ikke lagret, og skjemaet ditt er beholdt: se over {by}s vedtak, og lagre ditt som \
         en rettelse hvis det skal gjelde."
    )]
    DecidedMeanwhile {
        /// The decision that stands (the form now corrects it).
        decision: i64,
        by: String,
        at: String,
        outcome: String,
    },
    #[error("Henvisningen er ikke utsatt fra dette møtet")]
    NotPostponed,
    #[error("«{patient}» er allerede avgjort ({status}) og kan ikke tas tilbake")]
    DecidedCannotTakeBack { patient: String, status: String },
    #[error("{0} henvisninger er ikke avgjort, og det er ikke noe senere møte å flytte dem til")]
    UndecidedWithoutNext(usize),
    #[error("Bare avsluttede møter kan gjenåpnes")]
    OnlyClosedReopen,
    #[error("Oppgi hvorfor møtet gjenåpnes")]
    ReopenWithoutReason,
}

/// A meeting may be moved while it is planned (or running).
pub fn may_move(status: MeetingStatus) -> Result<(), MeetingRefusal> {
    if status.is_upcoming() {
        Ok(())
    } else {
        Err(MeetingRefusal::OnlyPlannedMove)
    }
}

/// Cancelling needs a planned meeting; restoring a cancelled one needs a cancelled one.
pub fn may_set_cancelled(status: MeetingStatus, cancelled: bool) -> Result<(), MeetingRefusal> {
    let from = if cancelled {
        MeetingStatus::Planlagt
    } else {
        MeetingStatus::Avlyst
    };
    if status == from {
        Ok(())
    } else {
        Err(MeetingRefusal::Status(status))
    }
}

/// Only a planned meeting is started.
pub fn may_start(status: MeetingStatus) -> Result<(), MeetingRefusal> {
    if status == MeetingStatus::Planlagt {
        Ok(())
    } else {
        Err(MeetingRefusal::Status(status))
    }
}

/// A closed meeting's agenda is its history: it is not changed.
pub fn may_change_agenda(status: MeetingStatus) -> Result<(), MeetingRefusal> {
    if status == MeetingStatus::Avsluttet {
        Err(MeetingRefusal::AgendaClosed)
    } else {
        Ok(())
    }
}

/// Only a planned or running meeting is closed.
pub fn may_close(status: MeetingStatus) -> Result<(), MeetingRefusal> {
    if status.is_upcoming() {
        Ok(())
    } else {
        Err(MeetingRefusal::Status(status))
    }
}

/// A postponement is taken back at a meeting still open (a closed one is reopened first).
pub fn may_take_back(status: MeetingStatus) -> Result<(), MeetingRefusal> {
    if status.is_upcoming() {
        Ok(())
    } else {
        Err(MeetingRefusal::ReopenFirst(status))
    }
}

/// Only a closed meeting is reopened, and only with a reason.
pub fn may_reopen(status: MeetingStatus, reason: &str) -> Result<(), MeetingRefusal> {
    if status != MeetingStatus::Avsluttet {
        return Err(MeetingRefusal::OnlyClosedReopen);
    }
    if reason.trim().is_empty() {
        return Err(MeetingRefusal::ReopenWithoutReason);
    }
    Ok(())
}

#[cfg(test)]
mod rule_tests {
    use super::*;
    use MeetingStatus::{Avlyst, Avsluttet, Pagar, Planlagt};

    /// Every rule against every status: what is allowed, and the sentence of a refusal.
    #[test]
    fn each_rule_in_each_state() {
        type Rule = fn(MeetingStatus) -> Result<(), MeetingRefusal>;
        type Verdicts = [Result<(), MeetingRefusal>; 4];
        let ok = || Ok(());
        let cases: &[(&str, Rule, Verdicts)] = &[
            (
                "flytte",
                may_move,
                [
                    ok(),
                    ok(),
                    Err(MeetingRefusal::OnlyPlannedMove),
                    Err(MeetingRefusal::OnlyPlannedMove),
                ],
            ),
            (
                "starte",
                may_start,
                [
                    ok(),
                    Err(MeetingRefusal::Status(Pagar)),
                    Err(MeetingRefusal::Status(Avsluttet)),
                    Err(MeetingRefusal::Status(Avlyst)),
                ],
            ),
            (
                "agenda",
                may_change_agenda,
                [ok(), ok(), Err(MeetingRefusal::AgendaClosed), ok()],
            ),
            (
                "avslutte",
                may_close,
                [
                    ok(),
                    ok(),
                    Err(MeetingRefusal::Status(Avsluttet)),
                    Err(MeetingRefusal::Status(Avlyst)),
                ],
            ),
            (
                "ta tilbake",
                may_take_back,
                [
                    ok(),
                    ok(),
                    Err(MeetingRefusal::ReopenFirst(Avsluttet)),
                    Err(MeetingRefusal::ReopenFirst(Avlyst)),
                ],
            ),
            (
                "avlyse",
                |s| may_set_cancelled(s, true),
                [
                    ok(),
                    Err(MeetingRefusal::Status(Pagar)),
                    Err(MeetingRefusal::Status(Avsluttet)),
                    Err(MeetingRefusal::Status(Avlyst)),
                ],
            ),
            (
                "gjenopprette",
                |s| may_set_cancelled(s, false),
                [
                    Err(MeetingRefusal::Status(Planlagt)),
                    Err(MeetingRefusal::Status(Pagar)),
                    Err(MeetingRefusal::Status(Avsluttet)),
                    ok(),
                ],
            ),
            (
                "gjenåpne",
                |s| may_reopen(s, "feil vedtak"),
                [
                    Err(MeetingRefusal::OnlyClosedReopen),
                    Err(MeetingRefusal::OnlyClosedReopen),
                    ok(),
                    Err(MeetingRefusal::OnlyClosedReopen),
                ],
            ),
        ];
        for (what, rule, expected) in cases {
            for (status, want) in [Planlagt, Pagar, Avsluttet, Avlyst]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(&rule(status), want, "{what} ved {status:?}");
            }
        }
        assert_eq!(
            may_reopen(Avsluttet, "  "),
            Err(MeetingRefusal::ReopenWithoutReason)
        );
    }

    #[test]
    fn refusals_say_what_in_norwegian() {
        assert_eq!(
            MeetingRefusal::Status(Avsluttet).to_string(),
            "Møtet har status «Avsluttet»"
        );
        assert_eq!(
            MeetingRefusal::ReopenFirst(Avsluttet).to_string(),
            "Møtet har status «Avsluttet»; gjenåpne det først"
        );
        assert_eq!(
            MeetingRefusal::UndecidedWithoutNext(3).to_string(),
            "3 henvisninger er ikke avgjort, og det er ikke noe senere møte å flytte dem til"
        );
        assert_eq!(
            MeetingRefusal::DateTaken(NaiveDate::from_ymd_opt(2026, 12, 8).unwrap()).to_string(),
            "Det er allerede et møte tir. 08.12.2026"
        );
    }
}
