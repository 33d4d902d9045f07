//! `inntak demo`: fills the database with fictitious referrals.

use super::{Env, Opened};
use crate::demo;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Antall henvisninger
    #[arg(long, default_value_t = demo::DEFAULT_REFERRALS)]
    referrals: usize,
    /// Frø for tilfeldige data (samme frø gir samme data)
    #[arg(long, default_value_t = demo::DEFAULT_SEED)]
    seed: u64,
}

pub(super) fn exec(env: &Env, opened: &mut Opened, args: &Args) -> Result<i32, String> {
    let n = crate::ops::demo::fill(&mut opened.ctx(env), args.referrals, args.seed)
        .map_err(|e| e.to_string())?;
    println!("La inn {n} fiktive henvisninger i {}", env.path.display());
    Ok(0)
}
