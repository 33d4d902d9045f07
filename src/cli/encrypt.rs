//! `inntak encrypt` and `inntak passphrase`: the file rewritten under a (new) passphrase.

use super::{Cli, Env, NEW_PASSPHRASE_ENV, new_passphrase};
use crate::ops::encryption::{self, Purpose};
use crate::store::cipher::{self, Unlock};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct PassphraseArgs {
    /// Fil med det nye passordet (ellers INNTAK_NEW_PASSPHRASE eller spurt om)
    #[arg(long, value_name = "FIL")]
    new_passphrase_file: Option<PathBuf>,
}

pub(super) fn encrypt(cli: &Cli, env: &Env) -> Result<i32, String> {
    let new = new_passphrase(cli.passphrase_file.as_deref(), cipher::PASSPHRASE_ENV)?;
    let done = encryption::reencrypt(
        &env.path,
        &Unlock::none(),
        &new,
        Purpose::Encrypt,
        env.change(),
    )?;
    println!(
        "«{}» er kryptert ({} henvisninger, {} tabeller kontrollert). Den ukrypterte filen er \
         erstattet. Sikkerhetskopier tatt før nå er fortsatt ukrypterte: slett dem eller ta vare \
         på dem innelåst.",
        env.path.display(),
        crate::store::count_in(&done.tables, "referrals"),
        done.tables.len()
    );
    Ok(0)
}

pub(super) fn passphrase(env: &Env, args: &PassphraseArgs) -> Result<i32, String> {
    if env.unlock.is_empty() {
        return Err(format!(
            "Oppgi det nåværende passordet til «{}» (--passphrase-file eller \
             INNTAK_PASSPHRASE). Ingenting er endret.",
            env.path.display()
        ));
    }
    let new = new_passphrase(args.new_passphrase_file.as_deref(), NEW_PASSPHRASE_ENV)?;
    let done = encryption::reencrypt(
        &env.path,
        &env.unlock,
        &new,
        Purpose::NewPassphrase,
        env.change(),
    )?;
    let remembered = crate::vault::replace_if_remembered(&env.path, &done.key);
    println!(
        "Passordet til «{}» er byttet ({} henvisninger kontrollert).{}",
        env.path.display(),
        crate::store::count_in(&done.tables, "referrals"),
        if remembered {
            " Nøkkelen som er husket på denne maskinen, er oppdatert."
        } else {
            ""
        }
    );
    Ok(0)
}
