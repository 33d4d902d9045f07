//! The egui_kittest helpers the window tests share: the whole app on an in-memory store at a
//! fixed date, and typing, choosing and starting a meeting as a user would.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use inntak::clock::Clock;
use inntak::domain::referral::iso;
use inntak::domain::{ReferralDraft, ReferralStatus};
use inntak::store::referrals::{self, Change};
use inntak::store::{Store, settings};
use inntak::ui::App;

/// The one harness helper: the whole app on an in-memory store at a fixed date.
pub fn harness(store: Store, today: &str) -> Harness<'static, App> {
    let app = App::new(store, Clock::fixed(iso(today)), "tester".into());
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

/// A store that has answered the demo offer, with the given (patient, received) referrals.
pub fn store_with(referrals_in: &[(&str, &str)]) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    let change = Change {
        actor: "setup",
        at: iso("2025-04-01").and_hms_opt(8, 0, 0).unwrap(),
    };
    store
        .write(|tx| {
            settings::put(tx, settings::KEY_DEMO_OFFERED, "1")?;
            for (patient, received) in referrals_in {
                let draft = ReferralDraft {
                    patient: (*patient).into(),
                    referrer_name: "Dr. Berg".into(),
                    ..ReferralDraft::new(iso(received))
                };
                let fields = draft.validate(iso("2030-01-01")).unwrap();
                referrals::insert(
                    tx,
                    &fields,
                    ReferralStatus::TilVurdering,
                    None,
                    change,
                    inntak::store::audit::ReferralAction::Create,
                )?;
            }
            Ok(())
        })
        .unwrap();
    store
}

/// Innstillinger is open: adds "Lise Lege" (lege) to the team.
pub fn add_lise_lege(harness: &mut Harness<'_, App>) {
    type_into(harness, "Nytt medlem:", "Lise Lege");
    harness.get_by_label("Yrke:").click();
    harness.run();
    harness.get_by_label("Lege").click();
    harness.run();
    harness.get_by_label("Legg til i teamet").click();
    harness.run();
}

/// Møter → Start møtet, confirming the warning when the meeting is started on another day
/// than its date (the tests run on Monday 23.11 for Tuesday's meeting).
/// By keyboard: Ctrl+Enter starts the selected meeting, Enter confirms "Start likevel".
pub fn start_meeting(harness: &mut Harness<'_, App>) {
    harness.get_by_label("Start møtet");
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    harness.run();
    if harness.query_by_label("Start likevel (Enter)").is_some() {
        harness.get_by_label_contains("men i dag er mandag 23.11.2026");
        harness.key_press(egui::Key::Enter);
        harness.run();
    }
}

pub fn type_into(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    harness
        .get_by_role_and_label(Role::TextInput, label)
        .click();
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, label)
        .type_text(text);
    harness.run();
}

/// Replaces a text field's content with `text`, the cursor left in the field.
pub fn replace_text(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    harness
        .get_by_role_and_label(Role::TextInput, label)
        .click();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run();
    harness
        .get_by_role_and_label(Role::TextInput, label)
        .type_text(text);
    harness.run();
}

/// Replaces a text field's content with `text` and presses Enter.
pub fn retype(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    replace_text(harness, label, text);
    harness.key_press(egui::Key::Enter);
    harness.run();
}

/// Choose `option` in the combo box labelled `label`.
pub fn choose(harness: &mut Harness<'_, App>, label: &str, option: &str) {
    harness.get_by_role_and_label(Role::ComboBox, label).click();
    harness.run();
    harness.get_by_label(option).click();
    harness.run();
}
