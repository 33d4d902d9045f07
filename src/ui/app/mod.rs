//! The app shell: owns the store and the view models, draws the panels, and applies the
//! actions they emit — one transaction per action, after drawing.

mod backups;
mod commands;
mod frame;
mod import;
mod loading;
mod meeting_commands;
mod output;
mod state;
mod status_bar;

use super::action::{
    Action, BackupAction, ClinicAction, FollowUpAction, ImportAction, ImportJob, ImportOutcome,
    LetterTarget, MeetingAction, NavAction, OutputAction, PlanAction, ReferralAction, TeamAction,
    View,
};
use super::backup_view::Backups;
use super::detail_panel::{DetailView, WithdrawState};
use super::followup_view::FollowUpView;
use super::meeting_mode::MeetingMode;
use super::meetings_view::MeetingsView;
use super::queue_panel::QueuePanel;
use super::referral_form::ReferralForm;
use super::settings_view::SettingsView;
use super::stats_view::StatsView;
use crate::clock::Clock;
use crate::domain::ReferralId;
use crate::domain::settings::ClinicSettings;
use crate::followup::FollowUps;
use crate::ops::Change;
use crate::ops::documents::Document;
use crate::ops::session::{Integrity, Store};
use crate::planning::Planning;
use crate::queue::QueueModel;
use chrono::NaiveDate;
use state::{ChainCheck, Generations, Stale};
pub use state::{Loads, Preload};
use std::path::PathBuf;

/// A one-line message in the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Message {
    text: String,
    is_error: bool,
}

pub struct App {
    store: Store,
    clock: Clock,
    actor: String,
    settings: ClinicSettings,
    /// The closure days (date, label) for the date fields' calendars, made on reload.
    closures: std::sync::Arc<Vec<(NaiveDate, String)>>,
    queue: QueueModel,
    /// Bumped on every reload, so panels know when to refresh their caches.
    generation: u64,
    queue_panel: QueuePanel,
    selected: Option<ReferralId>,
    detail: Option<DetailView>,
    withdraw: WithdrawState,
    form: Option<ReferralForm>,
    settings_view: SettingsView,
    planning: Planning,
    meetings_view: MeetingsView,
    meeting_mode: MeetingMode,
    /// Loaded only for the views that show it (Oppfølging, meeting mode), once per reload:
    /// at 100,000 referrals it takes ~100 ms, too much to pay on every change elsewhere.
    follow_ups: FollowUps,
    follow_ups_generation: u64,
    follow_up_view: FollowUpView,
    stats_view: StatsView,
    /// Where printed PDFs go without a dialog (tests); `None`: ask with a save dialog.
    export_dir: Option<PathBuf>,
    last_pdf: Option<PathBuf>,
    last_export: Option<PathBuf>,
    /// A rendered PDF whose save dialog returned nothing (cancelled or unavailable).
    unsaved_pdf: Option<Document>,
    /// The meeting's letters, shown before they are printed (what is missing, mark sent).
    letters_prompt: Option<LettersPrompt>,
    /// The letters as they will print (rasterised pages of one letter at a time).
    letters_preview: Option<LettersPreview>,
    view: View,
    /// What the last writes made stale: reloaded before the next draw, part by part.
    stale: Stale,
    /// Bumped when that part reloads (`generation` is bumped by every reload).
    generations: Generations,
    /// How many times the queue and the planning were loaded (tests and benchmarks).
    loads: Loads,
    demo_offer: bool,
    /// The meeting schedule is laid out once the integrity check has passed.
    schedule_pending: bool,
    message: Option<Message>,
    styled: bool,
    /// The keyboard help (F1) is open.
    show_keys: bool,
    /// The queue's detail pane is shown (`None` until the first frame decides from the width).
    detail_open: Option<bool>,
    /// Whether the window was wide enough for the detail pane last frame (it folds and opens
    /// when the width crosses the fold width).
    detail_wide: Option<bool>,
    /// The top navigation's widgets this frame (meeting mode keeps the focus off them).
    nav_ids: Vec<egui::Id>,
    backups: Backups,
    encryption_view: crate::ui::encryption_view::EncryptionView,
    /// Where "Husk på denne maskinen" keeps the key (the OS credential store).
    vault: std::sync::Arc<dyn crate::vault::Vault + Sync>,
    /// Where the text size is remembered (`None`: not remembered, as in tests), and the size
    /// last saved there.
    prefs_path: Option<PathBuf>,
    saved_zoom: f32,
    /// The audit chain walk, started once the integrity check has passed.
    chain: ChainCheck,
    /// Henvisninger → "Importer…": the import dialog, while it is open.
    import: Option<super::import_view::ImportDialog>,
}

/// What "Brev" will print for a meeting, shown before printing.
#[derive(Clone, Debug)]
pub(super) struct LettersPrompt {
    pub target: LetterTarget,
    /// "Brev etter møtet 19.11.2026" / "Brev for henvisning H0000123".
    pub title: String,
    pub ready: usize,
    pub count_text: String,
    pub missing: Vec<String>,
    pub earlier: usize,
    pub mark_sent: bool,
    /// Set when the save dialog was cancelled or could not open: the documents folder file
    /// the bar offers instead.
    pub fallback: Option<std::path::PathBuf>,
}

/// The preview window: the letters that would print, the one shown, and its pages.
pub(super) struct LettersPreview {
    pub title: String,
    /// (what the list says: "Til pasient – Kari Nordmann", the letter).
    pub letters: Vec<(String, crate::letters::Letter)>,
    pub index: usize,
    /// The shown letter's pages: rasterised once, uploaded on the next frame.
    pub images: Vec<egui::ColorImage>,
    pub textures: Vec<egui::TextureHandle>,
    pub error: Option<String>,
}

impl LettersPrompt {
    /// What the bar says about `planned`: how many are ready, what the others miss, how many
    /// were printed before.
    pub fn new(
        target: LetterTarget,
        title: String,
        planned: &[crate::letters::PlannedLetter],
        mark_sent: bool,
        fallback: Option<std::path::PathBuf>,
    ) -> Self {
        let ready: Vec<_> = planned.iter().filter(|p| p.is_complete()).collect();
        let lists: Vec<_> = planned.iter().map(|p| p.missing.clone()).collect();
        Self {
            target,
            title,
            ready: ready.len(),
            count_text: crate::letters::count_text(&ready),
            missing: crate::domain::letter::missing_summary(&lists),
            earlier: ready
                .iter()
                .filter(|p| !p.earlier_text().is_empty())
                .count(),
            mark_sent,
            fallback,
        }
    }
}

impl LettersPreview {
    /// Rasterises letter `index` (about 20 ms a page); the textures follow on the next frame.
    pub fn show_letter(&mut self, index: usize) {
        self.index = index.min(self.letters.len().saturating_sub(1));
        self.textures.clear();
        self.images.clear();
        self.error = None;
        let Some((_, letter)) = self.letters.get(self.index) else {
            return;
        };
        match crate::letters::pdf::pages(&[letter], 1.5) {
            Ok(pages) => {
                self.images = pages
                    .into_iter()
                    .map(|p| {
                        egui::ColorImage::from_rgba_premultiplied(
                            [p.width as usize, p.height as usize],
                            &p.rgba_premultiplied,
                        )
                    })
                    .collect()
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }
}

impl App {
    /// Builds the app over an open store. Reads the database once, here.
    pub fn new(store: Store, clock: Clock, actor: String) -> Self {
        Self::with_queue(store, clock, actor, None)
    }

    /// Builds the app with the queue a [`Preload`] read while the window was being created
    /// (main starts it before eframe, so the 100,000-row read overlaps with making the
    /// window). If the preload failed, the queue is read here as in [`App::new`].
    pub fn with_preload(store: Store, clock: Clock, actor: String, preload: Preload) -> Self {
        let queue = preload.wait();
        Self::with_queue(store, clock, actor, queue)
    }

    fn with_queue(store: Store, clock: Clock, actor: String, queue: Option<QueueModel>) -> Self {
        let demo_offer = crate::ops::session::offers_demo(&store);
        let mut app = Self {
            store,
            clock,
            actor,
            settings: ClinicSettings::default(),
            closures: Default::default(),
            queue: QueueModel::default(),
            generation: 0,
            queue_panel: QueuePanel::default(),
            selected: None,
            detail: None,
            withdraw: WithdrawState::default(),
            form: None,
            settings_view: SettingsView::default(),
            planning: Planning::default(),
            meetings_view: MeetingsView::default(),
            meeting_mode: MeetingMode::default(),
            follow_ups: FollowUps::default(),
            follow_ups_generation: 0,
            follow_up_view: FollowUpView::default(),
            stats_view: StatsView::new(clock.today()),
            export_dir: None,
            last_pdf: None,
            last_export: None,
            unsaved_pdf: None,
            letters_prompt: None,
            letters_preview: None,
            view: View::Queue,
            stale: Stale::ALL,
            generations: Generations::default(),
            loads: Loads::default(),
            demo_offer,
            schedule_pending: false,
            message: None,
            styled: false,
            show_keys: false,
            detail_open: None,
            detail_wide: None,
            nav_ids: Vec::new(),
            backups: Backups::default(),
            encryption_view: Default::default(),
            vault: std::sync::Arc::new(crate::vault::OsVault),
            prefs_path: None,
            saved_zoom: 1.0,
            chain: ChainCheck::NotStarted,
            import: None,
        };
        // With a background integrity check still running, the first write (the schedule)
        // waits for it in `show`, so the queue can be read and shown meanwhile.
        if app.store.integrity() == Integrity::Checking {
            app.schedule_pending = true;
        } else {
            app.ensure_schedule();
        }
        if let Some(queue) = queue {
            app.queue = queue;
            app.loads.queue += 1;
            app.generations.referrals += 1;
            app.stale.referrals = false;
        }
        app.reload();
        app
    }

    /// Says what was found beside the database at start (the tidy at opening):
    /// the status bar's first message.
    pub fn tell_at_start(&mut self, notices: &[String]) {
        if !notices.is_empty() {
            self.info(notices.join(" "));
        }
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            is_error: false,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            is_error: true,
        });
    }

    /// Uses `vault` for "Husk på denne maskinen" (tests: an in-memory one).
    pub fn set_vault(&mut self, vault: std::sync::Arc<dyn crate::vault::Vault + Sync>) {
        self.vault = vault;
    }

    /// A notice in the status bar from before the window opened (a key that could not be
    /// remembered).
    pub fn show_notice(&mut self, text: String) {
        self.error(text);
    }

    /// Saves printed PDFs in `dir` without a dialog and without opening them (tests).
    pub fn set_export_dir(&mut self, dir: PathBuf) {
        self.export_dir = Some(dir);
    }

    pub fn last_pdf(&self) -> Option<&PathBuf> {
        self.last_pdf.as_ref()
    }

    pub fn last_export(&self) -> Option<&PathBuf> {
        self.last_export.as_ref()
    }

    pub fn follow_up_filter(&mut self, filter: super::CareFilter) {
        self.follow_up_view.set_filter(filter);
    }

    pub fn follow_up_rows(&self) -> usize {
        self.follow_up_view.visible_len()
    }

    pub fn planning(&self) -> &Planning {
        &self.planning
    }

    // Read access for tests.
    pub fn queue(&self) -> &QueueModel {
        &self.queue
    }

    /// Oppfølging's lists as loaded (tests).
    pub fn follow_ups(&self) -> &FollowUps {
        &self.follow_ups
    }

    /// Sets the queue's search and filters (benchmarks and tests).
    pub fn set_queue_filter(&mut self, filter: crate::queue::QueueFilter) {
        self.queue_panel.set_filter(filter);
    }

    pub fn visible_rows(&self) -> usize {
        self.queue_panel.visible_len()
    }

    pub fn selected(&self) -> Option<ReferralId> {
        self.selected
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// How many times the queue and the planning have been loaded.
    pub fn loads(&self) -> Loads {
        self.loads
    }

    pub fn view(&self) -> View {
        self.view
    }
}

impl App {
    /// Automatic backups in the real window (off in tests unless they ask).
    /// Remembers the text size (Ctrl+ / Ctrl− / Ctrl+0, or Innstillinger) in `path`, a UI
    /// preference outside the database, and starts with the size saved there.
    pub fn remember_text_size_in(&mut self, path: PathBuf) {
        self.saved_zoom = super::prefs::load(&path).zoom;
        self.prefs_path = Some(path);
    }

    /// The operations' context: this window's store and settings, this user, now.
    pub(super) fn ctx(&mut self) -> crate::ops::Ctx<'_> {
        crate::ops::Ctx {
            store: &mut self.store,
            settings: &self.settings,
            change: crate::ops::Change {
                actor: &self.actor,
                at: self.clock.now(),
            },
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.on_close();
    }
}
