//! `inntak letters`: the letters after a meeting, or the notice of a fristbrudd, as one PDF.

use super::{Env, Opened, parse_recipient, parse_today};
use crate::files;
use crate::letters::Selection;
use crate::ops::documents;
use crate::ops::letters::{self, LetterTarget, LettersError};
use chrono::NaiveDate;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Møtets dato (åååå-mm-dd eller dd.mm.åååå)
    #[arg(long, value_name = "DATO", value_parser = parse_today,
          required_unless_present = "fristbrudd", conflicts_with = "fristbrudd")]
    meeting: Option<NaiveDate>,
    /// Varsel om fristbrudd for denne henvisningen (henvisnings-ID eller Inntak-nummer)
    #[arg(long, value_name = "ID", requires = "reason")]
    fristbrudd: Option<String>,
    /// Hvorfor den juridiske fristen ikke kan holdes (står i varselet og på Helfo-arket)
    #[arg(long, value_name = "TEKST")]
    reason: Option<String>,
    /// PDF-filen som skrives
    #[arg(long, value_name = "FIL")]
    out: PathBuf,
    /// Bare brevene for denne henvisningen (henvisnings-ID eller Inntak-nummer)
    #[arg(long, value_name = "ID")]
    referral: Option<String>,
    /// Bare brev til pasient eller til henviser (patient|referrer)
    #[arg(long, value_name = "MOTTAKER", value_parser = parse_recipient)]
    only: Option<crate::domain::letter::Recipient>,
    /// Merk brevene som sendt denne dagen (pasienten regnes da som informert)
    #[arg(long, value_name = "DATO", value_parser = parse_today)]
    sent: Option<NaiveDate>,
    /// Skriv ut de komplette brevene selv om noen mangler opplysninger
    #[arg(long)]
    skip_incomplete: bool,
}

pub(super) fn exec(env: &Env, opened: &mut Opened, args: &Args) -> Result<i32, String> {
    let mut ctx = opened.ctx(env);
    documents::check_destination(&ctx, &args.out).map_err(|e| e.to_string())?;
    let store = &*ctx.store;
    let by_text = |text: &str| documents::referral_by_text(store, text).map_err(|e| e.to_string());
    let (target, selection, what) = match (args.meeting, &args.fristbrudd) {
        (Some(meeting), _) => {
            let found = documents::meeting_on(store, meeting).map_err(|e| e.to_string())?;
            let referral = args.referral.as_deref().map(by_text).transpose()?;
            let selection = Selection {
                referral,
                only: args.only,
            };
            let day = crate::calendar::format_date_weekday(meeting);
            (
                LetterTarget::Meeting(found.id),
                selection,
                format!("for møtet {day}"),
            )
        }
        (None, Some(text)) => (
            LetterTarget::Breach(by_text(text)?, args.reason.clone().unwrap_or_default()),
            Selection::default(),
            "(varsel om fristbrudd og Helfo-ark)".to_string(),
        ),
        (None, None) => return Err("Oppgi --meeting eller --fristbrudd".into()),
    };
    let planned = letters::plan(store, ctx.settings, &target, selection, env.today())
        .map_err(|e| e.to_string())?;
    if planned.is_empty() {
        return Err(match (&target, args.meeting) {
            (LetterTarget::Meeting(_), Some(meeting)) => format!(
                "Møtet {} har ingen vedtak som skal ha brev{}",
                crate::calendar::format_date_weekday(meeting),
                if selection.referral.is_some() {
                    " for denne henvisningen"
                } else {
                    ""
                }
            ),
            _ => "Henvisningen har ikke rett til helsehjelp med juridisk frist, så det er ingen \
                  frist å varsle brudd på."
                .into(),
        });
    }
    let incomplete: Vec<_> = planned.iter().filter(|p| !p.is_complete()).collect();
    if !incomplete.is_empty() {
        let lists: Vec<_> = incomplete.iter().map(|p| p.missing.clone()).collect();
        for line in crate::domain::letter::missing_summary(&lists) {
            eprintln!("{line}");
        }
        for p in &incomplete {
            let what: Vec<_> = p.missing.iter().map(|m| m.label_nb()).collect();
            eprintln!(
                "  {} ({}), brev til {}: mangler {}",
                files::clean_for_terminal(&p.reference),
                files::clean_for_terminal(&p.patient),
                p.recipient.label_nb().to_lowercase(),
                what.join(", ")
            );
        }
        if !args.skip_incomplete {
            return Err(
                "Ingen brev er skrevet ut. Fyll inn det som mangler, eller bruk \
                        --skip-incomplete for å skrive ut de komplette."
                    .into(),
            );
        }
    }
    let done = match letters::print(&mut ctx, &planned, &args.out, args.sent) {
        Ok(done) => done,
        Err(LettersError::NoneComplete) => {
            return Err("Ingen av brevene er komplette; ingenting er skrevet ut.".into());
        }
        Err(e) => return Err(e.to_string()),
    };
    println!(
        "Skrev {} ({}) {what} til {}",
        if done.letters == 1 {
            "1 brev".to_string()
        } else {
            format!("{} brev", done.letters)
        },
        done.count_text,
        args.out.display()
    );
    match args.sent {
        Some(d) => println!("Merket sendt {}.", crate::calendar::format_date(d)),
        None => println!(
            "Ikke merket sendt: pasientene regnes som informert når brevene er merket sendt."
        ),
    }
    if done.earlier > 0 {
        println!("Merk: {} av brevene er skrevet ut før.", done.earlier);
    }
    Ok(0)
}
