//! The status bar (messages, the letters bar, the integrity and network notices, the file)
//! and the letters preview it opens.

use super::*;
use crate::ui::theme;

impl App {
    /// The letters as they will print: one letter's pages at a time, scaled to the window.
    pub(super) fn letters_preview_ui(&mut self, ctx: &egui::Context) {
        let Some(preview) = &mut self.letters_preview else {
            return;
        };
        if preview.textures.is_empty() && !preview.images.is_empty() {
            preview.textures = std::mem::take(&mut preview.images)
                .into_iter()
                .enumerate()
                .map(|(i, image)| {
                    ctx.load_texture(format!("letter_page_{i}"), image, Default::default())
                })
                .collect();
        }
        let mut open = true;
        let mut go_to = None;
        let screen = ctx.content_rect();
        egui::Window::new(format!("Forhåndsvisning: {}", preview.title))
            .id(egui::Id::unique("letters_preview"))
            .open(&mut open)
            .collapsible(false)
            .default_size([screen.width().min(760.0), screen.height() - 80.0])
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(preview.index > 0, egui::Button::new("◀ Forrige brev"))
                        .clicked()
                    {
                        go_to = Some(preview.index - 1);
                    }
                    ui.label(format!(
                        "Brev {} av {}: {}",
                        preview.index + 1,
                        preview.letters.len(),
                        preview.letters[preview.index].0
                    ));
                    if ui
                        .add_enabled(
                            preview.index + 1 < preview.letters.len(),
                            egui::Button::new("Neste brev ▶"),
                        )
                        .clicked()
                    {
                        go_to = Some(preview.index + 1);
                    }
                });
                if let Some(e) = &preview.error {
                    ui.colored_label(theme::ERROR_TEXT, e);
                }
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let width = ui.available_width();
                    for (i, texture) in preview.textures.iter().enumerate() {
                        let size = texture.size_vec2();
                        let scale = (width / size.x).min(1.0);
                        ui.add(
                            egui::Image::new(texture)
                                .fit_to_exact_size(size * scale)
                                .alt_text(format!("Side {} av brevet", i + 1)),
                        );
                        ui.add_space(8.0);
                    }
                });
            });
        if let Some(i) = go_to {
            preview.show_letter(i);
            ctx.request_repaint();
        }
        if !open {
            self.letters_preview = None;
        }
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        if let Some(prompt) = &mut self.letters_prompt {
            let mut chosen = None;
            ui.horizontal_wrapped(|ui| {
                ui.strong(format!("{}:", prompt.title));
                ui.label(format!("{} klare ({})", prompt.ready, prompt.count_text));
                for line in &prompt.missing {
                    ui.colored_label(theme::ERROR_TEXT, format!("{line} – skrives ikke ut"));
                }
                if prompt.earlier > 0 {
                    ui.colored_label(
                        theme::MUTED_TEXT,
                        format!("{} er skrevet ut før", prompt.earlier),
                    );
                }
                ui.checkbox(&mut prompt.mark_sent, "Merk som sendt i dag")
                    .on_hover_text(
                        "Kryss av når brevene sendes i dag. Ellers merkes de sendt senere, \
                         fra detaljruten eller «Merk utskrevne som sendt».",
                    );
                if ui
                    .add_enabled(
                        prompt.ready > 0,
                        egui::Button::new(format!("Skriv ut {} brev", prompt.ready)),
                    )
                    .clicked()
                {
                    chosen = Some(OutputAction::PrintLetters {
                        target: prompt.target.clone(),
                        mark_sent: prompt.mark_sent,
                        to: None,
                    });
                }
                if let Some(file) = &prompt.fallback
                    && ui
                        .button(format!("Lagre i {}", file.display()))
                        .on_hover_text("Lagringsdialogen ble avbrutt eller kunne ikke åpnes")
                        .clicked()
                {
                    chosen = Some(OutputAction::PrintLetters {
                        target: prompt.target.clone(),
                        mark_sent: prompt.mark_sent,
                        to: Some(file.clone()),
                    });
                }
                if ui
                    .add_enabled(prompt.ready > 0, egui::Button::new("Forhåndsvis"))
                    .clicked()
                {
                    chosen = Some(OutputAction::PreviewLetters(prompt.target.clone()));
                }
                if ui.button("Avbryt").clicked() {
                    chosen = Some(OutputAction::CancelLetters);
                }
            });
            // Through the one exhaustive handler, as any action.
            if let Some(action) = chosen {
                self.apply(Action::Output(action));
            }
        }
        if self.unsaved_pdf.is_some() {
            let folder = Self::fallback_export_dir();
            ui.horizontal(|ui| {
                ui.colored_label(
                    theme::ERROR_TEXT,
                    "PDF-en ble ikke lagret (avbrutt, eller lagringsdialogen kunne ikke åpnes).",
                );
                if let Some(dir) = &folder
                    && ui.button(format!("Lagre i {}", dir.display())).clicked()
                    && let Some(doc) = self.unsaved_pdf.take()
                {
                    self.save_pdf(dir.join(&doc.file_name), &doc);
                }
                if ui.button("Forkast").clicked() {
                    self.unsaved_pdf = None;
                }
            });
        }
        if let Some(why) = self.store.read_only() {
            ui.colored_label(theme::WARNING_TEXT, format!("Bare lesing: {why}"));
        }
        if let ChainCheck::Done(Some(broken)) = &self.chain {
            ui.colored_label(theme::ERROR_TEXT, broken);
        }
        if let Some(notice) = self.store.location_notice() {
            ui.colored_label(theme::WARNING_TEXT, notice);
        }
        // A long message (what a restore left, why a write was refused) gets its own line and
        // wraps, so it is read whole at any window width.
        let long = self
            .message
            .as_ref()
            .is_some_and(|m| m.text.chars().count() > LONG_MESSAGE);
        if let Some(m) = self.message.as_ref().filter(|_| long) {
            let color = if m.is_error {
                theme::ERROR_TEXT
            } else {
                theme::OK_TEXT
            };
            ui.add(egui::Label::new(egui::RichText::new(&m.text).color(color)).wrap());
        }
        ui.horizontal(|ui| {
            match &self.message {
                Some(_) if long => {}
                Some(m) if m.is_error => {
                    ui.colored_label(theme::ERROR_TEXT, &m.text);
                }
                Some(m) => {
                    ui.colored_label(theme::OK_TEXT, &m.text);
                }
                None => {
                    ui.colored_label(theme::MUTED_TEXT, "Klar");
                }
            };
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if let Some(tls) = self.store.server_tls() {
                    // On the server: the connection is what is (or is not) encrypted here.
                    let (text, hover) = match tls {
                        true => (
                            "klinikkens server, kryptert forbindelse",
                            "Forbindelsen til serveren er kryptert (TLS). Alt skrives på \
                             serveren; endringsloggen fører innloggingen din.",
                        ),
                        false => (
                            "klinikkens server, lokal socket",
                            "Forbindelsen går over en lokal socket på denne maskinen.",
                        ),
                    };
                    ui.colored_label(theme::MUTED_TEXT, text)
                        .on_hover_text(hover);
                } else if self.store.is_encrypted() {
                    ui.colored_label(theme::MUTED_TEXT, "kryptert");
                } else {
                    ui.colored_label(theme::WARNING_TEXT, "ikke kryptert")
                        .on_hover_text(
                            "Filen er ikke kryptert. Krypter den med kommandoen «inntak encrypt» \
                             (se README), eller bruk den bare til demo og test.",
                        );
                }
                ui.colored_label(theme::MUTED_TEXT, self.store.path().display().to_string());
            });
        });
    }
}

/// Characters beyond which a status message gets a wrapped line of its own.
const LONG_MESSAGE: usize = 90;
