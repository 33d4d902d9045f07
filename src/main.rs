//! Parses the command line, opens the store and runs the window or a command.

use clap::Parser;
use inntak::cli::{self, Cli};
use inntak::store::Store;
use inntak::ui::{App, Preload, Root, UnlockScreen};
use inntak::vault::{OsVault, Vault};
use std::sync::Arc;

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
    match cli.server_url(inntak::vault::server_password) {
        Ok(Some(url)) => return run_on_server(&cli, &url),
        Ok(None) => {}
        Err(e) => fail(&e),
    }
    let path = match cli.db_path() {
        Ok(p) => p,
        Err(e) => fail(&e),
    };
    // A new database only where the user means one: the default file on first start, or
    // another path after asking in the window (a mistyped --db must not become an empty
    // clinic).
    let ask_before_creating = cli.db.is_some() && !path.exists();
    // A new database gets a passphrase first; an encrypted one opens with the key remembered
    // on this machine, or asks for its passphrase. The window checks the file's integrity in
    // the background (writes wait for it).
    // What an interrupted restore or re-encryption left beside the file is cleared away, and
    // a database a restore replaced is named (the status bar says what to do with it).
    let notices = inntak::store::replace::tidy(&path).notices(&path);
    let vault: Arc<dyn Vault + Sync> = Arc::new(OsVault);
    let gate = match UnlockScreen::needed(&path, vault) {
        Ok(Err(screen)) if ask_before_creating => Err(screen.ask_before_creating()),
        Ok(gate) => gate,
        Err(e) => fail(&e.to_string()),
    };
    let clock = cli.clock();
    let actor = cli::actor(cli.user.as_deref());
    let start = move |mut store: Store, preload: Preload| {
        // A second window on the same file only reads.
        store.lock_for_window();
        let mut app = App::with_preload(store, clock, actor, preload);
        app.enable_auto_backup();
        app.tell_at_start(&notices);
        if let Some(prefs) = inntak::ui::prefs::default_path() {
            app.remember_text_size_in(prefs);
        }
        app
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Inntak")
            .with_inner_size([1360.0, 820.0])
            .with_min_inner_size([900.0, 500.0]),
        // No persistence: nothing of the session goes to eframe's settings storage.
        persist_window: false,
        ..Default::default()
    };
    let today = clock.today();
    let result = match gate {
        Ok(store) => {
            // The queue is read while eframe makes the window (about 100 ms on its own).
            let preload = Preload::start(&path, store.key(), today);
            eframe::run_native(
                "Inntak",
                options,
                Box::new(move |_cc| Ok(Box::new(Root::open(start(store, preload))))),
            )
        }
        Err(screen) => {
            let root = Root::locked(screen, move |store| {
                let preload = Preload::start(store.path(), store.key(), today);
                start(store, preload)
            });
            eframe::run_native("Inntak", options, Box::new(move |_cc| Ok(Box::new(root))))
        }
    };
    if let Err(e) = result {
        fail(&format!("Kunne ikke åpne vinduet: {e}"));
    }
}

/// The window on the clinic's server: the password from `--server-password-file`,
/// `INNTAK_SERVER_PASSWORD` or this machine's credential store (never a file of ours); the
/// connection is made before the window opens, and a refusal is said in Norwegian.
fn run_on_server(cli: &Cli, url: &inntak::store::server::ServerUrl) {
    let store = match Store::open_server(url) {
        Ok(s) => s,
        Err(e) => fail(&e.to_string()),
    };
    let clock = cli.clock();
    let actor = store.login().unwrap_or_default().to_string();
    let mut app = App::new(store, clock, actor);
    if let Some(prefs) = inntak::ui::prefs::default_path() {
        app.remember_text_size_in(prefs);
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(format!("Inntak – {}", url.shown))
            .with_inner_size([1360.0, 820.0])
            .with_min_inner_size([900.0, 500.0]),
        persist_window: false,
        ..Default::default()
    };
    if let Err(e) = eframe::run_native(
        "Inntak",
        options,
        Box::new(move |_cc| Ok(Box::new(Root::open(app)))),
    ) {
        fail(&format!("Kunne ikke åpne vinduet: {e}"));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("Feil: {message}");
    std::process::exit(1);
}
