//! `inntak fristbrudd`: breaches and expected breaches as CSV, for the report to Helfo.

use super::{Env, Opened, say_unlogged};
use crate::domain::decision::BreachStatus;
use crate::ops::documents::{self, Destination};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Utfil (standard: skjermen)
    #[arg(long, value_name = "FIL")]
    out: Option<PathBuf>,
}

pub(super) fn exec(env: &Env, opened: &mut Opened, args: &Args) -> Result<i32, String> {
    let today = env.today();
    let mut ctx = opened.ctx(env);
    let lists = crate::model::follow_ups(ctx.store, today).map_err(|e| e.to_string())?;
    let doc = documents::breaches(&lists, today).map_err(|e| e.to_string())?;
    let to = args
        .out
        .as_deref()
        .map_or(Destination::Terminal, Destination::File);
    say_unlogged(documents::save(&mut ctx, &doc, to).map_err(|e| e.to_string())?);
    eprintln!(
        "{} fristbrudd og {} forventede fristbrudd per {}",
        lists.count(BreachStatus::Breached),
        lists.count(BreachStatus::Expected),
        crate::calendar::format_date(today)
    );
    Ok(0)
}
