//! Letters that close the legal loop: which letters a decision calls for, what each needs that
//! may be missing, the oppmøte rules, and whether the patient was informed in time.
//!
//! The 10-working-day rule is about informing the patient: a referral counts as answered when
//! its patient letter is marked sent, on or before the vurderingsfrist.

use crate::calendar::{WorkingDayRule, format_date, weekday_name_nb};
use chrono::{Datelike, Months, NaiveDate, NaiveTime};

/// What the juridisk frist is for: the start of utredning or of behandling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CareKind {
    Utredning,
    Behandling,
}

impl CareKind {
    pub const ALL: [CareKind; 2] = [Self::Utredning, Self::Behandling];

    pub fn code(self) -> &'static str {
        match self {
            Self::Utredning => "utredning",
            Self::Behandling => "behandling",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// "Utredning" / "Behandling".
    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Utredning => "Utredning",
            Self::Behandling => "Behandling",
        }
    }
}

/// The planned oppmøte as the patient letter states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Appointment {
    /// A booked day, with the time when it is known.
    Day(NaiveDate, Option<NaiveTime>),
    /// Only the ISO week: enough when the juridisk frist is more than 4 months away.
    Week { year: i32, week: u32 },
    /// No time yet: a separate innkalling follows.
    SeparateNotice,
}

impl Appointment {
    /// The sentence in the letter.
    pub fn letter_text(self) -> String {
        match self {
            Self::Day(day, Some(time)) => format!(
                "Du har time {} {} kl. {}.",
                weekday_name_nb(day.weekday()),
                format_date(day),
                time.format("%H:%M")
            ),
            Self::Day(day, None) => format!(
                "Du har time {} {}. Klokkeslett får du i en egen innkalling.",
                weekday_name_nb(day.weekday()),
                format_date(day)
            ),
            Self::Week { year, week } => format!(
                "Planlagt oppmøte er i uke {week} ({year}). Nøyaktig dag og klokkeslett får du i en egen innkalling."
            ),
            Self::SeparateNotice => {
                "Du får en egen innkalling med dag og klokkeslett for oppmøte.".to_string()
            }
        }
    }

    /// The oppmøte as the referrer's copy states it.
    pub fn referrer_text(self) -> String {
        match self {
            Self::Day(day, Some(time)) => format!(
                "Pasienten har time {} {} kl. {}.",
                weekday_name_nb(day.weekday()),
                format_date(day),
                time.format("%H:%M")
            ),
            Self::Day(day, None) => format!(
                "Pasienten har time {} {}.",
                weekday_name_nb(day.weekday()),
                format_date(day)
            ),
            Self::Week { year, week } => {
                format!("Planlagt oppmøte er i uke {week} ({year}).")
            }
            Self::SeparateNotice => "Pasienten får egen innkalling.".to_string(),
        }
    }

    /// The first day the oppmøte may fall on (the week's Monday for a week).
    fn first_day(self) -> Option<NaiveDate> {
        match self {
            Self::Day(d, _) => Some(d),
            Self::Week { year, week } => {
                NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon)
            }
            Self::SeparateNotice => None,
        }
    }
}

/// Checks a planned oppmøte against the decision: a week alone only when the juridisk frist is
/// more than 4 months after the decision, and never after the frist (that would be a
/// fristbrudd, which gets its own letter).
pub fn check_appointment(
    appointment: Appointment,
    decided_on: NaiveDate,
    frist: Option<NaiveDate>,
) -> Result<(), String> {
    if let Appointment::Week { year, week } = appointment {
        if NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon).is_none() {
            return Err(format!("Uke {week} finnes ikke i {year}"));
        }
        let far = frist.is_some_and(|f| {
            decided_on
                .checked_add_months(Months::new(4))
                .is_some_and(|m| f > m)
        });
        if !far {
            return Err(
                "Uke alene holder bare når den juridiske fristen er mer enn 4 måneder fram i tid; oppgi dag og klokkeslett, eller egen innkalling"
                    .into(),
            );
        }
    }
    if let (Some(first), Some(f)) = (appointment.first_day(), frist)
        && first > f
    {
        return Err(format!(
            "Oppmøtet er etter den juridiske fristen ({}): da er fristen brutt, og pasienten skal ha varsel om fristbrudd",
            format_date(f)
        ));
    }
    if let Some(first) = appointment.first_day()
        && let Appointment::Day(..) = appointment
        && first < decided_on
    {
        return Err("Oppmøtet kan ikke være før vedtaksdatoen".into());
    }
    Ok(())
}

/// The letter a decision calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LetterKind {
    Rett,
    Avslag,
    /// Videresendt or feilsendt: sent on, and the receipt date keeps counting.
    Videresendt,
    /// The juridisk frist cannot be met: "Varsel om fristbrudd" to the patient, and the sheet
    /// with what Helfo's fristbrudd form asks.
    Fristbrudd,
    /// A secondary referral: no rights letter, a confirmation to the patient where the
    /// clinic wants one (Innstillinger → Brev).
    Sekundaer,
}

impl LetterKind {
    pub const ALL: [LetterKind; 5] = [
        Self::Rett,
        Self::Avslag,
        Self::Videresendt,
        Self::Fristbrudd,
        Self::Sekundaer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Rett => "rett",
            Self::Avslag => "avslag",
            Self::Videresendt => "videresendt",
            Self::Fristbrudd => "fristbrudd",
            Self::Sekundaer => "sekundaer",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The rights letter of a decision's outcome code; `None` for a secondary referral (it
    /// gets no rights letter; see [`LetterKind::Sekundaer`]).
    pub fn for_outcome(outcome_code: &str) -> Option<Self> {
        match outcome_code {
            "rett" => Some(Self::Rett),
            "avslag" => Some(Self::Avslag),
            "videresendt" | "feilsendt" => Some(Self::Videresendt),
            _ => None,
        }
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Rett => "Rett til helsehjelp",
            Self::Avslag => "Avslag",
            Self::Videresendt => "Videresendt",
            Self::Fristbrudd => "Varsel om fristbrudd",
            Self::Sekundaer => "Bekreftelse (sekundær)",
        }
    }
}

/// Who a letter goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Recipient {
    Patient,
    Referrer,
    /// Not a letter: the sheet the clinic copies into Helfo's fristbrudd form.
    Helfo,
}

impl Recipient {
    pub const ALL: [Recipient; 3] = [Self::Patient, Self::Referrer, Self::Helfo];
    /// Who a rights letter (rett, avslag, videresendt) goes to.
    pub const RIGHTS: [Recipient; 2] = [Self::Patient, Self::Referrer];
    /// Who a fristbrudd goes to.
    pub const BREACH: [Recipient; 2] = [Self::Patient, Self::Helfo];

    pub fn code(self) -> &'static str {
        match self {
            Self::Patient => "pasient",
            Self::Referrer => "henviser",
            Self::Helfo => "helfo",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Patient => "Pasient",
            Self::Referrer => "Henviser",
            Self::Helfo => "Helfo",
        }
    }
}

/// Something a letter needs that is not recorded. A letter is never printed with it blank.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Missing {
    PatientAddress,
    ReferrerAddress,
    ReferrerName,
    CareKind,
    Frist,
    Reason,
    Unit,
    ClinicAddress,
    Signer,
    /// Fristbrudd: why the frist cannot be met.
    BreachReason,
}

impl Missing {
    /// "adresse" as in "3 brev mangler adresse".
    pub fn label_nb(self) -> &'static str {
        match self {
            Self::PatientAddress => "pasientens adresse",
            Self::ReferrerAddress => "henviserens adresse",
            Self::ReferrerName => "henviserens navn",
            Self::CareKind => "utredning eller behandling",
            Self::Frist => "juridisk frist",
            Self::Reason => "begrunnelse",
            Self::Unit => "hvor henvisningen ble sendt",
            Self::ClinicAddress => "klinikkens adresse (Innstillinger)",
            Self::Signer => "hvem som signerer (Innstillinger)",
            Self::BreachReason => "hvorfor fristen ikke kan holdes",
        }
    }
}

/// The facts one letter is made of, as far as they decide whether it can be printed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LetterFacts {
    pub has_patient_address: bool,
    pub has_referrer_address: bool,
    pub has_referrer_name: bool,
    pub care_kind: Option<CareKind>,
    pub frist: Option<NaiveDate>,
    pub reason: String,
    pub unit: String,
    pub has_clinic_address: bool,
    pub has_signer: bool,
    /// Fristbrudd: why the frist cannot be met.
    pub breach_reason: String,
}

/// What `kind` to `recipient` lacks, in a fixed order; empty when it can be printed.
pub fn missing(kind: LetterKind, recipient: Recipient, facts: &LetterFacts) -> Vec<Missing> {
    let mut out = Vec::new();
    match recipient {
        // The Helfo sheet goes into a web form: no postal address needed.
        Recipient::Helfo => {}
        Recipient::Patient if !facts.has_patient_address => out.push(Missing::PatientAddress),
        Recipient::Referrer if !facts.has_referrer_name => out.push(Missing::ReferrerName),
        Recipient::Referrer if !facts.has_referrer_address => out.push(Missing::ReferrerAddress),
        _ => {}
    }
    match kind {
        LetterKind::Rett => {
            if facts.care_kind.is_none() {
                out.push(Missing::CareKind);
            }
            if facts.frist.is_none() {
                out.push(Missing::Frist);
            }
        }
        LetterKind::Avslag if facts.reason.trim().is_empty() => out.push(Missing::Reason),
        LetterKind::Videresendt if facts.unit.trim().is_empty() => out.push(Missing::Unit),
        LetterKind::Fristbrudd => {
            if facts.frist.is_none() {
                out.push(Missing::Frist);
            }
            if facts.breach_reason.trim().is_empty() {
                out.push(Missing::BreachReason);
            }
        }
        _ => {}
    }
    if !facts.has_clinic_address {
        out.push(Missing::ClinicAddress);
    }
    if !facts.has_signer {
        out.push(Missing::Signer);
    }
    out
}

/// "3 brev mangler pasientens adresse; 1 brev mangler begrunnelse": the missing facts of a
/// set of letters, counted.
pub fn missing_summary(all: &[Vec<Missing>]) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<Missing, usize> = Default::default();
    for m in all.iter().flatten() {
        *counts.entry(*m).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(m, n)| format!("{n} brev mangler {}", m.label_nb()))
        .collect()
}

/// Whether the patient has been told the decision, against the vurderingsfrist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Informed {
    /// The patient letter was marked sent on this day; `in_time` when on or before the frist.
    Sent { on: NaiveDate, in_time: bool },
    /// Not yet; `days_left` working days until the frist (0: today, negative: past it).
    NotYet { days_left: i64 },
    /// Decided before Inntak tracked letters (imported history, or before the upgrade):
    /// unknown, never counted as late.
    Unknown,
    /// No rights letter is due (a secondary referral).
    NotDue,
}

/// Informed or not, from the referral's vurderingsfrist, the sent date of its patient letter,
/// and whether its decision's letters are tracked at all.
pub fn informed(
    rule: WorkingDayRule,
    deadline: NaiveDate,
    sent_on: Option<NaiveDate>,
    tracked: bool,
    today: NaiveDate,
) -> Informed {
    match sent_on {
        Some(on) => Informed::Sent {
            on,
            in_time: on <= deadline,
        },
        None if !tracked => Informed::Unknown,
        None => Informed::NotYet {
            days_left: rule.working_days_left(today, deadline),
        },
    }
}

impl Informed {
    /// Whether the patient still has to be told (a letter to send).
    pub fn is_pending(self) -> bool {
        matches!(self, Self::NotYet { .. })
    }

    /// "Ikke informert – 2 virkedager igjen", "Informert 24.11.2026", ...
    pub fn label_nb(self) -> String {
        match self {
            Self::Sent { on, in_time: true } => format!("Informert {}", format_date(on)),
            Self::Sent { on, in_time: false } => {
                format!("Informert {} (etter fristen)", format_date(on))
            }
            Self::NotYet { days_left: 0 } => "Ikke informert – frist i dag".into(),
            Self::NotYet { days_left: 1 } => "Ikke informert – 1 virkedag igjen".into(),
            Self::NotYet { days_left } if days_left > 1 => {
                format!("Ikke informert – {days_left} virkedager igjen")
            }
            Self::NotYet { days_left: -1 } => "Ikke informert – 1 virkedag over fristen".into(),
            Self::NotYet { days_left } => {
                format!("Ikke informert – {} virkedager over fristen", -days_left)
            }
            Self::Unknown => "Brev ukjent (før Inntak)".into(),
            Self::NotDue => String::new(),
        }
    }
}

/// The default text of the clinic's editable paragraphs (Innstillinger → Brev).
pub const DEFAULT_CONTACT_TEXT: &str = "Har du spørsmål, kan du ringe oss på telefonnummeret øverst i brevet (hverdager kl. 08.00–15.00).";
/// Only in letters where the patient gets (or has) an appointment: rett and sekundær.
pub const DEFAULT_ATTENDANCE_TEXT: &str = "Dersom du ikke kan møte til oppsatt time, ber vi deg ringe oss så tidlig som mulig. Time som ikke avbestilles senest 24 timer før, kan bli fakturert.";
/// The contact text every earlier version stored by default: it spoke of an appointment and a
/// fee in every patient letter. Read as the two texts above.
pub const OLD_DEFAULT_CONTACT_TEXT: &str = "Dersom du ikke kan møte til oppsatt time, eller har spørsmål, ber vi deg ringe oss så tidlig som mulig på telefonnummeret øverst i brevet (hverdager kl. 08.00–15.00). Time som ikke avbestilles senest 24 timer før, kan bli fakturert.";
pub const DEFAULT_FREE_CHOICE_TEXT: &str = "Du har rett til å velge ved hvilken offentlig behandlingsinstitusjon eller privat institusjon som har avtale med et regionalt helseforetak du vil bli utredet eller behandlet (fritt behandlingsvalg). Se helsenorge.no/velg-behandlingssted eller ring Velg behandlingssted på telefon 800 41 004.";

/// The suggested råd og veiledning per standard avslag reason (editable in Innstillinger).
pub const DEFAULT_ADVICE: [(&str, &str); 3] = [
    (
        "Kan ivaretas i primærhelsetjenesten",
        "Vi anbefaler videre oppfølging hos fastlegen, med gradert aktivitet og fysioterapi i kommunen. Vurder kommunens tilbud om mestringskurs for langvarige smerter. Ny henvisning er aktuell dersom tilstanden endrer seg vesentlig.",
    ),
    (
        "Manglende forventet nytte av tilbudet",
        "Slik vi vurderer opplysningene, er det ikke forventet at pasienten vil ha nytte av et tverrfaglig smertetilbud nå. Vi anbefaler at fastlegen følger opp med vekt på funksjon og aktivitet. Ny henvisning kan være aktuell dersom pasientens situasjon endrer seg.",
    ),
    (
        "Allerede utredet uten ny informasjon",
        "Pasienten er tidligere utredet hos oss, og henvisningen inneholder ikke nye opplysninger som endrer vurderingen. Ny henvisning bør beskrive hva som er endret siden forrige vurdering.",
    ),
];

/// The track as a letter names the offer ("et tverrfaglig forløp").
pub fn track_offer_text(track: crate::domain::decision::Track) -> String {
    use crate::domain::decision::Track;
    match track {
        Track::Monofaglig(c) => format!("utredning og behandling hos {}", c.label_nb()),
        Track::Tverrfaglig(_) => "et tverrfaglig forløp".into(),
        Track::Kartlegging(c) => format!("en kartleggingssamtale hos {}", c.label_nb()),
    }
}

/// The suggested råd og veiledning for an avslag reason among (reason, advice) pairs (case
/// does not matter); `None` when the clinic has none for it.
pub fn suggested_advice<'a>(templates: &'a [(String, String)], reason: &str) -> Option<&'a str> {
    templates
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(reason.trim()))
        .map(|(_, a)| a.as_str())
        .filter(|a| !a.trim().is_empty())
}

/// Which of the three rights criteria an avslag reason rests on, as the letter states it to
/// its reader: the patient is "du", the referrer reads of "pasienten".
pub fn avslag_criterion(reason: &str, recipient: Recipient) -> &'static str {
    let to_patient = recipient == Recipient::Patient;
    match (reason.trim(), to_patient) {
        ("Kan ivaretas i primærhelsetjenesten", true) => {
            "Vi vurderer at tilstanden ikke er så alvorlig at du trenger helsehjelp i spesialisthelsetjenesten; den kan følges opp av fastlegen og kommunen."
        }
        ("Kan ivaretas i primærhelsetjenesten", false) => {
            "Vi vurderer at tilstanden ikke er så alvorlig at pasienten trenger helsehjelp i spesialisthelsetjenesten; den kan følges opp av fastlegen og kommunen."
        }
        (
            "Manglende forventet nytte av tilbudet" | "Allerede utredet uten ny informasjon",
            true,
        ) => {
            "Vi vurderer at du ikke kan forventes å ha nytte av helsehjelpen vi kan tilby i spesialisthelsetjenesten nå."
        }
        (
            "Manglende forventet nytte av tilbudet" | "Allerede utredet uten ny informasjon",
            false,
        ) => {
            "Vi vurderer at pasienten ikke kan forventes å ha nytte av helsehjelpen vi kan tilby i spesialisthelsetjenesten nå."
        }
        (_, true) => "Etter en samlet vurdering av disse vilkårene er de ikke oppfylt i din sak.",
        (_, false) => {
            "Etter en samlet vurdering av vilkårene for rett til nødvendig helsehjelp er de ikke oppfylt for pasienten."
        }
    }
}

#[cfg(test)]
mod tests;
