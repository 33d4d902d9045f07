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

/// A date picker (dd.mm.åååå, no icon) after a label that names it for screen readers.
pub(crate) fn labelled_date_ui(
    ui: &mut egui::Ui,
    label: &str,
    date: &mut jiff::civil::Date,
    id_salt: &'static str,
) -> egui::Response {
    let label = ui.label(label);
    ui.add(
        egui_extras::DatePickerButton::new(date)
            .id_salt(id_salt)
            .show_icon(false)
            .format("%d.%m.%Y")
            .calendar_week(true),
    )
    .labelled_by(label.id)
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
