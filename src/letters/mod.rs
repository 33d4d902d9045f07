//! The letters that close the legal loop: for each decision of a meeting (or one referral),
//! the letter to the patient and the copy to the referrer, composed from what
//! `model::letters` read, checked for what is missing, and typeset. Recording a print is the
//! store's (`store::letters`).

pub mod pdf;

use crate::calendar::format_date;
use crate::domain::decision::Outcome;
use crate::domain::letter::{
    LetterFacts, LetterKind, Missing, Recipient, avslag_criterion, missing, track_offer_text,
};
use crate::domain::settings::ClinicSettings;
use crate::domain::{Referral, ReferralId, ReferrerKind, parse_national_id};
use crate::store::decisions::{self, StoredDecision};
use crate::store::followups;
use crate::store::letters::{LetterRecord, PrintedLetter};
use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Everything one letter prints: the template reads these fields (assets/letters/*.typ).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Letter {
    /// "rett", "avslag", "videresendt".
    pub kind: String,
    /// "pasient", "henviser".
    pub recipient: String,
    pub clinic: String,
    pub clinic_address: Vec<String>,
    pub clinic_phone: String,
    /// The small sender line at the top of the window field.
    pub sender_line: String,
    /// The recipient's name and postal address, for the window envelope.
    pub address: Vec<String>,
    /// "Henvisning H0000123, mottatt 10.11.2026".
    pub reference: String,
    /// "Kari Nordmann, f. 12.03.1970".
    pub patient_line: String,
    pub patient_name: String,
    pub referrer_name: String,
    pub is_gp: bool,
    /// The letter's date.
    pub place_date: String,
    pub received: String,
    pub decided: String,
    pub frist: String,
    /// "utredning" / "behandling".
    pub care_kind: String,
    pub appointment: String,
    pub appointment_referrer: String,
    pub track: String,
    pub reason: String,
    pub criterion: String,
    pub advice: String,
    pub unit: String,
    /// Feilsendt: returned to the referrer rather than sent on.
    pub returned: bool,
    pub free_choice: String,
    pub contact: String,
    /// Changing a time and the fee for a missed one: empty unless the letter gives or
    /// announces an appointment (rett and sekundær to the patient).
    pub attendance: String,
    pub local_advice: String,
    /// Fristbrudd: why the frist cannot be met; the Helfo sheet's fields.
    pub breach_reason: String,
    /// "130972 48022" and "Storgata 1, 0155 OSLO" (the Helfo sheet).
    pub national_id: String,
    pub patient_address: String,
    /// The helsehjelp's fagområde as the sheet names it.
    pub field_of_care: String,
    /// Ansiennitetsdato: the day the referral was received.
    pub seniority: String,
    pub signer: String,
    pub signer_title: String,
    pub copy_to: Vec<String>,
}

impl Letter {
    /// SHA-256 (hex) of the letter's text as printed: stored with the print.
    pub fn text_hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("a letter serialises");
        hex::encode(Sha256::digest(json))
    }
}

/// One letter a decision calls for: who it is for, whether it can be printed (and if not,
/// what is missing), and its earlier prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedLetter {
    pub referral: ReferralId,
    pub decision: decisions::DecisionId,
    pub kind: LetterKind,
    pub recipient: Recipient,
    /// For lists: the patient's name and the referral's reference.
    pub patient: String,
    pub reference: String,
    pub letter: Letter,
    pub missing: Vec<Missing>,
    pub earlier: Vec<LetterRecord>,
}

impl PlannedLetter {
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty()
    }

    /// The row the store keeps when this letter is printed.
    pub fn printed(&self) -> PrintedLetter {
        PrintedLetter {
            referral: self.referral,
            decision: self.decision,
            kind: self.kind,
            recipient: self.recipient,
            text_hash: self.letter.text_hash(),
            note: self.letter.breach_reason.clone(),
        }
    }

    /// "Skrevet ut 24.11.2026 (sendt 24.11.2026)" for each earlier print, or empty.
    pub fn earlier_text(&self) -> String {
        self.earlier
            .iter()
            .filter(|r| r.recipient == self.recipient && r.kind == self.kind)
            .map(|r| {
                let day = r.printed_at.get(..10).and_then(crate::calendar::parse_date);
                let printed = day.map(format_date).unwrap_or_else(|| r.printed_at.clone());
                match r.sent_on {
                    Some(s) if r.electronic => {
                        format!("elektronisk svar sendt {}", format_date(s))
                    }
                    Some(s) => format!("skrevet ut {printed}, sendt {}", format_date(s)),
                    None => format!("skrevet ut {printed}, ikke merket sendt"),
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Which letters to plan.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub referral: Option<ReferralId>,
    pub only: Option<Recipient>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn plan_one(
    settings: &ClinicSettings,
    d: &StoredDecision,
    referral: &Referral,
    care: followups::CareStart,
    (kind, recipient): (LetterKind, Recipient),
    earlier: Vec<LetterRecord>,
    // Fristbrudd: why, and the track the patient waits for now (None: the decision's).
    (breach_reason, track_now): (&str, Option<crate::domain::decision::Track>),
    today: NaiveDate,
) -> PlannedLetter {
    let f = &referral.fields;
    let l = &settings.letters;
    let clinic_address = l.address_lines();
    let (frist, track) = match &d.outcome {
        Outcome::Rett {
            start_of_care_deadline,
            track,
            ..
        } => (*start_of_care_deadline, *track),
        Outcome::Sekundaer { track } => (None, *track),
        _ => (None, None),
    };
    let (reason, advice) = match &d.outcome {
        Outcome::Avslag { reason, advice } => (reason.clone(), advice.clone()),
        _ => (String::new(), String::new()),
    };
    let returned = matches!(d.outcome, Outcome::Feilsendt);
    let unit = match &d.outcome {
        Outcome::Videresendt { unit } => unit.clone(),
        // Feilsendt: sent back to the referrer.
        Outcome::Feilsendt => f.referrer_name.clone(),
        _ => String::new(),
    };
    let care_kind = d.extras.care_kind;
    let facts = LetterFacts {
        has_patient_address: f.has_patient_address(),
        has_referrer_address: f.has_referrer_address(),
        has_referrer_name: !f.referrer_name.trim().is_empty(),
        care_kind,
        frist,
        reason: reason.clone(),
        unit: unit.clone(),
        has_clinic_address: !clinic_address.is_empty(),
        has_signer: !l.signer.trim().is_empty(),
        breach_reason: breach_reason.into(),
    };
    let missing = missing(kind, recipient, &facts);
    let patient_line = patient_line(f);
    let reference = reference(f, referral.id);
    let address = address(f, recipient);
    let mut sender = vec![settings.clinic_name.clone()];
    sender.extend(clinic_address.iter().cloned());
    let appointment = care.appointment();
    let copy_to = match recipient {
        Recipient::Patient if !f.referrer_name.trim().is_empty() => {
            vec![format!("{} (henviser)", f.referrer_name)]
        }
        _ => Vec::new(),
    };
    let letter = Letter {
        kind: kind.code().into(),
        recipient: recipient.code().into(),
        clinic: settings.clinic_name.clone(),
        clinic_address,
        clinic_phone: l.phone.trim().into(),
        sender_line: sender.join(", "),
        address,
        reference: reference.clone(),
        patient_line,
        patient_name: f.patient.clone(),
        referrer_name: if f.referrer_name.trim().is_empty() {
            "henviseren".into()
        } else {
            f.referrer_name.clone()
        },
        is_gp: f.referrer_kind == ReferrerKind::Fastlege,
        place_date: format_date(today),
        received: format_date(f.received_on),
        decided: format_date(d.decided_on),
        frist: frist.map(format_date).unwrap_or_default(),
        care_kind: care_kind
            .map(|k| k.label_nb().to_lowercase())
            .unwrap_or_default(),
        appointment: appointment.letter_text(),
        appointment_referrer: appointment.referrer_text(),
        track: track.map(track_offer_text).unwrap_or_default(),
        criterion: if kind == LetterKind::Avslag {
            avslag_criterion(&reason, recipient).into()
        } else {
            String::new()
        },
        reason,
        advice,
        unit,
        returned,
        free_choice: l.free_choice.trim().into(),
        contact: l.contact.trim().into(),
        attendance: if recipient == Recipient::Patient
            && matches!(kind, LetterKind::Rett | LetterKind::Sekundaer)
        {
            l.attendance.trim().into()
        } else {
            String::new()
        },
        local_advice: l.referrer_note.trim().into(),
        breach_reason: breach_reason.trim().into(),
        national_id: f
            .national_id
            .as_deref()
            .map(|n| format!("{} {}", &n[..6], &n[6..]))
            .unwrap_or_default(),
        patient_address: if f.has_patient_address() {
            format!(
                "{}, {} {}",
                f.patient_street, f.patient_postcode, f.patient_city
            )
        } else {
            String::new()
        },
        field_of_care: format!(
            "Smertebehandling{}",
            track_now
                .or(track)
                .map(|t| format!(" ({})", t.label_nb()))
                .unwrap_or_default()
        ),
        seniority: format_date(f.received_on),
        signer: l.signer.trim().into(),
        signer_title: l.signer_title.trim().into(),
        copy_to,
    };
    PlannedLetter {
        referral: referral.id,
        decision: d.id,
        kind,
        recipient,
        patient: f.patient.clone(),
        reference,
        letter,
        missing,
        earlier,
    }
}

/// "Kari Nordmann, f. 01.02.1970" (the birth date from the fødselsnummer, else the year).
fn patient_line(f: &crate::domain::ReferralFields) -> String {
    let birth = f
        .national_id
        .as_deref()
        .and_then(|id| parse_national_id(id).ok())
        .map(|id| format!("f. {}", format_date(id.birth_date)))
        .or_else(|| f.birth_year.map(|y| format!("f. {y}")));
    match birth {
        Some(b) => format!("{}, {b}", f.patient),
        None => f.patient.clone(),
    }
}

/// "Henvisning H0000123, mottatt 01.11.2026" (Inntak's number when there is no id).
fn reference(f: &crate::domain::ReferralFields, id: crate::domain::ReferralId) -> String {
    match &f.external_id {
        Some(ext) => format!("Henvisning {ext}, mottatt {}", format_date(f.received_on)),
        None => format!(
            "Inntak nr. {}, mottatt {}",
            id.0,
            format_date(f.received_on)
        ),
    }
}

/// The recipient's address block: the patient's, Helfo's, or the referrer's (or "Sendes
/// elektronisk").
fn address(f: &crate::domain::ReferralFields, recipient: Recipient) -> Vec<String> {
    match recipient {
        Recipient::Patient => vec![
            f.patient.clone(),
            f.patient_street.clone(),
            format!("{} {}", f.patient_postcode, f.patient_city),
        ],
        Recipient::Helfo => vec!["Helfo pasientformidling".into()],
        Recipient::Referrer => {
            let mut lines = vec![f.referrer_name.clone()];
            if f.referrer_electronic {
                lines.push("Sendes elektronisk".into());
            } else {
                lines.extend(f.referrer_address.lines().map(str::to_string));
            }
            lines
        }
    }
}

/// The letters that can be printed, typeset into one PDF.
pub fn render(planned: &[&PlannedLetter]) -> Result<Vec<u8>, pdf::LetterPdfError> {
    let letters: Vec<&Letter> = planned.iter().map(|p| &p.letter).collect();
    pdf::render(&letters)
}

/// "2 til pasient, 2 til henviser" (and "1 ark til Helfo").
pub fn count_text(planned: &[&PlannedLetter]) -> String {
    let n = |to: Recipient| planned.iter().filter(|p| p.recipient == to).count();
    let mut parts = vec![format!("{} til pasient", n(Recipient::Patient))];
    if n(Recipient::Referrer) > 0 || n(Recipient::Helfo) == 0 {
        parts.push(format!("{} til henviser", n(Recipient::Referrer)));
    }
    if n(Recipient::Helfo) > 0 {
        parts.push(format!("{} ark til Helfo", n(Recipient::Helfo)));
    }
    parts.join(", ")
}
