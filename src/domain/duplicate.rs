//! Possible duplicates: the same patient referred again within a short time, whichever way
//! the referral came in (typed, imported from a list, a Henvisning message). A re-import of a
//! list without referral ids, or the same referral sent twice, would otherwise put the
//! patient twice in the queue: two agenda items, two decisions, two sets of letters.

use super::referral::ReferralFields;
use super::{ReferralId, parse_national_id};
use chrono::{Datelike, NaiveDate};

/// Two referrals of the same patient received this many days apart or closer are shown as a
/// possible duplicate.
pub const DUPLICATE_WINDOW_DAYS: i64 = 30;

/// What a referral is compared by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub received_on: NaiveDate,
    /// The name, folded ([`name_key`]).
    pub name: String,
    pub national_id: Option<String>,
    pub birth_year: Option<i32>,
    /// The referrer's name, folded.
    pub referrer: String,
}

impl Candidate {
    pub fn of(fields: &ReferralFields) -> Self {
        Self::new(
            fields.received_on,
            &fields.patient,
            fields.national_id.as_deref(),
            fields.birth_year,
            &fields.referrer_name,
        )
    }

    pub fn new(
        received_on: NaiveDate,
        patient: &str,
        national_id: Option<&str>,
        birth_year: Option<i32>,
        referrer: &str,
    ) -> Self {
        let id_year = national_id
            .and_then(|id| parse_national_id(id).ok())
            .map(|id| id.birth_date.year());
        Self {
            received_on,
            name: name_key(patient),
            national_id: national_id.map(str::to_string),
            birth_year: id_year.or(birth_year),
            referrer: name_key(referrer),
        }
    }
}

/// Why two referrals look like the same patient's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Likeness {
    SameNationalId,
    SameNameAndBirthYear,
    /// Neither has a fødselsnummer or birth year: the same name, referrer and day.
    SameNameReferrerAndDay,
}

impl Likeness {
    pub fn label_nb(self) -> &'static str {
        match self {
            Self::SameNationalId => "samme fødselsnummer",
            Self::SameNameAndBirthYear => "samme navn og fødselsår",
            Self::SameNameReferrerAndDay => "samme navn, henviser og mottaksdag",
        }
    }
}

/// Whether `a` and `b` look like referrals of the same patient: received within
/// [`DUPLICATE_WINDOW_DAYS`], and the same fødselsnummer (when both have one: two different
/// numbers are two people, whatever the names), else the same name and birth year, else
/// (no year on either) the same name, referrer and day.
pub fn likeness(a: &Candidate, b: &Candidate) -> Option<Likeness> {
    if (a.received_on - b.received_on).num_days().abs() > DUPLICATE_WINDOW_DAYS {
        return None;
    }
    if let (Some(x), Some(y)) = (&a.national_id, &b.national_id) {
        return (x == y).then_some(Likeness::SameNationalId);
    }
    if a.name.is_empty() || a.name != b.name {
        return None;
    }
    match (a.birth_year, b.birth_year) {
        (Some(x), Some(y)) => (x == y).then_some(Likeness::SameNameAndBirthYear),
        _ => (a.received_on == b.received_on && a.referrer == b.referrer)
            .then_some(Likeness::SameNameReferrerAndDay),
    }
}

/// A name folded for comparing: "Nordmann, Kari" and "kari  NORDMANN" are the same.
pub fn name_key(name: &str) -> String {
    let normal = person_name(name).to_lowercase();
    let mut words: Vec<&str> = normal.split_whitespace().collect();
    words.sort_unstable();
    words.join(" ")
}

/// The one form Inntak stores and shows a person's name in: "Fornavn Etternavn". A name
/// written "Etternavn, Fornavn" (as Henvisning 1.x messages and many lists do) is turned
/// round; spaces are collapsed.
pub fn person_name(name: &str) -> String {
    let collapsed = name.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.split_once(',') {
        Some((family, given))
            if !family.trim().is_empty()
                && !given.trim().is_empty()
                && !given.contains(',')
                && !collapsed.chars().any(|c| c.is_ascii_digit()) =>
        {
            format!("{} {}", given.trim(), family.trim())
        }
        _ => collapsed,
    }
}

/// A referral already in the database that an incoming one looks like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Existing {
    pub id: ReferralId,
    pub candidate: Candidate,
    /// For the message: "Kari Nordmann, mottatt 19.11.2026 fra Dr. Lund (til vurdering)".
    pub shown: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::iso;

    fn c(day: &str, name: &str, id: Option<&str>, year: Option<i32>, by: &str) -> Candidate {
        Candidate::new(iso(day), name, id, year, by)
    }

    #[test]
    fn the_rules_in_a_table() {
        let kari_id = "13097248022"; // born 13.09.1972
        let other_id = "15021951940";
        let cases = [
            // (a, b, expected)
            (
                c("2026-11-19", "Kari Nordmann", Some(kari_id), None, "Dr. A"),
                c("2026-12-10", "K. N.", Some(kari_id), None, "Dr. B"),
                Some(Likeness::SameNationalId),
            ),
            (
                c("2026-11-19", "Kari Nordmann", Some(kari_id), None, "Dr. A"),
                c("2026-12-20", "Kari Nordmann", Some(kari_id), None, "Dr. A"),
                None, // 31 days apart
            ),
            (
                c("2026-11-19", "Kari Nordmann", Some(kari_id), None, "Dr. A"),
                c("2026-11-19", "Kari Nordmann", Some(other_id), None, "Dr. A"),
                None, // two numbers: two people
            ),
            (
                c("2026-11-19", "Nordmann, Kari", None, Some(1972), "Dr. A"),
                c("2026-11-25", "kari  nordmann", Some(kari_id), None, "Dr. B"),
                Some(Likeness::SameNameAndBirthYear),
            ),
            (
                c("2026-11-19", "Kari Nordmann", None, Some(1971), "Dr. A"),
                c("2026-11-19", "Kari Nordmann", None, Some(1970), "Dr. A"),
                None,
            ),
            (
                c("2026-11-19", "Kari Nordmann", None, None, "Dr. Lund"),
                c("2026-11-19", "Kari Nordmann", None, None, "dr.  lund"),
                Some(Likeness::SameNameReferrerAndDay),
            ),
            (
                c("2026-11-19", "Kari Nordmann", None, None, "Dr. Lund"),
                c("2026-11-20", "Kari Nordmann", None, None, "Dr. Lund"),
                None,
            ),
        ];
        for (a, b, expected) in cases {
            assert_eq!(likeness(&a, &b), expected, "{a:?} / {b:?}");
            assert_eq!(likeness(&b, &a), expected, "symmetric");
        }
    }

    #[test]
    fn names_are_stored_given_name_first() {
        assert_eq!(person_name("Tveitevoll, Gunnhild"), "Gunnhild Tveitevoll");
        assert_eq!(person_name("  Gunn   Tveit "), "Gunn Tveit");
        assert_eq!(person_name("Tveitevoll,"), "Tveitevoll,");
        assert_eq!(person_name("A, B, C"), "A, B, C");
        assert_eq!(
            name_key("Tveitevoll, Gunnhild"),
            name_key("gunnhild TVEITEVOLL")
        );
    }
}
