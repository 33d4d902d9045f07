//! The referral queue (Henvisninger): counts, search and filters, and the virtualised table.

use super::Action;
use super::NavAction;
use super::theme;
use crate::calendar::{format_date, format_date_weekday};
use crate::domain::{ReferralId, ReferrerKind};
use crate::queue::{QueueFilter, QueueModel, QueueRow, SortColumn, StatusFilter, Urgency};
use egui_extras::{Column, TableBuilder};

/// The queue's own state: the filter and the filtered row indices, recomputed only when the
/// filter or the model changes — never per frame.
#[derive(Default)]
pub struct QueuePanel {
    filter: QueueFilter,
    visible: Vec<u32>,
    /// (model generation, whether the search had the problemstillinger, filter) the `visible`
    /// cache was computed for.
    cached_for: Option<(u64, bool, QueueFilter)>,
    scroll_to: Option<usize>,
}

impl QueuePanel {
    pub fn set_filter(&mut self, filter: QueueFilter) {
        self.filter = filter;
    }

    pub fn visible_len(&self) -> usize {
        self.visible.len()
    }

    fn refresh(&mut self, model: &QueueModel, generation: u64) {
        let key = (generation, model.has_search_texts(), self.filter.clone());
        if self.cached_for.as_ref() != Some(&key) {
            self.visible = model.filter(&self.filter);
            self.cached_for = Some(key);
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        model: &QueueModel,
        generation: u64,
        selected: Option<ReferralId>,
        actions: &mut Vec<Action>,
    ) {
        self.counts_ui(ui, model, actions);
        self.filters_ui(ui, model, generation);
        if !self.filter.text.trim().is_empty() && !model.has_search_texts() {
            actions.push(Action::Nav(NavAction::LoadSearch));
        }
        self.keyboard(ui, model, selected, actions);
        ui.separator();
        if self.visible.is_empty() {
            ui.add_space(20.0);
            let text = if model.rows.is_empty() {
                "Ingen henvisninger er registrert ennå. Trykk «Ny henvisning» (Ctrl+N)."
            } else {
                "Ingen henvisninger passer søket og filtrene."
            };
            ui.colored_label(theme::MUTED_TEXT, text);
            return;
        }
        self.table_ui(ui, model, selected, actions);
    }

    fn counts_ui(&self, ui: &mut egui::Ui, model: &QueueModel, actions: &mut Vec<Action>) {
        let c = model.counts;
        // The heading and buttons on one row, the counts below it, wrapping: at 1024 px with
        // the detail pane open they do not fit beside the buttons.
        ui.horizontal(|ui| {
            ui.heading("Henvisninger");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Ny henvisning").on_hover_text("Ctrl+N").clicked() {
                    actions.push(Action::Nav(NavAction::NewReferral));
                }
                if ui
                    .button("Importer…")
                    .on_hover_text(
                        "CSV, Excel, XML-henvisninger eller innlimte rader (Ctrl+V i køen); \
                         du kan også slippe en fil på vinduet",
                    )
                    .clicked()
                {
                    actions.push(Action::Import(super::ImportAction::Open(
                        super::ImportOrigin::Choose,
                    )));
                }
            });
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("{} åpne", c.open));
            if c.after_mapping > 0 {
                ui.label(format!("{} til ny vurdering", c.after_mapping));
            }
            // Coloured only when there is something to act on.
            let attention = |n: usize, urgency: Urgency| {
                if n > 0 {
                    theme::urgency_text(urgency)
                } else {
                    theme::BODY_TEXT
                }
            };
            ui.colored_label(
                attention(c.overdue, Urgency::Overdue),
                format!("{} over fristen", c.overdue),
            );
            if c.no_meeting_before_deadline > 0 {
                ui.colored_label(
                    theme::ERROR_TEXT,
                    format!("{} uten møte før frist", c.no_meeting_before_deadline),
                );
            }
            if c.not_informed > 0 {
                ui.colored_label(
                    theme::urgency_text(Urgency::DueSoon),
                    format!("{} ikke informert", c.not_informed),
                )
                .on_hover_text(
                    "Avgjort, men brevet til pasienten er ikke merket sendt. Velg status \
                     «Ikke informert» for å se dem.",
                );
            }
            ui.colored_label(
                attention(c.due_this_week, Urgency::DueSoon),
                format!(
                    "{} med frist i uke {}",
                    c.due_this_week,
                    model.today.map_or(0, crate::queue::work_week)
                ),
            );
        });
    }

    fn filters_ui(&mut self, ui: &mut egui::Ui, model: &QueueModel, generation: u64) {
        // After an import: only the new referrals, until the user asks for all.
        if let Some(only) = &self.filter.only {
            let n = only.0.len();
            ui.horizontal(|ui| {
                ui.colored_label(
                    theme::MUTED_TEXT,
                    format!("Viser bare de {n} nye fra importen."),
                );
                if ui.button("Vis alle").clicked() {
                    self.filter = QueueFilter::default();
                }
            });
        }
        // Wraps in a narrow window (1024 px with the detail pane open), nothing is cut off.
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Søk:");
            let search = egui::TextEdit::singleline(&mut self.filter.text)
                .hint_text("pasient, henviser, ID eller fritekst")
                .desired_width(260.0);
            let response = ui.add(search).labelled_by(label.id).on_hover_text("Ctrl+F");
            let find = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::F);
            if ui.input_mut(|i| i.consume_shortcut(&find)) {
                response.request_focus();
            }
            if !self.filter.text.is_empty()
                && ui.small_button("Tøm").on_hover_text("Tøm søket").clicked()
            {
                self.filter.text.clear();
            }
            ui.add_space(12.0);
            let status_label = ui.label("Status:");
            egui::ComboBox::from_id_salt("status_filter")
                .selected_text(self.filter.status.label_nb())
                .show_ui(ui, |ui| {
                    for choice in StatusFilter::choices() {
                        ui.selectable_value(&mut self.filter.status, choice, choice.label_nb());
                    }
                })
                .response
                .labelled_by(status_label.id);
            let kind_label = ui.label("Henviser:");
            egui::ComboBox::from_id_salt("kind_filter")
                .selected_text(
                    self.filter
                        .referrer_kind
                        .map_or("Alle", ReferrerKind::label_nb),
                )
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.filter.referrer_kind, None, "Alle");
                    for kind in ReferrerKind::ALL {
                        ui.selectable_value(
                            &mut self.filter.referrer_kind,
                            Some(kind),
                            kind.label_nb(),
                        );
                    }
                })
                .response
                .labelled_by(kind_label.id);
            self.refresh(model, generation);
            ui.label(format!(
                "Viser {} av {}",
                self.visible.len(),
                model.rows.len()
            ));
        });
    }

    /// Up/Down move the selection when no text field has focus.
    fn keyboard(
        &mut self,
        ui: &egui::Ui,
        model: &QueueModel,
        selected: Option<ReferralId>,
        actions: &mut Vec<Action>,
    ) {
        if ui.ctx().egui_wants_keyboard_input() || self.visible.is_empty() {
            return;
        }
        let (down, up) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::ArrowDown),
                i.key_pressed(egui::Key::ArrowUp),
            )
        });
        if !down && !up {
            return;
        }
        let current = selected.and_then(|id| {
            self.visible
                .iter()
                .position(|&i| model.rows[i as usize].id == id)
        });
        let next = match (current, down) {
            (None, _) => 0,
            (Some(p), true) => (p + 1).min(self.visible.len() - 1),
            (Some(p), false) => p.saturating_sub(1),
        };
        self.scroll_to = Some(next);
        actions.push(Action::Nav(NavAction::Select(
            model.rows[self.visible[next] as usize].id,
        )));
    }

    fn table_ui(
        &mut self,
        ui: &mut egui::Ui,
        model: &QueueModel,
        selected: Option<ReferralId>,
        actions: &mut Vec<Action>,
    ) {
        // Labels must not take the clicks that select a row.
        ui.style_mut().interaction.selectable_labels = false;
        // Columns by priority: what the deadline asks first, the referrer's details last; a
        // narrow window scrolls sideways to them.
        egui::ScrollArea::horizontal()
            .id_salt("queue_hscroll")
            .show(ui, |ui| self.table_columns_ui(ui, model, selected, actions));
    }

    fn table_columns_ui(
        &mut self,
        ui: &mut egui::Ui,
        model: &QueueModel,
        selected: Option<ReferralId>,
        actions: &mut Vec<Action>,
    ) {
        let mut table = TableBuilder::new(ui)
            .id_salt("queue_table")
            .striped(false)
            .resizable(true)
            .sense(egui::Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(90.0)) // received
            .column(Column::initial(150.0).at_least(80.0).clip(true)) // patient
            .column(Column::exact(115.0)) // deadline
            .column(Column::exact(95.0)) // working days left
            .column(Column::initial(170.0).at_least(90.0).clip(true)) // status
            .column(Column::exact(150.0)) // last meeting before the deadline
            .column(Column::initial(180.0).at_least(80.0).clip(true)) // referrer
            .column(Column::initial(120.0).at_least(60.0).clip(true)) // kind
            .column(Column::remainder().at_least(70.0)); // primary/secondary
        if let Some(row) = self.scroll_to.take() {
            table = table.scroll_to_row(row, None);
        }
        table
            .header(24.0, |mut header| {
                let sort = self.filter.sort;
                for column in SortColumn::ALL {
                    header.col(|ui| {
                        let title = egui::RichText::new(column.title_nb()).strong();
                        let hover = if sort.column == column && !sort.descending {
                            "Sortert stigende – klikk for synkende"
                        } else if sort.column == column {
                            "Sortert synkende – klikk for stigende"
                        } else {
                            "Klikk for å sortere etter denne kolonnen"
                        };
                        let clicked = ui
                            .add(egui::Button::new(title).frame(false))
                            .on_hover_text(hover)
                            .clicked();
                        if sort.column == column {
                            ui.label(if sort.descending { "▼" } else { "▲" });
                        }
                        if clicked {
                            self.filter.sort = sort.clicked(column);
                            ui.ctx().request_repaint();
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(theme::ROW_HEIGHT, self.visible.len(), |mut row| {
                    let r = &model.rows[self.visible[row.index()] as usize];
                    let is_selected = selected == Some(r.id);
                    row.set_selected(is_selected);
                    row_cells(&mut row, model, r, is_selected);
                    if row.response().clicked() {
                        actions.push(Action::Nav(NavAction::Select(r.id)));
                    }
                });
            });
    }
}

fn row_cells(
    row: &mut egui_extras::TableRow<'_, '_>,
    model: &QueueModel,
    r: &QueueRow,
    is_selected: bool,
) {
    let fill = if is_selected {
        egui::Color32::TRANSPARENT
    } else {
        theme::urgency_fill(r.urgency)
    };
    let cell = |row: &mut egui_extras::TableRow<'_, '_>, add: &dyn Fn(&mut egui::Ui)| {
        row.col(|ui| {
            if fill != egui::Color32::TRANSPARENT {
                let rect = ui
                    .max_rect()
                    .expand2(egui::vec2(ui.spacing().item_spacing.x / 2.0, 1.0));
                ui.painter().rect_filled(rect, 0.0, fill);
            }
            add(ui);
        });
    };
    cell(row, &|ui| {
        ui.label(format_date(r.received_on));
    });
    cell(row, &|ui| {
        ui.label(r.patient());
    });
    cell(row, &|ui| {
        ui.label(format_date_weekday(r.deadline));
    });
    // A decided referral whose patient is not informed yet: its clock runs until the letter
    // is sent, so the column shows those working days (the status says why).
    let informing = r.not_informed.map(|left| {
        let urgency = if left < 0 {
            Urgency::Overdue
        } else if i64::from(left) <= crate::queue::DUE_SOON_WORKING_DAYS {
            Urgency::DueSoon
        } else {
            Urgency::OnTrack
        };
        (left, urgency)
    });
    cell(row, &|ui| {
        if let Some((left, urgency)) = informing {
            let mut text = egui::RichText::new(left.to_string()).strong();
            if urgency != Urgency::OnTrack {
                text = text.color(theme::urgency_text(urgency));
            }
            ui.label(text);
        } else if let Some(left) = r.working_days_left {
            let mut text = egui::RichText::new(left.to_string()).strong();
            if r.urgency != Urgency::OnTrack {
                text = text.color(theme::urgency_text(r.urgency));
            }
            ui.label(text);
        } else {
            ui.colored_label(theme::MUTED_TEXT, "–");
        }
    });
    cell(row, &|ui| {
        if let (Some(full), Some((_, urgency))) = (r.informed_text(), informing) {
            // Decided, the patient not told yet: the clock runs until the letter is sent.
            let text = format!("{} · ikke informert", r.status.label_nb());
            let response = if urgency == Urgency::OnTrack {
                ui.label(text)
            } else {
                ui.colored_label(theme::urgency_text(urgency), text)
            };
            response.on_hover_text(full);
            return;
        }
        let label = match r.urgency {
            Urgency::Overdue => format!("{} – over fristen", r.status.label_nb()),
            _ => r.status.label_nb().to_string(),
        };
        ui.label(label);
    });
    cell(row, &|ui| match (r.status.is_open(), r.last_meeting) {
        (false, _) => {
            ui.colored_label(theme::MUTED_TEXT, "–");
        }
        (true, Some(date)) => {
            ui.label(format_date_weekday(date));
        }
        (true, None) if r.urgency == Urgency::Overdue => {
            ui.colored_label(theme::urgency_text(Urgency::Overdue), "fristen er passert");
        }
        (true, None) => {
            ui.colored_label(theme::ERROR_TEXT, "ingen møte før frist");
        }
    });
    cell(row, &|ui| {
        ui.label(model.referrer_name(r));
    });
    cell(row, &|ui| {
        if model.specialty(r).is_empty() {
            ui.label(r.referrer_kind.label_nb());
        } else {
            ui.label(format!(
                "{} ({})",
                r.referrer_kind.label_nb(),
                model.specialty(r)
            ));
        }
    });
    cell(row, &|ui| {
        ui.label(if r.is_secondary {
            "Sekundær"
        } else {
            "Primær"
        });
    });
}

#[cfg(test)]
mod tests {
    //! The queue panel on its own, over a model built in the test: search, the count line,
    //! sorting by a header, and selecting a row (an action, nothing written).
    use super::*;
    use crate::domain::referral::iso;
    use crate::domain::{Referral, ReferralStatus};
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;

    fn referral(id: i64, received: &str, patient: &str, problem: &str) -> Referral {
        let mut r =
            crate::queue::tests::referral(id, received, patient, ReferralStatus::TilVurdering);
        r.fields.problem = problem.into();
        r
    }

    #[test]
    fn search_sort_and_select_in_the_panel_alone() {
        let model = QueueModel::build(
            vec![
                referral(1, "2026-11-16", "Åse Lie", "Nakkesmerter"),
                referral(2, "2026-11-09", "Bo Berg", "Ryggsmerter etter fall"),
            ],
            Default::default(),
            iso("2026-11-23"),
        );
        let mut panel = QueuePanel::default();
        let mut pushed: Vec<Action> = Vec::new();
        let mut styled = false;
        let mut harness = Harness::builder()
            .with_size(egui::vec2(1200.0, 600.0))
            .build_ui(|ui| {
                // The app's fonts (the fallback has the sort arrows).
                if !std::mem::replace(&mut styled, true) {
                    theme::apply(ui.ctx());
                }
                let mut actions = Vec::new();
                panel.ui(ui, &model, 1, None, &mut actions);
                pushed.extend(actions);
            });
        harness.run();
        harness.get_by_label("Viser 2 av 2");
        let y = |h: &Harness<'_>, name: &str| h.get_by_label(name).rect().top();
        // The legal order first: Bo's deadline is earlier.
        assert!(y(&harness, "Bo Berg") < y(&harness, "Åse Lie"));
        harness.get_by_label("Pasient").click();
        harness.run();
        harness.get_by_label("Pasient").click();
        harness.run();
        assert!(
            y(&harness, "Åse Lie") < y(&harness, "Bo Berg"),
            "by name, descending"
        );
        // Free-text search finds the problem statement, in any case.
        let search = egui::accesskit::Role::TextInput;
        harness.get_by_role_and_label(search, "Søk:").click();
        harness.run();
        harness
            .get_by_role_and_label(search, "Søk:")
            .type_text("FALL");
        harness.run();
        harness.get_by_label("Viser 1 av 2");
        assert!(harness.query_by_label("Åse Lie").is_none());
        harness.get_by_label("Bo Berg").click();
        harness.run();
        drop(harness);
        assert!(
            pushed.contains(&Action::Nav(NavAction::Select(ReferralId(2)))),
            "{pushed:?}"
        );
    }
}
