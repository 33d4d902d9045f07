//! `inntak backup` and `inntak restore`.

use super::{Env, Opened};
use crate::ops::backup::RestoreError;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Kopifilen (standard: sikkerhetskopimappen, inntak-ÅÅÅÅ-MM-DD-TTMM.sqlite3)
    #[arg(long, value_name = "FIL")]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// Sikkerhetskopien som skal brukes
    #[arg(long, value_name = "FIL")]
    from: PathBuf,
}

pub(super) fn backup(env: &Env, opened: &mut Opened, args: &BackupArgs) -> Result<i32, String> {
    let done = crate::ops::backup::backup_now(&mut opened.ctx(env), args.out.as_deref())?;
    if let Some(e) = done.unlogged {
        eprintln!("Merk: sikkerhetskopien er skrevet, men kunne ikke føres i endringsloggen: {e}");
    }
    let copied = done.copied;
    println!(
        "Sikkerhetskopi skrevet og kontrollert: {} ({} henvisninger, {} tabeller, {:.1} MB)",
        copied.path.display(),
        copied.referrals(),
        copied.tables.len(),
        copied.bytes as f64 / 1_048_576.0
    );
    Ok(0)
}

/// Replaces the database with a checked backup, keeping the replaced file; opens the result
/// as the app will (upgrading an older backup) before saying it is done.
pub(super) fn restore(env: &Env, args: &RestoreArgs) -> Result<i32, String> {
    let from = &args.from;
    let key = crate::ops::backup::backup_key(from, &env.unlock).map_err(|e| e.to_string())?;
    let done = crate::ops::backup::restore(
        &env.path,
        from,
        key,
        &env.unlock,
        crate::store::OpenOptions::EXISTING,
        env.change(),
    )
    .map_err(|e: RestoreError| e.to_string())?;
    if let Some(e) = done.unlogged {
        eprintln!("Merk: gjenopprettingen kunne ikke føres i endringsloggen: {e}");
    }
    println!(
        "Gjenopprettet {} fra {} ({} henvisninger, {} tabeller kontrollert).",
        env.path.display(),
        from.display(),
        done.restored.copied.referrals(),
        done.restored.copied.tables.len()
    );
    if let Some(kept) = &done.restored.kept {
        println!(
            "Databasen som ble erstattet, er tatt vare på som {}",
            kept.display()
        );
    }
    Ok(0)
}
