//! The statistics plots: decisions per month by outcome, and the year before beside them.

use super::*;

pub(super) fn month_label(f: &Figures, x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 0.01 || i < 0.0 {
        return String::new();
    }
    f.months
        .get(i as usize)
        .map(|m| {
            let name: String = month_name_nb(m.month).chars().take(3).collect();
            if m.month == 1 || i == 0.0 {
                format!("{name} {:02}", m.year % 100)
            } else {
                name
            }
        })
        .unwrap_or_default()
}

pub(super) const RETT: egui::Color32 = theme::PLOT_RETT;
pub(super) const AVSLAG: egui::Color32 = theme::PLOT_AVSLAG;
pub(super) const OTHER: egui::Color32 = theme::PLOT_OTHER;
pub(super) const BEFORE: egui::Color32 = theme::PLOT_YEAR_BEFORE;

pub(super) fn plots_ui(ui: &mut egui::Ui, report: &Report) {
    let f = &report.figures;
    let static_plot = |id: &str| {
        Plot::new(id.to_string())
            .height(200.0)
            // A mark at every month (or track), labelled by the formatter.
            .x_grid_spacer(uniform_grid_spacer(|_| [1.0, 3.0, 12.0]))
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .allow_boxed_zoom(false)
            .allow_double_click_reset(false)
            .legend(Legend::default().position(Corner::LeftTop))
    };

    ui.strong("Avgjorte henvisninger per måned");
    let bars = |pick: fn(&stats::MonthPoint) -> usize| -> Vec<Bar> {
        f.months
            .iter()
            .enumerate()
            .map(|(i, m)| Bar::new(i as f64, pick(m) as f64).width(0.7))
            .collect()
    };
    let rett = BarChart::new("Rett", bars(|m| m.rett)).color(RETT);
    let avslag = BarChart::new("Avslag", bars(|m| m.avslag))
        .color(AVSLAG)
        .stack_on(&[&rett]);
    let other = BarChart::new("Feilsendt/videresendt/sekundær", bars(|m| m.other))
        .color(OTHER)
        .stack_on(&[&rett, &avslag]);
    let tallest = f
        .months
        .iter()
        .map(|m| m.rett + m.avslag + m.other)
        .max()
        .unwrap_or(0);
    static_plot("stats_per_month")
        .x_axis_formatter(|mark, _| month_label(f, mark.value))
        .include_y(0.0)
        // Headroom for the legend above the bars.
        .include_y(tallest as f64 * 1.5 + 1.0)
        .show(ui, |p| {
            p.bar_chart(rett);
            p.bar_chart(avslag);
            p.bar_chart(other);
        });

    ui.add_space(8.0);
    ui.strong("Virkedager fra mottak til vedtak (median per måned)");
    let points: Vec<[f64; 2]> = f
        .months
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.median_days.map(|d| [i as f64, d]))
        .collect();
    let before: Option<Vec<[f64; 2]>> = report.previous.as_ref().map(|(_, b)| {
        b.months
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.median_days.map(|d| [i as f64, d]))
            .collect()
    });
    static_plot("stats_days")
        .x_axis_formatter(|mark, _| month_label(f, mark.value))
        .include_y(0.0)
        .include_y(12.0)
        .show(ui, |p| {
            p.line(
                egui_plot::Line::new(report.period.label_nb(), PlotPoints::from(points))
                    .color(theme::OK_TEXT)
                    .width(2.0),
            );
            if let (Some(b), Some((period, _))) = (before, &report.previous) {
                p.line(
                    egui_plot::Line::new(period.label_nb(), PlotPoints::from(b))
                        .color(BEFORE)
                        .style(egui_plot::LineStyle::dashed_dense()),
                );
            }
            p.hline(HLine::new("Frist: 10 virkedager", 10.0).color(AVSLAG));
        });

    ui.add_space(8.0);
    ui.strong("Andel per forløp (rett og sekundær)");
    let share = |fig: &Figures, t: &str| {
        let total = (fig.rett + fig.secondary) as f64;
        if total > 0.0 {
            fig.tracks.get(t).copied().unwrap_or(0) as f64 / total * 100.0
        } else {
            0.0
        }
    };
    let offset = if report.previous.is_some() { 0.2 } else { 0.0 };
    let now_bars: Vec<Bar> = TRACK_ORDER
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Bar::new(i as f64 + offset, share(f, t))
                .width(0.38)
                .name(*t)
        })
        .collect();
    let before_bars: Option<Vec<Bar>> = report.previous.as_ref().map(|(_, b)| {
        TRACK_ORDER
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Bar::new(i as f64 - offset, share(b, t))
                    .width(0.38)
                    .name(*t)
            })
            .collect()
    });
    let short = |x: f64| -> String {
        let i = x.round();
        if (x - i).abs() > 0.01 || i < 0.0 {
            return String::new();
        }
        TRACK_ORDER
            .get(i as usize)
            .map(|t| {
                t.replace("monofaglig", "mono")
                    .replace("tverrfaglig", "tverr")
                    .replace("kartlegging", "kartl.")
                    .replace("fysioterapeut", "fysio")
                    .replace("sekvensiell", "sekv.")
            })
            .unwrap_or_default()
    };
    static_plot("stats_tracks")
        .x_axis_formatter(move |mark, _| short(mark.value))
        .include_y(0.0)
        .include_y(45.0)
        .y_axis_label("%")
        .show(ui, |p| {
            p.bar_chart(BarChart::new(report.period.label_nb(), now_bars).color(theme::OK_TEXT));
            if let (Some(b), Some((period, _))) = (before_bars, &report.previous) {
                p.bar_chart(BarChart::new(period.label_nb(), b).color(BEFORE));
            }
        });
}
