//! The command line: the window by default, and one command per file below this one. Each
//! command file parses its arguments (`Args`) and calls one operation in [`crate::ops`];
//! [`run`] only opens the database the way the command needs and dispatches.

mod agenda;
mod audit;
mod backup;
mod demo;
mod encrypt;
mod export;
mod fristbrudd;
mod import;
mod letters;
mod port;
mod reply;
mod server;
mod stats;
mod verify;

use crate::calendar::parse_date;
use crate::clock::Clock;
use crate::domain::settings::ClinicSettings;
use crate::files::Protected;
use crate::ops::Ctx;
use crate::store::cipher::{self, FileKind, Passphrase, Unlock};
use crate::store::referrals::Change;
use crate::store::{OpenOptions, Store, settings};
use chrono::{NaiveDate, NaiveDateTime};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

/// The environment variable `inntak passphrase` reads the new passphrase from.
pub const NEW_PASSPHRASE_ENV: &str = "INNTAK_NEW_PASSPHRASE";

/// How many invalid lines (or findings) a command prints before it only counts the rest.
const MAX_ERRORS_PRINTED: usize = 100;

#[derive(Debug, Parser)]
#[command(
    name = "inntak",
    version,
    about = "Inntak: inntaksmøtet i smerteklinikken"
)]
pub struct Cli {
    /// Databasefil (standard: Inntak-mappen i brukerens datamappe)
    #[arg(long, global = true, value_name = "FIL", conflicts_with = "server")]
    pub db: Option<PathBuf>,
    /// Klinikkens server i stedet for en fil: postgres://bruker@vert:5432/inntak (passordet
    /// fra INNTAK_SERVER_PASSWORD eller --server-password-file)
    #[arg(long, global = true, value_name = "URL", env = "INNTAK_SERVER")]
    pub server: Option<String>,
    /// Fil med passordet til serveren (første linje)
    #[arg(long, global = true, value_name = "FIL")]
    pub server_password_file: Option<PathBuf>,
    /// Fast dato for «i dag» (åååå-mm-dd eller dd.mm.åååå), for demo og test
    #[arg(long, global = true, value_name = "DATO", value_parser = parse_today)]
    pub today: Option<NaiveDate>,
    /// Navnet som føres i endringsloggen (standard: innlogget bruker)
    #[arg(long, global = true, value_name = "NAVN")]
    pub user: Option<String>,
    /// Fil med passordet til en kryptert database (første linje); ellers INNTAK_PASSPHRASE
    #[arg(long, global = true, value_name = "FIL")]
    pub passphrase_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fyll databasen med fiktive henvisninger
    Demo(demo::Args),
    /// Importer henvisninger fra CSV (; eller ,; UTF-8 eller Windows-1252) eller regneark
    /// (.xlsx, .xls, .ods)
    Import(import::Args),
    /// Skriv ut agendaen for et inntaksmøte som PDF (A4)
    Agenda(agenda::AgendaArgs),
    /// Skriv ut referatet fra et inntaksmøte som PDF (A4)
    Minutes(agenda::MinutesArgs),
    /// Skriv ut brevene etter et møte (til pasient og henviser) som én PDF, eller varsel om
    /// fristbrudd (til pasienten, og arket til Helfos skjema) for én henvisning
    Letters(letters::Args),
    /// Skriv elektroniske svar (Dialogmelding «Status på henvisning») til henviserens
    /// system for et møtes avgjørelser eller én henvisning, én fil per henvisning
    Reply(reply::Args),
    /// Statistikk for et år, en tertial, en måned eller en periode, mot samme periode året før
    Stats(stats::Args),
    /// Eksporter fristbrudd og forventede fristbrudd som CSV (til melding til Helfo)
    Fristbrudd(fristbrudd::Args),
    /// Eksporter alle henvisninger som CSV (; og UTF-8). Ikke en sikkerhetskopi: bruk «backup»
    Export(export::Args),
    /// Ta en kontrollert sikkerhetskopi av hele databasen (også mens vinduet er åpent)
    Backup(backup::BackupArgs),
    /// Erstatt databasen med en sikkerhetskopi (den gamle filen tas vare på)
    Restore(backup::RestoreArgs),
    /// Kontroller databasefilen og at endringsloggen er hel (ingen rad endret eller slettet)
    Verify,
    /// Krypter en ukryptert database (passordet fra --passphrase-file, INNTAK_PASSPHRASE
    /// eller spurt om i terminalen)
    Encrypt,
    /// Bytt passordet til en kryptert database
    Passphrase(encrypt::PassphraseArgs),
    /// Vis endringsloggen (hvem gjorde og så hva, når) for IT
    Audit(audit::Args),
    /// Klinikkens server (PostgreSQL): sett opp databasen og gi brukere tilgang
    Server(server::Args),
    /// Flytt en databasefil (--db) til en tom database på klinikkens server, med alle
    /// tabeller og endringsloggen, kontrollert etterpå
    Port(port::Args),
}

impl Command {
    /// How the command opens the database: only `demo` and `import` may make a new file.
    /// Commands that read and at most log what they printed or exported open the file without
    /// the full integrity check, which waits for their first write (the access-log row, or
    /// the agenda's schedule). `verify` runs the full integrity_check itself; backups copy
    /// only a file that passed the check.
    fn open_options(&self) -> OpenOptions {
        match self {
            Command::Demo(_) | Command::Import(_) => OpenOptions::CREATE,
            Command::Stats(_)
            | Command::Export(_)
            | Command::Fristbrudd(_)
            | Command::Agenda(_)
            | Command::Minutes(_)
            | Command::Audit(_) => OpenOptions::READ,
            Command::Letters(_)
            | Command::Reply(_)
            | Command::Server(_)
            | Command::Port(_)
            | Command::Backup(_)
            | Command::Restore(_)
            | Command::Verify
            | Command::Encrypt
            | Command::Passphrase(_) => OpenOptions::EXISTING,
        }
    }
}

pub(crate) fn parse_recipient(text: &str) -> Result<crate::domain::letter::Recipient, String> {
    use crate::domain::letter::Recipient;
    match text.trim().to_lowercase().as_str() {
        "patient" | "pasient" => Ok(Recipient::Patient),
        "referrer" | "henviser" => Ok(Recipient::Referrer),
        other => Err(format!(
            "«{other}» er ukjent: bruk patient (pasient) eller referrer (henviser)"
        )),
    }
}

pub(crate) fn parse_today(text: &str) -> Result<NaiveDate, String> {
    parse_date(text)
        .ok_or_else(|| format!("«{text}» er ikke en dato (åååå-mm-dd eller dd.mm.åååå)"))
}

/// The default database: `<data dir>/Inntak/inntak.sqlite3`.
pub fn default_db_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("no", "Inntak", "Inntak")
        .map(|dirs| dirs.data_dir().join("inntak.sqlite3"))
}

/// The audit trail's "who": `--user`, else the login name.
pub fn actor(cli_user: Option<&str>) -> String {
    cli_user
        .map(str::to_string)
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "ukjent".into())
}

impl Cli {
    /// The clinic's server (`--server`), with its password from `--server-password-file`,
    /// `INNTAK_SERVER_PASSWORD`, or else `remembered` (the window asks the OS credential
    /// store with the URL as shown); `--user` is refused there. `None` without `--server`.
    pub fn server_url(
        &self,
        remembered: impl FnOnce(&str) -> Option<String>,
    ) -> Result<Option<crate::store::server::ServerUrl>, String> {
        let Some(url) = &self.server else {
            return Ok(None);
        };
        if self.user.is_some() {
            return Err(
                "--user kan ikke brukes mot klinikkens server: endringsloggen fører den \
                 som er logget inn på serveren. Ingenting er gjort."
                    .into(),
            );
        }
        let password = match &self.server_password_file {
            Some(file) => Some(Passphrase::from_file(file)?.expose().to_string()),
            None => server::server_password_from_env()
                .or_else(|| remembered(&crate::store::server::redact(url))),
        };
        crate::store::server::ServerUrl::parse(url, password.as_deref())
            .map(Some)
            .map_err(|e| e.to_string())
    }

    pub fn db_path(&self) -> Result<PathBuf, String> {
        self.db
            .clone()
            .or_else(default_db_path)
            .ok_or_else(|| "Fant ingen datamappe for databasen; oppgi en fil med --db".to_string())
    }

    pub fn clock(&self) -> Clock {
        Clock::from_option(self.today)
    }

    /// The passphrase for an encrypted database: `--passphrase-file`, else
    /// `INNTAK_PASSPHRASE`; neither means a plain database (or a refusal of an encrypted one).
    pub fn unlock(&self) -> Result<Unlock, String> {
        if let Some(file) = &self.passphrase_file {
            return Passphrase::from_file(file).map(Unlock::passphrase);
        }
        Ok(passphrase_from_env(cipher::PASSPHRASE_ENV)
            .map(Unlock::passphrase)
            .unwrap_or_default())
    }
}

fn passphrase_from_env(name: &str) -> Option<Passphrase> {
    std::env::var(name)
        .ok()
        .filter(|p| !p.is_empty())
        .map(Passphrase::new)
}

/// A new passphrase: from `file`, the environment variable `env`, or asked twice on the
/// terminal (not echoed).
pub(crate) fn new_passphrase(file: Option<&Path>, env: &str) -> Result<Passphrase, String> {
    if let Some(file) = file {
        return Passphrase::from_file(file);
    }
    if let Some(p) = passphrase_from_env(env) {
        return Ok(p);
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map(Passphrase::new)
            .map_err(|e| {
                format!(
                    "Fant ikke noe passord: oppgi det med --passphrase-file FIL, i {env}, eller \
                     skriv det i en terminal ({e})."
                )
            })
    };
    eprintln!(
        "Velg et passord på minst {} tegn. Mister dere passordet, kan dataene ikke leses igjen: \
         oppbevar en forseglet kopi av det, og ta sikkerhetskopier.",
        cipher::MIN_PASSPHRASE_CHARS
    );
    let first = ask("Nytt passord: ")?;
    let second = ask("Gjenta passordet: ")?;
    cipher::check_new(first.expose(), second.expose()).map_err(str::to_string)?;
    eprintln!("{}", cipher::strength(first.expose()).hint());
    Ok(first)
}

/// Runs a command (not the window). Returns the process exit code; messages go to the
/// terminal, never patient data to a log.
pub fn run_command(cli: &Cli, command: &Command) -> i32 {
    match run(cli, command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("Feil: {}", terminal_text(&message));
            1
        }
    }
}

/// A message as it may go to the terminal: line by line, no raw control characters.
pub fn terminal_text(message: &str) -> String {
    message
        .lines()
        .map(crate::files::clean_for_terminal)
        .collect::<Vec<_>>()
        .join("\n")
}

/// What every command has before the database is opened: the file, the clock, who acts (and
/// when: one instant for the whole command), and how to unlock the file.
pub(crate) struct Env {
    pub path: PathBuf,
    /// The clinic's server, in place of the file (`--server`).
    pub server: Option<crate::store::server::ServerUrl>,
    pub clock: Clock,
    pub actor: String,
    pub now: NaiveDateTime,
    pub unlock: Unlock,
}

impl Env {
    fn new(cli: &Cli) -> Result<Self, String> {
        let clock = cli.clock();
        let server = cli.server_url(|_| None)?;
        Ok(Self {
            path: match &server {
                Some(url) => PathBuf::from(&url.shown),
                None => cli.db_path()?,
            },
            server,
            clock,
            actor: actor(cli.user.as_deref()),
            now: clock.now(),
            unlock: cli.unlock()?,
        })
    }

    pub fn change(&self) -> Change<'_> {
        Change {
            actor: &self.actor,
            at: self.now,
        }
    }

    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// Opens the database for a command (see [`Command::open_options`]), says when a new
    /// file is made unencrypted, and loads the clinic's settings.
    fn open(&self, options: OpenOptions) -> Result<Opened, String> {
        if let Some(url) = &self.server {
            let store = Store::open_server(url).map_err(|e| e.to_string())?;
            let settings = settings::load(store.conn()).map_err(|e| e.to_string())?;
            let login = store.login().map(str::to_string);
            return Ok(Opened {
                store,
                settings,
                login,
            });
        }
        let path = &self.path;
        let new_file = cipher::file_kind(path).is_ok_and(|k| k == FileKind::New);
        if new_file
            && options.create
            && let Some(p) = &self.unlock.passphrase
        {
            cipher::check_new(p.expose(), p.expose())
                .map_err(|e| format!("{e} Ingen fil er laget."))?;
        }
        let store = Store::open_keyed(path, options, &self.unlock).map_err(|e| e.to_string())?;
        if new_file && !store.is_encrypted() {
            eprintln!(
                "Merk: «{}» er laget UKRYPTERT (ingen INNTAK_PASSPHRASE eller --passphrase-file). \
                 Bruk den bare til demo og test, eller krypter den med «inntak encrypt» før den \
                 får ekte pasientdata.",
                path.display()
            );
        }
        let settings = settings::load(store.conn()).map_err(|e| e.to_string())?;
        Ok(Opened {
            store,
            settings,
            login: None,
        })
    }
}

/// An opened database and the clinic's settings in it.
pub(crate) struct Opened {
    pub store: Store,
    pub settings: ClinicSettings,
    /// On the server: the authenticated login, the audit log's "who".
    pub login: Option<String>,
}

impl Opened {
    /// The operations' context for this command.
    pub fn ctx<'a>(&'a mut self, env: &'a Env) -> Ctx<'a> {
        let change = Change {
            actor: self.login.as_deref().unwrap_or(&env.actor),
            at: env.now,
        };
        Ctx {
            store: &mut self.store,
            settings: &self.settings,
            change,
        }
    }

    /// Who acts: on the server the authenticated login, on a file `--user` or the OS user.
    pub fn change<'a>(&'a self, env: &'a Env) -> Change<'a> {
        Change {
            actor: self.login.as_deref().unwrap_or(&env.actor),
            at: env.now,
        }
    }

    /// What no output may be written over: the database and its side files.
    pub fn protected(&self) -> Protected {
        Protected::none().database(self.store.path())
    }
}

fn run(cli: &Cli, command: &Command) -> Result<i32, String> {
    if let Command::Server(args) = command {
        return server::exec(args);
    }
    let env = Env::new(cli)?;
    if env.server.is_some()
        && matches!(
            command,
            Command::Restore(_)
                | Command::Encrypt
                | Command::Passphrase(_)
                | Command::Backup(_)
                | Command::Port(_)
        )
    {
        return Err(format!(
            "{} Kommandoen gjelder en databasefil; ingenting er gjort.",
            crate::ops::backup::SERVER_BACKUP
        ));
    }
    // What an interrupted restore or re-encryption left beside the file is cleared away.
    let tidied = crate::store::replace::tidy(&env.path);
    if !tidied.removed.is_empty() {
        for notice in tidied.notices(&env.path).iter().take(1) {
            eprintln!("Merk: {}", terminal_text(notice));
        }
    }
    // Before another restore, and in a check, the databases earlier restores replaced are
    // named: they may hold referrals the current file lacks.
    if matches!(command, Command::Restore(_) | Command::Verify) {
        for kept in &tidied.kept {
            eprintln!(
                "Merk: {}",
                terminal_text(&crate::store::replace::kept_notice(kept))
            );
        }
    }
    let open = || env.open(command.open_options());
    match command {
        // These replace the file as a whole: they open it themselves.
        Command::Restore(args) => backup::restore(&env, args),
        Command::Encrypt => encrypt::encrypt(cli, &env),
        Command::Passphrase(args) => encrypt::passphrase(&env, args),
        Command::Verify => verify::exec(&open()?),
        Command::Audit(args) => audit::exec(&open()?, args),
        Command::Backup(args) => backup::backup(&env, &mut open()?, args),
        Command::Demo(args) => demo::exec(&env, &mut open()?, args),
        Command::Import(args) => import::exec(&env, &mut open()?, args),
        Command::Agenda(args) => agenda::agenda(&env, &mut open()?, args),
        Command::Minutes(args) => agenda::minutes(&env, &mut open()?, args),
        Command::Reply(args) => reply::exec(&env, &mut open()?, args),
        Command::Letters(args) => letters::exec(&env, &mut open()?, args),
        Command::Stats(args) => stats::exec(&env, &mut open()?, args),
        Command::Fristbrudd(args) => fristbrudd::exec(&env, &mut open()?, args),
        Command::Export(args) => export::exec(&env, &mut open()?, args),
        Command::Server(args) => server::exec(args),
        Command::Port(args) => port::exec(&open()?, args),
    }
}

/// Writes a saved output's note when the database could not take its access-log row.
fn say_unlogged(saved: crate::ops::documents::Saved) {
    if !saved.logged {
        eprintln!("Merk: dette er ikke ført i endringsloggen, fordi databasen er skrivebeskyttet.");
    }
}
