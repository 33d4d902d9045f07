//! Kryptering in Innstillinger: whether the file is encrypted, "Krypter databasen…" for a
//! plain one and "Bytt passord…" for an encrypted one (the same safe rewrite as
//! `inntak encrypt` / `inntak passphrase`).

use super::{Action, BackupAction, theme};
use crate::ops::session::cipher::{self, Passphrase};
use zeroize::Zeroizing;

/// Which form is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Encrypt,
    Change,
}

/// The section's state: the open form and what is typed in it.
#[derive(Default)]
pub struct EncryptionView {
    form: Option<Form>,
    current: Zeroizing<String>,
    new: Zeroizing<String>,
    repeat: Zeroizing<String>,
    remember: bool,
    error: Option<String>,
}

impl EncryptionView {
    fn clear(&mut self) {
        *self = Self::default();
    }

    /// The section. `encrypted`: the open file is; `read_only`: nothing can be changed.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        encrypted: bool,
        read_only: bool,
        actions: &mut Vec<Action>,
    ) {
        ui.heading("Kryptering");
        ui.add_space(4.0);
        if encrypted {
            ui.label("Databasefilen er kryptert (SQLCipher, AES-256). Uten passordet kan ingen lese den.");
        } else {
            ui.colored_label(
                theme::WARNING_TEXT,
                "Databasefilen er ikke kryptert: den som får tak i filen, kan lese alt i den.",
            );
        }
        ui.add_space(4.0);
        match self.form {
            None => {
                let label = if encrypted {
                    "Bytt passord…"
                } else {
                    "Krypter databasen…"
                };
                if ui
                    .add_enabled(!read_only, egui::Button::new(label))
                    .clicked()
                {
                    self.form = Some(if encrypted {
                        Form::Change
                    } else {
                        Form::Encrypt
                    });
                }
            }
            Some(form) => self.form_ui(ui, form, actions),
        }
    }

    fn field(ui: &mut egui::Ui, label: &str, text: &mut String) {
        ui.horizontal(|ui| {
            let id = ui.label(label).id;
            ui.add(
                egui::TextEdit::singleline(text)
                    .password(true)
                    .desired_width(260.0)
                    .id_salt(label),
            )
            .labelled_by(id);
        });
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, form: Form, actions: &mut Vec<Action>) {
        if form == Form::Change {
            Self::field(ui, "Nåværende passord:", &mut self.current);
        }
        Self::field(ui, "Nytt passord:", &mut self.new);
        if !self.new.is_empty() {
            ui.colored_label(theme::MUTED_TEXT, cipher::strength(&self.new).hint());
        }
        Self::field(ui, "Gjenta det nye passordet:", &mut self.repeat);
        ui.colored_label(
            theme::ERROR_TEXT,
            "Mister dere passordet, kan dataene ikke gjenopprettes. Oppbevar en forseglet kopi \
             av det, og ta sikkerhetskopier.",
        );
        if form == Form::Encrypt {
            ui.colored_label(
                theme::MUTED_TEXT,
                "Sikkerhetskopier tatt før nå er fortsatt ukrypterte: slett dem eller lås dem inn.",
            );
        }
        ui.checkbox(&mut self.remember, "Husk på denne maskinen");
        ui.horizontal(|ui| {
            let button = match form {
                Form::Encrypt => "Krypter",
                Form::Change => "Bytt passord",
            };
            if ui.button(button).clicked() {
                match cipher::check_new(&self.new, &self.repeat) {
                    Err(e) => self.error = Some(e.into()),
                    Ok(()) if form == Form::Change && self.current.is_empty() => {
                        self.error = Some("Skriv det nåværende passordet.".into());
                    }
                    Ok(()) => {
                        actions.push(Action::Backup(BackupAction::Encrypt {
                            current: (form == Form::Change)
                                .then(|| Passphrase::new(self.current.as_str())),
                            new: Passphrase::new(self.new.as_str()),
                            remember: self.remember,
                        }));
                        self.clear();
                    }
                }
            }
            if ui.button("Avbryt").clicked() {
                self.clear();
            }
        });
        if let Some(error) = &self.error {
            ui.colored_label(theme::ERROR_TEXT, error);
        }
    }
}
