//! The window: the app shell, one module per panel or view, and the design tokens.

pub mod action;
mod app;
mod backup_view;
mod date_field;
mod detail_panel;
mod encryption_view;
mod followup_view;
mod import_view;
mod meeting_mode;
mod meetings_view;
pub mod prefs;
mod preparation;
mod queue_panel;
mod referral_form;
mod settings_view;
mod stats_view;
pub mod theme;
pub mod unlock;

pub use action::{
    Action, AgendaChange, BackupAction, ClinicAction, FollowUpAction, ImportAction, ImportJob,
    ImportOutcome, LetterTarget, MeetingAction, NavAction, OutputAction, PlanAction,
    ReferralAction, Shared, TeamAction, View,
};
pub use app::{App, Preload};
pub(crate) use date_field::{DateContext, date_ui, labelled_date_ui, set_context};
pub use detail_panel::DetailView;
pub use followup_view::CareFilter;
pub use import_view::ImportOrigin;
pub use unlock::{Root, UnlockScreen};

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
