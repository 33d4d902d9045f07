//! The window: the app shell, one module per panel or view, and the design tokens.

mod app;
mod backup_view;
mod detail_panel;
mod followup_view;
mod meeting_mode;
mod meetings_view;
mod queue_panel;
mod referral_form;
mod settings_view;
mod stats_view;
pub mod theme;

pub use app::{Action, App, View};
pub use detail_panel::DetailView;
pub use followup_view::CareFilter;

/// jiff dates at the egui_extras edge; chrono everywhere else.
pub(crate) fn to_jiff(date: chrono::NaiveDate) -> jiff::civil::Date {
    use chrono::Datelike;
    jiff::civil::Date::new(date.year() as i16, date.month() as i8, date.day() as i8)
        .unwrap_or_default()
}

pub(crate) fn from_jiff(date: jiff::civil::Date) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        date.month() as u32,
        date.day() as u32,
    )
}

/// Where the app puts "today" and the working-day rule for the date fields each frame.
pub(crate) fn date_context_id() -> egui::Id {
    egui::Id::unique("inntak_date_context")
}

/// A date field after a label that names it for screen readers: the date can be typed
/// (`dd.mm.åååå`, `d.m`, `i dag`, `i morgen`, `+3` working days; Enter or leaving the field
/// takes it) or picked with the calendar button beside it. A text that is no date is kept
/// and marked, and the date is left as it was.
pub(crate) fn labelled_date_ui(
    ui: &mut egui::Ui,
    label: &str,
    date: &mut jiff::civil::Date,
    id_salt: &'static str,
) -> egui::Response {
    let label = ui.label(label);
    let text_id = egui::Id::unique(("inntak_date_text", id_salt));
    let shown = from_jiff(*date)
        .map(crate::calendar::format_date)
        .unwrap_or_default();
    let mut text = ui
        .data(|d| d.get_temp::<String>(text_id))
        .unwrap_or_else(|| shown.clone());
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut text)
                .desired_width(92.0)
                .hint_text("dd.mm.åååå"),
        )
        .labelled_by(label.id)
        .on_hover_text("dd.mm.åååå, d.m, i dag, i morgen eller +3 (virkedager fra i dag)");
    let (today, rule) = ui
        .ctx()
        .data(|d| {
            d.get_temp::<(chrono::NaiveDate, crate::calendar::WorkingDayRule)>(date_context_id())
        })
        .unwrap_or_else(|| (chrono::Local::now().date_naive(), Default::default()));
    let commit = response.lost_focus();
    let mut invalid = false;
    if commit {
        match crate::calendar::parse_date_input(&text, today, rule) {
            Some(typed) => {
                *date = to_jiff(typed);
                text = crate::calendar::format_date(typed);
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
            .is_some_and(|t| crate::calendar::parse_date_input(&t, today, rule).is_none());
    if still_invalid {
        ui.colored_label(theme::ERROR_TEXT, "ukjent dato")
            .on_hover_text("Skriv dd.mm.åååå, d.m, i dag, i morgen eller +3");
    }
    let before = *date;
    let picked = ui.add(
        egui_extras::DatePickerButton::new(date)
            .id_salt(id_salt)
            .show_icon(false)
            // A button that opens the calendar (its text is a literal format, no date).
            .format("Kalender…")
            .calendar_week(true),
    );
    if *date != before {
        // Picked in the calendar: the typed text follows.
        ui.data_mut(|d| d.remove::<String>(text_id));
    }
    response.union(picked)
}

/// The fornyet vurdering line: red when the renewed assessment is used up, muted otherwise.
pub(crate) fn renewal_ui(
    ui: &mut egui::Ui,
    renewal: &crate::domain::renewal::Renewal,
    group: &str,
) {
    let colour = if renewal.is_warning() {
        theme::ERROR_TEXT
    } else {
        theme::MUTED_TEXT
    };
    ui.colored_label(colour, renewal.text_nb(group.trim()));
}
