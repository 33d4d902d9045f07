//! Statistikk: choose a period (year, tertial, year to tertial, month, from–to), compare with
//! the same period the year before, read the table, see the plots, export CSV. The report is
//! computed only when the period or the data changes, never per frame.

use super::OutputAction;
use super::{Action, labelled_date_ui, theme};
use crate::stats::{self, Figures, Line, Period, Report, TRACK_ORDER, month_name_nb};
use chrono::{Datelike, NaiveDate};
use egui_plot::{Bar, BarChart, Corner, HLine, Legend, Plot, PlotPoints, uniform_grid_spacer};

mod plots;
use plots::*;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Kind {
    #[default]
    Year,
    Tertial,
    YearToTertial,
    Month,
    Range,
}

impl Kind {
    const ALL: [Self; 5] = [
        Self::Year,
        Self::Tertial,
        Self::YearToTertial,
        Self::Month,
        Self::Range,
    ];

    fn label_nb(self) -> &'static str {
        match self {
            Self::Year => "År",
            Self::Tertial => "Tertial",
            Self::YearToTertial => "Hittil i år per tertial",
            Self::Month => "Måned",
            Self::Range => "Fra–til",
        }
    }
}

/// The chosen period and the cached report for it.
pub struct StatsView {
    kind: Kind,
    year: i32,
    tertial: u32,
    month: u32,
    from: NaiveDate,
    to: NaiveDate,
    compare: bool,
    /// (data generation, period, compare) the report was computed for.
    cached_for: Option<(u64, Period, bool)>,
    report: Option<Result<Report, String>>,
    /// The table lines of `report`, built with it.
    lines: Vec<Line>,
}

/// Below this width the plots go under the table instead of beside it, so the table's
/// comparison columns stay on screen.
const STACK_BELOW_WIDTH: f32 = 1450.0;

impl StatsView {
    pub fn new(today: NaiveDate) -> Self {
        let tertial = (today.month() - 1) / 4 + 1;
        Self {
            kind: Kind::Year,
            year: today.year(),
            tertial,
            month: today.month(),
            from: NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
            to: today,
            compare: true,
            cached_for: None,
            report: None,
            lines: Vec::new(),
        }
    }

    /// The chosen period; `None` while from–to is not a valid range.
    pub fn period(&self) -> Option<Period> {
        let p = match self.kind {
            Kind::Year => Period::Year(self.year),
            Kind::Tertial => Period::Tertial(self.year, self.tertial),
            Kind::YearToTertial => Period::YearToTertial(self.year, self.tertial),
            Kind::Month => Period::Month(self.year, self.month),
            Kind::Range => Period::Range(self.from, self.to),
        };
        p.bounds().map(|_| p)
    }

    /// The current report, if computed without error.
    pub fn report(&self) -> Option<&Report> {
        self.report.as_ref().and_then(|r| r.as_ref().ok())
    }

    fn refresh(&mut self, load: &dyn Fn(Period, bool) -> Result<Report, String>, generation: u64) {
        let Some(period) = self.period() else {
            self.report = Some(Err("Fra-datoen må være før til-datoen".into()));
            self.cached_for = None;
            return;
        };
        let key = (generation, period, self.compare);
        if self.cached_for != Some(key) {
            self.report = Some(load(period, self.compare));
            self.lines = match &self.report {
                Some(Ok(r)) => stats::lines(r),
                _ => Vec::new(),
            };
            self.cached_for = Some(key);
        }
    }

    /// Draws the view. `load` computes a period's report through the model loader; it is
    /// called only when the period, the comparison or the data (`generation`) changed.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        load: &dyn Fn(Period, bool) -> Result<Report, String>,
        generation: u64,
        actions: &mut Vec<Action>,
    ) {
        self.controls_ui(ui, actions);
        self.refresh(load, generation);
        let report = match &self.report {
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                ui.colored_label(theme::ERROR_TEXT, e);
                return;
            }
            None => return,
        };
        ui.label(egui::RichText::new(report.title_nb()).strong());
        ui.separator();
        if ui.available_width() >= STACK_BELOW_WIDTH {
            egui::Panel::right("stats_plots")
                .resizable(true)
                .default_size(560.0)
                .min_size(360.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| plots_ui(ui, report));
                });
            egui::CentralPanel::default().show(ui, |ui| {
                egui::ScrollArea::both().show(ui, |ui| table_ui(ui, report, &self.lines));
            });
        } else {
            // A narrow window: the whole table (with the comparison) first, the plots below.
            egui::CentralPanel::default().show(ui, |ui| {
                egui::ScrollArea::both().show(ui, |ui| {
                    table_ui(ui, report, &self.lines);
                    ui.separator();
                    ui.set_max_width(ui.clip_rect().width().max(360.0));
                    plots_ui(ui, report);
                });
            });
        }
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            ui.heading("Statistikk");
            ui.add_space(12.0);
            let label = ui.label("Periode:");
            egui::ComboBox::from_id_salt("stats_kind")
                .selected_text(self.kind.label_nb())
                .show_ui(ui, |ui| {
                    for k in Kind::ALL {
                        ui.selectable_value(&mut self.kind, k, k.label_nb());
                    }
                })
                .response
                .labelled_by(label.id);
            if self.kind != Kind::Range {
                let label = ui.label("År:");
                ui.add(egui::DragValue::new(&mut self.year).range(1990..=2100))
                    .labelled_by(label.id);
            }
            match self.kind {
                Kind::Tertial | Kind::YearToTertial => {
                    let label = ui.label("Tertial:");
                    egui::ComboBox::from_id_salt("stats_tertial")
                        .selected_text(format!("T{}", self.tertial))
                        .show_ui(ui, |ui| {
                            for (t, text) in
                                [(1, "T1 jan–apr"), (2, "T2 mai–aug"), (3, "T3 sep–des")]
                            {
                                ui.selectable_value(&mut self.tertial, t, text);
                            }
                        })
                        .response
                        .labelled_by(label.id);
                }
                Kind::Month => {
                    let label = ui.label("Måned:");
                    egui::ComboBox::from_id_salt("stats_month")
                        .selected_text(month_name_nb(self.month))
                        .show_ui(ui, |ui| {
                            for m in 1..=12 {
                                ui.selectable_value(&mut self.month, m, month_name_nb(m));
                            }
                        })
                        .response
                        .labelled_by(label.id);
                }
                Kind::Range => {
                    labelled_date_ui(ui, "Fra:", &mut self.from, "stats_from");
                    labelled_date_ui(ui, "Til:", &mut self.to, "stats_to");
                }
                Kind::Year => {}
            }
            ui.checkbox(&mut self.compare, "Sammenlign med året før");
            if ui.button("Eksporter CSV").clicked() {
                actions.push(Action::Output(OutputAction::ExportStats));
            }
        });
        ui.colored_label(
            theme::MUTED_TEXT,
            "Mottatte telles etter mottaksdato, alt som er avgjort etter vedtaksdato (siste \
             versjon av vedtaket). Behandlede = rett + avslag.",
        )
        .on_hover_text(
            "Forløp telles for rett og sekundær. Vurdert innen 10 virkedager er en andel av de \
             behandlede. Brudd på juridisk frist: rett der fristen faller i perioden og \
             behandlingen ikke startet innen fristen. En rettet avgjørelse telles bare én gang.",
        );
    }
}

fn table_ui(ui: &mut egui::Ui, report: &Report, lines: &[Line]) {
    let previous = report.previous.as_ref().map(|(p, _)| p.label_nb());
    let columns = if previous.is_some() { 6 } else { 3 };
    // Figures right-aligned in fixed-width cells, so the columns line up down the table.
    // Headers wrap inside their cell ("3. tertial 2025" over two lines) instead of running
    // into the next column.
    let figure = |ui: &mut egui::Ui, text: String, strong: bool| {
        ui.allocate_ui_with_layout(
            egui::vec2(86.0, 18.0),
            egui::Layout::top_down(egui::Align::Max),
            |ui| {
                ui.set_width(86.0);
                if strong {
                    ui.add(
                        egui::Label::new(egui::RichText::new(text).strong())
                            .halign(egui::Align::Max)
                            .wrap(),
                    );
                } else {
                    ui.label(text);
                }
            },
        );
    };
    egui::Grid::new("stats_grid")
        .striped(true)
        .num_columns(columns)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            let mut section = "";
            for l in lines {
                if l.section != section {
                    section = l.section;
                    ui.strong(section);
                    figure(ui, report.period.label_nb(), true);
                    figure(ui, "andel".into(), true);
                    if let Some(p) = &previous {
                        figure(ui, p.clone(), true);
                        figure(ui, "andel".into(), true);
                        figure(ui, "endring".into(), true);
                    }
                    ui.end_row();
                }
                let label = if l.indent {
                    format!("   {}", l.label)
                } else {
                    l.label.clone()
                };
                ui.label(label);
                figure(ui, l.now.text(), false);
                figure(ui, l.now.share_text(), false);
                if let Some(b) = l.before {
                    figure(ui, b.text(), false);
                    figure(ui, b.share_text(), false);
                    figure(ui, l.now.change_text(b), false);
                }
                ui.end_row();
            }
        });
    meetings_ui(ui, &report.figures.meetings);
}

/// Each meeting held in the period: day, leader, attendance and what its agenda came to.
fn meetings_ui(ui: &mut egui::Ui, meetings: &[crate::domain::records::HeldSummary]) {
    if meetings.is_empty() {
        return;
    }
    ui.add_space(8.0);
    egui::CollapsingHeader::new(format!("Møtene i perioden ({})", meetings.len()))
        .id_salt("stats_meetings")
        .show(ui, |ui| {
            egui::Grid::new("stats_meetings_grid")
                .striped(true)
                .num_columns(7)
                .spacing([18.0, 4.0])
                .show(ui, |ui| {
                    for h in [
                        "Møte",
                        "Uke",
                        "Møteleder",
                        "Til stede",
                        "Saker",
                        "Avgjort",
                        "Utsatt",
                    ] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for m in meetings {
                        use chrono::Datelike;
                        ui.label(crate::calendar::format_date_weekday(m.date));
                        ui.label(m.date.iso_week().week().to_string());
                        ui.label(m.leader.as_deref().unwrap_or("–"));
                        ui.label(m.attendees.to_string());
                        ui.label(m.items.to_string());
                        ui.label(m.decided.to_string());
                        ui.label(m.postponed.to_string());
                        ui.end_row();
                    }
                });
        });
}

#[cfg(test)]
mod tests {
    //! The panel on its own: it gets its report through the loader it is given, computes it
    //! only when its key changes, and says a loader error in words.
    use super::*;
    use crate::domain::referral::iso;
    use crate::stats::{PeriodData, Received};
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use std::cell::Cell;

    fn report(period: Period, compare: bool) -> Result<Report, String> {
        let data = PeriodData {
            received: vec![
                Received {
                    kind: crate::domain::ReferrerKind::Fastlege,
                    specialty: String::new(),
                    withdrawn: false,
                };
                3
            ],
            ..Default::default()
        };
        let (from, to) = period.bounds().ok_or("ugyldig")?;
        let figures = stats::compute(&data, (from, to), Default::default(), iso("2026-11-23"));
        Ok(Report {
            period,
            previous: compare.then(|| (period.year_before(), figures.clone())),
            figures,
            until: None,
        })
    }

    #[test]
    fn the_panel_asks_its_loader_once_per_key_and_shows_the_table() {
        let calls = Cell::new(0);
        let load = |period: Period, compare: bool| {
            calls.set(calls.get() + 1);
            report(period, compare)
        };
        let mut view = StatsView::new(iso("2026-11-23"));
        let mut harness = Harness::new_ui(|ui| {
            let mut actions = Vec::new();
            view.ui(ui, &load, 1, &mut actions);
        });
        harness.run();
        harness.get_by_label("Mottatte henvisninger");
        harness.get_by_label("Holdte inntaksmøter");
        // Several frames, one computation: nothing is read per frame.
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn a_loader_error_is_said_in_the_panel() {
        let load = |_: Period, _: bool| -> Result<Report, String> {
            Err("Databasefeil: disk I/O error".into())
        };
        let mut view = StatsView::new(iso("2026-11-23"));
        let mut harness = Harness::new_ui(|ui| {
            let mut actions = Vec::new();
            view.ui(ui, &load, 1, &mut actions);
        });
        harness.run();
        harness.get_by_label("Databasefeil: disk I/O error");
    }
}
