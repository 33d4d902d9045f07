//! `inntak export`: every referral as CSV (not a backup).

use super::{Env, Opened, say_unlogged};
use crate::ops::documents::{self, Destination};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Utfil (standard: skjermen)
    #[arg(long, value_name = "FIL")]
    out: Option<PathBuf>,
}

pub(super) fn exec(env: &Env, opened: &mut Opened, args: &Args) -> Result<i32, String> {
    let mut ctx = opened.ctx(env);
    if let Some(file) = &args.out {
        documents::check_destination(&ctx, file).map_err(|e| e.to_string())?;
    }
    let doc = documents::referrals_csv(&ctx).map_err(|e| e.to_string())?;
    let to = args
        .out
        .as_deref()
        .map_or(Destination::Terminal, Destination::File);
    say_unlogged(documents::save(&mut ctx, &doc, to).map_err(|e| e.to_string())?);
    if let Some(file) = &args.out {
        eprintln!("Skrev {} henvisninger til {}", doc.rows, file.display());
    }
    Ok(0)
}
