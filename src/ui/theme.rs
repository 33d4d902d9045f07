//! Design tokens: every colour and spacing the UI uses, in one place.

use crate::queue::Urgency;
use egui::Color32;

/// Row background by urgency (light theme).
pub fn urgency_fill(urgency: Urgency) -> Color32 {
    match urgency {
        Urgency::Overdue => Color32::from_rgb(0xF8, 0xD7, 0xD4),
        Urgency::DueSoon => Color32::from_rgb(0xFF, 0xEC, 0xC2),
        Urgency::OnTrack => Color32::from_rgb(0xE3, 0xF2, 0xE1),
        Urgency::Closed => Color32::TRANSPARENT,
    }
}

/// Text colour for the urgency marker and counts.
pub fn urgency_text(urgency: Urgency) -> Color32 {
    match urgency {
        Urgency::Overdue => Color32::from_rgb(0xA3, 0x1B, 0x12),
        Urgency::DueSoon => Color32::from_rgb(0x8A, 0x5A, 0x00),
        Urgency::OnTrack => Color32::from_rgb(0x1E, 0x6B, 0x2A),
        Urgency::Closed => Color32::from_gray(0x60),
    }
}

/// Field validation messages.
pub const ERROR_TEXT: Color32 = Color32::from_rgb(0xB0, 0x1E, 0x14);
/// A confirmation after a save.
pub const OK_TEXT: Color32 = Color32::from_rgb(0x1E, 0x6B, 0x2A);
/// Secondary text (hints, labels in the detail pane).
pub const MUTED_TEXT: Color32 = Color32::from_gray(0x55);

pub const ROW_HEIGHT: f32 = 22.0;
pub const DETAIL_PANEL_WIDTH: f32 = 380.0;
pub const FORM_LABEL_WIDTH: f32 = 130.0;

/// The app's look: light, with slightly larger text for a meeting-room laptop.
pub fn apply(ctx: &egui::Context) {
    ctx.set_theme(egui::Theme::Light);
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(8.0, 3.0);
    });
}
