//! The app's small state types: the queue preload, per-part generations and load counts,
//! which parts a write made stale, and the audit-chain walk.

use crate::queue::QueueModel;
use chrono::NaiveDate;

/// The queue read on a thread of its own while the window is being created.
pub struct Preload(std::thread::JoinHandle<Option<QueueModel>>);

impl Preload {
    /// Starts reading the referrals of the database at `path` on a read-only connection
    /// and building the queue for `today`.
    pub fn start(
        path: &std::path::Path,
        key: Option<&crate::ops::session::cipher::DbKey>,
        today: NaiveDate,
    ) -> Self {
        let path = path.to_path_buf();
        let key = key.cloned();
        Self(std::thread::spawn(move || {
            crate::model::preload_queue(&path, key.as_ref(), today)
        }))
    }

    pub(super) fn wait(self) -> Option<QueueModel> {
        self.0.join().ok().flatten()
    }
}

/// A counter per part of the view models: a view's cache keyed on the part it shows is not
/// thrown away when another part reloads (an unsaved settings draft survives ticking an
/// attendee; the follow-up lists are not reread after an agenda change).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Generations {
    pub(super) settings: u64,
    /// Referrals, decisions and follow-ups (every write that touches them marks them stale).
    pub(super) referrals: u64,
}

/// How many times each part was loaded from the database.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Loads {
    pub queue: usize,
    pub planning: usize,
}

/// Which parts of the view models a write made stale.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Stale {
    /// Clinic settings (the working-day rule changes every deadline: then all is stale).
    pub settings: bool,
    /// The referrals: the queue, and the planning built from it.
    pub referrals: bool,
    /// Meetings, agendas, the team, attendance, preparations: the planning only.
    pub meetings: bool,
}

impl Stale {
    pub const ALL: Self = Self {
        settings: true,
        referrals: true,
        meetings: true,
    };
    pub const MEETINGS: Self = Self {
        settings: false,
        referrals: false,
        meetings: true,
    };

    pub(super) fn or(self, other: Self) -> Self {
        Self {
            settings: self.settings || other.settings,
            referrals: self.referrals || other.referrals,
            meetings: self.meetings || other.meetings,
        }
    }

    pub(super) fn any(self) -> bool {
        self.settings || self.referrals || self.meetings
    }
}

/// The window's walk of the audit log's hash chain.
pub(super) enum ChainCheck {
    /// Waits for the integrity check.
    NotStarted,
    Running(std::sync::mpsc::Receiver<Result<usize, crate::ops::backup::ChainError>>),
    /// `Some` when the chain is broken: a red line in the status bar (the file stays usable).
    Done(Option<String>),
}
