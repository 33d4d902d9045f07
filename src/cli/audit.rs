//! `inntak audit`: the audit log for IT, as a table or CSV.

use super::{Opened, parse_today};
use chrono::NaiveDate;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Fra og med dato
    #[arg(long, value_name = "DATO", value_parser = parse_today)]
    from: Option<NaiveDate>,
    /// Til og med dato
    #[arg(long, value_name = "DATO", value_parser = parse_today)]
    to: Option<NaiveDate>,
    /// Bare denne brukeren
    #[arg(long = "actor", value_name = "NAVN")]
    actor: Option<String>,
    /// Bare hendelser for denne henvisningen (id): hvem har endret, skrevet ut eller lest den
    #[arg(long, value_name = "ID")]
    referral: Option<i64>,
    /// CSV med ; (UTF-8) i stedet for tabell
    #[arg(long)]
    csv: bool,
    /// Utfil (standard: skjermen)
    #[arg(long, value_name = "FIL")]
    out: Option<PathBuf>,
}

pub(super) fn exec(opened: &Opened, args: &Args) -> Result<i32, String> {
    let mut rows =
        crate::ops::backup::audit_rows(&opened.store, args.from, args.to, args.actor.as_deref())
            .map_err(|e| e.to_string())?;
    if let Some(id) = args.referral {
        rows.retain(|r| r.entity == "referral" && r.entity_id == Some(id));
    }
    let bytes = crate::ops::backup::audit_listing(&rows, args.csv).map_err(|e| e.to_string())?;
    crate::ops::documents::write_unlogged(args.out.as_deref(), &bytes, &opened.protected())?;
    Ok(0)
}
