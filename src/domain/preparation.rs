//! Preparing a referral for the meeting: a note ("les journal", "ring fastlege"), who presents
//! it, and each discipline's provisional view (rett or avslag, and the track it would choose)
//! given before the decision. The statistics compare the views with each other and with the
//! decision: the share of agreement, Cohen's kappa per profession against the decision, and
//! Fleiss' kappa between the professions.

use super::decision::{Outcome, Track};
use super::meeting::Profession;

/// The track a provisional view would choose, without the detail (which clinician, which mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrackKind {
    Monofaglig,
    Tverrfaglig,
    Kartlegging,
}

impl TrackKind {
    pub fn of(track: Track) -> Self {
        match track {
            Track::Monofaglig(_) => Self::Monofaglig,
            Track::Tverrfaglig(_) => Self::Tverrfaglig,
            Track::Kartlegging(_) => Self::Kartlegging,
        }
    }

    pub fn label_nb(self) -> &'static str {
        match self {
            Self::Monofaglig => "monofaglig",
            Self::Tverrfaglig => "tverrfaglig",
            Self::Kartlegging => "kartleggingssamtale",
        }
    }
}

/// One discipline's provisional view of a referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Assessment {
    Avslag,
    /// Rett, with the track it would choose if it has a view on that.
    Rett(Option<TrackKind>),
}

impl Assessment {
    /// Every choice, in the order the form offers them.
    pub const ALL: [Self; 5] = [
        Self::Rett(Some(TrackKind::Monofaglig)),
        Self::Rett(Some(TrackKind::Tverrfaglig)),
        Self::Rett(Some(TrackKind::Kartlegging)),
        Self::Rett(None),
        Self::Avslag,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Avslag => "avslag",
            Self::Rett(None) => "rett",
            Self::Rett(Some(TrackKind::Monofaglig)) => "rett_monofaglig",
            Self::Rett(Some(TrackKind::Tverrfaglig)) => "rett_tverrfaglig",
            Self::Rett(Some(TrackKind::Kartlegging)) => "rett_kartlegging",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label_nb(self) -> String {
        match self {
            Self::Avslag => "Avslag".into(),
            Self::Rett(None) => "Rett".into(),
            Self::Rett(Some(t)) => format!("Rett – {}", t.label_nb()),
        }
    }

    pub fn is_rett(self) -> bool {
        matches!(self, Self::Rett(_))
    }

    /// What a decision amounts to in the same terms: rett (with its track) or avslag.
    /// `None` for outcomes without a rights assessment (videresendt, feilsendt, sekundær).
    pub fn of_decision(outcome: &Outcome) -> Option<Self> {
        match outcome {
            Outcome::Rett { track, .. } => Some(Self::Rett(track.map(TrackKind::of))),
            Outcome::Avslag { .. } => Some(Self::Avslag),
            _ => None,
        }
    }

    /// Whether this view agrees with `decision` on rett or avslag.
    pub fn agrees_on_right(self, decision: Self) -> bool {
        self.is_rett() == decision.is_rett()
    }

    /// Whether this view agrees with `decision` on rett or avslag and, for rett, on the track.
    /// A rett view without a track does not agree on the track.
    pub fn agrees_fully(self, decision: Self) -> bool {
        self == decision
    }
}

/// A referral's decided outcome with the views given before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessed {
    pub decision: Assessment,
    pub views: Vec<(Profession, Assessment)>,
}

/// How one profession's views compare with the decisions.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfessionAgreement {
    pub profession: Profession,
    /// Views given on referrals later decided rett or avslag.
    pub views: usize,
    /// Of those, how many agreed on rett/avslag, and how many also on the track.
    pub agreed: usize,
    pub agreed_fully: usize,
    /// Cohen's kappa between the views and the decisions on rett/avslag.
    pub kappa: Option<f64>,
}

/// How the provisional views agree, per profession with the decision and between professions.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Consistency {
    pub per_profession: Vec<ProfessionAgreement>,
    /// Referrals with views from at least two professions.
    pub compared: usize,
    /// The share of agreeing pairs of views on rett/avslag over those referrals.
    pub pairwise_agreement: Option<f64>,
    /// Fleiss' kappa over those referrals on rett/avslag.
    pub fleiss_kappa: Option<f64>,
}

/// Computes the consistency table from the decided referrals with their views.
pub fn consistency(assessed: &[Assessed]) -> Consistency {
    let mut per_profession = Vec::new();
    for profession in Profession::ALL {
        let pairs: Vec<(Assessment, Assessment)> = assessed
            .iter()
            .filter_map(|a| {
                a.views
                    .iter()
                    .find(|(p, _)| *p == profession)
                    .map(|(_, v)| (*v, a.decision))
            })
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let binary: Vec<(usize, usize)> = pairs
            .iter()
            .map(|(v, d)| (usize::from(v.is_rett()), usize::from(d.is_rett())))
            .collect();
        per_profession.push(ProfessionAgreement {
            profession,
            views: pairs.len(),
            agreed: pairs.iter().filter(|(v, d)| v.agrees_on_right(*d)).count(),
            agreed_fully: pairs.iter().filter(|(v, d)| v.agrees_fully(*d)).count(),
            kappa: cohen_kappa(&binary, 2),
        });
    }
    // Between professions: each referral's count of rett and avslag views.
    let table: Vec<Vec<usize>> = assessed
        .iter()
        .filter(|a| a.views.len() >= 2)
        .map(|a| {
            let rett = a.views.iter().filter(|(_, v)| v.is_rett()).count();
            vec![rett, a.views.len() - rett]
        })
        .collect();
    let (mut agreeing, mut pairs) = (0usize, 0usize);
    for row in &table {
        let n: usize = row.iter().sum();
        agreeing += row
            .iter()
            .map(|c| c * c.saturating_sub(1) / 2)
            .sum::<usize>();
        pairs += n * (n - 1) / 2;
    }
    Consistency {
        per_profession,
        compared: table.len(),
        pairwise_agreement: (pairs > 0).then(|| agreeing as f64 / pairs as f64),
        fleiss_kappa: fleiss_kappa(&table),
    }
}

/// Cohen's kappa for two raters over `categories` categories: `pairs` holds each subject's
/// (rater A, rater B) category. κ = (pₒ − pₑ) / (1 − pₑ). `None` without subjects, or when the
/// chance agreement is 1 (both raters used one and the same category throughout).
pub fn cohen_kappa(pairs: &[(usize, usize)], categories: usize) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let observed = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let expected: f64 = (0..categories)
        .map(|c| {
            let a = pairs.iter().filter(|(x, _)| *x == c).count() as f64 / n;
            let b = pairs.iter().filter(|(_, y)| *y == c).count() as f64 / n;
            a * b
        })
        .sum();
    (expected < 1.0).then(|| (observed - expected) / (1.0 - expected))
}

/// Fleiss' kappa: `table[i][j]` is how many raters put subject `i` in category `j`. Subjects
/// may have different numbers of raters (at least two each): Pᵢ = (Σⱼ nᵢⱼ² − nᵢ) / (nᵢ(nᵢ − 1)),
/// P̄ their mean, pⱼ the share of all ratings in category j, P̄ₑ = Σⱼ pⱼ², and
/// κ = (P̄ − P̄ₑ) / (1 − P̄ₑ). With the same number of raters everywhere this is Fleiss (1971).
/// `None` without subjects or when every rating is in one category.
pub fn fleiss_kappa(table: &[Vec<usize>]) -> Option<f64> {
    let rows: Vec<&Vec<usize>> = table
        .iter()
        .filter(|r| r.iter().sum::<usize>() >= 2)
        .collect();
    if rows.is_empty() {
        return None;
    }
    let categories = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let total: usize = rows.iter().map(|r| r.iter().sum::<usize>()).sum();
    let p_bar = rows
        .iter()
        .map(|r| {
            let n = r.iter().sum::<usize>() as f64;
            let sq: f64 = r.iter().map(|&c| (c * c) as f64).sum();
            (sq - n) / (n * (n - 1.0))
        })
        .sum::<f64>()
        / rows.len() as f64;
    let p_e: f64 = (0..categories)
        .map(|j| {
            let in_j: usize = rows.iter().map(|r| r.get(j).copied().unwrap_or(0)).sum();
            let p = in_j as f64 / total as f64;
            p * p
        })
        .sum();
    (p_e < 1.0).then(|| (p_bar - p_e) / (1.0 - p_e))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Fleiss' kappa (10 subjects, 14 raters, 5 categories; Wikipedia
    /// "Fleiss' kappa"): P̄ = 0.378, P̄ₑ = 0.213, κ = 0.210.
    #[test]
    fn fleiss_kappa_matches_the_worked_example() {
        let table = vec![
            vec![0, 0, 0, 0, 14],
            vec![0, 2, 6, 4, 2],
            vec![0, 0, 3, 5, 6],
            vec![0, 3, 9, 2, 0],
            vec![2, 2, 8, 1, 1],
            vec![7, 7, 0, 0, 0],
            vec![3, 2, 6, 3, 0],
            vec![2, 5, 3, 2, 2],
            vec![6, 5, 2, 1, 0],
            vec![0, 2, 2, 3, 7],
        ];
        let k = fleiss_kappa(&table).unwrap();
        assert!((k - 0.210).abs() < 0.0005, "{k}");
        assert_eq!(fleiss_kappa(&[]), None);
        // Everyone always says rett: no disagreement possible, kappa undefined.
        assert_eq!(fleiss_kappa(&[vec![3, 0], vec![2, 0]]), None);
    }

    /// Cohen's worked example: 50 cases, both yes 20, A yes B no 5, A no B yes 10, both no 15:
    /// pₒ = 0.7, pₑ = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    #[test]
    fn cohen_kappa_matches_the_worked_example() {
        let mut pairs = vec![(1, 1); 20];
        pairs.extend(vec![(1, 0); 5]);
        pairs.extend(vec![(0, 1); 10]);
        pairs.extend(vec![(0, 0); 15]);
        let k = cohen_kappa(&pairs, 2).unwrap();
        assert!((k - 0.4).abs() < 1e-12, "{k}");
        assert_eq!(cohen_kappa(&[], 2), None);
        assert_eq!(cohen_kappa(&[(1, 1), (1, 1)], 2), None);
    }

    /// Four decided referrals, computed by hand:
    /// 1: decision rett tverrfaglig; lege rett-tverr, psykolog rett-mono, fysio avslag
    /// 2: decision avslag; lege avslag, psykolog avslag
    /// 3: decision rett mono; lege rett-mono, fysio rett (no track)
    /// 4: decision avslag; lege rett-tverr, psykolog avslag, fysio avslag
    #[test]
    fn consistency_by_hand() {
        use Assessment::*;
        use Profession::*;
        use TrackKind::*;
        let assessed = vec![
            Assessed {
                decision: Rett(Some(Tverrfaglig)),
                views: vec![
                    (Lege, Rett(Some(Tverrfaglig))),
                    (Psykolog, Rett(Some(Monofaglig))),
                    (Fysioterapeut, Avslag),
                ],
            },
            Assessed {
                decision: Avslag,
                views: vec![(Lege, Avslag), (Psykolog, Avslag)],
            },
            Assessed {
                decision: Rett(Some(Monofaglig)),
                views: vec![(Lege, Rett(Some(Monofaglig))), (Fysioterapeut, Rett(None))],
            },
            Assessed {
                decision: Avslag,
                views: vec![
                    (Lege, Rett(Some(Tverrfaglig))),
                    (Psykolog, Avslag),
                    (Fysioterapeut, Avslag),
                ],
            },
        ];
        let c = consistency(&assessed);
        let lege = &c.per_profession[0];
        assert_eq!(lege.profession, Lege);
        // Lege: rett/avslag agree on 1, 2, 3, not 4; fully on 1, 2, 3.
        assert_eq!((lege.views, lege.agreed, lege.agreed_fully), (4, 3, 3));
        // Lege vs decision (rett=1): (1,1) (0,0) (1,1) (1,0): pₒ = 3/4; lege rett 3/4, decision
        // rett 2/4: pₑ = 3/4·2/4 + 1/4·2/4 = 1/2; κ = (0.75 − 0.5) / 0.5 = 0.5.
        assert!((lege.kappa.unwrap() - 0.5).abs() < 1e-12);
        let psykolog = &c.per_profession[1];
        // Psykolog: 1 agrees on rett but not on the track; 2 and 4 agree: 3 of 3, fully 2.
        assert_eq!(
            (psykolog.views, psykolog.agreed, psykolog.agreed_fully),
            (3, 3, 2)
        );
        assert!((psykolog.kappa.unwrap() - 1.0).abs() < 1e-12);
        let fysio = &c.per_profession[2];
        assert_eq!(fysio.profession, Fysioterapeut);
        // Fysio: 1 disagrees, 3 agrees on rett (no track: not fully), 4 agrees.
        assert_eq!((fysio.views, fysio.agreed, fysio.agreed_fully), (3, 2, 1));
        // (0,1) (1,1) (0,0): pₒ = 2/3; fysio rett 1/3, decision rett 2/3:
        // pₑ = 1/3·2/3 + 2/3·1/3 = 4/9; κ = (2/3 − 4/9) / (5/9) = 0.4.
        assert!((fysio.kappa.unwrap() - 0.4).abs() < 1e-12);
        // Between professions: rows [rett, avslag] = [2,1] [0,2] [2,0] [1,2].
        // Agreeing pairs: 1+0 + 0+1 + 1+0 + 0+1 = 4 of 3+1+1+3 = 8 pairs: 0.5.
        assert_eq!(c.compared, 4);
        assert!((c.pairwise_agreement.unwrap() - 0.5).abs() < 1e-12);
        // Fleiss: P = [1/3, 1, 1, 1/3], P̄ = 2/3; ratings 5 rett, 5 avslag of 10: P̄ₑ = 0.5;
        // κ = (2/3 − 1/2) / (1/2) = 1/3.
        assert!((c.fleiss_kappa.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn codes_round_trip_and_decisions_map() {
        for a in Assessment::ALL {
            assert_eq!(Assessment::parse(a.code()), Some(a));
        }
        assert_eq!(Assessment::parse("ja"), None);
        let rett = Outcome::Rett {
            start_of_care_deadline: Some(chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()),
            track: Some(Track::Kartlegging(super::super::decision::Clinician::Lege)),
            priority_note: String::new(),
        };
        assert_eq!(
            Assessment::of_decision(&rett),
            Some(Assessment::Rett(Some(TrackKind::Kartlegging)))
        );
        assert_eq!(Assessment::of_decision(&Outcome::Feilsendt), None);
    }
}
