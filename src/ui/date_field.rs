//! Date fields: a typed date (`dd.mm.åååå`, `d.m`, `i dag`, `i morgen`, `+3`) with a Norwegian
//! month calendar beside it (Monday first, ISO week numbers, holidays and closure days marked).

use super::theme;
use crate::calendar::{
    self, DayMark, WorkingDayRule, format_date, month_name_nb, month_weeks, parse_date_input,
};
use chrono::{Datelike, NaiveDate};
use std::sync::Arc;

/// What every date field needs to know besides its own value: "today" for `i dag` and `+3`,
/// the working-day rule, and the clinic's closure days to mark in the calendar. The app puts
/// it into the context once per frame ([`set_context`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct DateContext {
    pub today: NaiveDate,
    pub rule: WorkingDayRule,
    pub closures: Arc<Vec<(NaiveDate, String)>>,
}

fn context_id() -> egui::Id {
    egui::Id::unique("inntak_date_context")
}

pub(crate) fn set_context(ctx: &egui::Context, date_context: DateContext) {
    ctx.data_mut(|d| d.insert_temp(context_id(), date_context));
}

fn context(ctx: &egui::Context) -> DateContext {
    ctx.data(|d| d.get_temp::<DateContext>(context_id()))
        .unwrap_or_else(|| DateContext {
            today: chrono::Local::now().date_naive(),
            ..Default::default()
        })
}

/// A date field after a label that names it for screen readers: the date can be typed
/// (Enter or leaving the field takes it) or picked in the calendar beside it. A text that is
/// no date is kept and marked "ukjent dato", and the date is left as it was.
pub(crate) fn labelled_date_ui(
    ui: &mut egui::Ui,
    label: &str,
    date: &mut NaiveDate,
    id_salt: &'static str,
) -> egui::Response {
    let label = ui.label(label);
    date_ui(ui, label.id, date, id_salt)
}

/// The date field for a label drawn elsewhere (a form grid's label column).
pub(crate) fn date_ui(
    ui: &mut egui::Ui,
    label: egui::Id,
    date: &mut NaiveDate,
    id_salt: &'static str,
) -> egui::Response {
    let text_id = text_id(id_salt);
    let shown = format_date(*date);
    let mut text = ui
        .data(|d| d.get_temp::<String>(text_id))
        .unwrap_or_else(|| shown.clone());
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut text)
                .id_salt(("date_text", id_salt))
                .desired_width(92.0)
                .hint_text("dd.mm.åååå"),
        )
        .labelled_by(label)
        .on_hover_text("dd.mm.åååå, d.m, i dag, i morgen eller +3 (virkedager fra i dag)");
    let dc = context(ui.ctx());
    let commit = response.lost_focus();
    let mut invalid = false;
    let mut changed = false;
    if commit {
        match parse_date_input(&text, dc.today, dc.rule) {
            Some(typed) => {
                changed = typed != *date;
                *date = typed;
                text = format_date(typed);
            }
            None => invalid = true,
        }
    }
    if response.has_focus() || invalid {
        ui.data_mut(|d| d.insert_temp(text_id, text.clone()));
    } else if text == shown || commit {
        ui.data_mut(|d| d.remove::<String>(text_id));
    }
    let still_invalid = !response.has_focus()
        && ui
            .data(|d| d.get_temp::<String>(text_id))
            .is_some_and(|t| parse_date_input(&t, dc.today, dc.rule).is_none());
    if still_invalid {
        ui.colored_label(theme::ERROR_TEXT, "ukjent dato")
            .on_hover_text("Skriv dd.mm.åååå, d.m, i dag, i morgen eller +3");
    }
    let mut picked = calendar_button(ui, date, id_salt, &dc);
    if picked.changed() {
        // Picked in the calendar: the typed text follows.
        ui.data_mut(|d| d.remove::<String>(text_id));
    }
    if changed {
        picked.mark_changed();
    }
    response.union(picked)
}

fn text_id(id_salt: &'static str) -> egui::Id {
    egui::Id::unique(("inntak_date_text", id_salt))
}

/// The text still being typed in the date field `id_salt` that is not yet taken (the field
/// takes it on Enter or when it loses focus), if it is no date: the message to show at the
/// field. A form calls this when its fields change, so the error stays until the text is right.
pub(crate) fn typed_error(ctx: &egui::Context, id_salt: &'static str) -> Option<String> {
    let text = ctx.data(|d| d.get_temp::<String>(text_id(id_salt)))?;
    let dc = context(ctx);
    match parse_date_input(&text, dc.today, dc.rule) {
        Some(_) => None,
        None if text.trim().is_empty() => Some("mangler: skriv en dato (dd.mm.åååå)".into()),
        None => Some(format!(
            "«{}» er ikke en dato: skriv dd.mm.åååå, d.m, i dag, i går eller +3",
            text.trim()
        )),
    }
}

/// Takes the text still being typed in the date field `id_salt` into `date`, as leaving the
/// field would: a save by keyboard (Ctrl+Enter) happens while the cursor is still in the field,
/// and must save the date the user sees, not the one before. A text that is no date is an
/// error (the date is left as it was, and the save must stop).
pub(crate) fn settle(
    ctx: &egui::Context,
    id_salt: &'static str,
    date: &mut NaiveDate,
) -> Result<(), String> {
    if let Some(message) = typed_error(ctx, id_salt) {
        return Err(message);
    }
    let Some(text) = ctx.data(|d| d.get_temp::<String>(text_id(id_salt))) else {
        return Ok(());
    };
    let dc = context(ctx);
    if let Some(typed) = parse_date_input(&text, dc.today, dc.rule) {
        *date = typed;
        ctx.data_mut(|d| d.remove::<String>(text_id(id_salt)));
    }
    Ok(())
}

/// The date the field `id_salt` shows: the typed text if it is a date, else `date`. A form's
/// derived lines (the frist after Mottatt) follow what is typed, before it is taken.
pub(crate) fn shown_date(ctx: &egui::Context, id_salt: &'static str, date: NaiveDate) -> NaiveDate {
    let dc = context(ctx);
    ctx.data(|d| d.get_temp::<String>(text_id(id_salt)))
        .and_then(|text| parse_date_input(&text, dc.today, dc.rule))
        .unwrap_or(date)
}

/// "Kalender…": a button that opens a month calendar below it. Clicking a day sets the date
/// and closes it; Esc or a click outside closes it unchanged.
fn calendar_button(
    ui: &mut egui::Ui,
    date: &mut NaiveDate,
    id_salt: &'static str,
    dc: &DateContext,
) -> egui::Response {
    let mut button = ui
        .add(egui::Button::new("Kalender…"))
        .on_hover_text("Velg dato i kalenderen");
    let popup_id = egui::Popup::default_response_id(&button);
    let month_id = egui::Id::unique(("inntak_calendar_month", id_salt));
    if button.clicked() {
        ui.data_mut(|d| d.insert_temp(month_id, (date.year(), date.month())));
    }
    let shown_month = ui
        .data(|d| d.get_temp::<(i32, u32)>(month_id))
        .unwrap_or((date.year(), date.month()));
    let mut picked = None;
    let mut month = shown_month;
    egui::Popup::from_toggle_button_response(&button)
        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
        .show(|ui| {
            ui.set_min_width(300.0);
            picked = month_ui(ui, &mut month, *date, dc);
        });
    if month != shown_month {
        ui.data_mut(|d| d.insert_temp(month_id, month));
    }
    if let Some(day) = picked {
        if day != *date {
            *date = day;
            button.mark_changed();
        }
        egui::Popup::close_id(ui.ctx(), popup_id);
    }
    button
}

/// One month: "‹ november 2026 ›", then a row per week with its number and seven days.
/// Returns the day clicked, if any.
fn month_ui(
    ui: &mut egui::Ui,
    month: &mut (i32, u32),
    selected: NaiveDate,
    dc: &DateContext,
) -> Option<NaiveDate> {
    let (year, m) = *month;
    ui.horizontal(|ui| {
        if ui.button("‹").on_hover_text("Forrige måned").clicked() {
            *month = if m == 1 {
                (year - 1, 12)
            } else {
                (year, m - 1)
            };
        }
        ui.strong(format!("{} {year}", month_name_nb(m)));
        if ui.button("›").on_hover_text("Neste måned").clicked() {
            *month = if m == 12 {
                (year + 1, 1)
            } else {
                (year, m + 1)
            };
        }
        if ui.button("I dag").clicked() {
            *month = (dc.today.year(), dc.today.month());
        }
    });
    let mut picked = None;
    egui::Grid::new(("calendar_grid", year, m))
        .spacing([2.0, 2.0])
        .show(ui, |ui| {
            ui.colored_label(theme::MUTED_TEXT, "Uke");
            for day in ["man", "tir", "ons", "tor", "fre", "lør", "søn"] {
                ui.colored_label(theme::MUTED_TEXT, day);
            }
            ui.end_row();
            for week in month_weeks(year, m) {
                ui.colored_label(theme::MUTED_TEXT, week.iso_week.to_string());
                for (day, in_month) in week.days {
                    if day_button(ui, day, in_month, selected, dc).clicked() {
                        picked = Some(day);
                    }
                }
                ui.end_row();
            }
        });
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(theme::HOLIDAY_TEXT, "■ helligdag");
        ui.colored_label(theme::CLOSED_TEXT, "■ stengt");
        ui.colored_label(theme::MUTED_TEXT, "helg");
    });
    picked
}

fn day_button(
    ui: &mut egui::Ui,
    day: NaiveDate,
    in_month: bool,
    selected: NaiveDate,
    dc: &DateContext,
) -> egui::Response {
    let mark = calendar::day_mark(day, dc.rule, &dc.closures);
    let colour = match &mark {
        DayMark::Holiday(_) => theme::HOLIDAY_TEXT,
        DayMark::Closed(_) => theme::CLOSED_TEXT,
        DayMark::Weekend => theme::MUTED_TEXT,
        DayMark::Working => ui.visuals().text_color(),
    };
    let mut text = egui::RichText::new(day.day().to_string()).color(if in_month {
        colour
    } else {
        colour.gamma_multiply(0.45)
    });
    if day == dc.today {
        text = text.underline();
    }
    let mut button = egui::Button::new(text)
        .min_size(egui::vec2(32.0, 24.0))
        .selected(day == selected);
    if matches!(mark, DayMark::Working | DayMark::Weekend) && day != selected {
        button = button.frame(false);
    }
    let hover = match &mark {
        DayMark::Holiday(kind) => format!(
            "{} – {}",
            calendar::format_date_weekday(day),
            kind.name_nb()
        ),
        DayMark::Closed(label) if label.is_empty() => {
            format!("{} – stengt", calendar::format_date_weekday(day))
        }
        DayMark::Closed(label) => {
            format!("{} – stengt: {label}", calendar::format_date_weekday(day))
        }
        _ => calendar::format_date_weekday(day),
    };
    ui.add(button).on_hover_text(hover)
}
