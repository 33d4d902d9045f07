//! `inntak reply`: the electronic answers (Dialogmelding) to the referrers' systems.

use super::{Env, Opened, parse_today, terminal_text};
use crate::ops::documents;
use crate::ops::letters::{self, LetterTarget};
use chrono::NaiveDate;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Møtets dato (åååå-mm-dd eller dd.mm.åååå)
    #[arg(long, value_name = "DATO", value_parser = parse_today,
          required_unless_present = "referral", conflicts_with = "referral")]
    meeting: Option<NaiveDate>,
    /// Bare denne henvisningen (henvisnings-ID eller Inntak-nummer)
    #[arg(long, value_name = "ID")]
    referral: Option<String>,
    /// Mappen svarene skrives til (standard: mappen under Innstillinger → Brev)
    #[arg(long, value_name = "MAPPE")]
    out_dir: Option<PathBuf>,
}

pub(super) fn exec(env: &Env, opened: &mut Opened, args: &Args) -> Result<i32, String> {
    let mut ctx = opened.ctx(env);
    let store = &*ctx.store;
    let target = match (args.meeting, &args.referral) {
        (Some(day), _) => LetterTarget::Meeting(
            documents::meeting_on(store, day)
                .map_err(|e| e.to_string())?
                .id,
        ),
        (None, Some(text)) => LetterTarget::Referral(
            documents::referral_by_text(store, text).map_err(|e| e.to_string())?,
        ),
        (None, None) => return Err("Oppgi --meeting eller --referral".into()),
    };
    let referrals = letters::reply_referrals(store, &target).map_err(|e| e.to_string())?;
    let folder = match &args.out_dir {
        Some(dir) => dir.clone(),
        None if !ctx.settings.letters.dialog_folder.trim().is_empty() => {
            PathBuf::from(ctx.settings.letters.dialog_folder.trim())
        }
        None => {
            return Err(
                "Ingen mappe for elektroniske svar: gi --out-dir, eller velg mappen \
                        under Innstillinger → Brev → Elektronisk svar"
                    .into(),
            );
        }
    };
    let done = letters::send_replies(&mut ctx, &referrals, &folder)?;
    for s in &done.sent {
        println!(
            "Henvisning nr. {} ({}): svar skrevet til {}",
            s.referral.0,
            terminal_text(&s.patient),
            s.path.display()
        );
    }
    for (id, why) in &done.refused {
        eprintln!("Henvisning nr. {}: {}", id.0, terminal_text(why));
    }
    println!(
        "{} elektroniske svar skrevet{}.",
        done.sent.len(),
        if done.refused.is_empty() {
            String::new()
        } else {
            format!(
                "; {} kan ikke besvares elektronisk (se over)",
                done.refused.len()
            )
        }
    );
    Ok(if done.refused.is_empty() { 0 } else { 2 })
}
