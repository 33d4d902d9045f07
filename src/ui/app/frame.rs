//! The frame: the top bar, the view in the middle, keyboard shortcuts and their help, and the
//! demo offer (the status bar is in `status_bar.rs`). Drawing only pushes actions; they are
//! applied after the frame.

use super::*;
use crate::calendar::weekday_name_nb;
use crate::demo;
use crate::ops::session::Integrity;
use crate::ui::detail_panel::{self};
use crate::ui::theme;
use chrono::Datelike;

/// How long writing pauses before the window folds the write-ahead log into the main file.
const CHECKPOINT_IDLE: std::time::Duration = std::time::Duration::from_secs(2);

impl App {
    /// The whole window. `eframe::App::ui` calls this; tests and benchmarks call it directly.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        // The integrity check starts once the first frame is on screen: on a two-core
        // laptop it would otherwise slow the window's opening down.
        if self.styled {
            self.store.release_integrity_check();
        }
        if !self.styled {
            theme::apply(ui.ctx());
            ui.ctx().set_zoom_factor(self.saved_zoom);
            self.styled = true;
        }
        self.remember_text_size(ui.ctx());
        // Writes reach the main file once the user pauses, not while they wait for a save.
        if self.store.checkpoint_when_idle(CHECKPOINT_IDLE) {
            ui.ctx().request_repaint_after(CHECKPOINT_IDLE);
        }
        // The date fields read "today" and the working-day rule from here (for "i dag", "+3").
        crate::ui::set_context(
            ui.ctx(),
            crate::ui::DateContext {
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
        if self.stale.any() {
            self.reload();
        }
        self.backups_tick(ui.ctx());
        if matches!(self.view, View::FollowUp | View::MeetingMode)
            && self.follow_ups_generation != self.generations.referrals
        {
            self.load_follow_ups();
        }
        let mut actions = Vec::new();
        self.shortcuts(ui.ctx(), &mut actions);

        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui, &mut actions));
        egui::Panel::bottom("status_bar").show(ui, |ui| self.status_bar_ui(ui));
        self.letters_preview_ui(ui.ctx());
        self.view_ui(ui, &mut actions);
        self.windows_ui(ui, &mut actions);
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

    /// The view shown below the top bar.
    fn view_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        match self.view {
            View::Queue => {
                // The detail pane folds away on a narrow screen (and on request), so the
                // queue's columns get the room.
                // It follows the window across the fold width (made narrower: it folds; wider:
                // it opens); between crossings the user's own choice stands.
                let wide = ui.ctx().content_rect().width() >= theme::DETAIL_FOLD_WIDTH;
                if self.detail_wide.replace(wide) != Some(wide) {
                    self.detail_open = Some(wide);
                }
                let open = self.detail_open.unwrap_or(wide);
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
                                    actions,
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
                    self.queue_panel
                        .ui(ui, &self.queue, self.generation, self.selected, actions);
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
                    actions,
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
                        self.meeting_mode
                            .set_advice(&self.settings.letters.advice_templates);
                        let next_meeting = self
                            .planning
                            .upcoming
                            .iter()
                            .map(|v| v.meeting.date)
                            .filter(|d| *d > view.meeting.date)
                            .min();
                        let cx = crate::ui::meeting_mode::ModeContext {
                            view,
                            next_meeting,
                            queue: &self.queue,
                            follow_ups: &self.follow_ups,
                            members: &self.planning.members,
                            avslag_reasons: &reasons,
                            rule,
                            today,
                        };
                        self.meeting_mode.ui(ui, &cx, actions);
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
                    self.generations.referrals,
                    self.clock.today(),
                    actions,
                );
            }
            View::Statistics => {
                let (store, rule, today) = (
                    &self.store,
                    self.settings.working_day_rule(),
                    self.clock.today(),
                );
                let load = |period, compare| {
                    crate::model::stats_report(store, period, compare, rule, today)
                };
                egui::CentralPanel::default().show(ui, |ui| {
                    self.stats_view.ui(ui, &load, self.generation, actions);
                });
            }
            View::Settings => {
                egui::CentralPanel::default().show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        self.settings_view.ui(
                            ui,
                            &self.settings,
                            self.generations.settings,
                            self.clock.today(),
                            &self.planning.members,
                            actions,
                        );
                        ui.separator();
                        let read_only = self.store.read_only().is_some();
                        let salt = self.store.key().map(|k| k.salt());
                        self.backups.ui(ui, read_only, salt, actions);
                        ui.separator();
                        let encrypted = self.store.is_encrypted();
                        self.encryption_view.ui(ui, encrypted, read_only, actions);
                    });
                });
            }
        }
    }

    /// The windows over the view: the referral form, the import dialog (with what each
    /// referral message will do), the demo offer and the keys' help.
    fn windows_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        if let Some(form) = &mut self.form {
            let rule = self.settings.working_day_rule();
            form.ui(ui.ctx(), self.clock.today(), rule, &self.queue, actions);
        }
        if let Some(import) = &mut self.import {
            // What each referral message will do, read once when the files are loaded.
            if let Some(wanted) = import.plans_wanted() {
                let plans = wanted
                    .into_iter()
                    .map(|(m, fields)| {
                        crate::ops::import::plan(&self.store, &m, fields.as_ref())
                            .map(|plan| crate::ui::import_view::MessagePlan::of(&plan, &m))
                            .unwrap_or_else(|e| crate::ui::import_view::MessagePlan {
                                text: format!("kan ikke leses nå: {e}"),
                                level: crate::ui::import_view::PlanLevel::Unknown,
                            })
                    })
                    .collect();
                import.set_plans(plans);
            }
            import.ui(ui.ctx(), actions);
        }
        if self.demo_offer {
            self.demo_offer_ui(ui.ctx(), actions);
        }
        if self.show_keys {
            self.keys_help_ui(ui.ctx());
        }
    }

    pub(super) fn shortcuts(&mut self, ctx: &egui::Context, actions: &mut Vec<Action>) {
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
            actions.push(Action::Nav(NavAction::NewReferral));
        }
        // Referrals in: a file dropped on the window, or rows pasted (Ctrl+V) in the queue
        // when no text field takes them, open the import dialog on them.
        if self.import.is_none() && self.form.is_none() {
            let dropped: Vec<PathBuf> = ctx.input(|i| {
                i.raw
                    .dropped_files
                    .iter()
                    .map(|f| f.path().to_path_buf())
                    .collect()
            });
            if !dropped.is_empty() {
                actions.push(Action::Import(ImportAction::Open(
                    crate::ui::ImportOrigin::Files(dropped),
                )));
            } else if self.view == View::Queue && !typing {
                let pasted = ctx.input(|i| {
                    i.events.iter().find_map(|e| match e {
                        egui::Event::Paste(text) if !text.trim().is_empty() => Some(text.clone()),
                        _ => None,
                    })
                });
                if let Some(text) = pasted {
                    actions.push(Action::Import(ImportAction::Open(
                        crate::ui::ImportOrigin::Pasted(text),
                    )));
                }
            }
        }
    }

    /// The keys of the current view, in a window over everything (F1 or ? to open, Esc to close).
    pub(super) fn keys_help_ui(&mut self, ctx: &egui::Context) {
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
                    (
                        "Enter",
                        "lagre og gå til neste punkt (alltid, også når en knapp har fokus)",
                    ),
                    ("Mellomrom", "trykk knappen eller valget som har fokus"),
                    ("U", "utsett til neste møte"),
                    ("L", "avslutt møtet (spør først: J ja, Esc avbryt)"),
                    (
                        "↑ ↓ PgUp PgDn",
                        "forrige / neste punkt (et påbegynt vedtak venter til du kommer tilbake)",
                    ),
                    ("Tab", "neste felt i skjemaet"),
                    ("Esc", "ut av et tekstfelt; ellers tilbake til Møter"),
                ],
            ),
            View::Queue => (
                "Henvisninger",
                &[
                    ("Ctrl+N", "ny henvisning"),
                    (
                        "Ctrl+V",
                        "lim inn rader fra et regneark eller en liste: åpner importen",
                    ),
                    ("Ctrl+F", "søk"),
                    ("↑ ↓", "flytt i køen"),
                    ("Ctrl+Enter", "lagre skjemaet"),
                    (
                        "Ctrl+Shift+Enter",
                        "lagre og registrer neste med samme mottaksdato",
                    ),
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

    pub(super) fn top_bar_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        self.nav_ids.clear();
        ui.horizontal(|ui| {
            ui.heading("Inntak");
            ui.separator();
            for view in View::TABS {
                let response = ui.selectable_label(self.view == view, view.label_nb());
                self.nav_ids.push(response.id);
                if response.clicked() {
                    actions.push(Action::Nav(NavAction::Show(view)));
                }
            }
            // The right-hand texts, as many as the room after the tabs holds: with a large
            // text size (a projector) they are dropped, clinic name first, rather than drawn
            // over the tabs (which could then not be clicked).
            let today = self.clock.today();
            let fixed = if self.clock.is_fixed() {
                " (fast dato)"
            } else {
                ""
            };
            let long_date = format!(
                "I dag: {} {} uke {}{fixed}",
                weekday_name_nb(today.weekday()),
                crate::calendar::format_date(today),
                today.iso_week().week()
            );
            let short_date = format!("{}{fixed}", crate::calendar::format_date(today));
            let width = |ui: &egui::Ui, text: &str| {
                egui::WidgetText::from(text)
                    .into_galley(
                        ui,
                        Some(egui::TextWrapMode::Extend),
                        f32::INFINITY,
                        egui::TextStyle::Body,
                    )
                    .size()
                    .x
                    + 2.0 * ui.spacing().item_spacing.x
            };
            let room = ui.available_width();
            let keys = width(ui, "Taster (F1)") + 2.0 * ui.spacing().button_padding.x;
            let date = width(ui, &long_date);
            let clinic = width(ui, &self.settings.clinic_name) + 12.0;
            let show_date = if keys + date <= room {
                Some(long_date)
            } else if keys + width(ui, &short_date) <= room {
                Some(short_date)
            } else {
                None
            };
            let show_clinic = keys + date + clinic <= room;
            let show_keys = keys <= room;
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if show_keys
                    && ui
                        .small_button("Taster (F1)")
                        .on_hover_text("Alle tastene i denne visningen")
                        .clicked()
                {
                    self.show_keys = true;
                }
                if let Some(date) = show_date {
                    ui.label(date);
                }
                if show_clinic {
                    ui.separator();
                    ui.label(&self.settings.clinic_name);
                }
            });
        });
    }

    pub(super) fn demo_offer_ui(&self, ctx: &egui::Context, actions: &mut Vec<Action>) {
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
                    actions.push(Action::Referral(ReferralAction::FillDemo));
                }
                if ui.button("Start med tom database").clicked() {
                    actions.push(Action::Referral(ReferralAction::DeclineDemo));
                }
            });
        });
    }

    /// Keeps the text size within its range and saves it when it changed.
    pub(super) fn remember_text_size(&mut self, ctx: &egui::Context) {
        let zoom = ctx.zoom_factor();
        let clamped = crate::ui::prefs::UiPrefs::clamped_zoom(zoom);
        if (clamped - zoom).abs() > 0.001 {
            ctx.set_zoom_factor(clamped);
        }
        if (clamped - self.saved_zoom).abs() < 0.001 {
            return;
        }
        self.saved_zoom = clamped;
        if let Some(path) = &self.prefs_path
            && let Err(e) = crate::ui::prefs::save(
                path,
                &crate::ui::prefs::UiPrefs {
                    zoom: clamped,
                    ..crate::ui::prefs::load(path)
                },
            )
        {
            self.error(format!(
                "Tekststørrelsen ble ikke husket ({}): {e}",
                path.display()
            ));
        }
    }
}
