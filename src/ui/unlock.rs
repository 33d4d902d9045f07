//! Before the window opens an encrypted database: the passphrase screen ("Inntak er låst"),
//! and on the first start the choice of a passphrase for the new, encrypted database.
//!
//! The key is derived on a thread of its own (PBKDF2 with 256,000 iterations takes a
//! noticeable moment); a wrong passphrase is refused on a read-only connection, so the file
//! stays byte-identical. After five wrong tries in a row each further try waits longer.

use super::theme;
use crate::ops::session::cipher::{self, DbKey, FileKind, Passphrase, Unlock};
use crate::ops::session::{OpenError, OpenOptions, Store};
use crate::vault::Vault;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Which question the screen asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// No database yet: choose a passphrase (twice).
    New,
    /// An encrypted database with this salt: type its passphrase.
    Locked([u8; 16]),
}

/// Wrong tries in a row before each try has to wait.
pub const FREE_TRIES: u32 = 5;

/// How long the next try waits after `failures` wrong tries in a row: nothing for the first
/// five, then 5, 10, 20 and at most 60 seconds.
pub fn delay_after(failures: u32) -> Duration {
    if failures < FREE_TRIES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_TRIES).min(4);
    Duration::from_secs((5u64 << doublings).min(60))
}

type Opened = Result<(Store, DbKey), OpenError>;

/// The screen's state.
pub struct UnlockScreen {
    path: PathBuf,
    mode: Mode,
    passphrase: Zeroizing<String>,
    repeat: Zeroizing<String>,
    remember: bool,
    error: Option<String>,
    failures: u32,
    wait_until: Option<Instant>,
    job: Option<Receiver<Opened>>,
    vault: Arc<dyn Vault + Sync>,
    opened: Option<Store>,
    /// The first field has had its initial focus.
    focused: bool,
    /// Said once the window is open (a key that could not be remembered).
    pub note: Option<String>,
    /// A path the user named (`--db`) has no database: ask whether to make one there before
    /// anything else (a mistyped name must not become an empty clinic).
    ask_new: bool,
}

impl UnlockScreen {
    /// The screen for the database at `path` (new or encrypted), with `error` already shown
    /// (a remembered key that no longer fits).
    pub fn new(
        path: &Path,
        mode: Mode,
        vault: Arc<dyn Vault + Sync>,
        error: Option<String>,
    ) -> Self {
        Self {
            path: path.to_path_buf(),
            mode,
            passphrase: Zeroizing::new(String::new()),
            repeat: Zeroizing::new(String::new()),
            remember: false,
            error,
            failures: 0,
            wait_until: None,
            job: None,
            vault,
            opened: None,
            focused: false,
            note: None,
            ask_new: false,
        }
    }

    /// Asks first whether a new database is to be made at this path (it was named on the
    /// command line and does not exist). Asked in the window: a desktop without a dialog
    /// program still gets the question.
    pub fn ask_before_creating(mut self) -> Self {
        self.ask_new = self.mode == Mode::New;
        self
    }

    /// Whether the window must ask before opening the database at `path`: a new file, or an
    /// encrypted one without a remembered key that fits. `Ok(store)` when it need not.
    pub fn needed(
        path: &Path,
        vault: Arc<dyn Vault + Sync>,
    ) -> Result<Result<Store, Self>, OpenError> {
        let kind = cipher::file_kind(path).map_err(|source| OpenError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        match kind {
            FileKind::Plain => open(path, &Unlock::none()).map(Ok),
            FileKind::New => Ok(Err(Self::new(path, Mode::New, vault, None))),
            FileKind::Encrypted(salt) => {
                let Some(key) = vault.get(path) else {
                    return Ok(Err(Self::new(path, Mode::Locked(salt), vault, None)));
                };
                match open(path, &Unlock::key(key)) {
                    Ok(store) => Ok(Ok(store)),
                    Err(OpenError::WrongPassphrase(_) | OpenError::Encrypted(_)) => {
                        let note = "Nøkkelen som er husket på denne maskinen, passer ikke lenger \
                                    (passordet er kanskje byttet). Skriv passordet.";
                        Ok(Err(Self::new(
                            path,
                            Mode::Locked(salt),
                            vault,
                            Some(note.into()),
                        )))
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The opened store, once (the window then starts).
    pub fn take_opened(&mut self) -> Option<Store> {
        self.opened.take()
    }

    /// Starts opening with what was typed, unless a rule says no.
    fn submit(&mut self) {
        if self.job.is_some() || self.waiting().is_some() {
            return;
        }
        if self.mode == Mode::New {
            if let Err(e) = cipher::check_new(&self.passphrase, &self.repeat) {
                self.error = Some(e.into());
                return;
            }
        } else if self.passphrase.is_empty() {
            self.error = Some("Skriv passordet.".into());
            return;
        }
        self.error = None;
        let passphrase = Passphrase::new(self.passphrase.as_str());
        let (tx, rx) = std::sync::mpsc::channel();
        let (path, mode) = (self.path.clone(), self.mode);
        std::thread::spawn(move || {
            let key = match mode {
                Mode::New => DbKey::new_for_new_file(&passphrase),
                Mode::Locked(salt) => DbKey::derive(&passphrase, salt),
            };
            let opened = open(&path, &Unlock::key(key.clone())).map(|store| (store, key));
            let _ = tx.send(opened);
        });
        self.job = Some(rx);
    }

    /// Time left before the next try may be made.
    fn waiting(&self) -> Option<Duration> {
        self.wait_until
            .and_then(|until| until.checked_duration_since(Instant::now()))
            .filter(|left| !left.is_zero())
    }

    /// Collects a finished try.
    fn poll(&mut self) {
        let Some(rx) = &self.job else { return };
        let opened = match rx.try_recv() {
            Ok(opened) => opened,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                Err(OpenError::Encrypted(self.path.clone()))
            }
        };
        self.job = None;
        match opened {
            Ok((store, key)) => {
                if self.remember
                    && let Err(e) = self.vault.remember(&self.path, &key)
                {
                    self.note = Some(e);
                }
                self.passphrase = Zeroizing::new(String::new());
                self.repeat = Zeroizing::new(String::new());
                self.failures = 0;
                self.opened = Some(store);
            }
            Err(OpenError::WrongPassphrase(_)) => {
                self.failures += 1;
                self.passphrase = Zeroizing::new(String::new());
                self.focused = false;
                let delay = delay_after(self.failures);
                self.wait_until = Some(Instant::now() + delay);
                self.error = Some(if delay.is_zero() {
                    "Feil passord. Filen er ikke endret; prøv igjen.".into()
                } else {
                    format!(
                        "Feil passord ({} forsøk på rad). Filen er ikke endret. Vent {} sekunder \
                         før neste forsøk.",
                        self.failures,
                        delay.as_secs()
                    )
                });
            }
            Err(e) => self.error = Some(e.to_string()),
        }
    }

    /// Draws the screen.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        self.poll();
        if self.job.is_some() || self.waiting().is_some() {
            ui.ctx().request_repaint_after(Duration::from_millis(100));
        }
        egui::CentralPanel::default().show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.set_max_width(520.0);
                ui.add_space(ui.available_height() * 0.12);
                match self.mode {
                    Mode::New if self.ask_new => self.ask_new_ui(ui),
                    Mode::New => self.new_ui(ui),
                    Mode::Locked(_) => self.locked_ui(ui),
                }
            });
        });
    }

    fn ask_new_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Ny database?");
        ui.add_space(6.0);
        ui.label(format!(
            "Det finnes ingen database på\n{}",
            self.path.display()
        ));
        ui.add_space(4.0);
        ui.label(
            "Vil du lage en ny, tom database der? Velg Nei hvis filnavnet er feil: da lages \
             ingen fil.",
        );
        ui.add_space(10.0);
        ui.horizontal(|ui| {
            let yes = ui.button("Ja, lag en ny database");
            if !self.focused {
                yes.request_focus();
                self.focused = true;
            }
            if yes.clicked() {
                self.ask_new = false;
                self.focused = false;
            }
            if ui.button("Nei, avslutt").clicked() {
                ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
            }
        });
    }

    fn new_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Ny database: velg et passord");
        ui.add_space(6.0);
        ui.label(format!("Databasen lages her: {}", self.path.display()));
        ui.label(
            "Den krypteres med passordet. Uten passordet kan ingen lese den, heller ikke dere.",
        );
        ui.add_space(10.0);
        let first = self.field(ui, "Passord", true);
        let hint = cipher::strength(&self.passphrase);
        let colour = match hint {
            cipher::Strength::Strong => theme::OK_TEXT,
            cipher::Strength::Fair => theme::MUTED_TEXT,
            _ => theme::WARNING_TEXT,
        };
        if !self.passphrase.is_empty() {
            ui.colored_label(colour, hint.hint());
        }
        let second = self.field(ui, "Gjenta passordet", false);
        ui.add_space(8.0);
        ui.colored_label(
            theme::ERROR_TEXT,
            "Mister dere passordet, kan dataene ikke gjenopprettes. Oppbevar en forseglet kopi \
             av passordet (for eksempel i klinikkens safe), og bruk sikkerhetskopiene.",
        );
        let enter = first || second;
        self.remember_ui(ui);
        self.footer(ui, "Lag kryptert database", enter);
    }

    fn locked_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Inntak er låst");
        ui.add_space(6.0);
        ui.label(format!("Databasen {} er kryptert.", self.path.display()));
        ui.add_space(10.0);
        let typed = self.field(ui, "Passord", true);
        let enter = typed;
        self.remember_ui(ui);
        self.footer(ui, "Lås opp", enter);
    }

    /// A password field; `true` when Enter was pressed in it this frame.
    fn field(&mut self, ui: &mut egui::Ui, label: &str, first: bool) -> bool {
        ui.add_space(4.0);
        let label_id = ui.label(label).id;
        let text: &mut String = if first {
            &mut self.passphrase
        } else {
            &mut self.repeat
        };
        let response = ui
            .add(
                egui::TextEdit::singleline(text)
                    .password(true)
                    .desired_width(320.0)
                    .id_salt(label),
            )
            .labelled_by(label_id);
        // A rule's error ("minst 10 tegn") goes as soon as the passphrase is changed: it
        // must not stand under a strength line that already says "Sterkt".
        if response.changed() && self.mode == Mode::New {
            self.error = None;
        }
        // The cursor starts in the first field, and goes back there after a wrong try.
        if first && !self.focused {
            response.request_focus();
            self.focused = true;
        }
        (response.lost_focus() || response.has_focus())
            && ui.input(|i| i.key_pressed(egui::Key::Enter))
    }

    fn remember_ui(&mut self, ui: &mut egui::Ui) {
        ui.add_space(8.0);
        ui.checkbox(&mut self.remember, "Husk på denne maskinen");
        ui.colored_label(
            theme::MUTED_TEXT,
            "Nøkkelen lagres i maskinens nøkkelring (Windows Legitimasjonsbehandling, macOS \
             Nøkkelring, Secret Service på Linux), og Inntak spør ikke ved start. Bruk det bare \
             på en maskin som er låst med brukerens egen innlogging.",
        );
    }

    fn footer(&mut self, ui: &mut egui::Ui, button: &str, enter: bool) {
        ui.add_space(10.0);
        let busy = self.job.is_some();
        let waiting = self.waiting();
        let clicked = ui
            .add_enabled(!busy && waiting.is_none(), egui::Button::new(button))
            .clicked();
        if (clicked || enter) && !busy {
            self.submit();
        }
        if busy {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Åpner databasen …");
            });
        }
        if let Some(error) = &self.error {
            ui.add_space(6.0);
            ui.colored_label(theme::ERROR_TEXT, error);
        }
        if let Some(left) = waiting {
            ui.label(format!("Neste forsøk om {} s.", left.as_secs() + 1));
        }
    }
}

/// Opens the database as the window does (integrity check in the background).
fn open(path: &Path, unlock: &Unlock) -> Result<Store, OpenError> {
    Store::open_keyed(path, OpenOptions::WINDOW, unlock)
}

/// The window's root: the passphrase screen until the database is open, then the app.
pub struct Root {
    stage: Stage,
    start: Option<Box<dyn FnOnce(Store) -> super::App>>,
}

enum Stage {
    Unlock(Box<UnlockScreen>),
    App(Box<super::App>),
}

impl Root {
    /// Starts at the passphrase screen; `start` makes the app from the opened store.
    pub fn locked(screen: UnlockScreen, start: impl FnOnce(Store) -> super::App + 'static) -> Self {
        Self {
            stage: Stage::Unlock(Box::new(screen)),
            start: Some(Box::new(start)),
        }
    }

    /// The app at once (the database needed no passphrase).
    pub fn open(app: super::App) -> Self {
        Self {
            stage: Stage::App(Box::new(app)),
            start: None,
        }
    }

    /// The app, once the database is open.
    pub fn app(&self) -> Option<&super::App> {
        match &self.stage {
            Stage::App(app) => Some(app),
            Stage::Unlock(_) => None,
        }
    }

    /// The passphrase screen, while it shows.
    pub fn screen(&self) -> Option<&UnlockScreen> {
        match &self.stage {
            Stage::Unlock(screen) => Some(screen),
            Stage::App(_) => None,
        }
    }

    pub fn show(&mut self, ui: &mut egui::Ui) {
        match &mut self.stage {
            Stage::App(app) => app.show(ui),
            Stage::Unlock(screen) => {
                theme::apply(ui.ctx());
                screen.ui(ui);
                if let Some(store) = screen.take_opened() {
                    let note = screen.note.take();
                    if let Some(start) = self.start.take() {
                        let mut app = start(store);
                        if let Some(note) = note {
                            app.show_notice(note);
                        }
                        self.stage = Stage::App(Box::new(app));
                        ui.ctx().request_repaint();
                    }
                }
            }
        }
    }
}

impl eframe::App for Root {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Stage::App(app) = &mut self.stage {
            app.on_close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_grows_after_five_wrong_tries() {
        let table = [
            (0, 0),
            (4, 0),
            (5, 5),
            (6, 10),
            (7, 20),
            (8, 40),
            (9, 60),
            (30, 60),
        ];
        for (failures, secs) in table {
            assert_eq!(
                delay_after(failures),
                Duration::from_secs(secs),
                "{failures}"
            );
        }
    }
}
