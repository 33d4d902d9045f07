//! The actions panels push while drawing, one enum per feature, and the views they move
//! between. Below the shell: the views and the shell both use these, and the shell applies
//! them (one operation each) after drawing.

use crate::domain::decision::Outcome;
use crate::domain::meeting::MeetingId;
use crate::domain::records::DecisionExtras;
use crate::domain::settings::ClinicSettings;
use crate::domain::{ReferralFields, ReferralId};

/// How an agenda change is logged.
pub use crate::ops::meetings::AgendaChange;
use chrono::NaiveDate;
use std::path::PathBuf;

/// The app's top-level views.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Queue,
    Meetings,
    /// Running a meeting: one agenda item at a time.
    MeetingMode,
    /// Follow-ups: kartlegging, start of care, fristbrudd.
    FollowUp,
    Statistics,
    Settings,
}

impl View {
    /// The top bar's tabs, in order (meeting mode is entered from Møter, not from a tab).
    pub const TABS: [View; 5] = [
        View::Queue,
        View::Meetings,
        View::FollowUp,
        View::Statistics,
        View::Settings,
    ];

    /// Every view.
    pub const ALL: [View; 6] = [
        View::Queue,
        View::Meetings,
        View::MeetingMode,
        View::FollowUp,
        View::Statistics,
        View::Settings,
    ];

    /// The tab's (and the view's) name.
    pub fn label_nb(self) -> &'static str {
        match self {
            View::Queue => "Henvisninger",
            View::Meetings => "Møter",
            View::MeetingMode => "Møtemodus",
            View::FollowUp => "Oppfølging",
            View::Statistics => "Statistikk",
            View::Settings => "Innstillinger",
        }
    }
}

/// What panels ask the app to do, by feature. Collected while drawing, applied at the end of
/// the frame; each feature's enum is matched exhaustively where it is applied, so a new
/// action cannot compile without its handling.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Nav(NavAction),
    Referral(ReferralAction),
    Clinic(ClinicAction),
    Team(TeamAction),
    Meeting(MeetingAction),
    Plan(PlanAction),
    FollowUp(FollowUpAction),
    Output(OutputAction),
    Backup(BackupAction),
    Import(ImportAction),
}

/// A value too large to copy with every action (an import's rows, its report), compared by
/// identity.
#[derive(Debug)]
pub struct Shared<T>(pub std::sync::Arc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Self(std::sync::Arc::new(value))
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The rows the user chose to import, validated, and where they came from.
#[derive(Clone, Debug)]
pub struct ImportJob {
    pub parsed: crate::import::ParsedFile,
    /// The files read (none for pasted rows).
    pub inputs: Vec<PathBuf>,
    /// The column mapping to remember for this source (its key and our column per theirs).
    pub remember: Option<(String, Vec<String>)>,
    /// What to do with rows that look like a referral already there: ask first, then as
    /// the user chose.
    pub duplicates: crate::import::Duplicates,
    /// Henvisning messages, one per row (a change or cancellation is applied, not inserted).
    pub messages: Vec<Option<crate::import::henvisning::Referral>>,
    /// The leader confirmed changes to referrals already decided.
    pub confirm_changes: bool,
    /// Keep a change or cancellation of an unknown referral as a note.
    pub keep_unknown_as_notes: bool,
}

/// What an import's thread hands back: the report (or why nothing was imported), and the
/// queue it built afterwards on its own connection, so the window need not rebuild 100,000
/// rows on its own thread.
#[derive(Debug)]
pub struct ImportOutcome {
    pub result: Result<crate::import::ImportReport, String>,
    pub queue: Option<crate::queue::QueueModel>,
    /// The rows, back when the import stopped to ask about possible duplicates.
    pub job: Option<ImportJob>,
}

/// Referrals in: the import dialog.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportAction {
    /// Opens the dialog on a source (a dropped file, pasted rows) or to choose one.
    Open(crate::ui::import_view::ImportOrigin),
    /// The system's file dialog, to choose the file to import.
    ChooseFile,
    /// Runs the import off the UI thread.
    Start(Shared<ImportJob>),
    /// The import's thread is done: show the new queue, select the new referrals.
    Finished(Shared<ImportOutcome>),
    Close,
}

/// Moving around: which view, which referral, meeting or follow-up is selected, the form.
#[derive(Clone, Debug, PartialEq)]
pub enum NavAction {
    Select(ReferralId),
    NewReferral,
    EditReferral(ReferralId),
    CloseForm,
    Show(View),
    SelectMeeting(MeetingId),
    SelectFollowUp(ReferralId),
    /// The queue's search needs every referral's problemstilling (read once, at the first
    /// search: the rows do not keep it).
    LoadSearch,
}

/// Referrals: registering, withdrawing, the demo data, and preparing them for the meeting.
#[derive(Clone, Debug, PartialEq)]
pub enum ReferralAction {
    SaveReferral {
        id: Option<ReferralId>,
        fields: Box<ReferralFields>,
        /// "Lagre og ny": the form opens again for the next referral.
        and_new: bool,
        /// The version the edit started from (`None` for a new referral).
        version: Option<i64>,
    },
    Withdraw {
        id: ReferralId,
        reason: String,
    },
    Reopen(ReferralId),
    FillDemo,
    DeclineDemo,
    /// The note for the meeting and the presenter of a referral.
    SavePreparation {
        referral: ReferralId,
        note: String,
        presenter: Option<crate::domain::meeting::MemberId>,
    },
    /// One discipline's provisional view (`None` clears it).
    SetProvisionalView {
        referral: ReferralId,
        profession: crate::domain::meeting::Profession,
        view: Option<crate::domain::preparation::Assessment>,
    },
}

/// The clinic's settings.
#[derive(Clone, Debug, PartialEq)]
pub enum ClinicAction {
    SaveSettings(Box<ClinicSettings>),
}

/// The team: one write each, then the planning reloads (the operation's own type).
pub use crate::ops::meetings::TeamChange as TeamAction;

/// Running a meeting: starting it, deciding, postponing, closing; each with its own handling
/// (meeting mode, the decision's rules, the close's summary).
#[derive(Clone, Debug, PartialEq)]
pub enum MeetingAction {
    /// Start (or continue) a meeting and open meeting mode.
    StartMeeting(MeetingId),
    Decide {
        meeting: MeetingId,
        referral: ReferralId,
        outcome: Outcome,
        extras: DecisionExtras,
        /// The form's key: the same decision sent twice is stored once.
        key: String,
        /// The decision this one corrects, as the form saw it.
        corrects: Option<crate::domain::records::DecisionId>,
    },
    Postpone {
        meeting: MeetingId,
        referral: ReferralId,
        deadline: NaiveDate,
    },
    CloseMeeting(MeetingId),
}

/// The Møter view's and meeting mode's simple meeting writes: one transaction each, a
/// message, and a reload of the planning (the operation's own type).
pub use crate::ops::meetings::PlanChange as PlanAction;

/// After the decision: the kartleggingssamtale, the track, the start of care (the
/// operation's own type).
pub use crate::ops::followups::FollowUpChange as FollowUpAction;

/// Printing and exporting (each write is access-logged).
#[derive(Clone, Debug, PartialEq)]
pub enum OutputAction {
    PrintAgenda {
        meeting: MeetingId,
        initials_only: bool,
    },
    PrintMinutes(MeetingId),
    /// A meeting's (or one referral's) letters: first what will be printed and what is
    /// missing.
    PrepareLetters(LetterTarget),
    /// Print the complete letters to one PDF; `mark_sent` marks them sent today.
    PrintLetters {
        target: LetterTarget,
        mark_sent: bool,
        /// A file chosen already (the documents folder after a cancelled dialog); else the
        /// save dialog asks.
        to: Option<PathBuf>,
    },
    CancelLetters,
    /// Show the complete letters as they will print, one at a time.
    PreviewLetters(LetterTarget),
    /// Mark the referral's printed, unsent letters (current decision) as sent today.
    MarkLettersSent(ReferralId),
    /// Write the electronic answers (Dialogmelding) for a meeting's decisions or one
    /// referral's into the clinic's folder for the message system.
    SendReplies(LetterTarget),
    /// Fristbrudd and forventet fristbrudd as CSV, for Helfo.
    ExportBreaches,
    /// The statistics table on screen as CSV.
    ExportStats,
}

/// Whose letters (the operations' own type).
pub use crate::ops::letters::LetterTarget;

/// Backups and restore.
#[derive(Clone, Debug, PartialEq)]
pub enum BackupAction {
    /// A backup now, to the backup folder.
    BackupNow,
    /// Ask before restoring from this backup (chosen in the file dialog).
    AskRestore(PathBuf),
    /// Replace the database with this (confirmed) backup; with the passphrase it was taken
    /// with when that is not the database's current one.
    RestoreFrom(PathBuf, Option<crate::ops::session::cipher::Passphrase>),
    /// Encrypt the plain database (`current` none), or change the passphrase of the
    /// encrypted one (`current` must be its passphrase); optionally remember the new key.
    Encrypt {
        current: Option<crate::ops::session::cipher::Passphrase>,
        new: crate::ops::session::cipher::Passphrase,
        remember: bool,
    },
    /// The backup folder (`None`: the default beside the database).
    SetBackupDir(Option<PathBuf>),
}
