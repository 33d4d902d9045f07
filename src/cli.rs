//! The command line: the window by default, and the `demo`, `import` and `export` commands.

use crate::agenda::pdf;
use crate::calendar::parse_date;
use crate::clock::Clock;
use crate::csvio::{self, ImportOptions};
use crate::demo;
use crate::encryption::{self, Purpose};
use crate::files;
use crate::files::Protected;
use crate::planning;
use crate::store::audit::OutputLog;
use crate::store::backup::{self, Source};
use crate::store::cipher::{self, FileKind, Passphrase, Unlock};
use crate::store::referrals::Change;
use crate::store::{OpenOptions, Store, audit, meetings, settings};

/// The environment variable `inntak passphrase` reads the new passphrase from.
pub const NEW_PASSPHRASE_ENV: &str = "INNTAK_NEW_PASSPHRASE";
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "inntak",
    version,
    about = "Inntak: inntaksmøtet i smerteklinikken"
)]
pub struct Cli {
    /// Databasefil (standard: Inntak-mappen i brukerens datamappe)
    #[arg(long, global = true, value_name = "FIL")]
    pub db: Option<PathBuf>,
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
    Demo {
        /// Antall henvisninger
        #[arg(long, default_value_t = demo::DEFAULT_REFERRALS)]
        referrals: usize,
        /// Frø for tilfeldige data (samme frø gir samme data)
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
    },
    /// Importer henvisninger fra CSV (; eller ,; UTF-8 eller Windows-1252) eller regneark
    /// (.xlsx, .xls, .ods)
    Import {
        /// CSV-filen eller regnearket, eller én eller flere henvisninger (.xml)
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// Mottaksdato for henvisninger fra XML (standard: i dag, eller ansiennitetsdatoen
        /// for en videresendt henvisning)
        #[arg(long, value_name = "DATO", value_parser = parse_today)]
        received: Option<NaiveDate>,
        /// Arket som leses i et regneark (standard: det første)
        #[arg(long, value_name = "NAVN")]
        sheet: Option<String>,
        /// Importer gyldige rader og skriv ugyldige til avvistfilen
        #[arg(long)]
        skip_invalid: bool,
        /// Hvor ugyldige rader skrives (standard: <fil>-avviste.csv)
        #[arg(long, value_name = "FIL")]
        rejects: Option<PathBuf>,
        /// Hopp over rader som ligner en henvisning for samme pasient (samme fødselsnummer,
        /// eller navn og fødselsår, innen 30 dager); uten valg stopper importen ved dem
        #[arg(long, conflicts_with = "import_duplicates")]
        skip_duplicates: bool,
        /// Importer også rader som ligner en henvisning for samme pasient
        #[arg(long)]
        import_duplicates: bool,
        /// Gjennomfør endringsmeldinger (ServType M) også for henvisninger som alt er avgjort
        #[arg(long)]
        confirm_changes: bool,
        /// Behold en endring eller kansellering av en ukjent henvisning som notat i stedet
        /// for å avvise importen
        #[arg(long)]
        keep_unknown_as_note: bool,
    },
    /// Skriv ut agendaen for et inntaksmøte som PDF (A4)
    Agenda {
        /// Neste planlagte møte
        #[arg(long, conflicts_with = "meeting", required_unless_present = "meeting")]
        next: bool,
        /// Møtets dato (åååå-mm-dd eller dd.mm.åååå)
        #[arg(long, value_name = "DATO", value_parser = parse_today)]
        meeting: Option<NaiveDate>,
        /// PDF-filen som skrives
        #[arg(long, value_name = "FIL")]
        out: PathBuf,
        /// Bare initialer i stedet for fullt navn (utskrifter forlater rommet)
        #[arg(long)]
        initials: bool,
    },
    /// Skriv ut referatet fra et inntaksmøte som PDF (A4)
    Minutes {
        /// Møtets dato (åååå-mm-dd eller dd.mm.åååå)
        #[arg(long, value_name = "DATO", value_parser = parse_today)]
        meeting: NaiveDate,
        /// PDF-filen som skrives
        #[arg(long, value_name = "FIL")]
        out: PathBuf,
        /// Bare initialer i stedet for fullt navn
        #[arg(long)]
        initials: bool,
    },
    /// Skriv ut brevene etter et møte (til pasient og henviser) som én PDF, eller varsel om
    /// fristbrudd (til pasienten, og arket til Helfos skjema) for én henvisning
    Letters {
        /// Møtets dato (åååå-mm-dd eller dd.mm.åååå)
        #[arg(long, value_name = "DATO", value_parser = parse_today,
              required_unless_present = "fristbrudd", conflicts_with = "fristbrudd")]
        meeting: Option<NaiveDate>,
        /// Varsel om fristbrudd for denne henvisningen (henvisnings-ID eller Inntak-nummer)
        #[arg(long, value_name = "ID", requires = "reason")]
        fristbrudd: Option<String>,
        /// Hvorfor den juridiske fristen ikke kan holdes (står i varselet og på Helfo-arket)
        #[arg(long, value_name = "TEKST")]
        reason: Option<String>,
        /// PDF-filen som skrives
        #[arg(long, value_name = "FIL")]
        out: PathBuf,
        /// Bare brevene for denne henvisningen (henvisnings-ID eller Inntak-nummer)
        #[arg(long, value_name = "ID")]
        referral: Option<String>,
        /// Bare brev til pasient eller til henviser (patient|referrer)
        #[arg(long, value_name = "MOTTAKER", value_parser = parse_recipient)]
        only: Option<crate::domain::letter::Recipient>,
        /// Merk brevene som sendt denne dagen (pasienten regnes da som informert)
        #[arg(long, value_name = "DATO", value_parser = parse_today)]
        sent: Option<NaiveDate>,
        /// Skriv ut de komplette brevene selv om noen mangler opplysninger
        #[arg(long)]
        skip_incomplete: bool,
    },
    /// Skriv elektroniske svar (Dialogmelding «Status på henvisning») til henviserens
    /// system for et møtes avgjørelser eller én henvisning, én fil per henvisning
    Reply {
        /// Møtets dato (åååå-mm-dd eller dd.mm.åååå)
        #[arg(long, value_name = "DATO", value_parser = parse_today,
              required_unless_present = "referral", conflicts_with = "referral")]
        meeting: Option<NaiveDate>,
        /// Bare denne henvisningen (henvisnings-ID eller Inntak-nummer)
        #[arg(long, value_name = "ID")]
        referral: Option<String>,
        /// Mappen svarene skrives til (standard: mappen under Innstillinger → Brev)
        #[arg(long, value_name = "MAPPE")]
        out_dir: Option<PathBuf>,
    },
    /// Statistikk for et år, en tertial, en måned eller en periode, mot samme periode året før
    Stats {
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
    },
    /// Eksporter fristbrudd og forventede fristbrudd som CSV (til melding til Helfo)
    Fristbrudd {
        /// Utfil (standard: skjermen)
        #[arg(long, value_name = "FIL")]
        out: Option<PathBuf>,
    },
    /// Eksporter alle henvisninger som CSV (; og UTF-8). Ikke en sikkerhetskopi: bruk «backup»
    Export {
        /// Utfil (standard: skjermen)
        #[arg(long, value_name = "FIL")]
        out: Option<PathBuf>,
    },
    /// Ta en kontrollert sikkerhetskopi av hele databasen (også mens vinduet er åpent)
    Backup {
        /// Kopifilen (standard: sikkerhetskopimappen, inntak-ÅÅÅÅ-MM-DD-TTMM.sqlite3)
        #[arg(long, value_name = "FIL")]
        out: Option<PathBuf>,
    },
    /// Erstatt databasen med en sikkerhetskopi (den gamle filen tas vare på)
    Restore {
        /// Sikkerhetskopien som skal brukes
        #[arg(long, value_name = "FIL")]
        from: PathBuf,
    },
    /// Kontroller databasefilen og at endringsloggen er hel (ingen rad endret eller slettet)
    Verify,
    /// Krypter en ukryptert database (passordet fra --passphrase-file, INNTAK_PASSPHRASE
    /// eller spurt om i terminalen)
    Encrypt,
    /// Bytt passordet til en kryptert database
    Passphrase {
        /// Fil med det nye passordet (ellers INNTAK_NEW_PASSPHRASE eller spurt om)
        #[arg(long, value_name = "FIL")]
        new_passphrase_file: Option<PathBuf>,
    },
    /// Vis endringsloggen (hvem gjorde og så hva, når) for IT
    Audit {
        /// Fra og med dato
        #[arg(long, value_name = "DATO", value_parser = parse_today)]
        from: Option<NaiveDate>,
        /// Til og med dato
        #[arg(long, value_name = "DATO", value_parser = parse_today)]
        to: Option<NaiveDate>,
        /// Bare denne brukeren
        #[arg(long = "actor", value_name = "NAVN")]
        actor: Option<String>,
        /// CSV med ; (UTF-8) i stedet for tabell
        #[arg(long)]
        csv: bool,
        /// Utfil (standard: skjermen)
        #[arg(long, value_name = "FIL")]
        out: Option<PathBuf>,
    },
}

impl Command {
    /// Whether the command may make a new database file; read commands never do.
    fn creates_database(&self) -> bool {
        matches!(self, Command::Demo { .. } | Command::Import { .. })
    }

    /// Commands that read and at most log what they printed or exported: they open the file
    /// without the full integrity check, which waits for their first write (the access-log
    /// row, or the agenda's schedule). `verify` runs the full integrity_check itself; backups
    /// copy only a file that passed the check.
    fn only_reads(&self) -> bool {
        matches!(
            self,
            Command::Stats { .. }
                | Command::Export { .. }
                | Command::Fristbrudd { .. }
                | Command::Agenda { .. }
                | Command::Minutes { .. }
                | Command::Audit { .. }
        )
    }
}

fn parse_recipient(text: &str) -> Result<crate::domain::letter::Recipient, String> {
    use crate::domain::letter::Recipient;
    match text.trim().to_lowercase().as_str() {
        "patient" | "pasient" => Ok(Recipient::Patient),
        "referrer" | "henviser" => Ok(Recipient::Referrer),
        other => Err(format!(
            "«{other}» er ukjent: bruk patient (pasient) eller referrer (henviser)"
        )),
    }
}

fn parse_today(text: &str) -> Result<NaiveDate, String> {
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
fn new_passphrase(file: Option<&Path>, env: &str) -> Result<Passphrase, String> {
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

fn run(cli: &Cli, command: &Command) -> Result<i32, String> {
    let path = cli.db_path()?;
    let clock = cli.clock();
    let actor = actor(cli.user.as_deref());
    let change = Change {
        actor: &actor,
        at: clock.now(),
    };
    let unlock = cli.unlock()?;
    // What an interrupted restore or re-encryption left beside the file is cleared away.
    let tidied = crate::store::replace::tidy(&path);
    if !tidied.removed.is_empty() {
        for notice in tidied.notices(&path).iter().take(1) {
            eprintln!("Merk: {}", terminal_text(notice));
        }
    }
    // Before another restore, and in a check, the databases earlier restores replaced are
    // named: they may hold referrals the current file lacks.
    if matches!(command, Command::Restore { .. } | Command::Verify) {
        for kept in &tidied.kept {
            eprintln!(
                "Merk: {}",
                terminal_text(&crate::store::replace::kept_notice(kept))
            );
        }
    }
    match command {
        Command::Restore { from } => return restore(&path, from, &unlock, change),
        Command::Encrypt => {
            let new = new_passphrase(cli.passphrase_file.as_deref(), cipher::PASSPHRASE_ENV)?;
            let done =
                encryption::reencrypt(&path, &Unlock::none(), &new, Purpose::Encrypt, change)?;
            println!(
                "«{}» er kryptert ({} henvisninger, {} tabeller kontrollert). Den ukrypterte filen \
                 er erstattet. Sikkerhetskopier tatt før nå er fortsatt ukrypterte: slett dem \
                 eller ta vare på dem innelåst.",
                path.display(),
                crate::store::count_in(&done.tables, "referrals"),
                done.tables.len()
            );
            return Ok(0);
        }
        Command::Passphrase {
            new_passphrase_file,
        } => {
            if unlock.is_empty() {
                return Err(format!(
                    "Oppgi det nåværende passordet til «{}» (--passphrase-file eller \
                     INNTAK_PASSPHRASE). Ingenting er endret.",
                    path.display()
                ));
            }
            let new = new_passphrase(new_passphrase_file.as_deref(), NEW_PASSPHRASE_ENV)?;
            let done = encryption::reencrypt(&path, &unlock, &new, Purpose::NewPassphrase, change)?;
            let remembered = crate::vault::replace_if_remembered(&path, &done.key);
            println!(
                "Passordet til «{}» er byttet ({} henvisninger kontrollert).{}",
                path.display(),
                crate::store::count_in(&done.tables, "referrals"),
                if remembered {
                    " Nøkkelen som er husket på denne maskinen, er oppdatert."
                } else {
                    ""
                }
            );
            return Ok(0);
        }
        _ => {}
    }
    let options = if command.creates_database() {
        OpenOptions::CREATE
    } else if command.only_reads() {
        OpenOptions::READ
    } else {
        OpenOptions::EXISTING
    };
    let new_file = cipher::file_kind(&path).is_ok_and(|k| k == FileKind::New);
    if new_file
        && options.create
        && let Some(p) = &unlock.passphrase
    {
        cipher::check_new(p.expose(), p.expose())
            .map_err(|e| format!("{e} Ingen fil er laget."))?;
    }
    let mut store = Store::open_keyed(&path, options, &unlock).map_err(|e| e.to_string())?;
    if new_file && !store.is_encrypted() {
        eprintln!(
            "Merk: «{}» er laget UKRYPTERT (ingen INNTAK_PASSPHRASE eller --passphrase-file). \
             Bruk den bare til demo og test, eller krypter den med «inntak encrypt» før den får \
             ekte pasientdata.",
            path.display()
        );
    }
    let protected = Protected::none().database(&path);
    let settings = settings::load(store.conn()).map_err(|e| e.to_string())?;
    let rule = settings.working_day_rule();
    match command {
        Command::Restore { .. } | Command::Encrypt | Command::Passphrase { .. } => {
            unreachable!("handled before the store is opened")
        }
        Command::Verify => {
            let check = crate::store::integrity_check(store.conn()).map_err(|e| e.to_string())?;
            if check != "ok" {
                return Err(format!(
                    "«{}» er skadet ({check}). Gjenopprett fra en sikkerhetskopi.",
                    path.display()
                ));
            }
            let rows = audit::verify_chain(store.conn()).map_err(|e| e.to_string())?;
            // The log against the records it describes, and against its anchor on this
            // machine (see README, "Endringsloggen").
            let findings = crate::store::log_check::findings(store.conn())
                .map_err(|e| format!("Endringsloggen kunne ikke leses: {e}"))?;
            if !findings.is_empty() {
                for f in findings.iter().take(MAX_ERRORS_PRINTED) {
                    eprintln!("{}", terminal_text(&f.text));
                }
                if findings.len() > MAX_ERRORS_PRINTED {
                    eprintln!("… og {} funn til.", findings.len() - MAX_ERRORS_PRINTED);
                }
                return Err(format!(
                    "Endringsloggen og databasen stemmer ikke overens ({} funn; det første \
                     gjelder {}). Data er endret utenom Inntak. Ta vare på filen og kontakt IT.",
                    findings.len(),
                    findings[0]
                        .row
                        .map_or_else(|| "en rad uten logg".to_string(), |r| format!("rad {r}"))
                ));
            }
            let anchor = crate::store::anchor::read(&path)?;
            let anchored = match &anchor {
                None => " Denne maskinen har ikke noe anker for filen (den er ikke skrevet her), \
                          så slettede rader på slutten av loggen kan ikke oppdages."
                    .to_string(),
                Some(anchor) => match crate::store::anchor::check(store.conn(), anchor)
                    .map_err(|e| format!("Endringsloggen kunne ikke leses: {e}"))?
                {
                    crate::store::anchor::Verdict::Broken { text, .. } => return Err(text),
                    crate::store::anchor::Verdict::Holds(row) => {
                        format!(" Den slutter der Inntak sist skrev på denne maskinen (rad {row}).")
                    }
                },
            };
            println!(
                "Databasefilen er hel, og loggen er hel ({rows} rader), og den stemmer med \
                 henvisningene og vedtakene.{anchored}"
            );
            Ok(0)
        }
        Command::Audit {
            from,
            to,
            actor,
            csv,
            out,
        } => {
            let rows = audit::list(store.conn(), *from, *to, actor.as_deref())
                .map_err(|e| e.to_string())?;
            let bytes = audit_listing(&rows, *csv).map_err(|e| e.to_string())?;
            emit(out.as_deref(), &bytes, &protected)?;
            Ok(0)
        }
        Command::Backup { out } => {
            let copied = match out {
                Some(file) => {
                    backup::backup_to(Source::Open(store.conn(), &path), file, store.key())?
                }
                None => {
                    let setting = settings::get(store.conn(), settings::KEY_BACKUP_DIR)
                        .map_err(|e| e.to_string())?;
                    let dir = backup::backup_dir(&path, setting.as_deref());
                    backup::backup_into(
                        Source::Open(store.conn(), &path),
                        &dir,
                        chrono::Local::now().naive_local(),
                        store.key(),
                    )?
                }
            };
            let logged = json!({ "tabeller": copied.tables.len() });
            let patients = copied.referrals() as usize;
            if let Err(e) = log_output(
                &mut store,
                change,
                &OutputLog::new(audit::OutputAction::Backup, patients).with(logged),
                &copied.path,
            ) {
                eprintln!(
                    "Merk: sikkerhetskopien er skrevet, men kunne ikke føres i endringsloggen: {e}"
                );
            }
            println!(
                "Sikkerhetskopi skrevet og kontrollert: {} ({} henvisninger, {} tabeller, {:.1} MB)",
                copied.path.display(),
                copied.referrals(),
                copied.tables.len(),
                copied.bytes as f64 / 1_048_576.0
            );
            Ok(0)
        }
        Command::Demo { referrals, seed } => {
            // Generated before the write lock is taken: other writers wait only for the inserts.
            let generated = demo::generate(*referrals, *seed, clock.today(), rule);
            let n = store
                .write(|tx| {
                    settings::put(tx, settings::KEY_DEMO_OFFERED, "1")?;
                    crate::store::demo::insert_generated(tx, generated, clock.today(), rule, change)
                })
                .map_err(|e| e.to_string())?;
            println!("La inn {n} fiktive henvisninger i {}", path.display());
            Ok(0)
        }
        Command::Import {
            files,
            received,
            sheet,
            skip_invalid,
            rejects,
            skip_duplicates,
            import_duplicates,
            confirm_changes,
            keep_unknown_as_note,
        } => {
            let options = ImportOptions {
                skip_invalid: *skip_invalid,
                rejects_path: rejects.clone(),
                sheet: sheet.clone(),
                write_rejects: true,
                duplicates: match (*skip_duplicates, *import_duplicates) {
                    (true, _) => csvio::Duplicates::Skip,
                    (_, true) => csvio::Duplicates::Import,
                    _ => csvio::Duplicates::Ask,
                },
                confirm_changes: *confirm_changes,
                keep_unknown_as_notes: *keep_unknown_as_note,
                messages: Vec::new(),
            };
            import(
                &mut store,
                files,
                *received,
                &options,
                clock.today(),
                change,
            )
        }
        Command::Agenda {
            next: _,
            meeting,
            out,
            initials,
        } => {
            let today = clock.today();
            protected.check(out)?;
            if store.read_only().is_none() {
                store
                    .write(|tx| meetings::ensure_schedule(tx, &settings, today, change).map(|_| ()))
                    .map_err(|e| e.to_string())?;
            }
            let queue =
                crate::model::queue(store.conn(), rule, today).map_err(|e| e.to_string())?;
            let planning = crate::model::planning::load(store.conn(), &settings, &queue, today)
                .map_err(|e| e.to_string())?;
            let id = planning::find_meeting(&planning, *meeting)?;
            let options = planning::PrintOptions {
                initials_only: *initials,
                printed_at: clock.now(),
            };
            let printed = crate::model::planning::printed_agenda(
                store.conn(),
                &settings,
                &planning,
                id,
                options,
            )
            .map_err(|e| e.to_string())?;
            let bytes = pdf::render(&printed).map_err(|e| e.to_string())?;
            let logged = json!({ "møte": printed.date_text, "initialer": initials });
            let patients = printed.items.len();
            logged_emit(
                &mut store,
                change,
                &OutputLog::new(audit::OutputAction::PrintAgenda, patients).with(logged),
                Some(out),
                &bytes,
                &protected,
            )?;
            let view = planning.find(id).ok_or("møtet forsvant")?;
            let state = if view.plan.stored {
                "lagret agenda"
            } else {
                "forslag, ikke lagret"
            };
            println!(
                "Skrev agendaen for {} ({} henvisninger, {} må behandles; {state}) til {}",
                printed.date_text,
                view.plan.items.len(),
                view.plan.must,
                out.display()
            );
            if let Some(text) = view.plan.overload_text() {
                println!("Advarsel: {text}. Vurder et ekstramøte.");
            }
            if printed.left_out_must > 0 {
                println!(
                    "Advarsel: {} til må behandles – planlegg ekstra møter. Agendaen viser de {} \
                     første.",
                    printed.left_out_must,
                    printed.items.len()
                );
            }
            Ok(0)
        }
        Command::Minutes {
            meeting,
            out,
            initials,
        } => {
            protected.check(out)?;
            let found = meetings::from_date(store.conn(), *meeting)
                .map_err(|e| e.to_string())?
                .into_iter()
                .find(|m| {
                    m.date == *meeting && m.status != crate::domain::meeting::MeetingStatus::Avlyst
                })
                .ok_or_else(|| {
                    format!(
                        "Fant ikke noe møte {}",
                        crate::calendar::format_date_weekday(*meeting)
                    )
                })?;
            let options = planning::PrintOptions {
                initials_only: *initials,
                printed_at: clock.now(),
            };
            let printed =
                crate::model::planning::printed_minutes(store.conn(), &settings, found.id, options)
                    .map_err(|e| e.to_string())?;
            let bytes = pdf::render(&printed).map_err(|e| e.to_string())?;
            let logged = json!({ "møte": printed.date_text, "initialer": initials });
            let patients = printed.items.len();
            logged_emit(
                &mut store,
                change,
                &OutputLog::new(audit::OutputAction::PrintMinutes, patients).with(logged),
                Some(out),
                &bytes,
                &protected,
            )?;
            println!(
                "Skrev referatet for {} ({}) til {}",
                printed.date_text,
                printed.notice,
                out.display()
            );
            Ok(0)
        }
        Command::Reply {
            meeting,
            referral,
            out_dir,
        } => {
            let referrals = match (meeting, referral) {
                (Some(day), _) => {
                    let found = find_meeting(&store, *day)?;
                    crate::store::decisions::at_meeting(store.conn(), found.id)
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .map(|d| d.referral)
                        .collect()
                }
                (None, Some(text)) => vec![find_referral(&store, text)?],
                (None, None) => unreachable!("clap requires one"),
            };
            let folder = match out_dir {
                Some(dir) => dir.clone(),
                None if !settings.letters.dialog_folder.trim().is_empty() => {
                    PathBuf::from(settings.letters.dialog_folder.trim())
                }
                None => {
                    return Err(
                        "Ingen mappe for elektroniske svar: gi --out-dir, eller velg \
                                mappen under Innstillinger → Brev → Elektronisk svar"
                            .into(),
                    );
                }
            };
            let done =
                crate::dialogmelding::send(&mut store, &settings, &referrals, &folder, change)?;
            for s in &done.sent {
                println!(
                    "Henvisning nr. {} ({}): svar skrevet til {}",
                    s.referral.0,
                    terminal_text(&s.patient),
                    s.path.display()
                );
            }
            for (id, why) in &done.refused {
                eprintln!("Henvisning nr. {}: {}", id.0, terminal_text(why));
            }
            println!(
                "{} elektroniske svar skrevet{}.",
                done.sent.len(),
                if done.refused.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} kan ikke besvares elektronisk (se over)",
                        done.refused.len()
                    )
                }
            );
            Ok(if done.refused.is_empty() { 0 } else { 2 })
        }
        Command::Letters {
            meeting,
            fristbrudd,
            reason,
            out,
            referral,
            only,
            sent,
            skip_incomplete,
        } => {
            protected.check(out)?;
            let (planned, what) = match (meeting, fristbrudd) {
                (Some(meeting), _) => {
                    let found = find_meeting(&store, *meeting)?;
                    let referral = match referral {
                        None => None,
                        Some(text) => Some(find_referral(&store, text)?),
                    };
                    let selection = crate::letters::Selection {
                        referral,
                        only: *only,
                    };
                    let planned = crate::model::letters::for_meeting(
                        store.conn(),
                        &settings,
                        found.id,
                        selection,
                        clock.today(),
                    )
                    .map_err(|e| e.to_string())?;
                    let day = crate::calendar::format_date_weekday(*meeting);
                    if planned.is_empty() {
                        return Err(format!(
                            "Møtet {day} har ingen vedtak som skal ha brev{}",
                            if referral.is_some() {
                                " for denne henvisningen"
                            } else {
                                ""
                            }
                        ));
                    }
                    (planned, format!("for møtet {day}"))
                }
                (None, Some(text)) => {
                    let id = find_referral(&store, text)?;
                    let planned = crate::model::letters::for_breach(
                        store.conn(),
                        &settings,
                        id,
                        reason.as_deref().unwrap_or_default(),
                        clock.today(),
                    )
                    .map_err(|e| e.to_string())?;
                    if planned.is_empty() {
                        return Err(
                            "Henvisningen har ikke rett til helsehjelp med juridisk frist, så \
                             det er ingen frist å varsle brudd på."
                                .into(),
                        );
                    }
                    (planned, "(varsel om fristbrudd og Helfo-ark)".to_string())
                }
                (None, None) => return Err("Oppgi --meeting eller --fristbrudd".into()),
            };
            let incomplete: Vec<_> = planned.iter().filter(|p| !p.is_complete()).collect();
            if !incomplete.is_empty() {
                let lists: Vec<_> = incomplete.iter().map(|p| p.missing.clone()).collect();
                for line in crate::domain::letter::missing_summary(&lists) {
                    eprintln!("{line}");
                }
                for p in &incomplete {
                    let what: Vec<_> = p.missing.iter().map(|m| m.label_nb()).collect();
                    eprintln!(
                        "  {} ({}), brev til {}: mangler {}",
                        files::clean_for_terminal(&p.reference),
                        files::clean_for_terminal(&p.patient),
                        p.recipient.label_nb().to_lowercase(),
                        what.join(", ")
                    );
                }
                if !*skip_incomplete {
                    return Err(
                        "Ingen brev er skrevet ut. Fyll inn det som mangler, eller bruk                          --skip-incomplete for å skrive ut de komplette."
                            .into(),
                    );
                }
            }
            let ready: Vec<_> = planned.iter().filter(|p| p.is_complete()).collect();
            if ready.is_empty() {
                return Err("Ingen av brevene er komplette; ingenting er skrevet ut.".into());
            }
            let bytes = crate::letters::render(&ready).map_err(|e| e.to_string())?;
            let printed: Vec<_> = ready.iter().map(|p| p.printed()).collect();
            let destination = destination(Some(out));
            if store.read_only().is_some() {
                return Err(
                    "Databasen er skrivebeskyttet: brev kan ikke skrives ut uten at utskriften                      føres i databasen."
                        .into(),
                );
            }
            store
                .write(|tx| {
                    crate::store::letters::record_printed(
                        tx,
                        &printed,
                        &destination,
                        *sent,
                        change,
                    )?;
                    write_atomically(out, &bytes, &protected)
                        .map_err(crate::store::StoreError::Rule)
                })
                .map_err(|e| e.to_string())?;
            let earlier = ready
                .iter()
                .filter(|p| !p.earlier_text().is_empty())
                .count();
            println!(
                "Skrev {} ({}) {what} til {}",
                if ready.len() == 1 {
                    "1 brev".to_string()
                } else {
                    format!("{} brev", ready.len())
                },
                crate::letters::count_text(&ready),
                out.display()
            );
            match sent {
                Some(d) => println!("Merket sendt {}.", crate::calendar::format_date(*d)),
                None => println!(
                    "Ikke merket sendt: pasientene regnes som informert når brevene er merket sendt."
                ),
            }
            if earlier > 0 {
                println!("Merk: {earlier} av brevene er skrevet ut før.");
            }
            Ok(0)
        }
        Command::Stats {
            year,
            tertial,
            cumulative,
            month,
            from,
            to,
            no_compare,
            csv,
            out,
        } => {
            use crate::stats::Period;
            let period = match (year, tertial, month, from, to) {
                (_, _, _, Some(from), Some(to)) => Period::Range(*from, *to),
                (Some(y), Some(t), _, _, _) if *cumulative => Period::YearToTertial(*y, *t),
                (Some(y), Some(t), _, _, _) => Period::Tertial(*y, *t),
                (Some(y), None, Some(m), _, _) => Period::Month(*y, *m),
                (Some(y), _, _, _, _) => Period::Year(*y),
                _ => return Err("Oppgi --year, eller --from og --to".into()),
            };
            if period.bounds().is_none() {
                return Err(format!(
                    "Ugyldig periode: {} (--from må være før --to)",
                    period.label_nb()
                ));
            }
            let report =
                crate::model::stats_report(store.conn(), period, !no_compare, rule, clock.today())?;
            let bytes = if *csv {
                crate::stats::to_csv(&report).map_err(|e| e.to_string())?
            } else {
                crate::stats::to_text(&report).into_bytes()
            };
            if *csv || out.is_some() {
                let logged = json!({ "periode": report.period.label_nb() });
                logged_emit(
                    &mut store,
                    change,
                    &OutputLog::new(audit::OutputAction::ExportStats, 0).with(logged),
                    out.as_deref(),
                    &bytes,
                    &protected,
                )?;
            } else {
                emit(None, &bytes, &protected)?;
            }
            Ok(0)
        }
        Command::Fristbrudd { out } => {
            let today = clock.today();
            let lists = crate::model::follow_ups(store.conn(), today).map_err(|e| e.to_string())?;
            let rows = lists.reportable();
            let bytes = crate::followup::breach_csv(&rows, today).map_err(|e| e.to_string())?;
            let patients = rows.len();
            logged_emit(
                &mut store,
                change,
                &OutputLog::new(audit::OutputAction::ExportBreaches, patients),
                out.as_deref(),
                &bytes,
                &protected,
            )?;
            eprintln!(
                "{} fristbrudd og {} forventede fristbrudd per {}",
                lists.count(crate::domain::decision::BreachStatus::Breached),
                lists.count(crate::domain::decision::BreachStatus::Expected),
                crate::calendar::format_date(today)
            );
            Ok(0)
        }
        Command::Export { out } => {
            if let Some(file) = out {
                protected.check(file)?;
            }
            let mut buffer = Vec::new();
            let n = csvio::export(&store, rule, &mut buffer).map_err(|e| e.to_string())?;
            logged_emit(
                &mut store,
                change,
                &OutputLog::new(audit::OutputAction::ExportReferrals, n),
                out.as_deref(),
                &buffer,
                &protected,
            )?;
            if let Some(file) = out {
                eprintln!("Skrev {n} henvisninger til {}", file.display());
            }
            Ok(0)
        }
    }
}

/// The audit log as an aligned table or as CSV (`;`, UTF-8 with BOM, formula-safe).
fn audit_listing(rows: &[audit::Row], csv: bool) -> Result<Vec<u8>, csv::Error> {
    let header = [
        "id",
        "tidspunkt",
        "registrert",
        "bruker",
        "handling",
        "gjelder",
        "id_gjelder",
        "detaljer",
    ];
    let cells = |r: &audit::Row| {
        [
            r.id.to_string(),
            r.at.clone(),
            r.recorded_at.clone(),
            r.actor.clone(),
            r.action.clone(),
            r.entity.clone(),
            r.entity_id.map(|i| i.to_string()).unwrap_or_default(),
            r.details.clone(),
        ]
    };
    if csv {
        let mut out = b"\xEF\xBB\xBF".to_vec();
        {
            let mut w = csv::WriterBuilder::new()
                .delimiter(b';')
                .from_writer(&mut out);
            w.write_record(header)?;
            for r in rows {
                w.write_record(
                    cells(r)
                        .iter()
                        .map(|c| crate::files::csv_cell(c).into_owned()),
                )?;
            }
            w.flush()?;
        }
        return Ok(out);
    }
    let mut text = String::new();
    for r in rows {
        let [id, at, recorded, actor, action, entity, entity_id, details] = cells(r);
        let entity = if entity_id.is_empty() {
            entity
        } else {
            format!("{entity} {entity_id}")
        };
        text.push_str(&format!(
            "{id:>7}  {at:<19}  {recorded:<25}  {actor:<16}  {action:<18}  {entity:<14}  {}\n",
            crate::files::clean_for_terminal(&details)
        ));
    }
    text.push_str(&format!("{} rader\n", rows.len()));
    Ok(text.into_bytes())
}

/// How many invalid lines an import prints before it only counts the rest.
const MAX_ERRORS_PRINTED: usize = 100;

/// Replaces the database with a checked backup, keeping the replaced file.
fn restore(path: &Path, from: &Path, unlock: &Unlock, change: Change<'_>) -> Result<i32, String> {
    let key = backup::backup_key(from, unlock).map_err(|e| match e {
        backup::BackupKeyError::Unreadable(message) => message,
        backup::BackupKeyError::NeedsPassphrase => format!(
            "«{}» er kryptert. Oppgi passordet den ble tatt med (--passphrase-file eller \
             INNTAK_PASSPHRASE). Ingenting er endret.",
            from.display()
        ),
    })?;
    let restored = backup::restore(
        path,
        from,
        chrono::Local::now().naive_local(),
        key.as_ref(),
        unlock,
    )?;
    // Open it as the app will (upgrading an older backup) before saying it is done, and log
    // the restore in the restored file.
    let restored_unlock = key.map(Unlock::key).unwrap_or_default();
    let mut store = Store::open_keyed(path, OpenOptions::EXISTING, &restored_unlock)
        .map_err(|e| e.to_string())?;
    if let Err(e) = log_output(&mut store, change, &restored.log(from), path) {
        eprintln!("Merk: gjenopprettingen kunne ikke føres i endringsloggen: {e}");
    }
    println!(
        "Gjenopprettet {} fra {} ({} henvisninger, {} tabeller kontrollert).",
        path.display(),
        from.display(),
        restored.copied.referrals(),
        restored.copied.tables.len()
    );
    if let Some(kept) = &restored.kept {
        println!(
            "Databasen som ble erstattet, er tatt vare på som {}",
            kept.display()
        );
    }
    Ok(0)
}

/// Writes an output (a file or standard output) and logs it in the same transaction
/// ([`Store::write_logged`]); a read-only database cannot take the row, and the terminal says
/// the output was not logged.
fn logged_emit(
    store: &mut Store,
    change: Change<'_>,
    log: &OutputLog,
    out: Option<&Path>,
    bytes: &[u8],
    protected: &Protected,
) -> Result<(), String> {
    let logged = store.write_logged(change, log, &destination(out), || {
        emit(out, bytes, protected)
    })?;
    if !logged {
        eprintln!("Merk: dette er ikke ført i endringsloggen, fordi databasen er skrivebeskyttet.");
    }
    Ok(())
}

/// The meeting held (or planned) on `date`, not a cancelled one.
fn find_meeting(store: &Store, date: NaiveDate) -> Result<crate::domain::meeting::Meeting, String> {
    meetings::from_date(store.conn(), date)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|m| m.date == date && m.status != crate::domain::meeting::MeetingStatus::Avlyst)
        .ok_or_else(|| {
            format!(
                "Fant ikke noe møte {}",
                crate::calendar::format_date_weekday(date)
            )
        })
}

/// A referral by its external id, or else by Inntak's number.
fn find_referral(store: &Store, text: &str) -> Result<crate::domain::ReferralId, String> {
    let text = text.trim();
    if let Some(id) = crate::store::referrals::find_by_external_id(store.conn(), text)
        .map_err(|e| e.to_string())?
    {
        return Ok(crate::domain::ReferralId(id));
    }
    let id = text
        .parse::<i64>()
        .ok()
        .map(crate::domain::ReferralId)
        .filter(|id| crate::store::referrals::get(store.conn(), *id).is_ok());
    id.ok_or_else(|| {
        format!(
            "Fant ingen henvisning med ID «{}»",
            files::clean_for_terminal(text)
        )
    })
}

/// Logs an output written by other means (a backup, a restore).
fn log_output(
    store: &mut Store,
    change: Change<'_>,
    log: &OutputLog,
    file: &Path,
) -> Result<(), String> {
    match store.write_logged(change, log, &destination(Some(file)), || Ok(()))? {
        true => Ok(()),
        false => Err("databasen er skrivebeskyttet".into()),
    }
}

/// Where an output went, as the log names it: the full path, or the terminal.
fn destination(out: Option<&Path>) -> String {
    match out {
        Some(file) => crate::files::canonical(file).display().to_string(),
        None => "standard output".into(),
    }
}

/// Writes to the file (atomically) or to standard output.
fn emit(out: Option<&Path>, bytes: &[u8], protected: &Protected) -> Result<(), String> {
    match out {
        Some(file) => write_atomically(file, bytes, protected),
        None => {
            let mut lock = std::io::stdout().lock();
            lock.write_all(bytes)
                .and_then(|()| lock.flush())
                .map_err(|e| e.to_string())
        }
    }
}

fn import(
    store: &mut Store,
    files: &[PathBuf],
    received: Option<NaiveDate>,
    options: &ImportOptions,
    today: NaiveDate,
    change: Change<'_>,
) -> Result<i32, String> {
    let xml = files.iter().all(|f| crate::henvisning::is_xml(f));
    let names: Vec<String> = files
        .iter()
        .map(|f| crate::henvisning::file_name(f))
        .collect();
    let report = if xml {
        let (parsed, read) =
            crate::henvisning::read_files(files, received, today).map_err(|e| e.to_string())?;
        // What the user should look at: a referrer kind the message did not say, a received
        // date taken from a forwarded referral.
        for (name, r) in names.iter().zip(&read) {
            let Some(r) = r else { continue };
            if !r.referrer_kind_known {
                println!(
                    "{}: henvisertypen står ikke i meldingen; registrert som «annet». Rett den i \
                     skjemaet om henviseren er avtalespesialist eller sykehusavdeling.",
                    terminal_text(name)
                );
            }
            if let Some(a) = &r.assessment {
                println!(
                    "{}: videresendt med vurdering: {} (vurdert av {}). Ingen ny \
                     rettighetsvurdering: henvisningen venter bare på valg av forløp \
                     (sekundær), og fristen pasienten har fått gjelder.",
                    terminal_text(name),
                    terminal_text(&a.text()),
                    terminal_text(if r.sender.organisation.is_empty() {
                        "avsenderen"
                    } else {
                        &r.sender.organisation
                    })
                );
            } else if received.is_none()
                && let Some(d) = r.seniority_date
            {
                println!(
                    "{}: videresendt henvisning; mottatt er satt til ansiennitetsdatoen {} \
                     (fristen løper fra den).",
                    terminal_text(name),
                    crate::calendar::format_date(d)
                );
            }
        }
        let options = ImportOptions {
            messages: read,
            ..options.clone()
        };
        csvio::import_parsed(store, &parsed, files, &options, change, None)
            .map_err(|e| e.to_string())?
    } else {
        let [file] = files else {
            return Err(
                "Flere filer kan bare importeres på én gang når alle er henvisninger (.xml)".into(),
            );
        };
        if received.is_some() {
            return Err(
                "--received gjelder bare henvisninger fra XML; mottatt står i filen".into(),
            );
        }
        csvio::import_file(store, file, options, today, change).map_err(|e| e.to_string())?
    };
    // The terminal gets the first ones, then a count (the rejects file holds every line).
    for e in report.errors.iter().take(MAX_ERRORS_PRINTED) {
        let text = if xml {
            // One file per row: the file is named in place of a line number.
            crate::henvisning::error_text(e, &names)
        } else {
            e.to_string()
        };
        eprintln!("{}", terminal_text(&text));
    }
    if report.errors.len() > MAX_ERRORS_PRINTED {
        eprintln!(
            "… og {} feil til (bare de {MAX_ERRORS_PRINTED} første er vist{}).",
            report.errors.len() - MAX_ERRORS_PRINTED,
            if report.rejects_file.is_some() {
                "; alle står i filen med avviste rader"
            } else {
                ""
            }
        );
    }
    for (line, id) in &report.already_present {
        if xml {
            println!(
                "{}: meldingen «{}» er importert før, hoppet over",
                terminal_text(crate::henvisning::file_of_line(&names, *line)),
                terminal_text(id)
            );
        } else {
            println!(
                "linje {line}: henvisning_id: «{}» finnes allerede i databasen, hoppet over",
                terminal_text(id)
            );
        }
    }
    if report.asks_to_confirm_changes() {
        for (line, said) in &report.unconfirmed_changes {
            eprintln!(
                "{}: {}",
                terminal_text(crate::henvisning::file_of_line(&names, *line)),
                terminal_text(said)
            );
        }
        eprintln!(
            "Ingenting ble importert: {} endringsmeldinger gjelder henvisninger som alt er \
             avgjort. Se over endringene, og importer på nytt med --confirm-changes for å \
             gjennomføre dem.",
            report.unconfirmed_changes.len()
        );
        return Ok(2);
    }
    if report.asks_about_duplicates() {
        for d in report.possible_duplicates.iter().take(MAX_ERRORS_PRINTED) {
            eprintln!("{}", terminal_text(&d.text()));
        }
        if report.possible_duplicates.len() > MAX_ERRORS_PRINTED {
            eprintln!(
                "… og {} til (bare de {MAX_ERRORS_PRINTED} første er vist).",
                report.possible_duplicates.len() - MAX_ERRORS_PRINTED
            );
        }
        eprintln!(
            "Ingenting ble importert: {} rader ligner en henvisning som finnes for samme pasient. \
             Se over dem, og importer på nytt med --skip-duplicates (hopp over dem) eller \
             --import-duplicates (importer dem likevel).",
            report.possible_duplicates.len()
        );
        return Ok(2);
    }
    for d in &report.possible_duplicates {
        let done = match d.handled {
            csvio::DuplicateHandling::Imported => "importert likevel",
            _ => "hoppet over",
        };
        println!("{} ({done})", terminal_text(&d.text()));
    }
    if !report.errors.is_empty() && !options.skip_invalid {
        eprintln!(
            "Ingenting ble importert: {} feil på {} linjer. Rett filen, eller bruk --skip-invalid \
             for å importere de gyldige radene.",
            report.errors.len(),
            report
                .errors
                .iter()
                .map(|e| e.line)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
        return Ok(2);
    }
    for (line, said) in &report.messages {
        println!(
            "{}: {}",
            terminal_text(crate::henvisning::file_of_line(&names, *line)),
            terminal_text(said)
        );
    }
    for (line, said) in &report.warnings {
        println!(
            "Varsel – {}: {}",
            terminal_text(crate::henvisning::file_of_line(&names, *line)),
            terminal_text(said)
        );
    }
    let sheet = report
        .sheet
        .as_ref()
        .map(|s| format!(" (leste arket «{}»)", terminal_text(s)))
        .unwrap_or_default();
    println!(
        "Importerte {} henvisninger; {} fantes fra før.{sheet}",
        report.imported,
        report.already_present.len()
    );
    if report.decisions > 0 {
        println!(
            "{} av dem hadde en avgjørelse fra før (status og avgjort) og telles i statistikken.",
            report.decisions
        );
    }
    if report.undated_decisions > 0 {
        println!(
            "Merk: {} har en avgjort status uten dato i «avgjort», og telles derfor ikke i \
             statistikken.",
            report.undated_decisions
        );
    }
    if let Some(path) = &report.rejects_file {
        println!(
            "{} ugyldige rader er skrevet til {}. De {} gyldige er importert: rett radene i \
             den filen og importer bare den (hele kilden på nytt ville stoppe ved dem som \
             alt er importert).",
            report.rejected_rows,
            path.display(),
            report.imported
        );
    }
    Ok(0)
}

pub use crate::files::write_atomically;
