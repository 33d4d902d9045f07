//! Letters after a decision and the electronic answer to the referrer's system: planned,
//! printed (recorded with the PDF in one transaction), marked sent, sent electronically.

use super::Ctx;
use crate::domain::ReferralId;
use crate::domain::meeting::MeetingId;
use crate::domain::settings::ClinicSettings;
use crate::letters::{PlannedLetter, Selection};
use crate::store::{Store, StoreError, decisions, meetings, referrals};
use chrono::NaiveDate;
use std::path::Path;

/// Whose letters: a meeting's decisions, one referral's current decision, or the notice of a
/// fristbrudd (with the reason given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LetterTarget {
    Meeting(MeetingId),
    Referral(ReferralId),
    Breach(ReferralId, String),
}

/// Why letters were not printed. `Display` is the sentence the user reads.
#[derive(Debug, thiserror::Error)]
pub enum LettersError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("Ingen av brevene er komplette; ingenting er skrevet ut.")]
    NoneComplete,
    #[error("{0}")]
    Render(String),
    #[error(
        "Databasen er skrivebeskyttet: brev kan ikke skrives ut uten at utskriften føres i \
         databasen."
    )]
    ReadOnly,
}

/// The letters for `target` as of `today` (`selection` narrows a meeting's letters to one
/// referral or one kind of recipient).
pub fn plan(
    store: &Store,
    settings: &ClinicSettings,
    target: &LetterTarget,
    selection: Selection,
    today: NaiveDate,
) -> Result<Vec<PlannedLetter>, StoreError> {
    match target {
        LetterTarget::Meeting(meeting) => {
            crate::model::letters::for_meeting(store, settings, *meeting, selection, today)
        }
        LetterTarget::Referral(referral) => {
            crate::model::letters::for_referral(store, settings, *referral, None, today)
        }
        LetterTarget::Breach(referral, reason) => {
            crate::model::letters::for_breach(store, settings, *referral, reason, today)
        }
    }
}

/// "Brev etter møtet 19.11.2026" / "Brev for henvisning H0000123"; and the PDF's name (a
/// number, never a patient's name, in a file name).
pub fn title(store: &Store, target: &LetterTarget) -> (String, String) {
    let conn = store.conn();
    match target {
        LetterTarget::Meeting(meeting) => {
            let date = meetings::get(conn, *meeting)
                .map(|m| m.date)
                .unwrap_or_default();
            (
                format!("Brev etter møtet {}", crate::calendar::format_date(date)),
                format!("brev-{date}.pdf"),
            )
        }
        LetterTarget::Referral(referral) | LetterTarget::Breach(referral, _) => {
            let reference = referrals::get(conn, *referral)
                .ok()
                .and_then(|r| r.fields.external_id)
                .filter(|id| !id.trim().is_empty())
                .unwrap_or_else(|| format!("nr. {}", referral.0));
            if matches!(target, LetterTarget::Breach(..)) {
                (
                    format!("Varsel om fristbrudd for henvisning {reference}"),
                    format!("fristbrudd-henvisning-{}.pdf", referral.0),
                )
            } else {
                (
                    format!("Brev for henvisning {reference}"),
                    format!("brev-henvisning-{}.pdf", referral.0),
                )
            }
        }
    }
}

/// The complete letters of a plan (those with nothing missing), in order.
pub fn complete(planned: &[PlannedLetter]) -> Vec<&PlannedLetter> {
    planned.iter().filter(|p| p.is_complete()).collect()
}

/// What a print did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Printed {
    /// How many letters are in the PDF.
    pub letters: usize,
    /// "2 til pasient, 1 til henviser".
    pub count_text: String,
    /// How many of them were printed before.
    pub earlier: usize,
}

/// Prints the complete letters of `planned` to one PDF at `file` and records each print (and,
/// with `sent`, sent that day) in the same transaction as the file is written: the letters
/// are recorded printed only if the PDF is there. A read-only database prints nothing (a
/// print that cannot be recorded would leave the "ikke informert" clock wrong).
pub fn print(
    ctx: &mut Ctx<'_>,
    planned: &[PlannedLetter],
    file: &Path,
    sent: Option<NaiveDate>,
) -> Result<Printed, LettersError> {
    let ready = complete(planned);
    if ready.is_empty() {
        return Err(LettersError::NoneComplete);
    }
    if ctx.store.read_only().is_some() {
        return Err(LettersError::ReadOnly);
    }
    let bytes = crate::letters::render(&ready).map_err(|e| LettersError::Render(e.to_string()))?;
    let printed: Vec<_> = ready.iter().map(|p| p.printed()).collect();
    let protected = crate::files::Protected::none().database(ctx.store.path());
    let destination = crate::files::canonical(file).display().to_string();
    let change = ctx.change;
    ctx.store.write(|tx| {
        crate::store::letters::record_printed(tx, &printed, &destination, sent, change)?;
        crate::files::write_atomically(file, &bytes, &protected).map_err(StoreError::Rule)
    })?;
    Ok(Printed {
        letters: ready.len(),
        count_text: crate::letters::count_text(&ready),
        earlier: ready
            .iter()
            .filter(|p| !p.earlier_text().is_empty())
            .count(),
    })
}

/// Marks the referral's printed, unsent letters of its current decision as sent today;
/// returns how many (0: none were waiting).
pub fn mark_sent(ctx: &mut Ctx<'_>, referral: ReferralId) -> Result<usize, StoreError> {
    let conn = ctx.store.conn();
    let unsent: Vec<_> = match decisions::current(conn, referral)? {
        None => Vec::new(),
        Some(d) => crate::store::letters::for_decisions(conn, &[d.id])?
            .into_iter()
            .filter(|l| l.sent_on.is_none())
            .map(|l| l.id)
            .collect(),
    };
    if unsent.is_empty() {
        return Ok(0);
    }
    let (today, change) = (ctx.today(), ctx.change);
    ctx.store
        .write(|tx| crate::store::letters::mark_sent(tx, &unsent, today, change))
}

/// The referrals an electronic answer for `target` goes to: a meeting's decided referrals,
/// or the one referral.
pub fn reply_referrals(
    store: &Store,
    target: &LetterTarget,
) -> Result<Vec<ReferralId>, StoreError> {
    let conn = store.conn();
    Ok(match target {
        LetterTarget::Meeting(meeting) => decisions::at_meeting(conn, *meeting)?
            .into_iter()
            .map(|d| d.referral)
            .collect(),
        LetterTarget::Referral(id) | LetterTarget::Breach(id, _) => vec![*id],
    })
}

/// Writes the electronic answers (dialogmelding) for these referrals into `folder`, each
/// recorded with its file; a referral that cannot be answered electronically is listed with
/// the reason.
pub fn send_replies(
    ctx: &mut Ctx<'_>,
    referrals: &[ReferralId],
    folder: &Path,
) -> Result<crate::dialogmelding::Sending, String> {
    crate::dialogmelding::send(ctx.store, ctx.settings, referrals, folder, ctx.change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::referrals::Change;

    /// A demo clinic a month on: closed meetings with decisions that have letters.
    fn clinic() -> (crate::ops::testing::Scratch, Store, NaiveDate) {
        let (dir, store) = crate::ops::testing::demo(120, 3);
        (dir, store, crate::ops::testing::today())
    }

    fn decided_referral(store: &Store) -> (MeetingId, ReferralId) {
        crate::store::meetings::from_date(
            store.conn(),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        )
        .unwrap()
        .into_iter()
        .find_map(|m| {
            let d = decisions::at_meeting(store.conn(), m.id).ok()?;
            d.first().map(|d| (m.id, d.referral))
        })
        .expect("the demo has decided meetings")
    }

    /// Printed letters are recorded with their file; marking them sent counts each once; a
    /// read-only database prints nothing.
    #[test]
    fn print_records_with_the_file_and_mark_sent_counts_once() {
        let (dir, mut store, today) = clinic();
        let settings = ClinicSettings::default();
        let (meeting, referral) = decided_referral(&store);
        let target = LetterTarget::Referral(referral);
        let planned = plan(&store, &settings, &target, Selection::default(), today).unwrap();
        assert!(!planned.is_empty());
        let (title, file_name) = title(&store, &LetterTarget::Meeting(meeting));
        assert!(title.starts_with("Brev etter møtet "), "{title}");
        assert!(file_name.starts_with("brev-2026-"), "{file_name}");
        let mut ctx = Ctx {
            store: &mut store,
            settings: &settings,
            change: Change {
                actor: "leder",
                at: today.and_hms_opt(12, 0, 0).unwrap(),
            },
        };
        let out = dir.path().join("brev.pdf");
        match print(&mut ctx, &planned, &out, None) {
            Ok(done) => {
                assert_eq!(done.letters, complete(&planned).len());
                assert!(std::fs::read(&out).unwrap().starts_with(b"%PDF"));
                let marked = mark_sent(&mut ctx, referral).unwrap();
                assert_eq!(marked, done.letters);
                assert_eq!(mark_sent(&mut ctx, referral).unwrap(), 0, "sent once");
            }
            Err(LettersError::NoneComplete) => assert!(complete(&planned).is_empty()),
            Err(e) => panic!("{e}"),
        }
        ctx.store.refuse_writes("skrivebeskyttet".into());
        let again = dir.path().join("igjen.pdf");
        if !complete(&planned).is_empty() {
            assert!(matches!(
                print(&mut ctx, &planned, &again, None),
                Err(LettersError::ReadOnly)
            ));
            assert!(!again.exists());
        }
        assert_eq!(
            reply_referrals(ctx.store, &LetterTarget::Breach(referral, "x".into())).unwrap(),
            vec![referral]
        );
    }
}
