//! Fornyet vurdering: a patient may get a renewed assessment once per condition, via a new
//! referral. "Same condition" is the same diagnosis group for the same fødselsnummer (D- and
//! H-numbers included); a referral counts as assessed once it has a rights decision.

use crate::calendar::format_date;
use crate::domain::ReferralStatus;
use chrono::NaiveDate;

/// What earlier referrals for the same patient and condition mean for a new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Renewal {
    /// One earlier assessment: this referral is the patient's renewed assessment.
    Renewed { earlier: NaiveDate },
    /// Two or more earlier assessments: the renewed assessment has already been given.
    AlreadyRenewed { earlier: Vec<NaiveDate> },
}

/// A rights decision was made on the referral (rett, with or without a kartleggingssamtale, or
/// avslag). Forwarded, wrongly sent, withdrawn and secondary referrals do not count.
pub fn counts_as_assessment(status: ReferralStatus) -> bool {
    matches!(
        status,
        ReferralStatus::Rett
            | ReferralStatus::Avslag
            | ReferralStatus::Kartlegging
            | ReferralStatus::TilNyVurdering
    )
}

/// Classifies a referral from the receipt dates of the patient's earlier assessed referrals
/// for the same condition.
pub fn classify(mut earlier: Vec<NaiveDate>) -> Option<Renewal> {
    earlier.sort();
    match earlier.len() {
        0 => None,
        1 => Some(Renewal::Renewed {
            earlier: earlier[0],
        }),
        _ => Some(Renewal::AlreadyRenewed { earlier }),
    }
}

impl Renewal {
    /// A warning to act on (the renewed assessment is used up), not just information.
    pub fn is_warning(&self) -> bool {
        matches!(self, Self::AlreadyRenewed { .. })
    }

    pub fn text_nb(&self, group: &str) -> String {
        match self {
            Self::Renewed { earlier } => format!(
                "Fornyet vurdering: pasienten ble vurdert for samme tilstand ({group}) på \
                 henvisning mottatt {}.",
                format_date(*earlier)
            ),
            Self::AlreadyRenewed { earlier } => format!(
                "Advarsel: pasienten har allerede fått fornyet vurdering for samme tilstand \
                 ({group}); vurdert på henvisninger mottatt {}.",
                earlier
                    .iter()
                    .map(|d| format_date(*d))
                    .collect::<Vec<_>>()
                    .join(" og ")
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::referral::iso;

    #[test]
    fn first_renewed_and_already_renewed() {
        assert_eq!(classify(vec![]), None);
        assert_eq!(
            classify(vec![iso("2025-03-03")]),
            Some(Renewal::Renewed {
                earlier: iso("2025-03-03")
            })
        );
        let twice = classify(vec![iso("2026-01-05"), iso("2025-03-03")]).unwrap();
        assert!(twice.is_warning());
        assert_eq!(
            twice.text_nb("Rygg/nakke"),
            "Advarsel: pasienten har allerede fått fornyet vurdering for samme tilstand \
             (Rygg/nakke); vurdert på henvisninger mottatt 03.03.2025 og 05.01.2026."
        );
        assert!(!counts_as_assessment(ReferralStatus::Videresendt));
        assert!(counts_as_assessment(ReferralStatus::Kartlegging));
    }
}
