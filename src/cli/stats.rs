//! `inntak stats`: the clinic's statistics for a period, as the region reports them.

use super::{Env, Opened, parse_today, say_unlogged};
use crate::ops::documents::{self, Destination};
use crate::stats::Period;
use chrono::NaiveDate;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// År (åååå)
    #[arg(long, required_unless_present = "from")]
    year: Option<i32>,
    /// Tertial 1 (jan–apr), 2 (mai–aug) eller 3 (sep–des)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3), conflicts_with_all = ["month", "from"])]
    tertial: Option<u32>,
    /// Fra 1. januar til og med tertialen («pr. 2. tertial» som i de regionale rapportene)
    #[arg(long, requires = "tertial")]
    cumulative: bool,
    /// Måned 1–12
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=12), conflicts_with = "from")]
    month: Option<u32>,
    /// Fra og med dato (åååå-mm-dd eller dd.mm.åååå)
    #[arg(long, value_name = "DATO", value_parser = parse_today, requires = "to", conflicts_with = "year")]
    from: Option<NaiveDate>,
    /// Til og med dato
    #[arg(long, value_name = "DATO", value_parser = parse_today, requires = "from")]
    to: Option<NaiveDate>,
    /// Ikke sammenlign med samme periode året før
    #[arg(long)]
    no_compare: bool,
    /// CSV med ; (UTF-8) i stedet for tabell
    #[arg(long)]
    csv: bool,
    /// Utfil (standard: skjermen)
    #[arg(long, value_name = "FIL")]
    out: Option<PathBuf>,
}

impl Args {
    fn period(&self) -> Result<Period, String> {
        Ok(
            match (self.year, self.tertial, self.month, self.from, self.to) {
                (_, _, _, Some(from), Some(to)) => Period::Range(from, to),
                (Some(y), Some(t), _, _, _) if self.cumulative => Period::YearToTertial(y, t),
                (Some(y), Some(t), _, _, _) => Period::Tertial(y, t),
                (Some(y), None, Some(m), _, _) => Period::Month(y, m),
                (Some(y), _, _, _, _) => Period::Year(y),
                _ => return Err("Oppgi --year, eller --from og --to".into()),
            },
        )
    }
}

pub(super) fn exec(env: &Env, opened: &mut Opened, args: &Args) -> Result<i32, String> {
    let period = args.period()?;
    if period.bounds().is_none() {
        return Err(format!(
            "Ugyldig periode: {} (--from må være før --to)",
            period.label_nb()
        ));
    }
    let mut ctx = opened.ctx(env);
    let rule = ctx.settings.working_day_rule();
    let report =
        crate::model::stats_report(ctx.store, period, !args.no_compare, rule, env.today())?;
    let doc = documents::stats(&report, args.csv).map_err(|e| e.to_string())?;
    if args.csv || args.out.is_some() {
        let to = args
            .out
            .as_deref()
            .map_or(Destination::Terminal, Destination::File);
        say_unlogged(documents::save(&mut ctx, &doc, to).map_err(|e| e.to_string())?);
    } else {
        documents::write_unlogged(None, &doc.bytes, &opened.protected())?;
    }
    Ok(0)
}
