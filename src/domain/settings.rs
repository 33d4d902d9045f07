//! Clinic settings: name, the Saturday rule, meeting schedule, agenda capacity, closure days.

use crate::calendar::WorkingDayRule;
use chrono::{NaiveDate, NaiveTime, Weekday};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosureDay {
    pub date: NaiveDate,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClinicSettings {
    pub clinic_name: String,
    /// Whether Saturday is a virkedag for the legal clock (not settled in law; default no).
    pub saturday_is_working_day: bool,
    /// Weekdays with an intake meeting, Monday first.
    pub meeting_weekdays: Vec<Weekday>,
    pub meeting_time: NaiveTime,
    /// How many referrals one meeting's agenda holds.
    pub agenda_capacity: u32,
    /// Days the clinic is closed: no meetings, but the legal deadline does not move.
    pub closure_days: Vec<ClosureDay>,
    /// The clinic's own avslag reasons, offered after the standard ones.
    pub avslag_reasons: Vec<String>,
    /// The letterhead, the signer and the letters' editable paragraphs.
    pub letters: LetterSettings,
}

/// What the letters take from Innstillinger: the letterhead (address, phone), who signs, and
/// the paragraphs the clinic may word itself. The legally required parts are in the
/// templates and cannot be edited.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetterSettings {
    /// Postal address lines ("Postboks 4950 Nydalen", "0424 OSLO").
    pub address: String,
    pub phone: String,
    /// The signer's name and title ("Kari Nordmann", "overlege").
    pub signer: String,
    pub signer_title: String,
    /// Whom to call with questions (every letter to the patient).
    pub contact: String,
    /// Changing or cancelling an appointment, and the fee for a missed one: only in the
    /// letters where the patient gets an appointment (rett, sekundær).
    pub attendance: String,
    /// The fritt behandlingsvalg paragraph.
    pub free_choice: String,
    /// A local paragraph to referrers (when a new referral makes sense, the clinic's offers).
    pub referrer_note: String,
    /// A suggested råd og veiledning text per avslag reason, pre-filled in the decision form
    /// when that reason is chosen.
    pub advice_templates: Vec<(String, String)>,
    /// A secondary referral gets a confirmation to the patient with the meeting's letters.
    pub secondary_confirmation: bool,
    /// The clinic's HER-id in the national address register: the sender of an electronic
    /// answer (Dialogmelding) to the referrer's system.
    pub her_id: String,
    /// The folder the hospital's message system picks electronic answers up from.
    pub dialog_folder: String,
}

impl Default for LetterSettings {
    fn default() -> Self {
        use crate::domain::letter::{
            DEFAULT_ATTENDANCE_TEXT, DEFAULT_CONTACT_TEXT, DEFAULT_FREE_CHOICE_TEXT,
        };
        Self {
            address: String::new(),
            phone: String::new(),
            signer: String::new(),
            signer_title: String::new(),
            contact: DEFAULT_CONTACT_TEXT.into(),
            attendance: DEFAULT_ATTENDANCE_TEXT.into(),
            free_choice: DEFAULT_FREE_CHOICE_TEXT.into(),
            referrer_note: String::new(),
            advice_templates: crate::domain::letter::DEFAULT_ADVICE
                .iter()
                .map(|(r, a)| (r.to_string(), a.to_string()))
                .collect(),
            secondary_confirmation: false,
            her_id: String::new(),
            dialog_folder: String::new(),
        }
    }
}

impl LetterSettings {
    /// The address lines, without empty ones.
    pub fn address_lines(&self) -> Vec<String> {
        self.address
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }
}

impl Default for ClinicSettings {
    fn default() -> Self {
        Self {
            clinic_name: "Smerteklinikken".into(),
            saturday_is_working_day: false,
            meeting_weekdays: vec![Weekday::Tue, Weekday::Thu],
            meeting_time: NaiveTime::from_hms_opt(8, 30, 0).expect("valid time"),
            agenda_capacity: 20,
            closure_days: Vec::new(),
            avslag_reasons: Vec::new(),
            letters: LetterSettings::default(),
        }
    }
}

impl ClinicSettings {
    pub fn working_day_rule(&self) -> WorkingDayRule {
        WorkingDayRule {
            saturday_is_working_day: self.saturday_is_working_day,
        }
    }

    /// The avslag reasons the decision form offers: the standard ones, the clinic's own, and
    /// "Annet" last.
    pub fn all_avslag_reasons(&self) -> Vec<String> {
        let standard = crate::domain::decision::DEFAULT_AVSLAG_REASONS;
        let (other, rest) = standard.split_last().expect("non-empty");
        let mut all: Vec<String> = rest.iter().map(|r| r.to_string()).collect();
        for own in &self.avslag_reasons {
            let own = own.trim();
            if !own.is_empty() && !all.iter().any(|r| r.eq_ignore_ascii_case(own)) {
                all.push(own.to_string());
            }
        }
        all.push(other.to_string());
        all
    }

    /// Checks what the settings form produced; messages name the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.clinic_name.trim().is_empty() {
            return Err("Klinikkens navn mangler".into());
        }
        if self.meeting_weekdays.is_empty() {
            return Err("Velg minst én møtedag".into());
        }
        if !(1..=200).contains(&self.agenda_capacity) {
            return Err("Kapasitet per møte må være mellom 1 og 200".into());
        }
        if let Some(long) = self.avslag_reasons.iter().find(|r| r.chars().count() > 120) {
            return Err(format!(
                "Avslagsgrunnen «{}…» er for lang (høyst 120 tegn)",
                long.chars().take(30).collect::<String>()
            ));
        }
        let l = &self.letters;
        let her = l.her_id.trim();
        if !her.is_empty() && (her.len() > 9 || !her.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!(
                "HER-id «{her}» er ikke et HER-id: det er et tall på opptil 9 sifre fra \
                 adresseregisteret"
            ));
        }
        if l.address_lines().len() > 4 {
            return Err("Klinikkens adresse kan ha høyst fire linjer".into());
        }
        for (text, what, max) in [
            (&l.phone, "Telefonnummeret", 40),
            (&l.signer, "Navnet på den som signerer", 120),
            (&l.signer_title, "Tittelen", 120),
            (&l.contact, "Kontaktteksten", 1500),
            (&l.attendance, "Teksten om oppmøte og avbestilling", 1500),
            (&l.free_choice, "Teksten om fritt behandlingsvalg", 1500),
            (&l.referrer_note, "Teksten til henviser", 1500),
        ] {
            if text.chars().count() > max {
                return Err(format!("{what} er for lang (høyst {max} tegn)"));
            }
        }
        if l.contact.trim().is_empty() || l.free_choice.trim().is_empty() {
            return Err(
                "Brevene må ha en kontakttekst og en tekst om fritt behandlingsvalg".into(),
            );
        }
        let mut days: Vec<_> = self.closure_days.iter().map(|c| c.date).collect();
        days.sort();
        if let Some(w) = days.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!(
                "Stengt dag {} er oppført to ganger",
                crate::calendar::format_date(w[0])
            ));
        }
        Ok(())
    }
}

/// Parses "ti,to" / "tue,thu" / "2,4" into weekdays (Monday first, no repeats).
pub fn parse_weekdays(text: &str) -> Option<Vec<Weekday>> {
    let mut days = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let day = match part.to_lowercase().as_str() {
            "1" | "ma" | "mon" => Weekday::Mon,
            "2" | "ti" | "tue" => Weekday::Tue,
            "3" | "on" | "wed" => Weekday::Wed,
            "4" | "to" | "thu" => Weekday::Thu,
            "5" | "fr" | "fri" => Weekday::Fri,
            "6" | "lø" | "sat" => Weekday::Sat,
            "7" | "sø" | "sun" => Weekday::Sun,
            _ => return None,
        };
        if !days.contains(&day) {
            days.push(day);
        }
    }
    days.sort_by_key(|d| d.num_days_from_monday());
    Some(days)
}

/// The ISO numbers of the weekdays, as stored: "2,4".
pub fn format_weekdays(days: &[Weekday]) -> String {
    days.iter()
        .map(|d| d.number_from_monday().to_string())
        .collect::<Vec<_>>()
        .join(",")
}
