//! `inntak port --db FIL --to URL`: the clinic's file moved to an empty server database.

use super::*;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Den tomme serverdatabasen, som eieren: postgres://eier@vert:5432/inntak?sslmode=verify-full&sslrootcert=ca.crt
    /// (passordet fra INNTAK_SERVER_PASSWORD)
    #[arg(long, value_name = "URL")]
    pub to: String,
}

pub(super) fn exec(opened: &Opened, args: &Args) -> Result<i32, String> {
    let url = crate::store::server::ServerUrl::parse(
        &args.to,
        server::server_password_from_env().as_deref(),
    )
    .map_err(|e| e.to_string())?;
    let ported = crate::ops::port::port(&opened.store, &url)?;
    let rows: i64 = ported.tables.iter().map(|(_, n)| n).sum();
    println!(
        "Flyttet «{}» til «{}»: {} rader i {} tabeller, kontrollert tabell for tabell; \
         endringsloggen er hel ({} rader, den siste er flyttingen). Databasefilen er ikke endret.",
        opened.store.path().display(),
        url.shown,
        crate::domain::thousands(rows as usize),
        ported.tables.len(),
        crate::domain::thousands(ported.chained),
    );
    for (table, n) in &ported.tables {
        println!("  {table}: {n}");
    }
    Ok(0)
}
