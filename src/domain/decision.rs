//! The meeting's decision on a referral (issue 4 groundwork): outcomes, assessment tracks, the
//! rules for mandatory fields, the proposed start-of-care deadline (juridisk frist), the
//! postpone guard and the fristbrudd classification. Pure: no store, no UI yet.

use crate::calendar::WorkingDayRule;
use crate::domain::{ReferralStatus, ReferrerKind};
use chrono::{Days, NaiveDate};

/// Weeks from receipt to the proposed juridisk frist: the national pathway for long-lasting
/// pain targets the start of interdisciplinary assessment within 12 weeks.
pub const DEFAULT_START_OF_CARE_WEEKS: u64 = 12;

/// Days before the juridisk frist within which a granted referral without a booked start is
/// an expected breach (forventet fristbrudd).
pub const EXPECTED_BREACH_DAYS: u64 = 14;

/// The avslag reasons every clinic starts with; a clinic adds its own in Innstillinger.
/// "Annet" lets the team write its own reason in the note.
pub const DEFAULT_AVSLAG_REASONS: [&str; 4] = [
    "Kan ivaretas i primærhelsetjenesten",
    "Manglende forventet nytte av tilbudet",
    "Allerede utredet uten ny informasjon",
    "Annet",
];

/// The clinician profession for a monofaglig assessment or a kartleggingssamtale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Clinician {
    Lege,
    Psykolog,
    Fysioterapeut,
}

/// How a tverrfaglig assessment is organised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TeamMode {
    /// One clinician at a time, then a joint meeting.
    Sekvensiell,
    /// All clinicians with the patient at once.
    Samlet,
}

/// The assessment track a granted (or secondary) referral goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Track {
    Monofaglig(Clinician),
    Tverrfaglig(TeamMode),
    /// Mapping consultation; the result returns to the intake meeting, which then chooses
    /// monofaglig or tverrfaglig.
    Kartlegging(Clinician),
}

/// What the meeting decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Rett til nødvendig helsehjelp, with the date care must start by and the track. Both
    /// are always set by the meeting (`validate` requires them); `None` is imported history
    /// that did not say (shown as "ukjent", never guessed).
    Rett {
        start_of_care_deadline: Option<NaiveDate>,
        track: Option<Track>,
        priority_note: String,
    },
    /// Ikke rett: a reason is mandatory, and advice to the GP when a GP referred.
    Avslag {
        reason: String,
        advice: String,
    },
    Videresendt {
        unit: String,
    },
    Feilsendt,
    /// A secondary referral: no rights assessment, a track only.
    Sekundaer {
        track: Option<Track>,
    },
}

/// Extra sources the team consulted before deciding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Pasientjournal,
    Kjernejournal,
    HenvisendeLege,
}

impl Source {
    pub const ALL: [Self; 3] = [
        Self::Pasientjournal,
        Self::Kjernejournal,
        Self::HenvisendeLege,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pasientjournal => "pasientjournal",
            Self::Kjernejournal => "kjernejournal",
            Self::HenvisendeLege => "henvisende_lege",
        }
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Pasientjournal => "Pasientjournal",
            Self::Kjernejournal => "Kjernejournal",
            Self::HenvisendeLege => "Henvisende lege",
        }
    }

    /// Parses the stored comma list; unknown entries are skipped.
    pub fn parse_list(text: &str) -> Vec<Self> {
        text.split(',')
            .filter_map(|c| Self::ALL.into_iter().find(|s| s.code() == c.trim()))
            .collect()
    }

    pub fn format_list(sources: &[Self]) -> String {
        sources
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Clinician {
    pub fn code(self) -> &'static str {
        match self {
            Self::Lege => "lege",
            Self::Psykolog => "psykolog",
            Self::Fysioterapeut => "fysioterapeut",
        }
    }
}

impl Track {
    /// (track, detail) as stored.
    pub fn codes(self) -> (&'static str, &'static str) {
        match self {
            Self::Monofaglig(c) => ("monofaglig", c.code()),
            Self::Tverrfaglig(TeamMode::Sekvensiell) => ("tverrfaglig", "sekvensiell"),
            Self::Tverrfaglig(TeamMode::Samlet) => ("tverrfaglig", "samlet"),
            Self::Kartlegging(c) => ("kartlegging", c.code()),
        }
    }

    pub fn from_codes(track: &str, detail: &str) -> Option<Self> {
        let clinician = || match detail {
            "lege" => Some(Clinician::Lege),
            "psykolog" => Some(Clinician::Psykolog),
            "fysioterapeut" => Some(Clinician::Fysioterapeut),
            _ => None,
        };
        match (track, detail) {
            ("monofaglig", _) => clinician().map(Self::Monofaglig),
            ("kartlegging", _) => clinician().map(Self::Kartlegging),
            ("tverrfaglig", "sekvensiell") => Some(Self::Tverrfaglig(TeamMode::Sekvensiell)),
            ("tverrfaglig", "samlet") => Some(Self::Tverrfaglig(TeamMode::Samlet)),
            _ => None,
        }
    }
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Rett { .. } => "rett",
            Self::Avslag { .. } => "avslag",
            Self::Videresendt { .. } => "videresendt",
            Self::Feilsendt => "feilsendt",
            Self::Sekundaer { .. } => "sekundaer",
        }
    }

    pub fn track(&self) -> Option<Track> {
        match self {
            Self::Rett { track, .. } | Self::Sekundaer { track } => *track,
            _ => None,
        }
    }

    /// The referral's status after this decision: a kartlegging track waits for the mapping.
    pub fn referral_status(&self) -> crate::domain::ReferralStatus {
        use crate::domain::ReferralStatus as S;
        match self {
            _ if matches!(self.track(), Some(Track::Kartlegging(_))) => S::Kartlegging,
            Self::Rett { .. } => S::Rett,
            Self::Avslag { .. } => S::Avslag,
            Self::Videresendt { .. } => S::Videresendt,
            Self::Feilsendt => S::Feilsendt,
            Self::Sekundaer { .. } => S::Sekundaer,
        }
    }
}

impl Track {
    /// A track as a user writes it in an import file: "monofaglig lege", "Tverrfaglig
    /// samlet", "kartlegging_psykolog" (case, spaces, `-` and `_` do not matter; the label
    /// that export writes reads back).
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.trim().to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .filter(|w| !w.is_empty())
            .collect();
        match words.as_slice() {
            [track, detail] => {
                let track = if *track == "kartleggingssamtale" {
                    "kartlegging"
                } else {
                    track
                };
                Self::from_codes(track, detail)
            }
            _ => None,
        }
    }
}

/// A decision made before Inntak, as an import row states it. Everything but the status and
/// the decision date is optional: what the file does not say stays unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoricDecision {
    pub track: Option<Track>,
    pub frist: Option<NaiveDate>,
    pub avslag_reason: String,
    pub started: Option<NaiveDate>,
}

/// Which import column is wrong, and why (the text the user reads after "linje N: felt:").
pub type HistoryError = (crate::domain::Field, String);

/// The outcome an imported referral's decided status stands for: the outcome the meeting
/// would have recorded, so the statistics, the fristbrudd list and the fornyet-vurdering check
/// count it alike. `Ok(None)` when the row carries no decision (open, withdrawn, or decided
/// without a date, which then counts nowhere). The rules a meeting's decision keeps hold here
/// too: a secondary referral gets no rights decision, a frist is not before the decision, and
/// a history column must belong to the status it stands beside.
pub fn imported_outcome(
    status: ReferralStatus,
    decided_on: Option<NaiveDate>,
    received_on: NaiveDate,
    is_secondary: bool,
    history: &HistoricDecision,
    today: NaiveDate,
) -> Result<Option<Outcome>, Vec<HistoryError>> {
    use crate::domain::Field;
    use ReferralStatus as S;
    let mut errors: Vec<HistoryError> = Vec::new();
    let label = status.label_nb();
    // A secondary referral in or back from a kartleggingssamtale has the same statuses as a
    // granted one, but its decision was "sekundær": no rights, no juridisk frist.
    let in_track = matches!(status, S::Rett | S::Kartlegging | S::TilNyVurdering);
    let granted = in_track && !is_secondary;
    let has_track = in_track || status == S::Sekundaer;
    if history.track.is_some() && !has_track {
        errors.push((
            Field::Track,
            format!("satt, men status «{label}» har ikke forløp"),
        ));
    }
    if let Some(track) = history.track
        && matches!(status, S::Kartlegging | S::TilNyVurdering)
        && !matches!(track, Track::Kartlegging(_))
    {
        errors.push((
            Field::Track,
            format!("status «{label}» hører til et kartleggingsforløp (kartlegging lege, psykolog eller fysioterapeut)"),
        ));
    }
    if history.frist.is_some() && !granted {
        errors.push((
            Field::Frist,
            format!("satt, men status «{label}» gir ikke rett"),
        ));
    }
    if !history.avslag_reason.trim().is_empty() && status != S::Avslag {
        errors.push((
            Field::AvslagReason,
            format!("satt, men status er «{label}»"),
        ));
    }
    if let Some(started) = history.started {
        if !has_track {
            errors.push((
                Field::CareStarted,
                format!("satt, men status «{label}» gir ingen oppstart"),
            ));
        } else if started < received_on {
            errors.push((Field::CareStarted, "er før mottatt-datoen".into()));
        } else if started > today {
            errors.push((
                Field::CareStarted,
                "er fram i tid (oppstart registreres når den har skjedd)".into(),
            ));
        }
    }
    if status == S::Sekundaer && !is_secondary {
        errors.push((
            Field::Status,
            "«sekundær» gjelder bare sekundærhenvisninger (sekundaer = ja)".into(),
        ));
    }
    if is_secondary && matches!(status, S::Rett | S::Avslag) {
        errors.push((
            Field::Status,
            format!("en sekundærhenvisning får ikke rettighetsvurdering (status «{label}»)"),
        ));
    }
    let Some(decided) = decided_on else {
        let given = history.track.is_some()
            || history.frist.is_some()
            || !history.avslag_reason.trim().is_empty()
            || history.started.is_some();
        if given && status.is_decided() {
            errors.push((
                Field::DecidedOn,
                "mangler: forløp, juridisk frist, avslagsgrunn og oppstart hører til en avgjørelse med dato".into(),
            ));
        }
        return if errors.is_empty() {
            Ok(None)
        } else {
            Err(errors)
        };
    };
    if let Some(frist) = history.frist
        && frist < decided
    {
        errors.push((Field::Frist, "er før avgjort-datoen".into()));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(match status {
        S::Kartlegging | S::TilNyVurdering if is_secondary => Some(Outcome::Sekundaer {
            track: history.track,
        }),
        S::Rett | S::Kartlegging | S::TilNyVurdering => Some(Outcome::Rett {
            start_of_care_deadline: history.frist,
            track: history.track,
            priority_note: String::new(),
        }),
        S::Avslag => Some(Outcome::Avslag {
            reason: history.avslag_reason.trim().to_string(),
            advice: String::new(),
        }),
        S::Videresendt => Some(Outcome::Videresendt {
            unit: String::new(),
        }),
        S::Feilsendt => Some(Outcome::Feilsendt),
        S::Sekundaer => Some(Outcome::Sekundaer {
            track: history.track,
        }),
        S::TilVurdering | S::Trukket => None,
    })
}

/// Why a decision cannot be saved; the text is what the user reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("Oppgi juridisk frist")]
    MissingFrist,
    #[error("Velg forløp")]
    MissingTrack,
    #[error("Juridisk frist kan ikke være før vedtaksdatoen ({0})")]
    StartBeforeDecision(String),
    #[error("Avslag må ha en begrunnelse")]
    MissingReason,
    #[error("Avslag på henvisning fra fastlege må ha råd og veiledning til fastlegen")]
    MissingAdvice,
    #[error("Oppgi hvilken enhet henvisningen videresendes til")]
    MissingUnit,
    #[error("En sekundærhenvisning får ikke rettighetsvurdering: velg bare forløp")]
    SecondaryNeedsTrackOnly,
    #[error("En primærhenvisning må rettighetsvurderes")]
    PrimaryNeedsAssessment,
}

/// The proposed juridisk frist: receipt + 12 calendar weeks, never before the decision date.
pub fn propose_start_of_care_deadline(received: NaiveDate, decided: NaiveDate) -> NaiveDate {
    (received + Days::new(DEFAULT_START_OF_CARE_WEEKS * 7)).max(decided)
}

/// Checks the mandatory fields of an outcome for a referral.
pub fn validate(
    outcome: &Outcome,
    decided: NaiveDate,
    is_secondary: bool,
    referrer: ReferrerKind,
) -> Result<(), DecisionError> {
    match outcome {
        Outcome::Sekundaer { .. } if !is_secondary => Err(DecisionError::PrimaryNeedsAssessment),
        Outcome::Rett { .. } | Outcome::Avslag { .. } if is_secondary => {
            Err(DecisionError::SecondaryNeedsTrackOnly)
        }
        Outcome::Rett {
            start_of_care_deadline: None,
            ..
        } => Err(DecisionError::MissingFrist),
        Outcome::Rett { track: None, .. } | Outcome::Sekundaer { track: None } => {
            Err(DecisionError::MissingTrack)
        }
        Outcome::Rett {
            start_of_care_deadline: Some(frist),
            ..
        } if *frist < decided => Err(DecisionError::StartBeforeDecision(
            crate::calendar::format_date(decided),
        )),
        Outcome::Avslag { reason, .. } if reason.trim().is_empty() => {
            Err(DecisionError::MissingReason)
        }
        Outcome::Avslag { advice, .. }
            if referrer == ReferrerKind::Fastlege && advice.trim().is_empty() =>
        {
            Err(DecisionError::MissingAdvice)
        }
        Outcome::Videresendt { unit } if unit.trim().is_empty() => Err(DecisionError::MissingUnit),
        _ => Ok(()),
    }
}

/// Postpone guard: a referral may move to the next meeting only if that meeting is on or
/// before its assessment deadline. Returns the meeting it moves to, or why not.
pub fn postpone_to(
    next_meeting: Option<NaiveDate>,
    deadline: NaiveDate,
) -> Result<NaiveDate, String> {
    match next_meeting {
        Some(next) if next <= deadline => Ok(next),
        Some(next) => Err(format!(
            "Kan ikke utsettes: neste møte ({}) er etter vurderingsfristen ({}). Avgjør nå, \
             eller sett opp et ekstramøte før fristen.",
            crate::calendar::format_date_weekday(next),
            crate::calendar::format_date_weekday(deadline)
        )),
        None => Err("Kan ikke utsettes: det er ikke noe senere møte planlagt".into()),
    }
}

/// Where a granted referral stands against its juridisk frist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreachStatus {
    /// Care started on or before the frist.
    Started,
    /// Care started, but after the frist: a breach in the statistics, no longer to act on.
    StartedLate,
    OnTrack,
    /// Within 14 days of the frist without a booked start, or booked after the frist: report
    /// to Helfo as expected.
    Expected,
    /// The frist has passed and care has not started.
    Breached,
}

impl BreachStatus {
    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Started => "startet",
            Self::StartedLate => "startet etter fristen",
            Self::OnTrack => "i rute",
            Self::Expected => "forventet fristbrudd",
            Self::Breached => "fristbrudd",
        }
    }

    /// Belongs on the list reported to Helfo.
    pub fn is_reportable(self) -> bool {
        matches!(self, Self::Expected | Self::Breached)
    }
}

impl Track {
    /// "monofaglig lege", "tverrfaglig samlet", "kartlegging psykolog".
    pub fn label_nb(self) -> String {
        let (track, detail) = self.codes();
        format!("{track} {detail}")
    }
}

impl Clinician {
    pub fn label_nb(self) -> &'static str {
        self.code()
    }
}

/// The decision already recorded on a referral, as far as recording another one cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Previous {
    /// None yet.
    None,
    /// Made outside a meeting, or at a meeting that is not closed: it may be corrected.
    Open,
    /// Made at a meeting that is closed: locked until the meeting is reopened.
    AtClosedMeeting,
}

/// Whether a decision may be recorded now: a first decision only on a referral that awaits a
/// meeting; a correction only while the meeting it was made at is not closed.
pub fn may_record(status: ReferralStatus, previous: Previous) -> Result<(), String> {
    match previous {
        Previous::None if !status.awaits_meeting() => Err(format!(
            "Henvisningen har status «{}» og kan ikke avgjøres",
            status.label_nb()
        )),
        Previous::AtClosedMeeting => {
            Err("Vedtaket hører til et avsluttet møte; gjenåpne møtet for å rette det".into())
        }
        Previous::None | Previous::Open => Ok(()),
    }
}

/// Whether a decision made on `decided_on` is late: after the assessment deadline (10
/// working days from receipt), a fristoverskridelse in the statistics.
pub fn is_late(received: NaiveDate, decided_on: NaiveDate, rule: WorkingDayRule) -> bool {
    decided_on > rule.assessment_deadline(received)
}

/// Whether a juridisk frist counts as broken in the statistics: care started after it, or
/// not started and the frist has passed.
pub fn frist_broken(frist: NaiveDate, started_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    matches!(
        breach_status(frist, started_on, None, today),
        BreachStatus::StartedLate | BreachStatus::Breached
    )
}

/// The track changes the team may make after the rights decision: after a
/// kartleggingssamtale that has been reported back (til ny vurdering), monofaglig or
/// tverrfaglig; and a monofaglig track (rett or sekundær) may be upgraded to tverrfaglig.
/// Everything else is refused with the reason.
pub fn track_change_allowed(
    from: Track,
    to: Track,
    status: ReferralStatus,
) -> Result<(), &'static str> {
    match (from, to, status) {
        (
            Track::Kartlegging(_),
            Track::Monofaglig(_) | Track::Tverrfaglig(_),
            ReferralStatus::TilNyVurdering,
        ) => Ok(()),
        (Track::Kartlegging(_), _, ReferralStatus::Kartlegging) => {
            Err("Kartleggingen er ikke meldt tilbake ennå; registrer tilbakemeldingen først")
        }
        (Track::Kartlegging(_), _, _) => {
            Err("Etter kartlegging velges monofaglig eller tverrfaglig")
        }
        (
            Track::Monofaglig(_),
            Track::Tverrfaglig(_),
            ReferralStatus::Rett | ReferralStatus::Sekundaer,
        ) => Ok(()),
        (Track::Monofaglig(_), _, _) => {
            Err("Et monofaglig forløp kan bare oppgraderes til tverrfaglig")
        }
        (Track::Tverrfaglig(_), _, _) => Err("Forløpet er allerede tverrfaglig"),
    }
}

/// Classifies a granted referral for the Helfo list.
pub fn breach_status(
    start_of_care_deadline: NaiveDate,
    started_on: Option<NaiveDate>,
    booked_start: Option<NaiveDate>,
    today: NaiveDate,
) -> BreachStatus {
    match started_on {
        Some(started) if started <= start_of_care_deadline => BreachStatus::Started,
        Some(_) => BreachStatus::StartedLate,
        None if today > start_of_care_deadline => BreachStatus::Breached,
        // A booked start still ahead (today or later) and on or before the frist. A booked day
        // that has passed without a registered start counts as no booking.
        None if booked_start.is_some_and(|b| b >= today && b <= start_of_care_deadline) => {
            BreachStatus::OnTrack
        }
        // Booked, but only after the frist: the breach is already known.
        None if booked_start.is_some_and(|b| b > start_of_care_deadline) => BreachStatus::Expected,
        None if today + Days::new(EXPECTED_BREACH_DAYS) >= start_of_care_deadline => {
            BreachStatus::Expected
        }
        None => BreachStatus::OnTrack,
    }
}

#[cfg(test)]
mod tests;
