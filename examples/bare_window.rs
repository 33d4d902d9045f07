//! The floor for the startup measurement (`benches/startup.sh`): a bare eframe window with the
//! same features and renderer as Inntak (glow), one label, no database. What Inntak takes on
//! top of this is what the app itself costs.

fn main() -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Inntak bare window")
            .with_inner_size([1360.0, 820.0]),
        persist_window: false,
        ..Default::default()
    };
    eframe::run_ui_native("Inntak bare window", options, |ui, _frame| {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.label("Bare eframe window");
        });
    })
}
