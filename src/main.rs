//! Parses the command line, opens the store and runs the window or a command.

use clap::Parser;
use inntak::cli::{self, Cli};
use inntak::store::{IntegrityCheck, Store};

fn main() {
    // Health data: whatever this process creates is readable by its user only.
    #[cfg(unix)]
    // SAFETY: umask only sets the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
    let cli = Cli::parse();
    if let Some(command) = &cli.command {
        std::process::exit(cli::run_command(&cli, command));
    }
    let path = match cli.db_path() {
        Ok(p) => p,
        Err(e) => fail(&e),
    };
    // A new database only where the user means one: the default file on first start, or
    // another path after asking (a mistyped --db must not become an empty clinic).
    if cli.db.is_some() && !path.exists() && !confirm_new_database(&path) {
        fail(&format!(
            "Fant ingen database på «{}». Ingen fil er laget.",
            path.display()
        ));
    }
    // The window checks the file's integrity in the background (writes wait for it).
    let mut store = match Store::open_with(&path, IntegrityCheck::Background) {
        Ok(s) => s,
        Err(e) => fail(&e.to_string()),
    };
    // A second window on the same file only reads.
    store.lock_for_window();
    let clock = cli.clock();
    // The queue is read while eframe makes the window (about 100 ms on its own).
    let preload = inntak::ui::Preload::start(&path, clock.today());
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
        Box::new(move |_cc| {
            let mut app = inntak::ui::App::with_preload(store, clock, actor, preload);
            app.enable_auto_backup();
            if let Some(prefs) = inntak::ui::prefs::default_path() {
                app.remember_text_size_in(prefs);
            }
            Ok(Box::new(app))
        }),
    );
    if let Err(e) = result {
        fail(&format!("Kunne ikke åpne vinduet: {e}"));
    }
}

/// Asks (in a system dialog) whether to create a new, empty database at `path`.
fn confirm_new_database(path: &std::path::Path) -> bool {
    let answer = rfd::MessageDialog::new()
        .set_level(rfd::MessageLevel::Warning)
        .set_title("Inntak – ny database?")
        .set_description(format!(
            "Det finnes ingen database på\n{}\n\nVil du lage en ny, tom database der? Velg Nei \
             hvis filnavnet er feil.",
            path.display()
        ))
        .set_buttons(rfd::MessageButtons::YesNo)
        .show();
    answer == rfd::MessageDialogResult::Yes
}

fn fail(message: &str) -> ! {
    eprintln!("Feil: {message}");
    std::process::exit(1);
}
