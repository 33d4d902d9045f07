//! The referral (henvisning): its fields, status lifecycle and the validation of what a user
//! or an import file enters.

use crate::calendar;
use crate::domain::identity::parse_national_id;
use chrono::{Datelike, NaiveDate};

/// Row id of a referral in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReferralId(pub i64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferrerKind {
    Fastlege,
    Avtalespesialist,
    Sykehusavdeling,
    Annet,
}

impl ReferrerKind {
    pub const ALL: [Self; 4] = [
        Self::Fastlege,
        Self::Avtalespesialist,
        Self::Sykehusavdeling,
        Self::Annet,
    ];

    /// The code stored in the database and written to CSV.
    pub fn code(self) -> &'static str {
        match self {
            Self::Fastlege => "fastlege",
            Self::Avtalespesialist => "avtalespesialist",
            Self::Sykehusavdeling => "sykehusavdeling",
            Self::Annet => "annet",
        }
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Fastlege => "Fastlege",
            Self::Avtalespesialist => "Avtalespesialist",
            Self::Sykehusavdeling => "Sykehusavdeling",
            Self::Annet => "Annet",
        }
    }

    /// Accepts the code or the label, in any case ("Fastlege", "FASTLEGE", "fastlege").
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_lowercase();
        Self::ALL.into_iter().find(|k| k.code() == t)
    }

    /// The stored code exactly ("fastlege"); anything else is `None` (strict, for the store).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Where a referral is in its life. Only `TilVurdering` is open (waiting for the meeting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferralStatus {
    TilVurdering,
    Rett,
    Avslag,
    Videresendt,
    Feilsendt,
    Trukket,
    /// Secondary referral sent to a track without a rights assessment.
    Sekundaer,
    /// Granted, waiting for the mapping consultation's result.
    Kartlegging,
    /// Back from mapping: the meeting chooses monofaglig or tverrfaglig.
    TilNyVurdering,
}

impl ReferralStatus {
    pub const ALL: [Self; 9] = [
        Self::TilVurdering,
        Self::Rett,
        Self::Avslag,
        Self::Videresendt,
        Self::Feilsendt,
        Self::Trukket,
        Self::Sekundaer,
        Self::Kartlegging,
        Self::TilNyVurdering,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::TilVurdering => "til_vurdering",
            Self::Rett => "rett",
            Self::Avslag => "avslag",
            Self::Videresendt => "videresendt",
            Self::Feilsendt => "feilsendt",
            Self::Trukket => "trukket",
            Self::Sekundaer => "sekundaer",
            Self::Kartlegging => "kartlegging",
            Self::TilNyVurdering => "til_ny_vurdering",
        }
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            Self::TilVurdering => "Til vurdering",
            Self::Rett => "Rett til helsehjelp",
            Self::Avslag => "Avslag",
            Self::Videresendt => "Videresendt",
            Self::Feilsendt => "Feilsendt",
            Self::Trukket => "Trukket",
            Self::Sekundaer => "Sekundærhenvisning",
            Self::Kartlegging => "Kartlegging pågår",
            Self::TilNyVurdering => "Til ny vurdering",
        }
    }

    /// The stored code exactly ("til_vurdering"); anything else is `None` (strict, for the
    /// store: an unknown or empty status is an error, never read as til vurdering).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// A status as a user writes it (import): the code or the label in any case; empty is
    /// til vurdering.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_lowercase();
        if t.is_empty() {
            return Some(Self::TilVurdering);
        }
        Self::ALL
            .into_iter()
            .find(|s| s.code() == t || s.label_nb().to_lowercase() == t)
    }

    /// Open referrals are waiting for a rights decision and have a running legal clock.
    pub fn is_open(self) -> bool {
        self == Self::TilVurdering
    }

    /// Waits for a meeting's decision: new (til vurdering), or back from a
    /// kartleggingssamtale for the track choice (til ny vurdering). Only these may stand on an
    /// open agenda undecided, be postponed, or get provisional views.
    pub fn awaits_meeting(self) -> bool {
        matches!(self, Self::TilVurdering | Self::TilNyVurdering)
    }

    /// Statuses that carry the date the decision was made.
    pub fn is_decided(self) -> bool {
        matches!(
            self,
            Self::Rett
                | Self::Avslag
                | Self::Videresendt
                | Self::Feilsendt
                | Self::Sekundaer
                | Self::Kartlegging
                | Self::TilNyVurdering
        )
    }
}

/// The validated fields of a referral: what the form and the import both produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralFields {
    /// The hospital system's referral id; unique when present.
    pub external_id: Option<String>,
    pub received_on: NaiveDate,
    /// Full name or initials: as little as the meeting needs.
    pub patient: String,
    /// Eleven digits, validated; optional.
    pub national_id: Option<String>,
    pub birth_year: Option<i32>,
    pub referrer_name: String,
    pub referrer_kind: ReferrerKind,
    /// Referring department's specialty (ortopedi, nevrologi, ...); required for hospital
    /// departments.
    pub specialty: String,
    pub is_secondary: bool,
    pub problem: String,
    pub diagnosis_group: String,
    /// The patient's postal address for letters: street line, 4-digit postnummer, poststed.
    /// Optional (all three or none); a letter to a patient without one is not printed.
    pub patient_street: String,
    pub patient_postcode: String,
    pub patient_city: String,
    /// The referrer's postal address for the copy of a letter (lines); empty: unknown.
    pub referrer_address: String,
    /// The referrer's copy goes electronically (Helsenett), so no postal address is needed.
    pub referrer_electronic: bool,
}

impl ReferralFields {
    /// Whether the patient has a complete postal address.
    pub fn has_patient_address(&self) -> bool {
        !self.patient_street.is_empty()
            && !self.patient_postcode.is_empty()
            && !self.patient_city.is_empty()
    }

    /// Whether the referrer's copy can be sent: electronically, or to a postal address.
    pub fn has_referrer_address(&self) -> bool {
        self.referrer_electronic || !self.referrer_address.trim().is_empty()
    }

    /// A field's value as text, as the CSV export writes it (ISO dates, ja/nei).
    pub fn text(&self, field: Field) -> String {
        match field {
            Field::ExternalId => self.external_id.clone().unwrap_or_default(),
            Field::Received => self.received_on.to_string(),
            Field::Patient => self.patient.clone(),
            Field::NationalId => self.national_id.clone().unwrap_or_default(),
            Field::BirthYear => self.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            Field::ReferrerName => self.referrer_name.clone(),
            Field::ReferrerKind => self.referrer_kind.code().to_string(),
            Field::Specialty => self.specialty.clone(),
            Field::Secondary => if self.is_secondary { "ja" } else { "nei" }.to_string(),
            Field::Problem => self.problem.clone(),
            Field::DiagnosisGroup => self.diagnosis_group.clone(),
            Field::PatientStreet => self.patient_street.clone(),
            Field::PatientPostcode => self.patient_postcode.clone(),
            Field::PatientCity => self.patient_city.clone(),
            Field::ReferrerAddress if self.referrer_electronic => ELECTRONIC.to_string(),
            // One line in a file: the lines joined by " / " (the import splits them again).
            Field::ReferrerAddress => self.referrer_address.replace('\n', " / "),
            Field::Status
            | Field::DecidedOn
            | Field::Track
            | Field::Frist
            | Field::AvslagReason
            | Field::CareStarted => String::new(),
        }
    }

    /// The fields that differ between `self` and `other`: (field, old text, new text).
    pub fn changes_to(&self, other: &ReferralFields) -> Vec<(Field, String, String)> {
        Field::EDITABLE
            .into_iter()
            .map(|f| (f, self.text(f), other.text(f)))
            .filter(|(_, old, new)| old != new)
            .collect()
    }
}

/// A stored referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referral {
    pub id: ReferralId,
    pub fields: ReferralFields,
    pub status: ReferralStatus,
    pub decided_on: Option<NaiveDate>,
}

/// The fields a user can get wrong, named as the form and the CSV name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    ExternalId,
    Received,
    Patient,
    NationalId,
    BirthYear,
    ReferrerName,
    ReferrerKind,
    Specialty,
    Secondary,
    Problem,
    DiagnosisGroup,
    Status,
    DecidedOn,
    /// The decision's track (imported history): "monofaglig lege", "tverrfaglig samlet", ...
    Track,
    /// The decision's juridisk frist (imported history).
    Frist,
    /// The avslag's reason (imported history).
    AvslagReason,
    /// The day care started (imported history).
    CareStarted,
    /// The patient's postal address (letters).
    PatientStreet,
    PatientPostcode,
    PatientCity,
    /// The referrer's postal address, or "elektronisk".
    ReferrerAddress,
}

/// The referrer address text that means "the copy goes electronically".
pub const ELECTRONIC: &str = "elektronisk";

impl Field {
    /// The import columns that carry a decision made before Inntak (history), in export order.
    pub const HISTORY: [Field; 4] = [
        Self::Track,
        Self::Frist,
        Self::AvslagReason,
        Self::CareStarted,
    ];

    /// The fields a user edits in the form, in form order.
    pub const EDITABLE: [Field; 15] = [
        Self::Received,
        Self::ExternalId,
        Self::Patient,
        Self::NationalId,
        Self::BirthYear,
        Self::ReferrerName,
        Self::ReferrerKind,
        Self::Specialty,
        Self::Secondary,
        Self::Problem,
        Self::DiagnosisGroup,
        Self::PatientStreet,
        Self::PatientPostcode,
        Self::PatientCity,
        Self::ReferrerAddress,
    ];

    /// The label in the registration form.
    pub fn label_nb(self) -> &'static str {
        match self {
            Self::ExternalId => "Henvisnings-ID",
            Self::Received => "Mottatt",
            Self::Patient => "Pasient",
            Self::NationalId => "Fødselsnummer",
            Self::BirthYear => "Fødselsår",
            Self::ReferrerName => "Henviser",
            Self::ReferrerKind => "Henvisertype",
            Self::Specialty => "Fagfelt",
            Self::Secondary => "Primær/sekundær",
            Self::Problem => "Problemstilling",
            Self::DiagnosisGroup => "Diagnosegruppe",
            Self::Status => "Status",
            Self::DecidedOn => "Avgjort",
            Self::Track => "Forløp",
            Self::Frist => "Juridisk frist",
            Self::AvslagReason => "Avslagsgrunn",
            Self::CareStarted => "Oppstart",
            Self::PatientStreet => "Adresse",
            Self::PatientPostcode => "Postnummer",
            Self::PatientCity => "Poststed",
            Self::ReferrerAddress => "Henviserens adresse",
        }
    }

    /// The column name in import and export files.
    pub fn csv_column(self) -> &'static str {
        match self {
            Self::ExternalId => "henvisning_id",
            Self::Received => "mottatt",
            Self::Patient => "pasient",
            Self::NationalId => "fodselsnummer",
            Self::BirthYear => "fodselsar",
            Self::ReferrerName => "henviser",
            Self::ReferrerKind => "henviser_type",
            Self::Specialty => "fagfelt",
            Self::Secondary => "sekundaer",
            Self::Problem => "problemstilling",
            Self::DiagnosisGroup => "diagnosegruppe",
            Self::Status => "status",
            Self::DecidedOn => "avgjort",
            Self::Track => "forlop",
            Self::Frist => "juridisk_frist",
            Self::AvslagReason => "avslagsgrunn",
            Self::CareStarted => "oppstart",
            Self::PatientStreet => "adresse",
            Self::PatientPostcode => "postnummer",
            Self::PatientCity => "poststed",
            Self::ReferrerAddress => "henviser_adresse",
        }
    }
}

/// One invalid field, with a Norwegian reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl FieldError {
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Limits that keep a field sensible on screen and paper.
const MAX_SHORT: usize = 120;
pub const MAX_LONG: usize = 4000;

/// What the user typed, before validation. The form edits one of these.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralDraft {
    pub external_id: String,
    pub received_on: Option<NaiveDate>,
    pub patient: String,
    pub national_id: String,
    pub birth_year: String,
    pub referrer_name: String,
    pub referrer_kind: ReferrerKind,
    pub specialty: String,
    pub is_secondary: bool,
    pub problem: String,
    pub diagnosis_group: String,
    pub patient_street: String,
    pub patient_postcode: String,
    pub patient_city: String,
    pub referrer_address: String,
    pub referrer_electronic: bool,
}

impl ReferralDraft {
    /// An empty draft received today.
    pub fn new(today: NaiveDate) -> Self {
        Self {
            external_id: String::new(),
            received_on: Some(today),
            patient: String::new(),
            national_id: String::new(),
            birth_year: String::new(),
            referrer_name: String::new(),
            referrer_kind: ReferrerKind::Fastlege,
            specialty: String::new(),
            is_secondary: false,
            problem: String::new(),
            diagnosis_group: String::new(),
            patient_street: String::new(),
            patient_postcode: String::new(),
            patient_city: String::new(),
            referrer_address: String::new(),
            referrer_electronic: false,
        }
    }

    pub fn from_fields(f: &ReferralFields) -> Self {
        Self {
            external_id: f.external_id.clone().unwrap_or_default(),
            received_on: Some(f.received_on),
            patient: f.patient.clone(),
            national_id: f.national_id.clone().unwrap_or_default(),
            birth_year: f.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            referrer_name: f.referrer_name.clone(),
            referrer_kind: f.referrer_kind,
            specialty: f.specialty.clone(),
            is_secondary: f.is_secondary,
            problem: f.problem.clone(),
            diagnosis_group: f.diagnosis_group.clone(),
            patient_street: f.patient_street.clone(),
            patient_postcode: f.patient_postcode.clone(),
            patient_city: f.patient_city.clone(),
            referrer_address: f.referrer_address.clone(),
            referrer_electronic: f.referrer_electronic,
        }
    }

    /// Checks every field and returns all errors at once, so the form can mark each field.
    pub fn validate(&self, today: NaiveDate) -> Result<ReferralFields, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field, msg: &str| errors.push(FieldError::new(field, msg));

        let external_id = non_empty(&self.external_id);
        if external_id.as_ref().is_some_and(|s| s.chars().count() > 64) {
            err(Field::ExternalId, "kan ha høyst 64 tegn");
        }

        let received_on = match self.received_on {
            None => {
                err(Field::Received, "mangler (dd.mm.åååå)");
                today
            }
            Some(d) if d > today => {
                err(Field::Received, "kan ikke være frem i tid");
                d
            }
            Some(d) if d.year() < 2000 => {
                err(Field::Received, "er før år 2000");
                d
            }
            Some(d) => d,
        };

        // One form for every source: "Etternavn, Fornavn" is stored "Fornavn Etternavn".
        let patient = super::duplicate::person_name(&self.patient);
        if patient.is_empty() {
            err(Field::Patient, "mangler (navn eller initialer)");
        } else if patient.chars().count() > MAX_SHORT {
            err(Field::Patient, "er for langt (høyst 120 tegn)");
        }

        let mut id_year = None;
        let national_id = match non_empty(&self.national_id) {
            None => None,
            Some(text) => match parse_national_id(&text) {
                Ok(id) => {
                    id_year = Some(id.birth_date.year());
                    Some(id.as_str().to_string())
                }
                Err(e) => {
                    err(Field::NationalId, &e.to_string());
                    None
                }
            },
        };

        let birth_year = match non_empty(&self.birth_year) {
            None => id_year,
            Some(text) => match text.parse::<i32>() {
                Ok(y) if y >= 1880 && y <= today.year() && text.len() == 4 => {
                    if let Some(from_id) = id_year.filter(|&f| f != y) {
                        let msg = format!("stemmer ikke med fødselsnummeret ({from_id})");
                        err(Field::BirthYear, &msg);
                    }
                    Some(y)
                }
                _ => {
                    err(
                        Field::BirthYear,
                        &format!("må være et årstall (åååå), fant «{text}»"),
                    );
                    None
                }
            },
        };

        let referrer_name = self.referrer_name.trim().to_string();
        if referrer_name.chars().count() > MAX_SHORT {
            err(Field::ReferrerName, "er for langt (høyst 120 tegn)");
        }
        let specialty = self.specialty.trim().to_string();
        if self.referrer_kind == ReferrerKind::Sykehusavdeling && specialty.is_empty() {
            err(
                Field::Specialty,
                "mangler: oppgi avdelingens fagfelt for sykehusavdeling",
            );
        } else if specialty.chars().count() > MAX_SHORT {
            err(Field::Specialty, "er for langt (høyst 120 tegn)");
        }
        let problem = self.problem.trim().to_string();
        if problem.chars().count() > MAX_LONG {
            err(Field::Problem, "er for lang (høyst 4000 tegn)");
        }
        let diagnosis_group = self.diagnosis_group.trim().to_string();
        if diagnosis_group.chars().count() > MAX_SHORT {
            err(Field::DiagnosisGroup, "er for lang (høyst 120 tegn)");
        }

        let [patient_street, patient_postcode, patient_city] = patient_address(
            &self.patient_street,
            &self.patient_postcode,
            &self.patient_city,
            &mut err,
        );
        let referrer_address = self
            .referrer_address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let referrer_electronic = self.referrer_electronic
            || referrer_address.eq_ignore_ascii_case(ELECTRONIC)
            || referrer_address.eq_ignore_ascii_case("sendes elektronisk");
        let referrer_address = if referrer_electronic {
            String::new()
        } else {
            referrer_address
        };
        if referrer_address.lines().count() > 4 || referrer_address.chars().count() > 240 {
            err(Field::ReferrerAddress, "er for lang (høyst fire linjer)");
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ReferralFields {
            external_id,
            received_on,
            patient,
            national_id,
            birth_year,
            referrer_name,
            referrer_kind: self.referrer_kind,
            specialty,
            is_secondary: self.is_secondary,
            problem,
            diagnosis_group,
            patient_street,
            patient_postcode,
            patient_city,
            referrer_address,
            referrer_electronic,
        })
    }
}

/// The patient's postal address: all three parts or none, a four-digit postnummer, each part
/// within its length. Errors go to `err`; the trimmed parts are returned.
fn patient_address(
    street: &str,
    postcode: &str,
    city: &str,
    err: &mut dyn FnMut(Field, &str),
) -> [String; 3] {
    let patient_street = street.trim().to_string();
    let patient_postcode = postcode.trim().to_string();
    let patient_city = city.trim().to_string();
    let any_address =
        !patient_street.is_empty() || !patient_postcode.is_empty() || !patient_city.is_empty();
    if patient_street.chars().count() > MAX_SHORT {
        err(Field::PatientStreet, "er for lang (høyst 120 tegn)");
    } else if any_address && patient_street.is_empty() {
        err(
            Field::PatientStreet,
            "mangler: adressen må ha gate eller postboks",
        );
    }
    if !patient_postcode.is_empty()
        && (patient_postcode.len() != 4 || !patient_postcode.bytes().all(|b| b.is_ascii_digit()))
    {
        err(
            Field::PatientPostcode,
            &format!("må være fire sifre, fant «{patient_postcode}»"),
        );
    } else if any_address && patient_postcode.is_empty() {
        err(Field::PatientPostcode, "mangler: adressen må ha postnummer");
    }
    if patient_city.chars().count() > MAX_SHORT {
        err(Field::PatientCity, "er for langt (høyst 120 tegn)");
    } else if any_address && patient_city.is_empty() {
        err(Field::PatientCity, "mangler: adressen må ha poststed");
    }
    [patient_street, patient_postcode, patient_city]
}

fn non_empty(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Parses the yes/no of the `sekundaer` column: empty means primary.
pub fn parse_secondary(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "" | "nei" | "n" | "0" | "false" | "primær" | "primaer" => Some(false),
        "ja" | "j" | "1" | "true" | "sekundær" | "sekundaer" => Some(true),
        _ => None,
    }
}

/// Convenience for tests and the demo generator: a date from ISO text.
pub fn iso(text: &str) -> NaiveDate {
    calendar::parse_date(text).expect("valid ISO date")
}

#[cfg(test)]
mod tests;
