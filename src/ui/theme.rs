//! Design tokens: every colour and spacing the UI uses, in one place. `clippy.toml` forbids
//! making a colour anywhere else.
#![allow(clippy::disallowed_methods)]

use crate::queue::Urgency;
use egui::Color32;

/// Row background by urgency (light theme).
pub fn urgency_fill(urgency: Urgency) -> Color32 {
    match urgency {
        Urgency::Overdue => Color32::from_rgb(0xF8, 0xD7, 0xD4),
        Urgency::DueSoon => Color32::from_rgb(0xFF, 0xEC, 0xC2),
        // On track needs no attention: no colour (issue 11: colour only what needs it).
        Urgency::OnTrack => Color32::TRANSPARENT,
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
/// Expected problems (forventet fristbrudd): amber, as "due soon" in the queue.
pub const WARNING_TEXT: Color32 = Color32::from_rgb(0x8A, 0x5A, 0x00);
/// A confirmation after a save.
pub const OK_TEXT: Color32 = Color32::from_rgb(0x1E, 0x6B, 0x2A);
/// Public holidays in the calendar.
pub const HOLIDAY_TEXT: Color32 = Color32::from_rgb(0xB0, 0x1E, 0x14);
/// The clinic's closure days in the calendar.
pub const CLOSED_TEXT: Color32 = Color32::from_rgb(0x8A, 0x5A, 0x00);
/// Body text: near black on white (about 16:1), stronger than egui's default grey.
pub const BODY_TEXT: Color32 = Color32::from_gray(0x1A);
/// Secondary text (hints, labels in the detail pane).
pub const MUTED_TEXT: Color32 = Color32::from_gray(0x55);

/// The statistics plots: rett, avslag, the rest, and the year before.
pub const PLOT_RETT: Color32 = Color32::from_rgb(0x2E, 0x7D, 0x32);
pub const PLOT_AVSLAG: Color32 = Color32::from_rgb(0xC6, 0x28, 0x28);
pub const PLOT_OTHER: Color32 = Color32::from_gray(0x90);
pub const PLOT_YEAR_BEFORE: Color32 = Color32::from_rgb(0x90, 0xA4, 0xAE);

pub const ROW_HEIGHT: f32 = 22.0;
pub const DETAIL_PANEL_WIDTH: f32 = 360.0;
/// Below this window width the queue's detail pane starts folded.
pub const DETAIL_FOLD_WIDTH: f32 = 1200.0;
pub const FORM_LABEL_WIDTH: f32 = 130.0;

/// DejaVu Sans (Bitstream Vera licence, assets/fonts/LICENSE-DejaVu.txt) as the fallback
/// after egui's built-in font: it has the arrows, dashes and symbols the UI uses ("→", "–",
/// "…") on every machine, without relying on system fonts.
const FALLBACK_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The app's look: light, the fallback font, and spacing for a meeting-room laptop.
/// Call before any text is laid out (the first frame).
pub fn apply(ctx: &egui::Context) {
    use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
    ctx.add_font(FontInsert::new(
        "DejaVuSans",
        egui::FontData::from_static(FALLBACK_FONT),
        vec![
            InsertFontFamily {
                family: egui::FontFamily::Proportional,
                priority: FontPriority::Lowest,
            },
            InsertFontFamily {
                family: egui::FontFamily::Monospace,
                priority: FontPriority::Lowest,
            },
        ],
    ));
    ctx.set_theme(egui::Theme::Light);
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(8.0, 3.0);
        // Body text near black instead of egui's grey, for a projector and tired eyes.
        let visuals = &mut style.visuals;
        visuals.widgets.noninteractive.fg_stroke.color = BODY_TEXT;
        visuals.widgets.inactive.fg_stroke.color = BODY_TEXT;
    });
}
