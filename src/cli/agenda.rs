//! `inntak agenda` and `inntak minutes`: the printed agenda and referat of a meeting.

use super::{Env, Opened, parse_today, say_unlogged};
use crate::ops::documents::{self, Destination};
use crate::planning::PrintOptions;
use chrono::NaiveDate;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct AgendaArgs {
    /// Neste planlagte møte
    #[arg(long, conflicts_with = "meeting", required_unless_present = "meeting")]
    next: bool,
    /// Møtets dato (åååå-mm-dd eller dd.mm.åååå)
    #[arg(long, value_name = "DATO", value_parser = parse_today)]
    meeting: Option<NaiveDate>,
    /// PDF-filen som skrives
    #[arg(long, value_name = "FIL")]
    out: PathBuf,
    /// Bare initialer i stedet for fullt navn (utskrifter forlater rommet)
    #[arg(long)]
    initials: bool,
}

#[derive(Debug, clap::Args)]
pub struct MinutesArgs {
    /// Møtets dato (åååå-mm-dd eller dd.mm.åååå)
    #[arg(long, value_name = "DATO", value_parser = parse_today)]
    meeting: NaiveDate,
    /// PDF-filen som skrives
    #[arg(long, value_name = "FIL")]
    out: PathBuf,
    /// Bare initialer i stedet for fullt navn
    #[arg(long)]
    initials: bool,
}

pub(super) fn agenda(env: &Env, opened: &mut Opened, args: &AgendaArgs) -> Result<i32, String> {
    // clap requires one of them: --next is the next meeting, as no --meeting is.
    debug_assert!(args.next != args.meeting.is_some());
    let mut ctx = opened.ctx(env);
    documents::check_destination(&ctx, &args.out).map_err(|e| e.to_string())?;
    let (_, planning) = documents::planning(&mut ctx).map_err(|e| e.to_string())?;
    let id = documents::upcoming(&planning, args.meeting).map_err(|e| e.to_string())?;
    let options = PrintOptions {
        initials_only: args.initials,
        printed_at: env.now,
    };
    let paper = documents::agenda(ctx.store, ctx.settings, &planning, id, options)
        .map_err(|e| e.to_string())?;
    let saved = documents::save(&mut ctx, &paper.doc, Destination::File(&args.out))
        .map_err(|e| e.to_string())?;
    say_unlogged(saved);
    let view = planning.find(id).ok_or("møtet forsvant")?;
    let state = if view.plan.stored {
        "lagret agenda"
    } else {
        "forslag, ikke lagret"
    };
    println!(
        "Skrev agendaen for {} ({} henvisninger, {} må behandles; {state}) til {}",
        paper.printed.date_text,
        view.plan.items.len(),
        view.plan.must,
        args.out.display()
    );
    if let Some(text) = view.plan.overload_text() {
        println!("Advarsel: {text}. Vurder et ekstramøte.");
    }
    if paper.printed.left_out_must > 0 {
        println!(
            "Advarsel: {} til må behandles – planlegg ekstra møter. Agendaen viser de {} første.",
            paper.printed.left_out_must,
            paper.printed.items.len()
        );
    }
    Ok(0)
}

pub(super) fn minutes(env: &Env, opened: &mut Opened, args: &MinutesArgs) -> Result<i32, String> {
    let mut ctx = opened.ctx(env);
    documents::check_destination(&ctx, &args.out).map_err(|e| e.to_string())?;
    let found = documents::meeting_on(ctx.store, args.meeting).map_err(|e| e.to_string())?;
    let options = PrintOptions {
        initials_only: args.initials,
        printed_at: env.now,
    };
    let paper = documents::minutes(ctx.store, ctx.settings, found.id, options)
        .map_err(|e| e.to_string())?;
    let saved = documents::save(&mut ctx, &paper.doc, Destination::File(&args.out))
        .map_err(|e| e.to_string())?;
    say_unlogged(saved);
    println!(
        "Skrev referatet for {} ({}) til {}",
        paper.printed.date_text,
        paper.printed.notice,
        args.out.display()
    );
    Ok(0)
}
