//! Documents out of Inntak — the printed agenda and minutes, the CSV exports (referrals,
//! statistics, fristbrudd) — made once for both front ends, and saved with their access-log
//! row in one transaction.

use super::Ctx;
use crate::agenda::pdf::{self, PrintedAgenda};
use crate::domain::ReferralId;
use crate::domain::meeting::{Meeting, MeetingId, MeetingStatus};
use crate::domain::settings::ClinicSettings;
use crate::files::Protected;
use crate::planning::{Planning, PrintOptions};
use crate::queue::QueueModel;
use crate::store::audit::{OutputAction, OutputLog};
use crate::store::{Store, StoreError, meetings, referrals};
use chrono::NaiveDate;
use std::io::Write;
use std::path::Path;

/// Why a document could not be made or saved. `Display` is the sentence the user reads.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The PDF or CSV could not be made (the renderer's own words).
    #[error("{0}")]
    Render(String),
    /// The file could not be written, or may not be written there (already in Norwegian:
    /// what, where, what to do).
    #[error("{0}")]
    Write(String),
    #[error("Fant ikke noe møte {}", crate::calendar::format_date_weekday(*.0))]
    NoMeeting(NaiveDate),
    #[error("Fant ingen henvisning med ID «{}»", crate::files::clean_for_terminal(.0))]
    NoReferral(String),
    /// No upcoming meeting on that day, or none at all (the planning's own words).
    #[error("{0}")]
    NotUpcoming(String),
}

impl From<rusqlite::Error> for OutputError {
    fn from(e: rusqlite::Error) -> Self {
        OutputError::Store(e.into())
    }
}

/// Where an output goes.
#[derive(Clone, Copy, Debug)]
pub enum Destination<'p> {
    File(&'p Path),
    /// Standard output (the command line without `--out`).
    Terminal,
}

impl Destination<'_> {
    /// Where an output went, as the access log names it: the full path, or the terminal.
    pub fn logged_as(&self) -> String {
        match self {
            Destination::File(file) => crate::files::canonical(file).display().to_string(),
            Destination::Terminal => "standard output".into(),
        }
    }
}

/// A document made and not yet saved: its bytes, its access-log row, the file name a save
/// dialog proposes (a date or a number, never a patient's name) and how many rows it holds.
#[derive(Clone, Debug)]
pub struct Document {
    pub bytes: Vec<u8>,
    pub log: OutputLog,
    pub file_name: String,
    pub rows: usize,
}

/// Whether the access-log row was written (a read-only database takes none: the output is
/// made unlogged, and the front end says so).
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Saved {
    pub logged: bool,
}

/// Refuses a destination that is the database itself (or one of its side files) before any
/// work is done.
pub fn check_destination(ctx: &Ctx<'_>, file: &Path) -> Result<(), OutputError> {
    protected(ctx).check(file).map_err(OutputError::Write)
}

fn protected(ctx: &Ctx<'_>) -> Protected {
    Protected::none().database(ctx.store.path())
}

/// Saves `doc` at `to` (atomically, never over the database) and logs it in the same
/// transaction: the log row commits only if the file was written.
pub fn save(ctx: &mut Ctx<'_>, doc: &Document, to: Destination<'_>) -> Result<Saved, OutputError> {
    let protected = protected(ctx);
    let logged = ctx
        .store
        .write_logged(ctx.change, &doc.log, &to.logged_as(), || {
            emit(to, &doc.bytes, &protected)
        })
        .map_err(OutputError::Write)?;
    Ok(Saved { logged })
}

/// Writes an output that is not access-logged (the audit listing itself) to the file
/// (atomically, never over the database) or to standard output.
pub fn write_unlogged(
    file: Option<&Path>,
    bytes: &[u8],
    protected: &Protected,
) -> Result<(), String> {
    emit(
        file.map_or(Destination::Terminal, Destination::File),
        bytes,
        protected,
    )
}

/// Writes to the file (atomically) or to standard output.
fn emit(to: Destination<'_>, bytes: &[u8], protected: &Protected) -> Result<(), String> {
    match to {
        Destination::File(file) => crate::files::write_atomically(file, bytes, protected),
        Destination::Terminal => {
            let mut lock = std::io::stdout().lock();
            lock.write_all(bytes)
                .and_then(|()| lock.flush())
                .map_err(|e| e.to_string())
        }
    }
}

/// Makes `file`'s folder (private) when it does not exist yet, as a save into the documents
/// folder needs.
pub fn ensure_folder(file: &Path) -> Result<(), OutputError> {
    let Some(dir) = file.parent() else {
        return Ok(());
    };
    crate::files::create_private_dir(dir).map_err(|e| {
        OutputError::Write(format!(
            "Kunne ikke lage mappen {}: {}",
            dir.display(),
            crate::files::write_error_text(&e)
        ))
    })
}

/// The queue and the upcoming meetings as of today, the schedule brought up to date first
/// when the database can be written (the agenda from the command line).
pub fn planning(ctx: &mut Ctx<'_>) -> Result<(QueueModel, Planning), OutputError> {
    super::meetings::ensure_schedule(ctx)?;
    let (settings, today) = (ctx.settings, ctx.today());
    let rule = settings.working_day_rule();
    let queue = crate::model::queue(ctx.store, rule, today)?;
    let planning = crate::model::planning::load(ctx.store, settings, &queue, today)?;
    Ok((queue, planning))
}

/// The upcoming meeting on `date`, or the next one.
pub fn upcoming(planning: &Planning, date: Option<NaiveDate>) -> Result<MeetingId, OutputError> {
    crate::planning::find_meeting(planning, date).map_err(OutputError::NotUpcoming)
}

/// The meeting held (or planned) on `date`, not a cancelled one.
pub fn meeting_on(store: &Store, date: NaiveDate) -> Result<Meeting, OutputError> {
    meetings::from_date(store.conn(), date)?
        .into_iter()
        .find(|m| m.date == date && m.status != MeetingStatus::Avlyst)
        .ok_or(OutputError::NoMeeting(date))
}

/// A referral by its external id, or else by Inntak's number.
pub fn referral_by_text(store: &Store, text: &str) -> Result<ReferralId, OutputError> {
    let conn = store.conn();
    let text = text.trim();
    if let Some(id) = referrals::find_by_external_id(conn, text)? {
        return Ok(ReferralId(id));
    }
    text.parse::<i64>()
        .ok()
        .map(ReferralId)
        .filter(|id| referrals::get(conn, *id).is_ok())
        .ok_or_else(|| OutputError::NoReferral(text.to_string()))
}

/// A printed agenda or minutes: what is on the paper, and the PDF.
pub struct Paper {
    pub printed: PrintedAgenda,
    pub doc: Document,
}

/// The agenda of an upcoming meeting as a PDF (`inntaksmote-ÅÅÅÅ-MM-DD.pdf`).
pub fn agenda(
    store: &Store,
    settings: &ClinicSettings,
    planning: &Planning,
    meeting: MeetingId,
    options: PrintOptions,
) -> Result<Paper, OutputError> {
    let (conn, initials) = (store.conn(), options.initials_only);
    let printed =
        crate::model::planning::printed_agenda(store, settings, planning, meeting, options)?;
    let date = meetings::get(conn, meeting)
        .map(|m| m.date)
        .unwrap_or_default();
    paper(
        printed,
        OutputAction::PrintAgenda,
        initials,
        format!("inntaksmote-{date}.pdf"),
    )
}

/// The minutes (referat) of a meeting as a PDF (`referat-ÅÅÅÅ-MM-DD.pdf`).
pub fn minutes(
    store: &Store,
    settings: &ClinicSettings,
    meeting: MeetingId,
    options: PrintOptions,
) -> Result<Paper, OutputError> {
    let (conn, initials) = (store.conn(), options.initials_only);
    let printed = crate::model::planning::printed_minutes(store, settings, meeting, options)?;
    let date = meetings::get(conn, meeting)
        .map(|m| m.date)
        .unwrap_or_default();
    paper(
        printed,
        OutputAction::PrintMinutes,
        initials,
        format!("referat-{date}.pdf"),
    )
}

fn paper(
    printed: PrintedAgenda,
    action: OutputAction,
    initials: bool,
    file_name: String,
) -> Result<Paper, OutputError> {
    let bytes = pdf::render(&printed).map_err(|e| OutputError::Render(e.to_string()))?;
    let rows = printed.items.len();
    let log = OutputLog::new(action, rows)
        .with(serde_json::json!({ "møte": printed.date_text, "initialer": initials }));
    Ok(Paper {
        printed,
        doc: Document {
            bytes,
            log,
            file_name,
            rows,
        },
    })
}

/// The fristbrudd list (reportable breaches, expected ones included) as CSV for the region.
pub fn breaches(
    follow_ups: &crate::followup::FollowUps,
    today: NaiveDate,
) -> Result<Document, OutputError> {
    let rows = follow_ups.reportable();
    let bytes = crate::followup::breach_csv(&rows, today)
        .map_err(|e| OutputError::Render(format!("Kunne ikke lage CSV: {e}")))?;
    Ok(Document {
        bytes,
        log: OutputLog::new(OutputAction::ExportBreaches, rows.len()),
        file_name: format!("fristbrudd-{today}.csv"),
        rows: rows.len(),
    })
}

/// A statistics report as CSV (`csv`) or as the aligned text the terminal shows.
pub fn stats(report: &crate::stats::Report, csv: bool) -> Result<Document, OutputError> {
    let bytes = if csv {
        crate::stats::to_csv(report)
            .map_err(|e| OutputError::Render(format!("Kunne ikke lage CSV: {e}")))?
    } else {
        crate::stats::to_text(report).into_bytes()
    };
    Ok(Document {
        bytes,
        log: OutputLog::new(OutputAction::ExportStats, 0)
            .with(serde_json::json!({ "periode": report.period.label_nb() })),
        file_name: format!(
            "statistikk-{}.csv",
            report.period.label_nb().replace([' ', '.', '–'], "-")
        ),
        rows: crate::stats::lines(report).len(),
    })
}

/// Every referral with its current decision, as CSV (the export that import reads back).
pub fn referrals_csv(ctx: &Ctx<'_>) -> Result<Document, OutputError> {
    let mut bytes = Vec::new();
    let n = crate::export::export(ctx.store, ctx.settings.working_day_rule(), &mut bytes)
        .map_err(|e| OutputError::Render(e.to_string()))?;
    Ok(Document {
        bytes,
        log: OutputLog::new(OutputAction::ExportReferrals, n),
        file_name: format!("henvisninger-{}.csv", ctx.today()),
        rows: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::referrals::Change;

    fn demo_store(_today: NaiveDate) -> (crate::ops::testing::Scratch, Store) {
        crate::ops::testing::demo(60, 7)
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The agenda is made, saved with its access-log row in the same write, and refused over
    /// the database itself with nothing logged.
    #[test]
    fn agenda_is_saved_with_its_log_row_and_never_over_the_database() {
        let today = day(2026, 11, 24);
        let (dir, mut store) = demo_store(today);
        let settings = ClinicSettings::default();
        let mut ctx = Ctx {
            store: &mut store,
            settings: &settings,
            change: Change {
                actor: "leder",
                at: today.and_hms_opt(10, 0, 0).unwrap(),
            },
        };
        let (_, planning) = planning(&mut ctx).unwrap();
        let id = upcoming(&planning, None).unwrap();
        let options = PrintOptions {
            initials_only: true,
            printed_at: ctx.change.at,
        };
        let paper = agenda(ctx.store, &settings, &planning, id, options).unwrap();
        assert!(paper.doc.bytes.starts_with(b"%PDF"));
        assert!(paper.doc.file_name.starts_with("inntaksmote-2026-"));
        let logged = |ctx: &Ctx<'_>| {
            crate::store::audit::list(ctx.store.conn(), None, None, None)
                .unwrap()
                .len()
        };
        let before = logged(&ctx);
        let out = dir.path().join("agenda.pdf");
        assert_eq!(
            save(&mut ctx, &paper.doc, Destination::File(&out)).unwrap(),
            Saved { logged: true }
        );
        assert!(out.exists());
        assert_eq!(logged(&ctx), before + 1);
        let db = ctx.store.path().to_path_buf();
        assert!(check_destination(&ctx, &db).is_err());
        assert!(save(&mut ctx, &paper.doc, Destination::File(&db)).is_err());
        assert_eq!(logged(&ctx), before + 1, "a refused save logs nothing");
    }

    #[test]
    fn lookups_say_what_was_not_found() {
        let today = day(2026, 11, 24);
        let (_dir, store) = demo_store(today);
        let none = meeting_on(&store, day(2026, 12, 25)).unwrap_err();
        assert_eq!(none.to_string(), "Fant ikke noe møte fre. 25.12.2026");
        let missing = referral_by_text(&store, " X-999 ").unwrap_err();
        assert_eq!(missing.to_string(), "Fant ingen henvisning med ID «X-999»");
        assert_eq!(referral_by_text(&store, "1").unwrap(), ReferralId(1));
    }
}
