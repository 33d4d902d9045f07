//! The app shell: owns the store and the view models, draws the panels, and applies the
//! actions they emit — one transaction per action, after drawing.

use super::backup_view::{Backups, Finished};
use super::detail_panel::{self, DetailView, WithdrawState};
use super::followup_view::FollowUpView;
use super::meeting_mode::MeetingMode;
use super::meetings_view::MeetingsView;
use super::queue_panel::QueuePanel;
use super::referral_form::ReferralForm;
use super::settings_view::SettingsView;
use super::stats_view::StatsView;
use super::theme;
use crate::agenda::pdf;
use crate::calendar::{format_date_weekday, weekday_name_nb};
use crate::clock::Clock;
use crate::demo;
use crate::domain::decision::{Outcome, Track};
use crate::domain::meeting::{MeetingId, MemberId, Profession};
use crate::domain::settings::ClinicSettings;
use crate::domain::{Field, FieldError, ReferralFields, ReferralId};
use crate::followup::FollowUps;
use crate::planning::{self, Planning, PrintOptions};
use crate::queue::QueueModel;
use crate::store::audit::OutputLog;
use crate::store::decisions::{self, DecisionExtras, NewDecision};
use crate::store::followups::{self, CareStart};
use crate::store::meetings::{self, StoredItem};
use crate::store::referrals::{self, Change};
use crate::store::{Integrity, Store, StoreError, audit, settings};
use chrono::{Datelike, NaiveDate, NaiveTime};
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

/// What panels ask the app to do. Collected while drawing, applied at the end of the frame.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Select(ReferralId),
    NewReferral,
    EditReferral(ReferralId),
    SaveReferral {
        id: Option<ReferralId>,
        fields: ReferralFields,
        /// "Lagre og ny": the form opens again for the next referral.
        and_new: bool,
    },
    CloseForm,
    Withdraw {
        id: ReferralId,
        reason: String,
    },
    Reopen(ReferralId),
    SaveSettings(ClinicSettings),
    FillDemo,
    DeclineDemo,
    Show(View),
    SelectMeeting(MeetingId),
    /// Stores a meeting's agenda as given (accept, add, remove, reorder).
    SetAgenda {
        meeting: MeetingId,
        items: Vec<StoredItem>,
        action: &'static str,
    },
    ResetAgenda(MeetingId),
    AddExtraMeeting {
        date: NaiveDate,
        time: NaiveTime,
    },
    MoveMeeting {
        id: MeetingId,
        date: NaiveDate,
        time: NaiveTime,
    },
    SetCancelled {
        id: MeetingId,
        cancelled: bool,
    },
    SetLeader {
        id: MeetingId,
        leader: Option<MemberId>,
    },
    SetAttendance {
        id: MeetingId,
        member: MemberId,
        present: bool,
    },
    AddMember {
        name: String,
        profession: Profession,
    },
    SetMemberActive {
        id: MemberId,
        active: bool,
    },
    PrintAgenda {
        meeting: MeetingId,
        initials_only: bool,
    },
    /// Start (or continue) a meeting and open meeting mode.
    StartMeeting(MeetingId),
    Decide {
        meeting: MeetingId,
        referral: ReferralId,
        outcome: Outcome,
        extras: DecisionExtras,
    },
    Postpone {
        meeting: MeetingId,
        referral: ReferralId,
        deadline: NaiveDate,
    },
    /// Take a postponement back at the same meeting.
    TakeBackPostponement {
        meeting: MeetingId,
        referral: ReferralId,
    },
    CloseMeeting(MeetingId),
    ReopenMeeting {
        id: MeetingId,
        reason: String,
    },
    PrintMinutes(MeetingId),
    SelectFollowUp(ReferralId),
    /// The kartleggingssamtale is reported back: the referral goes to til ny vurdering.
    ReportMapping {
        referral: ReferralId,
        date: NaiveDate,
        summary: String,
    },
    /// A track choice after kartlegging (at a meeting) or an upgrade to tverrfaglig.
    ChangeTrack {
        referral: ReferralId,
        meeting: Option<MeetingId>,
        track: Track,
        note: String,
    },
    SetCareStart {
        referral: ReferralId,
        care: CareStart,
    },
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
    /// Fristbrudd and forventet fristbrudd as CSV, for Helfo.
    ExportBreaches,
    /// The statistics table on screen as CSV.
    ExportStats,
    /// A backup now, to the backup folder.
    BackupNow,
    /// Replace the database with this (confirmed) backup.
    RestoreFrom(PathBuf),
    /// The backup folder (`None`: the default beside the database).
    SetBackupDir(Option<PathBuf>),
}

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
    unsaved_pdf: Option<(String, Vec<u8>, OutputLog)>,
    view: View,
    /// The store changed: reload the view models before the next draw.
    dirty: bool,
    demo_offer: bool,
    /// The meeting schedule is laid out once the integrity check has passed.
    schedule_pending: bool,
    message: Option<Message>,
    styled: bool,
    /// The keyboard help (F1) is open.
    show_keys: bool,
    /// The queue's detail pane is shown (`None` until the first frame decides from the width).
    detail_open: Option<bool>,
    /// The top navigation's widgets this frame (meeting mode keeps the focus off them).
    nav_ids: Vec<egui::Id>,
    backups: Backups,
    /// Where the text size is remembered (`None`: not remembered, as in tests), and the size
    /// last saved there.
    prefs_path: Option<PathBuf>,
    saved_zoom: f32,
    /// The audit chain walk, started once the integrity check has passed.
    chain: ChainCheck,
}

/// The window's walk of the audit log's hash chain.
enum ChainCheck {
    /// Waits for the integrity check.
    NotStarted,
    Running(std::sync::mpsc::Receiver<Result<usize, audit::ChainError>>),
    /// `Some` when the chain is broken: a red line in the status bar (the file stays usable).
    Done(Option<String>),
}

impl App {
    /// Builds the app over an open store. Reads the database once, here.
    pub fn new(store: Store, clock: Clock, actor: String) -> Self {
        let demo_offer = settings::get(store.conn(), settings::KEY_DEMO_OFFERED)
            .ok()
            .flatten()
            .is_none()
            && referrals::count(store.conn()).unwrap_or(0) == 0;
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
            view: View::Queue,
            dirty: true,
            demo_offer,
            schedule_pending: false,
            message: None,
            styled: false,
            show_keys: false,
            detail_open: None,
            nav_ids: Vec::new(),
            backups: Backups::default(),
            prefs_path: None,
            saved_zoom: 1.0,
            chain: ChainCheck::NotStarted,
        };
        // With a background integrity check still running, the first write (the schedule)
        // waits for it in `show`, so the queue can be read and shown meanwhile.
        if app.store.integrity() == Integrity::Checking {
            app.schedule_pending = true;
        } else {
            app.ensure_schedule();
        }
        app.reload();
        app
    }

    /// Lays out the schedule's meetings for the coming weeks (idempotent).
    fn ensure_schedule(&mut self) {
        if self.store.read_only().is_some() {
            return; // the status bar says why nothing can be written
        }
        let today = self.clock.today();
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let result = self.store.write(|tx| {
            let s = settings::load(tx)?;
            meetings::ensure_schedule(tx, &s, today, change)
        });
        if let Err(e) = result {
            self.error(format!("Kunne ikke legge opp møteplanen: {e}"));
        }
    }

    /// The only place that reads the database for the views.
    fn reload(&mut self) {
        self.dirty = false;
        self.generation += 1;
        let today = self.clock.today();
        let loaded = settings::load(self.store.conn())
            .and_then(|s| Ok((s, referrals::all(self.store.conn())?)));
        match loaded {
            Ok((s, all)) => {
                self.queue = QueueModel::build(all, s.working_day_rule(), today);
                match planning::load(self.store.conn(), &s, &self.queue, today) {
                    Ok(p) => self.planning = p,
                    Err(e) => self.error(format!("Kunne ikke lese møtene: {e}")),
                }
                self.queue.set_meetings(&self.planning.upcoming_dates());
                self.closures = std::sync::Arc::new(
                    s.closure_days
                        .iter()
                        .map(|c| (c.date, c.label.clone()))
                        .collect(),
                );
                self.settings = s;
                let dir = settings::get(self.store.conn(), settings::KEY_BACKUP_DIR)
                    .ok()
                    .flatten();
                self.backups.set_dir(self.store.path(), dir.as_deref());
            }
            Err(e) => self.error(format!("Kunne ikke lese databasen: {e}")),
        }
        self.load_detail();
    }

    fn load_follow_ups(&mut self) {
        self.follow_ups_generation = self.generation;
        match crate::followup::load(self.store.conn(), self.clock.today()) {
            Ok(f) => self.follow_ups = f,
            Err(e) => self.error(format!("Kunne ikke lese oppfølgingslistene: {e}")),
        }
    }

    /// The detail pane's decision summary: the current decision, the mapping report, track
    /// changes and the start of care.
    fn decision_lines(&self, id: ReferralId) -> Vec<String> {
        use crate::calendar::format_date;
        let conn = self.store.conn();
        let mut lines = Vec::new();
        if let Ok(Some(d)) = decisions::current(conn, id) {
            let corrected = decisions::history(conn, id).map_or(0, |h| h.len().saturating_sub(1));
            let note = if corrected > 0 {
                format!(" (rettet {corrected} gang(er))")
            } else {
                String::new()
            };
            lines.push(format!(
                "Vedtak {}: {}{note}",
                format_date(d.decided_on),
                planning::outcome_text(&d.outcome)
            ));
        }
        if let Ok(Some(m)) = followups::mapping_report(conn, id) {
            let summary = if m.summary.is_empty() {
                String::new()
            } else {
                format!(": {}", m.summary)
            };
            lines.push(format!(
                "Kartlegging meldt tilbake {}{summary}",
                format_date(m.reported_on)
            ));
        }
        for t in followups::track_history(conn, id).unwrap_or_default() {
            lines.push(format!(
                "Forløp endret {}: {} → {}",
                format_date(t.decided_on),
                t.from.label_nb(),
                t.to.label_nb()
            ));
        }
        if let Ok(care) = followups::care_start(conn, id) {
            match (care.started, care.booked) {
                (Some(s), _) => lines.push(format!("Oppstart {}", format_date(s))),
                (None, Some(b)) => lines.push(format!("Planlagt oppstart {}", format_date(b))),
                (None, None) => {}
            }
        }
        lines
    }

    fn load_detail(&mut self) {
        self.detail = self.selected.and_then(|id| {
            let referral = referrals::get(self.store.conn(), id).ok()?;
            let history = audit::for_entity(self.store.conn(), audit::ENTITY_REFERRAL, id.0)
                .unwrap_or_default();
            let mut view = DetailView::new(
                referral,
                history,
                self.settings.working_day_rule(),
                self.clock.today(),
            );
            view.renewal = self.queue.renewal(id);
            view.decision_lines = self.decision_lines(id);
            match crate::store::preparations::get(self.store.conn(), id) {
                Ok(p) => view.preparation = Some(p),
                Err(e) => view.preparation_error = Some(e.to_string()),
            }
            view.decided_as = decisions::current(self.store.conn(), id)
                .ok()
                .flatten()
                .and_then(|d| crate::domain::preparation::Assessment::of_decision(&d.outcome));
            Some(view)
        });
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

    /// The whole window. `eframe::App::ui` calls this; tests and benchmarks call it directly.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        if !self.styled {
            theme::apply(ui.ctx());
            ui.ctx().set_zoom_factor(self.saved_zoom);
            self.styled = true;
        }
        self.remember_text_size(ui.ctx());
        // The date fields read "today" and the working-day rule from here (for "i dag", "+3").
        super::set_context(
            ui.ctx(),
            super::DateContext {
                today: self.clock.today(),
                rule: self.settings.working_day_rule(),
                closures: self.closures.clone(),
            },
        );
        match self.store.integrity() {
            Integrity::Checking => ui
                .ctx()
                .request_repaint_after(std::time::Duration::from_millis(50)),
            Integrity::Ok if self.schedule_pending => {
                self.schedule_pending = false;
                self.ensure_schedule();
                self.dirty = true;
            }
            Integrity::Ok => {}
            Integrity::Damaged(message) => {
                // Nothing may be written; say so over everything else.
                egui::Modal::new(egui::Id::unique("damaged")).show(ui.ctx(), |ui| {
                    ui.set_max_width(520.0);
                    ui.heading("Databasen kan ikke brukes");
                    ui.colored_label(theme::ERROR_TEXT, message);
                });
                return;
            }
        }
        if self.dirty {
            self.reload();
        }
        self.backups_tick(ui.ctx());
        if matches!(self.view, View::FollowUp | View::MeetingMode)
            && self.follow_ups_generation != self.generation
        {
            self.load_follow_ups();
        }
        let mut actions = Vec::new();
        self.shortcuts(ui.ctx(), &mut actions);

        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui, &mut actions));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui));
        match self.view {
            View::Queue => {
                // The detail pane folds away on a narrow screen (and on request), so the
                // queue's columns get the room.
                let open = *self
                    .detail_open
                    .get_or_insert(ui.ctx().content_rect().width() >= theme::DETAIL_FOLD_WIDTH);
                if open {
                    egui::Panel::right("detail")
                        .resizable(true)
                        .default_size(theme::DETAIL_PANEL_WIDTH)
                        .min_size(theme::DETAIL_PANEL_WIDTH)
                        .show(ui, |ui| {
                            if ui
                                .small_button("Skjul detaljer ▶")
                                .on_hover_text("Gi køen hele bredden")
                                .clicked()
                            {
                                self.detail_open = Some(false);
                            }
                            match &self.detail {
                                Some(detail) => detail_panel::ui(
                                    ui,
                                    detail,
                                    &self.planning.members,
                                    &mut self.withdraw,
                                    &mut actions,
                                ),
                                None => detail_panel::empty_ui(ui),
                            }
                        });
                } else {
                    egui::Panel::right("detail_folded")
                        .resizable(false)
                        .show(ui, |ui| {
                            if ui.button("◀ Detaljer").clicked() {
                                self.detail_open = Some(true);
                            }
                        });
                }
                egui::CentralPanel::default().show(ui, |ui| {
                    self.queue_panel.ui(
                        ui,
                        &self.queue,
                        self.generation,
                        self.selected,
                        &mut actions,
                    );
                });
            }
            View::Meetings => {
                let today = self.clock.today();
                self.meetings_view.ui(
                    ui,
                    &self.planning,
                    &self.queue,
                    today,
                    &self.settings,
                    &mut actions,
                );
            }
            View::MeetingMode => {
                let view = self
                    .meeting_mode
                    .meeting()
                    .and_then(|id| self.planning.find(id));
                match view {
                    Some(view) => {
                        let (rule, today) = (self.settings.working_day_rule(), self.clock.today());
                        let reasons = self.settings.all_avslag_reasons();
                        let next_meeting = self
                            .planning
                            .upcoming
                            .iter()
                            .map(|v| v.meeting.date)
                            .filter(|d| *d > view.meeting.date)
                            .min();
                        self.meeting_mode.ui(
                            ui,
                            view,
                            next_meeting,
                            &self.queue,
                            &self.follow_ups,
                            &self.planning.members,
                            &reasons,
                            rule,
                            today,
                            &mut actions,
                        );
                    }
                    None => {
                        egui::CentralPanel::default().show(ui, |ui| {
                            ui.label("Møtet er ikke lenger et kommende møte.");
                        });
                    }
                }
            }
            View::FollowUp => {
                self.follow_up_view.ui(
                    ui,
                    &self.follow_ups,
                    self.generation,
                    self.clock.today(),
                    &mut actions,
                );
            }
            View::Statistics => {
                egui::CentralPanel::default().show(ui, |ui| {
                    self.stats_view.ui(
                        ui,
                        self.store.conn(),
                        self.generation,
                        self.settings.working_day_rule(),
                        self.clock.today(),
                        &mut actions,
                    );
                });
            }
            View::Settings => {
                egui::CentralPanel::default().show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        self.settings_view.ui(
                            ui,
                            &self.settings,
                            self.generation,
                            self.clock.today(),
                            &self.planning.members,
                            &mut actions,
                        );
                        ui.separator();
                        let read_only = self.store.read_only().is_some();
                        self.backups.ui(ui, read_only, &mut actions);
                    });
                });
            }
        }
        if let Some(form) = &mut self.form {
            let rule = self.settings.working_day_rule();
            form.ui(
                ui.ctx(),
                self.clock.today(),
                rule,
                &self.queue,
                &mut actions,
            );
        }
        if self.demo_offer {
            self.demo_offer_ui(ui.ctx(), &mut actions);
        }
        if self.show_keys {
            self.keys_help_ui(ui.ctx());
        }
        // In meeting mode Tab stays in the decision form: focus that lands on the top
        // navigation goes to the form's first field instead (the meeting keys keep working,
        // and Enter never leaves the meeting by activating a tab).
        if self.view == View::MeetingMode
            && let Some(focused) = ui.ctx().memory(|m| m.focused())
            && self.nav_ids.contains(&focused)
        {
            match self.meeting_mode.first_field() {
                Some(first) => ui.ctx().memory_mut(|m| m.request_focus(first)),
                None => ui.ctx().memory_mut(|m| m.surrender_focus(focused)),
            }
            ui.ctx().request_repaint();
        }
        for action in actions {
            self.apply(action);
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        // F1 (or ? outside a text field) shows every key of the current view.
        let typing = ctx.text_edit_focused();
        let help = ctx.input(|i| {
            i.key_pressed(egui::Key::F1) || (!typing && i.key_pressed(egui::Key::Questionmark))
        });
        if help {
            self.show_keys = !self.show_keys;
        }
        if self.show_keys {
            if ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
                self.show_keys = false;
            }
            // Nothing behind the help reacts to this frame's keys.
            ctx.input_mut(|i| {
                i.events
                    .retain(|e| !matches!(e, egui::Event::Key { .. } | egui::Event::Text(_)))
            });
            return;
        }
        let new = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::N);
        if self.form.is_none() && ctx.input_mut(|i| i.consume_shortcut(&new)) {
            actions.push(Action::NewReferral);
        }
    }

    /// The keys of the current view, in a window over everything (F1 or ? to open, Esc to close).
    fn keys_help_ui(&mut self, ctx: &egui::Context) {
        let (title, keys): (&str, &[(&str, &str)]) = match self.view {
            View::MeetingMode => (
                "Møtemodus",
                &[
                    (
                        "R A V F S",
                        "utfall: rett, avslag, videresendt, feilsendt, sekundær",
                    ),
                    (
                        "M T K",
                        "forløp: monofaglig (lege), tverrfaglig (sekvensiell), kartlegging",
                    ),
                    ("1–9", "avslagsgrunn; markøren går til rådet til fastlegen"),
                    ("V", "videresendt; markøren går til «Til enhet»"),
                    ("Enter", "lagre og gå til neste punkt"),
                    ("U", "utsett til neste møte"),
                    ("L", "avslutt møtet (spør først: J ja, Esc avbryt)"),
                    ("↑ ↓ PgUp PgDn", "forrige / neste punkt"),
                    ("Tab", "neste felt i skjemaet"),
                    ("Esc", "ut av et tekstfelt; ellers tilbake til Møter"),
                ],
            ),
            View::Queue => (
                "Henvisninger",
                &[
                    ("Ctrl+N", "ny henvisning"),
                    ("Ctrl+F", "søk"),
                    ("↑ ↓", "flytt i køen"),
                    ("Ctrl+Enter", "lagre skjemaet"),
                    ("Esc", "lukk skjemaet"),
                ],
            ),
            View::Meetings => (
                "Møter",
                &[
                    ("Ctrl+Enter", "start eller fortsett det valgte møtet"),
                    (
                        "Enter",
                        "bekreft «Start likevel» når møtet startes en annen dag",
                    ),
                    ("Esc", "avbryt spørsmålet"),
                    ("Ctrl+N", "ny henvisning"),
                ],
            ),
            _ => ("Inntak", &[("Ctrl+N", "ny henvisning")]),
        };
        let modal = egui::Modal::new(egui::Id::unique("keys_help")).show(ctx, |ui| {
            ui.set_max_width(560.0);
            ui.heading(format!("Taster – {title}"));
            egui::Grid::new("keys_help_grid")
                .num_columns(2)
                .spacing([16.0, 6.0])
                .show(ui, |ui| {
                    for (key, what) in keys.iter().chain([("F1  ?", "denne oversikten")].iter()) {
                        ui.strong(*key);
                        ui.label(*what);
                        ui.end_row();
                    }
                });
            ui.add_space(8.0);
            if ui.button("Lukk (Esc)").clicked() {
                self.show_keys = false;
            }
        });
        if modal.should_close() {
            self.show_keys = false;
        }
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        self.nav_ids.clear();
        ui.horizontal(|ui| {
            ui.heading("Inntak");
            ui.separator();
            for (view, label) in [
                (View::Queue, "Henvisninger"),
                (View::Meetings, "Møter"),
                (View::FollowUp, "Oppfølging"),
                (View::Statistics, "Statistikk"),
                (View::Settings, "Innstillinger"),
            ] {
                let response = ui.selectable_label(self.view == view, label);
                self.nav_ids.push(response.id);
                if response.clicked() {
                    actions.push(Action::Show(view));
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .small_button("Taster (F1)")
                    .on_hover_text("Alle tastene i denne visningen")
                    .clicked()
                {
                    self.show_keys = true;
                }
                let today = self.clock.today();
                let fixed = if self.clock.is_fixed() {
                    " (fast dato)"
                } else {
                    ""
                };
                ui.label(format!(
                    "I dag: {} {} uke {}{fixed}",
                    weekday_name_nb(today.weekday()),
                    crate::calendar::format_date(today),
                    today.iso_week().week()
                ));
                ui.separator();
                ui.label(&self.settings.clinic_name);
            });
        });
    }

    fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        if self.unsaved_pdf.is_some() {
            let folder = Self::fallback_export_dir();
            ui.horizontal(|ui| {
                ui.colored_label(
                    theme::ERROR_TEXT,
                    "PDF-en ble ikke lagret (avbrutt, eller lagringsdialogen kunne ikke åpnes).",
                );
                if let Some(dir) = &folder
                    && ui.button(format!("Lagre i {}", dir.display())).clicked()
                    && let Some((name, bytes, log)) = self.unsaved_pdf.take()
                {
                    self.save_pdf(dir.join(name), &bytes, log);
                }
                if ui.button("Forkast").clicked() {
                    self.unsaved_pdf = None;
                }
            });
        }
        if let Some(why) = self.store.read_only() {
            ui.colored_label(theme::WARNING_TEXT, format!("Bare lesing: {why}"));
        }
        if let ChainCheck::Done(Some(broken)) = &self.chain {
            ui.colored_label(theme::ERROR_TEXT, broken);
        }
        ui.horizontal(|ui| {
            match &self.message {
                Some(m) if m.is_error => ui.colored_label(theme::ERROR_TEXT, &m.text),
                Some(m) => ui.colored_label(theme::OK_TEXT, &m.text),
                None => ui.colored_label(theme::MUTED_TEXT, "Klar"),
            };
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.colored_label(theme::MUTED_TEXT, self.store.path().display().to_string());
            });
        });
    }

    fn demo_offer_ui(&self, ctx: &egui::Context, actions: &mut Vec<Action>) {
        egui::Modal::new(egui::Id::unique("demo_offer")).show(ctx, |ui| {
            ui.set_max_width(460.0);
            ui.heading("Velkommen til Inntak");
            ui.label(format!(
                "Databasen er ny og tom:\n{}\n\nVil du fylle den med fiktive demodata (ca. {} \
                 henvisninger fra de to siste årene) for å prøve programmet? Alle navn er oppdiktet.",
                self.store.path().display(),
                demo::DEFAULT_REFERRALS
            ));
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Fyll med demodata").clicked() {
                    actions.push(Action::FillDemo);
                }
                if ui.button("Start med tom database").clicked() {
                    actions.push(Action::DeclineDemo);
                }
            });
        });
    }

    /// Applies one action; each write is one transaction, each error shown once.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Select(id) => {
                if self.selected != Some(id) {
                    self.selected = Some(id);
                    self.withdraw = WithdrawState::default();
                    self.load_detail();
                }
            }
            Action::NewReferral => {
                self.form = Some(ReferralForm::new_referral(self.clock.today()));
            }
            Action::EditReferral(id) => match referrals::get(self.store.conn(), id) {
                Ok(r) => self.form = Some(ReferralForm::edit(&r)),
                Err(e) => self.error(e.to_string()),
            },
            Action::CloseForm => self.form = None,
            Action::SaveReferral {
                id,
                fields,
                and_new,
            } => self.save_referral(id, fields, and_new),
            Action::Withdraw { id, reason } => {
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                match self
                    .store
                    .write(|tx| referrals::withdraw(tx, id, &reason, change))
                {
                    Ok(()) => {
                        self.withdraw = WithdrawState::default();
                        self.info("Henvisningen er trukket");
                        self.dirty = true;
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
            Action::Reopen(id) => {
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                match self.store.write(|tx| referrals::reopen(tx, id, change)) {
                    Ok(()) => {
                        self.info("Henvisningen er gjenåpnet og står i køen igjen");
                        self.dirty = true;
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
            Action::SaveSettings(new) => {
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                let today = self.clock.today();
                let result = self
                    .store
                    .write(|tx| meetings::save_settings_and_reschedule(tx, &new, today, change));
                match result {
                    Ok(()) => {
                        self.info("Innstillingene er lagret");
                        self.dirty = true;
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
            Action::FillDemo => {
                self.demo_offer = false;
                let (rule, today) = (self.settings.working_day_rule(), self.clock.today());
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                let filled = self.store.write(|tx| {
                    settings::put(tx, settings::KEY_DEMO_OFFERED, "1")?;
                    let (count, seed) = (demo::DEFAULT_REFERRALS, demo::DEFAULT_SEED);
                    demo::insert(tx, count, seed, today, rule, change)
                });
                match filled {
                    Ok(n) => self.info(format!("La inn {n} fiktive henvisninger")),
                    Err(e) => self.error(e.to_string()),
                }
                self.dirty = true;
            }
            Action::DeclineDemo => {
                self.demo_offer = false;
                if let Err(e) = self
                    .store
                    .write(|tx| Ok(settings::put(tx, settings::KEY_DEMO_OFFERED, "1")?))
                {
                    self.error(e.to_string());
                }
            }
            Action::Show(view) => {
                if self.view == View::MeetingMode
                    && view != View::MeetingMode
                    && let Some(patient) = self.meeting_mode.unsaved(&self.queue)
                {
                    self.info(format!(
                        "Det påbegynte vedtaket for {patient} er ikke lagret ennå; det står \
                         klart når du fortsetter møtet."
                    ));
                }
                self.view = view;
            }
            Action::BackupNow => {
                if self.backups.start(self.store.path(), true) {
                    self.info("Tar sikkerhetskopi …");
                }
            }
            Action::RestoreFrom(file) => self.restore_from(&file),
            Action::SetBackupDir(dir) => {
                let value = dir.map(|d| d.display().to_string()).unwrap_or_default();
                match self
                    .store
                    .write(|tx| Ok(settings::put(tx, settings::KEY_BACKUP_DIR, &value)?))
                {
                    Ok(()) => {
                        self.backups.set_dir(self.store.path(), Some(&value));
                        self.info(format!(
                            "Sikkerhetskopier lagres i {}",
                            self.backups.dir().display()
                        ));
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
            Action::SelectMeeting(id) => self.meetings_view.select(id),
            Action::PrintAgenda {
                meeting,
                initials_only,
            } => self.print_agenda(meeting, initials_only, false),
            Action::PrintMinutes(meeting) => self.print_agenda(meeting, false, true),
            Action::StartMeeting(id) => self.start_meeting(id),
            Action::Decide {
                meeting,
                referral,
                outcome,
                extras,
            } => self.decide(meeting, referral, &outcome, &extras),
            Action::Postpone {
                meeting,
                referral,
                deadline,
            } => {
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                match self
                    .store
                    .write(|tx| meetings::postpone(tx, meeting, referral, deadline, change))
                {
                    Ok(_) => {
                        self.info("Utsatt til neste møte");
                        self.dirty = true;
                    }
                    Err(e) => self.meeting_mode.refuse(referral, e.to_string()),
                }
            }
            Action::CloseMeeting(id) => {
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                match self.store.write(|tx| meetings::close(tx, id, change)) {
                    Ok(moved) => {
                        self.info(format!(
                            "Møtet er avsluttet; {moved} ikke avgjorte er flyttet til neste møte"
                        ));
                        self.view = View::Meetings;
                        self.dirty = true;
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
            Action::SelectFollowUp(id) => {
                self.follow_up_view
                    .select(&self.follow_ups, id, self.clock.today());
            }
            Action::ExportBreaches => {
                if self.follow_ups_generation != self.generation {
                    self.load_follow_ups();
                }
                let today = self.clock.today();
                let rows = self.follow_ups.reportable();
                let n = rows.len();
                match crate::followup::breach_csv(&rows, today) {
                    Ok(bytes) => {
                        let log = OutputLog::new(audit::EXPORT_BREACHES, n);
                        self.export_csv(&format!("fristbrudd-{today}.csv"), &bytes, n, log)
                    }
                    Err(e) => self.error(format!("Kunne ikke lage CSV: {e}")),
                }
            }
            Action::ExportStats => {
                let Some(report) = self.stats_view.report() else {
                    return self.error("Ingen statistikk å eksportere");
                };
                let name = format!(
                    "statistikk-{}.csv",
                    report.period.label_nb().replace([' ', '.', '–'], "-")
                );
                let n = crate::stats::lines(report).len();
                match crate::stats::to_csv(report) {
                    Ok(bytes) => {
                        let mut log = OutputLog::new(audit::EXPORT_STATS, 0);
                        log.extra = serde_json::json!({ "periode": report.period.label_nb() });
                        self.export_csv(&name, &bytes, n, log)
                    }
                    Err(e) => self.error(format!("Kunne ikke lage CSV: {e}")),
                }
            }
            action @ (Action::ReportMapping { .. }
            | Action::ChangeTrack { .. }
            | Action::SetCareStart { .. }) => self.apply_follow_up(action),
            Action::SavePreparation {
                referral,
                note,
                presenter,
            } => {
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                let result = self.store.write(|tx| {
                    crate::store::preparations::save(tx, referral, &note, presenter, change)
                });
                match result {
                    Ok(()) => {
                        self.info("Forberedelsen er lagret");
                        self.dirty = true;
                    }
                    Err(e) => self.error(format!("Forberedelsen ble ikke lagret: {e}")),
                }
            }
            Action::SetProvisionalView {
                referral,
                profession,
                view,
            } => {
                let change = Change {
                    actor: &self.actor,
                    at: self.clock.now(),
                };
                let result = self.store.write(|tx| {
                    crate::store::preparations::set_view(tx, referral, profession, view, change)
                });
                match result {
                    Ok(()) => {
                        self.info(format!(
                            "Foreløpig vurdering ({}) lagret",
                            profession.label_nb().to_lowercase()
                        ));
                        self.dirty = true;
                    }
                    Err(e) => self.error(e.to_string()),
                }
            }
            other => self.apply_meeting_write(other),
        }
    }

    /// Follow-up writes: one transaction each, then a reload.
    fn apply_follow_up(&mut self, action: Action) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        // A decision is dated the day it is made (a meeting run early or reopened later
        // says so in its minutes).
        let on = self.clock.today();
        let result = self.store.write(|tx| match &action {
            Action::ReportMapping {
                referral,
                date,
                summary,
            } => followups::report_mapping(tx, *referral, *date, summary, change),
            Action::ChangeTrack {
                referral,
                meeting,
                track,
                note,
            } => followups::change_track(tx, *referral, *meeting, on, *track, note, change),
            Action::SetCareStart { referral, care } => {
                followups::set_care_start(tx, *referral, *care, change)
            }
            _ => Ok(()),
        });
        if let Err(e) = result {
            return self.error(e.to_string());
        }
        let name = |id: ReferralId| {
            self.queue
                .row(id)
                .map_or(String::new(), |r| r.patient.clone())
        };
        let text = match &action {
            Action::ReportMapping { referral, .. } => {
                self.follow_up_view.report_done();
                format!("{} er sendt til ny vurdering", name(*referral))
            }
            Action::ChangeTrack {
                referral,
                meeting,
                track,
                ..
            } => {
                if meeting.is_some() {
                    self.meeting_mode.advance();
                }
                format!("Forløp lagret: {} – {}", name(*referral), track.label_nb())
            }
            Action::SetCareStart { referral, .. } => {
                format!("Oppstart lagret for {}", name(*referral))
            }
            _ => String::new(),
        };
        self.info(text);
        self.dirty = true;
    }

    /// Writes a CSV file (save dialog, or `export_dir`, or the documents folder when no dialog
    /// can open) and says how many rows it holds.
    fn export_csv(&mut self, name: &str, bytes: &[u8], rows: usize, log: OutputLog) {
        let path = match &self.export_dir {
            Some(dir) => dir.join(name),
            None => match rfd::FileDialog::new()
                .set_file_name(name)
                .add_filter("CSV", &["csv"])
                .save_file()
            {
                Some(p) => p,
                None => match Self::fallback_export_dir() {
                    Some(dir) => dir.join(name),
                    None => return self.error("Fant ingen mappe å lagre CSV-filen i"),
                },
            },
        };
        match self.write_output(&path, bytes, log) {
            Ok(()) => {
                self.last_export = Some(path.clone());
                self.info(format!("{rows} rader eksportert til {}", path.display()));
            }
            Err(e) => self.error(e),
        }
    }

    /// Starts a planned meeting (storing its proposed agenda) or continues one in progress,
    /// and opens meeting mode.
    fn start_meeting(&mut self, id: MeetingId) {
        let Some(view) = self.planning.find(id) else {
            return;
        };
        if view.meeting.status == crate::domain::meeting::MeetingStatus::Planlagt {
            let proposal = view.stored_items();
            let change = Change {
                actor: &self.actor,
                at: self.clock.now(),
            };
            if let Err(e) = self
                .store
                .write(|tx| meetings::start(tx, id, &proposal, change))
            {
                return self.error(e.to_string());
            }
            self.dirty = true;
        }
        self.meeting_mode.open(id);
        self.view = View::MeetingMode;
    }

    fn decide(
        &mut self,
        meeting: MeetingId,
        referral: ReferralId,
        outcome: &Outcome,
        extras: &DecisionExtras,
    ) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let rule = self.settings.working_day_rule();
        let new = NewDecision {
            referral,
            meeting: Some(meeting),
            decided_on: self.clock.today(),
            outcome,
            extras,
        };
        match self
            .store
            .write(|tx| decisions::record(tx, &new, rule, change))
        {
            Ok(_) => {
                let name = self
                    .queue
                    .row(referral)
                    .map_or(String::new(), |r| r.patient.clone());
                self.info(format!(
                    "Vedtak lagret: {name} – {}",
                    outcome.referral_status().label_nb()
                ));
                self.meeting_mode.advance();
                self.dirty = true;
            }
            Err(e) => self.meeting_mode.refuse(referral, e.to_string()),
        }
    }

    /// The meeting and team writes: one transaction each, then a reload.
    fn apply_meeting_write(&mut self, action: Action) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let result = self.store.write(|tx| match &action {
            Action::SetAgenda {
                meeting,
                items,
                action,
            } => meetings::store_agenda(tx, *meeting, items, action, change),
            Action::ResetAgenda(id) => meetings::clear_agenda(tx, *id, change),
            Action::AddExtraMeeting { date, time } => {
                meetings::add_extra(tx, *date, *time, change).map(|_| ())
            }
            Action::MoveMeeting { id, date, time } => {
                meetings::move_to(tx, *id, *date, *time, change)
            }
            Action::SetCancelled { id, cancelled } => {
                meetings::set_cancelled(tx, *id, *cancelled, change)
            }
            Action::SetLeader { id, leader } => meetings::set_leader(tx, *id, *leader, change),
            Action::SetAttendance {
                id,
                member,
                present,
            } => meetings::set_attendance(tx, *id, *member, *present, change),
            Action::AddMember { name, profession } => {
                meetings::add_member(tx, name, *profession, change).map(|_| ())
            }
            Action::SetMemberActive { id, active } => {
                meetings::set_member_active(tx, *id, *active, change)
            }
            Action::ReopenMeeting { id, reason } => meetings::reopen(tx, *id, reason, change),
            Action::TakeBackPostponement { meeting, referral } => {
                meetings::take_back_postponement(tx, *meeting, *referral, change)
            }
            _ => Ok(()),
        });
        match result {
            Ok(()) => {
                let message = match &action {
                    Action::AddExtraMeeting { date, .. } => Some(format!(
                        "Ekstramøte {} er lagt til",
                        format_date_weekday(*date)
                    )),
                    Action::MoveMeeting { date, .. } => Some(format!(
                        "Møtet er flyttet til {}",
                        format_date_weekday(*date)
                    )),
                    Action::SetCancelled {
                        cancelled: true, ..
                    } => Some("Møtet er avlyst; agendaen går til neste møte".into()),
                    Action::SetAgenda { .. } => Some("Agendaen er lagret".into()),
                    Action::ResetAgenda(_) => Some("Nytt forslag til agenda".into()),
                    Action::AddMember { name, .. } => Some(format!("{name} er lagt til i teamet")),
                    Action::ReopenMeeting { .. } => Some(
                        "Møtet er gjenåpnet; fortsett det for å rette, og avslutt det igjen".into(),
                    ),
                    Action::TakeBackPostponement { .. } => {
                        Some("Utsettelsen er tatt tilbake; punktet behandles på dette møtet".into())
                    }
                    _ => None,
                };
                if let Some(text) = message {
                    self.info(text);
                }
                if let Action::AddExtraMeeting { date, .. } = action
                    && let Ok(Some(m)) = meetings::upcoming_on(self.store.conn(), date)
                {
                    self.meetings_view.select(m.id);
                }
                self.dirty = true;
            }
            Err(e) => self.error(e.to_string()),
        }
    }

    /// Renders the agenda PDF, asks where to save it (or uses `export_dir`), and opens it.
    /// Renders the agenda (or, with `minutes`, the referat) to PDF, asks where to save it (or
    /// uses `export_dir`), and opens it.
    fn print_agenda(&mut self, meeting: MeetingId, initials_only: bool, minutes: bool) {
        let options = PrintOptions {
            initials_only,
            printed_at: self.clock.now(),
        };
        let printed = if minutes {
            planning::printed_minutes(self.store.conn(), &self.settings, meeting, options)
        } else {
            planning::printed_agenda(
                self.store.conn(),
                &self.settings,
                &self.planning,
                meeting,
                options,
            )
        };
        let (bytes, log) = match printed.map_err(|e| e.to_string()).and_then(|p| {
            let action = if minutes {
                audit::PRINT_MINUTES
            } else {
                audit::PRINT_AGENDA
            };
            let mut log = OutputLog::new(action, p.items.len());
            log.extra = serde_json::json!({ "møte": p.date_text, "initialer": initials_only });
            pdf::render(&p).map_err(|e| e.to_string()).map(|b| (b, log))
        }) {
            Ok(b) => b,
            Err(e) => return self.error(e),
        };
        let date = meetings::get(self.store.conn(), meeting)
            .map(|m| m.date)
            .unwrap_or_default();
        let name = if minutes {
            format!("referat-{date}.pdf")
        } else {
            format!("inntaksmote-{date}.pdf")
        };
        let path = match &self.export_dir {
            Some(dir) => dir.join(&name),
            None => match rfd::FileDialog::new()
                .set_file_name(&name)
                .add_filter("PDF", &["pdf"])
                .save_file()
            {
                Some(p) => p,
                None => {
                    // Cancelled, or no dialog could open (no desktop portal): keep the PDF
                    // and offer the documents folder instead, so printing never silently fails.
                    self.unsaved_pdf = Some((name, bytes, log));
                    return;
                }
            },
        };
        self.save_pdf(path, &bytes, log);
    }

    /// The fallback folder for PDFs and CSV files when no save dialog is available:
    /// Documents/Inntak.
    fn fallback_export_dir() -> Option<PathBuf> {
        let dirs = directories::UserDirs::new()?;
        let base = dirs.document_dir().unwrap_or(dirs.home_dir());
        Some(base.join("Inntak"))
    }

    /// Writes the PDF (atomically) and opens it in the system viewer, unless `export_dir`
    /// is set (tests).
    fn save_pdf(&mut self, path: PathBuf, bytes: &[u8], log: OutputLog) {
        if let Err(e) = self.write_output(&path, bytes, log) {
            return self.error(e);
        }
        self.last_pdf = Some(path.clone());
        if self.export_dir.is_none() && open::that_detached(&path).is_err() {
            // The launcher's own words (gio, xdg-open exit codes) help nobody at the meeting.
            self.error(format!(
                "PDF-en er lagret i {}, men kunne ikke åpnes automatisk: åpne den fra mappen, \
                 eller installer et PDF-program.",
                path.display()
            ));
            return;
        }
        self.info(format!("PDF-en er lagret: {}", path.display()));
    }

    fn save_referral(&mut self, id: Option<ReferralId>, fields: ReferralFields, and_new: bool) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let result = self.store.write(|tx| match id {
            None => referrals::insert(
                tx,
                &fields,
                crate::domain::ReferralStatus::TilVurdering,
                None,
                change,
                "create",
            )
            .map(Some),
            Some(id) => {
                referrals::update(tx, id, &fields, change).map(|changed| changed.then_some(id))
            }
        });
        match result {
            Ok(saved) => {
                let deadline = self
                    .settings
                    .working_day_rule()
                    .assessment_deadline(fields.received_on);
                self.form = (and_new && id.is_none())
                    .then(|| ReferralForm::next_referral(fields.received_on));
                match (id, saved) {
                    (None, Some(new_id)) => {
                        self.selected = Some(new_id);
                        let renewal = self.queue.renewal_for(
                            fields.national_id.as_deref(),
                            &fields.diagnosis_group,
                            fields.received_on,
                            None,
                        );
                        let text = format!(
                            "Henvisningen for {} er registrert, frist {}",
                            fields.patient,
                            format_date_weekday(deadline)
                        );
                        match renewal {
                            Some(r) if r.is_warning() => self.error(format!(
                                "{text}. {}",
                                r.text_nb(fields.diagnosis_group.trim())
                            )),
                            _ => self.info(text),
                        }
                    }
                    (Some(_), Some(_)) => self.info("Endringene er lagret"),
                    _ => self.info("Ingen endringer å lagre"),
                }
                self.dirty = true;
            }
            Err(StoreError::DuplicateExternalId(ext)) => {
                if let Some(form) = &mut self.form {
                    form.set_errors(vec![FieldError::new(
                        Field::ExternalId,
                        format!("«{ext}» er allerede registrert på en annen henvisning"),
                    )]);
                }
            }
            Err(e) => self.error(e.to_string()),
        }
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

    pub fn view(&self) -> View {
        self.view
    }
}

impl App {
    /// Writes an exported file atomically (creating its folder first, never over the
    /// database) and logs it in the same transaction: the log row commits only if the file
    /// was written. A read-only window writes the file unlogged.
    fn write_output(
        &mut self,
        path: &std::path::Path,
        bytes: &[u8],
        log: OutputLog,
    ) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            crate::files::create_private_dir(dir).map_err(|e| {
                format!(
                    "Kunne ikke lage mappen {}: {}",
                    dir.display(),
                    crate::files::write_error_text(&e)
                )
            })?;
        }
        let protected = crate::files::Protected::none().database(self.store.path());
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let destination = crate::files::canonical(path).display().to_string();
        self.store
            .write_logged(change, &log, &destination, || {
                crate::files::write_atomically(path, bytes, &protected)
            })
            .map(|_| ())
    }

    /// Logs an output made by other means (a backup, a restore); says so if it cannot.
    fn log_output(&mut self, log: &OutputLog, destination: &std::path::Path, what: &str) {
        let change = Change {
            actor: &self.actor,
            at: self.clock.now(),
        };
        let destination = destination.display().to_string();
        let logged = self
            .store
            .write_logged(change, log, &destination, || Ok(()));
        if let Err(e) = logged {
            self.error(format!(
                "{what}, men kunne ikke føres i endringsloggen: {e}"
            ));
        }
    }

    /// Logs a finished backup (taken on its own thread, or at closing).
    fn log_backup(&mut self, copied: &crate::backup::Copied) {
        let log = OutputLog::new(audit::BACKUP, copied.referrals() as usize)
            .with(serde_json::json!({ "tabeller": copied.tables.len() }));
        self.log_output(&log, &copied.path, "Sikkerhetskopien er tatt");
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

    /// Keeps the text size within its range and saves it when it changed.
    fn remember_text_size(&mut self, ctx: &egui::Context) {
        let zoom = ctx.zoom_factor();
        let clamped = super::prefs::UiPrefs::clamped_zoom(zoom);
        if (clamped - zoom).abs() > 0.001 {
            ctx.set_zoom_factor(clamped);
        }
        if (clamped - self.saved_zoom).abs() < 0.001 {
            return;
        }
        self.saved_zoom = clamped;
        if let Some(path) = &self.prefs_path
            && let Err(e) = super::prefs::save(path, &super::prefs::UiPrefs { zoom: clamped })
        {
            self.error(format!(
                "Tekststørrelsen ble ikke husket ({}): {e}",
                path.display()
            ));
        }
    }

    pub fn enable_auto_backup(&mut self) {
        self.backups.auto = true;
    }

    /// The audit chain's verdict, if it is broken (tests).
    pub fn audit_chain_broken(&self) -> Option<&str> {
        match &self.chain {
            ChainCheck::Done(broken) => broken.as_deref(),
            _ => None,
        }
    }

    /// The backup state (tests).
    pub fn backups(&self) -> &Backups {
        &self.backups
    }

    /// Asks to restore from `file`, as "Gjenopprett…" does after its file dialog (tests).
    pub fn ask_restore(&mut self, file: PathBuf) {
        self.backups.ask_restore(file);
    }

    /// Collects finished backups and starts the day's automatic one.
    fn backups_tick(&mut self, ctx: &egui::Context) {
        match self.backups.poll() {
            Some(Finished::Manual(Ok(copied))) => {
                self.log_backup(&copied);
                self.info(format!(
                    "Sikkerhetskopi skrevet og kontrollert: {} ({} henvisninger)",
                    copied.path.display(),
                    copied.referrals()
                ))
            }
            Some(Finished::Auto(copied)) => self.log_backup(&copied),
            Some(Finished::Manual(Err(e))) => self.error(e),
            Some(Finished::AutoFailed(e)) => {
                self.error(format!("Den automatiske sikkerhetskopien feilet: {e}"))
            }
            None => {}
        }
        if matches!(self.chain, ChainCheck::NotStarted) && self.store.integrity() == Integrity::Ok {
            self.chain = ChainCheck::Running(self.store.spawn_chain_check());
        }
        if let ChainCheck::Running(rx) = &self.chain {
            match rx.try_recv() {
                Ok(verdict) => self.chain = ChainCheck::Done(verdict.err().map(|e| e.to_string())),
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    ctx.request_repaint_after(std::time::Duration::from_millis(100));
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                    self.chain = ChainCheck::Done(None)
                }
            }
        }
        let writable = self.store.read_only().is_none()
            && self.store.path() != std::path::Path::new(":memory:");
        if writable && self.store.integrity() == Integrity::Ok {
            self.backups.maybe_start_daily(self.store.path());
        }
        if self.backups.running() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// Replaces the database with a backup: closes this window's connection (and lock),
    /// restores (keeping the replaced file), and opens the restored file.
    fn restore_from(&mut self, from: &std::path::Path) {
        let path = self.store.path().to_path_buf();
        let Ok(placeholder) = Store::open_in_memory() else {
            return self.error("Kunne ikke gjenopprette: minnet er fullt. Ingenting er endret.");
        };
        let old = std::mem::replace(&mut self.store, placeholder);
        let _ = old.checkpoint();
        drop(old);
        let restored = crate::backup::restore(&path, from, chrono::Local::now().naive_local());
        match Store::open_with(&path, crate::store::IntegrityCheck::BeforeOpen) {
            Ok(mut store) => {
                store.lock_for_window();
                self.store = store;
            }
            Err(e) => {
                self.store.refuse_writes(e.to_string());
                return self.error(e.to_string());
            }
        }
        match restored {
            Ok(r) => {
                let log = OutputLog::new(audit::RESTORE, r.copied.referrals() as usize).with(
                    serde_json::json!({
                        "fra": crate::files::canonical(from).display().to_string(),
                        "erstattet_fil_tatt_vare_på_som": r.kept.as_ref().map(|k| k.display().to_string()),
                    }),
                );
                self.log_output(&log, &path, "Databasen er gjenopprettet");
                let kept = r
                    .kept
                    .map(|k| format!(" Den gamle databasen er tatt vare på som {}.", k.display()))
                    .unwrap_or_default();
                self.info(format!(
                    "Gjenopprettet fra {} ({} henvisninger).{kept}",
                    from.display(),
                    r.copied.referrals()
                ));
            }
            Err(e) => self.error(e),
        }
        self.selected = None;
        self.detail = None;
        self.form = None;
        self.chain = ChainCheck::NotStarted;
        self.ensure_schedule();
        self.dirty = true;
    }

    /// On closing: fold the WAL into the main file and take the closing backup.
    pub fn on_close(&mut self) {
        if self.store.read_only().is_some()
            || self.store.path() == std::path::Path::new(":memory:")
            || !matches!(self.store.integrity(), Integrity::Ok)
        {
            return;
        }
        if let Err(e) = self.store.checkpoint() {
            eprintln!("Inntak: kunne ikke skrive loggen inn i databasefilen ved lukking: {e}");
        }
        if self.backups.auto {
            let path = self.store.path().to_path_buf();
            match self.backups.backup_now_blocking(&path) {
                Ok(copied) => {
                    self.log_backup(&copied);
                    let _ = self.store.checkpoint();
                }
                Err(e) => eprintln!("Inntak: sikkerhetskopien ved lukking feilet: {e}"),
            }
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
