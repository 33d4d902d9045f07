//! Parses the command line, opens the store and runs the window or a command.

use clap::Parser;
use inntak::cli::{self, Cli};
use inntak::store::{IntegrityCheck, Store};

fn main() {
    let cli = Cli::parse();
    if let Some(command) = &cli.command {
        std::process::exit(cli::run_command(&cli, command));
    }
    let path = match cli.db_path() {
        Ok(p) => p,
        Err(e) => fail(&e),
    };
    // The window checks the file's integrity in the background (writes wait for it).
    let store = match Store::open_with(&path, IntegrityCheck::Background) {
        Ok(s) => s,
        Err(e) => fail(&e.to_string()),
    };
    let clock = cli.clock();
    let actor = cli::actor(cli.user.as_deref());
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Inntak")
            .with_inner_size([1360.0, 820.0])
            .with_min_inner_size([900.0, 500.0]),
        // No persistence: nothing of the session goes to eframe's settings storage.
        persist_window: false,
        ..Default::default()
    };
    let result = eframe::run_native(
        "Inntak",
        options,
        Box::new(move |_cc| Ok(Box::new(inntak::ui::App::new(store, clock, actor)))),
    );
    if let Err(e) = result {
        fail(&format!("Kunne ikke åpne vinduet: {e}"));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("Feil: {message}");
    std::process::exit(1);
}
