//! The Norwegian national identity number (fødselsnummer, D-nummer, H-nummer) and its checks.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Which kind of identity number it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    Fodselsnummer,
    DNummer,
    HNummer,
    /// A D-nummer given out as an H-nummer too: 4 added to the first digit and to the month's.
    DOgHNummer,
}

impl IdKind {
    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Fodselsnummer => "fødselsnummer",
            Self::DNummer => "D-nummer",
            Self::HNummer => "H-nummer",
            Self::DOgHNummer => "D-nummer (H-nummer)",
        }
    }
}

/// A validated identity number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NationalId {
    digits: String,
    pub kind: IdKind,
    pub birth_date: NaiveDate,
}

impl NationalId {
    pub fn as_str(&self) -> &str {
        &self.digits
    }
}

/// Why a number is not a valid identity number; the text is what the user reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("må ha 11 siffer (fant {0})")]
    WrongLength(usize),
    #[error("kan bare inneholde siffer")]
    NotDigits,
    #[error("fødselsdatoen {0} finnes ikke")]
    NoSuchDate(String),
    #[error("kontrollsifrene stemmer ikke (skrivefeil?)")]
    CheckDigits,
}

const K1_WEIGHTS: [u32; 10] = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const K2_WEIGHTS: [u32; 11] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

/// Validates an identity number. Spaces are ignored ("130972 48022" is accepted).
///
/// Check digits: K2 by the classic mod-11 rule; K1 by the rule that applies from 2032, under
/// which Σ(d1..d10 × [3,7,6,1,8,9,4,5,2,1]) mod 11 may be 0, 1, 2 or 3. The classic K1 rule is
/// the remainder-0 case, so both kinds of number are accepted side by side.
/// A fictive H-nummer (hjelpenummer: the month + 40, as a hospital gives a patient without a
/// known number) for a demo patient born on `birth`: valid check digits, the individual number
/// chosen from `seed` and the century. Demo patients carry one, as real referrals carry a
/// number: the duplicate check then tells two demo patients of the same name and year apart.
pub fn demo_h_number(birth: NaiveDate, seed: u32) -> String {
    let (low, high) = if birth.year() >= 2000 {
        (500, 999)
    } else {
        (0, 499)
    };
    let span = high - low + 1;
    for step in 0..span {
        let individual = low + (seed + step) % span;
        let head = format!(
            "{:02}{:02}{:02}{individual:03}",
            birth.day(),
            birth.month() + 40,
            birth.year() % 100
        );
        let d: Vec<u32> = head.bytes().map(|b| u32::from(b - b'0')).collect();
        let k1 = (11 - d.iter().zip(K1_WEIGHTS).map(|(a, w)| a * w).sum::<u32>() % 11) % 11;
        if k1 == 10 {
            continue;
        }
        let k2_sum: u32 = d
            .iter()
            .chain([&k1])
            .zip(K2_WEIGHTS)
            .map(|(a, w)| a * w)
            .sum();
        let k2 = (11 - k2_sum % 11) % 11;
        if k2 == 10 {
            continue;
        }
        return format!("{head}{k1}{k2}");
    }
    unreachable!("some individual number of a century gives valid check digits")
}

pub fn parse_national_id(text: &str) -> Result<NationalId, IdError> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(IdError::NotDigits);
    }
    if digits.len() != 11 {
        return Err(IdError::WrongLength(digits.len()));
    }
    let d: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();

    let k1_sum: u32 = d.iter().zip(K1_WEIGHTS).map(|(a, w)| a * w).sum();
    let k2_sum: u32 = d.iter().zip(K2_WEIGHTS).map(|(a, w)| a * w).sum();
    let checks_ok = k1_sum % 11 <= 3 && k2_sum.is_multiple_of(11);

    let mut day = d[0] * 10 + d[1];
    let mut month = d[2] * 10 + d[3];
    // The D rule (day + 40) and the H rule (month + 40) apply independently: a number may
    // carry both (68467038838 is 28.06.70).
    let d_number = day > 40;
    let h_number = month > 40;
    if d_number {
        day -= 40;
    }
    if h_number {
        month -= 40;
    }
    let kind = match (d_number, h_number) {
        (false, false) => IdKind::Fodselsnummer,
        (true, false) => IdKind::DNummer,
        (false, true) => IdKind::HNummer,
        (true, true) => IdKind::DOgHNummer,
    };
    let yy = (d[4] * 10 + d[5]) as i32;
    let individual = d[6] * 100 + d[7] * 10 + d[8];
    let century = match (individual, yy) {
        (0..=499, _) => 1900,
        (500..=749, 54..=99) => 1800,
        (500..=999, 0..=39) => 2000,
        (900..=999, 40..=99) => 1900,
        // 500–749 with 40–53 is unassigned; read it as 1900s so the date check still runs.
        _ => 1900,
    };
    let shown = format!("{day:02}.{month:02}.{yy:02}");
    let birth_date =
        NaiveDate::from_ymd_opt(century + yy, month, day).ok_or(IdError::NoSuchDate(shown))?;
    if !checks_ok {
        return Err(IdError::CheckDigits);
    }
    Ok(NationalId {
        digits,
        kind,
        birth_date,
    })
}

impl fmt::Display for NationalId {
    /// Shown as "130972 48022".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", &self.digits[..6], &self.digits[6..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn examples_from_domain_brief() {
        let valid = [
            ("13097248022", IdKind::Fodselsnummer, 1972),
            ("15021951940", IdKind::Fodselsnummer, 2019),
            ("53097248016", IdKind::DNummer, 1972),
            ("13527248013", IdKind::HNummer, 1972),
            ("68467038838", IdKind::DOgHNummer, 1970),
        ];
        for (number, kind, year) in valid {
            let id = parse_national_id(number).unwrap_or_else(|e| panic!("{number}: {e}"));
            assert_eq!(id.kind, kind, "{number}");
            assert_eq!(id.birth_date.year(), year, "{number}");
        }
        assert_eq!(parse_national_id("13097248032"), Err(IdError::CheckDigits));
        assert_eq!(parse_national_id("13097248023"), Err(IdError::CheckDigits));
        assert!(matches!(
            parse_national_id("32127248022"),
            Err(IdError::NoSuchDate(_))
        ));
    }

    #[test]
    fn a_d_number_that_is_also_an_h_number_is_valid() {
        // Refused before as "fødselsdatoen 28.46.70 finnes ikke" (issue 13).
        let id = parse_national_id("68467038838").expect("valid D- and H-nummer");
        assert_eq!(id.birth_date, NaiveDate::from_ymd_opt(1970, 6, 28).unwrap());
        assert_eq!(id.kind.label_nb(), "D-nummer (H-nummer)");
        // The date check still runs on the corrected day and month.
        assert!(matches!(
            parse_national_id("72467038838"),
            Err(IdError::NoSuchDate(_))
        ));
    }

    #[test]
    fn shape_errors() {
        assert_eq!(
            parse_national_id("1309724802"),
            Err(IdError::WrongLength(10))
        );
        assert_eq!(parse_national_id("13097248O22"), Err(IdError::NotDigits));
        assert!(parse_national_id("130972 48022").is_ok());
        assert_eq!(
            parse_national_id("13097248022").unwrap().to_string(),
            "130972 48022"
        );
    }

    #[test]
    fn k1_rule_from_2032_accepts_remainders_0_to_3() {
        // Build numbers for 01.01.2032 (individual 500) with each K1 and the matching K2.
        let base = [0u32, 1, 0, 1, 3, 2, 5, 0, 0];
        let mut accepted = 0;
        for k1 in 0..10u32 {
            let mut digits: Vec<u32> = base.to_vec();
            digits.push(k1);
            let s: u32 = digits.iter().zip(K2_WEIGHTS).map(|(a, w)| a * w).sum();
            let k2 = (11 - s % 11) % 11;
            if k2 == 10 {
                continue;
            }
            digits.push(k2);
            let text: String = digits.iter().map(|d| char::from(b'0' + *d as u8)).collect();
            let r1: u32 = digits
                .iter()
                .zip(K1_WEIGHTS)
                .map(|(a, w)| a * w)
                .sum::<u32>()
                % 11;
            let result = parse_national_id(&text);
            assert_eq!(result.is_ok(), r1 <= 3, "{text}: remainder {r1}");
            accepted += usize::from(result.is_ok());
        }
        assert!(
            accepted >= 2,
            "several K1 values are valid for one birth date"
        );
    }

    #[test]
    fn demo_h_numbers_are_valid_h_numbers_of_the_birth_date() {
        for (birth, seed) in [
            ("1940-02-29", 0),
            ("1972-09-13", 17),
            ("2009-12-31", 999),
            ("1999-01-01", 5),
        ] {
            let birth = crate::domain::referral::iso(birth);
            let n = demo_h_number(birth, seed);
            let id = parse_national_id(&n).unwrap_or_else(|e| panic!("{n}: {e:?}"));
            assert_eq!(id.kind, IdKind::HNummer, "{n}");
            assert_eq!(id.birth_date, birth, "{n}");
        }
    }
}
