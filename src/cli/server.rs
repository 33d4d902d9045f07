//! `inntak server …`: what the clinic's IT runs on the PostgreSQL server.

use super::*;
use crate::store::server::{self, Role, ServerUrl};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Sett opp Inntak i en tom database på serveren: skjemaet, rollene inntak_leder,
    /// inntak_medlem og inntak_lesing, og det første teamet (kjøres igjen etter en
    /// oppdatering av Inntak)
    Init(InitArgs),
    /// Gi en kliniker sin egen innlogging med en rolle (leder, medlem eller lesing)
    AddUser(AddUserArgs),
    /// Vis hvem som har en Inntak-rolle på serveren
    Users(UrlArgs),
    /// Vis teamene, hvem som er med i hvert, og hvor mange henvisninger hvert har
    Teams(UrlArgs),
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// Navnet på det første teamet (standard: Inntaksteamet)
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct UrlArgs {
    /// Serveradressen, som eieren av databasen: postgres://eier@vert:5432/inntak?sslmode=verify-full&sslrootcert=ca.crt
    #[arg(long, value_name = "URL")]
    pub url: String,
}

#[derive(Debug, clap::Args)]
pub struct AddUserArgs {
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// Brukernavnet (små bokstaver, tall, _ og .)
    #[arg(long, value_name = "NAVN")]
    pub name: String,
    /// Teamet brukeren hører til (lages om det er nytt); brukeren ser bare teamets henvisninger
    #[arg(long, value_name = "TEAM")]
    pub team: String,
    /// leder, medlem eller lesing
    #[arg(long, value_name = "ROLLE", value_parser = parse_role)]
    pub role: Role,
    /// Fil med brukerens passord (første linje); aldri på kommandolinjen
    #[arg(long, value_name = "FIL")]
    pub password_file: PathBuf,
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text)
        .ok_or_else(|| format!("«{text}» er ingen rolle: bruk leder, medlem eller lesing"))
}

/// The owner's URL with the password from `INNTAK_SERVER_PASSWORD`, if set.
fn owner_url(url: &str) -> Result<ServerUrl, String> {
    ServerUrl::parse(url, server_password_from_env().as_deref()).map_err(|e| e.to_string())
}

pub(crate) fn exec(args: &Args) -> Result<i32, String> {
    match &args.action {
        Action::Init(a) => {
            let url = owner_url(&a.url)?;
            let done = server::init(&url, a.team.as_deref()).map_err(|e| e.to_string())?;
            if done.created_schema {
                println!(
                    "Inntak er satt opp i «{}» (skjemaversjon {}), med rollene inntak_leder, \
                     inntak_medlem og inntak_lesing. Legg til brukere med «inntak server add-user».",
                    url.shown, done.version
                );
            } else {
                println!(
                    "«{}» hadde Inntak fra før; skjemaet er på versjon {} og rettighetene er gitt på nytt.",
                    url.shown, done.version
                );
            }
            Ok(0)
        }
        Action::AddUser(a) => {
            let url = owner_url(&a.url)?;
            let password = Passphrase::from_file(&a.password_file)?;
            if password.expose().chars().count() < 12 {
                return Err("Passordet må ha minst 12 tegn. Ingen bruker er endret.".into());
            }
            server::add_user(&url, &a.name, &a.team, a.role, password.expose())
                .map_err(|e| e.to_string())?;
            println!(
                "«{}» kan nå logge inn på «{}» med rollen {} i teamet «{}».",
                a.name,
                url.shown,
                a.role.name(),
                a.team.trim()
            );
            Ok(0)
        }
        Action::Users(a) => {
            let url = owner_url(&a.url)?;
            let users = server::users(&url).map_err(|e| e.to_string())?;
            if users.is_empty() {
                println!("Ingen brukere har en Inntak-rolle ennå.");
            }
            for (name, role) in users {
                println!("{name}\t{}", role.name());
            }
            Ok(0)
        }
        Action::Teams(a) => {
            let url = owner_url(&a.url)?;
            for team in server::teams(&url).map_err(|e| e.to_string())? {
                println!(
                    "{} ({} henvisninger)",
                    team.name,
                    crate::domain::thousands(team.referrals as usize)
                );
                if team.logins.is_empty() {
                    println!("  (ingen brukere ennå)");
                }
                for (login, role) in team.logins {
                    println!(
                        "  {login}\t{}",
                        role.map_or("uten Inntak-rolle", Role::name)
                    );
                }
            }
            Ok(0)
        }
    }
}

/// The server password from `INNTAK_SERVER_PASSWORD` (never from the command line).
pub(crate) fn server_password_from_env() -> Option<String> {
    std::env::var("INNTAK_SERVER_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
}
