//! `inntak import`: referrals from CSV, a spreadsheet or referral messages (XML).

use super::{Env, MAX_ERRORS_PRINTED, Opened, parse_today, terminal_text};
use crate::import::{ImportOptions, ImportReport};
use crate::ops::import::SourceKind;
use chrono::NaiveDate;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
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
}

/// The import's options from the command line's flags.
fn options(args: &Args) -> ImportOptions {
    ImportOptions {
        skip_invalid: args.skip_invalid,
        rejects_path: args.rejects.clone(),
        sheet: args.sheet.clone(),
        write_rejects: true,
        duplicates: match (args.skip_duplicates, args.import_duplicates) {
            (true, _) => crate::import::Duplicates::Skip,
            (_, true) => crate::import::Duplicates::Import,
            _ => crate::import::Duplicates::Ask,
        },
        confirm_changes: args.confirm_changes,
        keep_unknown_as_notes: args.keep_unknown_as_note,
        messages: Vec::new(),
    }
}

pub(super) fn exec(env: &Env, opened: &mut Opened, args: &Args) -> Result<i32, String> {
    let files = &args.files;
    let received = args.received;
    let options = options(args);
    let xml = crate::ops::import::source_kind(files)? == SourceKind::Messages;
    let names: Vec<String> = files
        .iter()
        .map(|f| crate::import::henvisning::file_name(f))
        .collect();
    let read = crate::ops::import::read(files, received, &options, env.today())?;
    say_read(&names, &read.messages, received);
    let options = ImportOptions {
        messages: read.messages,
        ..options
    };
    let actor = opened.change(env).actor.to_string();
    let change = crate::store::referrals::Change {
        actor: &actor,
        at: env.now,
    };
    let report = crate::ops::import::write(
        &mut opened.store,
        change,
        &read.parsed,
        files,
        &options,
        None,
    )?;
    say_errors(&report, &names, xml);
    if let Some(code) = say_refused(&report, &names, &options) {
        return Ok(code);
    }
    say_done(&report, &names);
    Ok(0)
}

/// What the user should look at in the messages read: a referrer kind the message did not
/// say, a received date taken from a forwarded referral.
fn say_read(
    names: &[String],
    messages: &[Option<crate::import::henvisning::Referral>],
    received: Option<NaiveDate>,
) {
    for (name, r) in names.iter().zip(messages) {
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
}

/// The refused lines: the first ones, then a count (the rejects file holds every line); and
/// the rows already present.
fn say_errors(report: &ImportReport, names: &[String], xml: bool) {
    for e in report.errors.iter().take(MAX_ERRORS_PRINTED) {
        let text = if xml {
            // One file per row: the file is named in place of a line number.
            crate::import::henvisning::error_text(e, names)
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
                terminal_text(crate::import::henvisning::file_of_line(names, *line)),
                terminal_text(id)
            );
        } else {
            println!(
                "linje {line}: henvisning_id: «{}» finnes allerede i databasen, hoppet over",
                terminal_text(id)
            );
        }
    }
}

/// When the import stopped to ask (changes to confirm, lookalikes) or stopped at invalid
/// lines: what it asks, and the exit code (nothing was imported).
fn say_refused(report: &ImportReport, names: &[String], options: &ImportOptions) -> Option<i32> {
    if report.asks_to_confirm_changes() {
        for (line, said) in &report.unconfirmed_changes {
            eprintln!(
                "{}: {}",
                terminal_text(crate::import::henvisning::file_of_line(names, *line)),
                terminal_text(said)
            );
        }
        eprintln!(
            "Ingenting ble importert: {} endringsmeldinger gjelder henvisninger som alt er \
             avgjort. Se over endringene, og importer på nytt med --confirm-changes for å \
             gjennomføre dem.",
            report.unconfirmed_changes.len()
        );
        return Some(2);
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
        return Some(2);
    }
    for d in &report.possible_duplicates {
        let done = match d.handled {
            crate::import::DuplicateHandling::Imported => "importert likevel",
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
        return Some(2);
    }
    None
}

/// What was imported: the messages' outcomes and warnings, the counts, the rejects file.
fn say_done(report: &ImportReport, names: &[String]) {
    for (line, said) in &report.messages {
        println!(
            "{}: {}",
            terminal_text(crate::import::henvisning::file_of_line(names, *line)),
            terminal_text(said)
        );
    }
    for (line, said) in &report.warnings {
        println!(
            "Varsel – {}: {}",
            terminal_text(crate::import::henvisning::file_of_line(names, *line)),
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
}
