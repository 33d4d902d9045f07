//! A referral message (Henvisning, v1.0, v1.1 or v2.0) as read: its kind (new, change,
//! cancellation), its ids, the sender and a forwarded referral's assessment, and the
//! referral's own fields. Plain data; `import::henvisning` reads it from XML, the store
//! records what it did.

use crate::domain::ReferrerKind;
use chrono::NaiveDate;

/// Which version of the message a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V1_0,
    V1_1,
    V2_0,
}

impl Version {
    pub fn label(self) -> &'static str {
        match self {
            Self::V1_0 => "Henvisning v1.0",
            Self::V1_1 => "Henvisning v1.1",
            Self::V2_0 => "Henvisning v2.0",
        }
    }
}

/// What a message asks for (`ServType`): N ny, M endring, C kansellering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    New,
    Change,
    Cancel,
}

impl MessageKind {
    /// The stored code ("ny", "endring", "kansellering").
    pub fn code(self) -> &'static str {
        match self {
            Self::New => "ny",
            Self::Change => "endring",
            Self::Cancel => "kansellering",
        }
    }

    /// `ServType`'s value; none is a new referral. An unknown value is refused with what it
    /// is.
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value.map(|v| v.trim().to_ascii_uppercase()).as_deref() {
            None | Some("" | "N") => Ok(Self::New),
            Some("M") => Ok(Self::Change),
            Some("C") => Ok(Self::Cancel),
            Some(other) => Err(format!(
                "Meldingens ServType «{other}» er ukjent (N ny, M endring og C kansellering \
                 kan leses)"
            )),
        }
    }
}

/// A forwarded referral's rights assessment by the sender (`VurderingAvHenvisning`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SenderAssessment {
    /// `RettTilHelsehjelp`: rett (true), ikke rett (false), or not said.
    pub has_right: Option<bool>,
    /// TypeDato 2: when it was assessed.
    pub assessed_on: Option<NaiveDate>,
    /// TypeDato 3: the juridisk frist the patient was given.
    pub deadline: Option<NaiveDate>,
    /// TypeDato 4: ventetid sluttdato.
    pub waiting_end: Option<NaiveDate>,
    /// TypeDato 1: the ansiennitetsdato, when the rights clock started at the sender.
    pub seniority_on: Option<NaiveDate>,
    /// `UtfallAvVurdering` as the message names it.
    pub outcome: String,
}

impl SenderAssessment {
    /// "rett, vurdert 12.11.2026, frist 10.02.2027".
    pub fn text(&self) -> String {
        let mut parts = vec![match self.has_right {
            Some(true) => "rett til nødvendig helsehjelp".to_string(),
            Some(false) => "ikke rett til nødvendig helsehjelp".to_string(),
            None => "vurdert".to_string(),
        }];
        if !self.outcome.is_empty() {
            parts.push(format!("utfall «{}»", self.outcome));
        }
        let dated = [
            ("ansiennitet", self.seniority_on),
            ("vurdert", self.assessed_on),
            ("frist", self.deadline),
            ("ventetid slutt", self.waiting_end),
        ];
        for (label, date) in dated {
            if let Some(d) = date {
                parts.push(format!("{label} {}", crate::calendar::format_date(d)));
            }
        }
        parts.join(", ")
    }
}

/// Who sent the message, as the electronic answer is addressed: the organisation and the
/// professional, with their HER-ids (the address book's ids) where the message has them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sender {
    pub organisation: String,
    pub organisation_her: String,
    pub person: String,
    pub person_her: String,
}

/// What a Henvisning says, before the clinic's received date is added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralMessage {
    pub version: Version,
    /// `ServType`: a new referral, a change or a cancellation of an earlier one.
    pub kind: MessageKind,
    /// The message's id (v1.x `Message/MsgId`, v2.0 `MsgInfo/MsgId`; else the referral's
    /// own id): the same message imported twice is skipped.
    pub message_id: String,
    /// The referral's own id in the sender's system (v1.x `ServReq/Id`, v2.0 the
    /// Henvisning's `Id` or `RefDoc/Id`): the same across its change and cancellation.
    pub own_id: String,
    /// v2.0 `ConversationRef`: the message this one follows (`RefToParent`) and the first
    /// message of the conversation (`RefToConversation`).
    pub parent_ref: String,
    pub conversation_ref: String,
    /// `ReqComment`: a cancellation's reason ("pasienten ønsker å benytte fritt sykehusvalg").
    pub comment: String,
    /// A forwarded referral's rights assessment by the sender, when it has one.
    pub assessment: Option<SenderAssessment>,
    pub sender: Sender,
    pub patient: String,
    /// FNR, DNR or HNR; another kind of id is not a fødselsnummer and is left out.
    pub national_id: String,
    pub birth_year: Option<i32>,
    /// Person and organisation: "Lise Lege (HPR 1234567), Storby legesenter".
    pub referrer: String,
    pub referrer_kind: ReferrerKind,
    /// Whether the kind was read from the message (role 6 or the organisation's name); when
    /// not, the user confirms it in the preview.
    pub referrer_kind_known: bool,
    pub problem: String,
    /// "L86 Ryggsyndrom med utstråling (ICPC-2)", several joined with "; ".
    pub diagnoses: String,
    /// When the referral was written (`IssueDate` or `GenDate`): not when it was received.
    pub written_on: Option<NaiveDate>,
    /// A forwarded v2.0 referral's ansiennitetsdato (`DatoMottakOgVurdering`, TypeDato 1):
    /// the date the legal clock started, proposed as the received date.
    pub seniority_date: Option<NaiveDate>,
    /// The patient's postal address (`Patient/Address`), when complete and Norwegian:
    /// street line, postnummer, poststed; empty otherwise (the letter then asks for it).
    pub patient_address: [String; 3],
    /// The referring organisation's postal address, as lines ("Storgata 1 / 0155 OSLO").
    pub referrer_address: String,
}

impl ReferralMessage {
    /// The received date to use: the one the user gave, else a forwarded referral's
    /// ansiennitetsdato (its rights clock runs from there), else today. A forwarded referral
    /// the sender already assessed gets no second rights clock: it is received today, and its
    /// ansiennitetsdato is kept with the sender's assessment.
    pub fn received_on(&self, given: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
        let seniority = self.seniority_date.filter(|_| self.assessment.is_none());
        given.or(seniority).unwrap_or(today)
    }

    /// Already rights-assessed by the sender: the referral awaits triage only, as a
    /// sekundærhenvisning (no new rights assessment, straight to a track).
    pub fn is_assessed(&self) -> bool {
        self.assessment.is_some()
    }
}
