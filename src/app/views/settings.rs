//! [`SettingsView`]: the current connection, "Test connection" with a step-by-step report,
//! resetting the local sandbox, and the theme.

use egui::{RichText, Ui};

use super::ViewCtx;
use crate::app::command::Command;
use crate::app::theme::{self, Tone};

/// The settings view and its UI state.
#[derive(Debug, Default)]
pub struct SettingsView {
    confirm_reset: bool,
}

impl SettingsView {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, cx: &mut ViewCtx<'_>) {
        ui.heading("Settings");
        ui.add_space(theme::SECTION_GAP);
        ui.label(RichText::new("Connection").strong());
        match &cx.state.connection {
            Some(c) => {
                egui::Grid::new("connection")
                    .spacing([16.0, 4.0])
                    .show(ui, |ui| {
                        ui.label("Profile");
                        ui.label(&c.profile);
                        ui.end_row();
                        ui.label("API");
                        ui.label(&c.base_url);
                        ui.end_row();
                        ui.label("Space");
                        ui.label(format!(
                            "{} ({})",
                            cx.state.space_name.clone().unwrap_or_default(),
                            c.space_id
                        ));
                        ui.end_row();
                        ui.label("Environment");
                        ui.label(&c.environment_id);
                        ui.end_row();
                        ui.label("Webhook receiver");
                        ui.label(c.receiver.clone().unwrap_or_else(|| "not running".into()));
                        ui.end_row();
                        ui.label("Token");
                        ui.label(RichText::new("stored, never shown").weak());
                        ui.end_row();
                    });
            }
            None => {
                ui.label("Not connected.");
            }
        }
        ui.add_space(6.0);
        if ui
            .button("Test connection")
            .on_hover_text("Check the address, token, space and environment step by step")
            .clicked()
        {
            cx.send(Command::TestConnection);
        }
        if let Some((ok, report)) = &cx.state.connection_report {
            let visuals = ui.visuals().clone();
            let tone = if *ok { Tone::Success } else { Tone::Danger };
            for line in report {
                ui.label(RichText::new(line).color(theme::tone(&visuals, tone)));
            }
        }
        if cx.state.connection.as_ref().is_some_and(|c| c.is_sandbox) {
            ui.add_space(theme::SECTION_GAP);
            ui.label(RichText::new("Local sandbox").strong());
            ui.label("Restore the demo space: every release, entry, schedule and webhook call is replaced by the original demo data.");
            if ui.button("Reset sandbox…").clicked() {
                self.confirm_reset = true;
            }
        }
        ui.add_space(theme::SECTION_GAP);
        ui.label(RichText::new("Appearance").strong());
        let mut preference = ui.ctx().options(|o| o.theme_preference);
        ui.horizontal(|ui| {
            ui.selectable_value(
                &mut preference,
                egui::ThemePreference::System,
                "Follow system",
            );
            ui.selectable_value(&mut preference, egui::ThemePreference::Light, "Light");
            ui.selectable_value(&mut preference, egui::ThemePreference::Dark, "Dark");
        });
        ui.ctx().set_theme(preference);
        if self.confirm_reset {
            egui::Modal::new(egui::Id::unique("reset-confirm")).show(ui.ctx(), |ui| {
                ui.heading("Reset the sandbox?");
                ui.label(
                    "All changes to the local sandbox are lost and the demo space is restored.",
                );
                ui.horizontal(|ui| {
                    if ui.button(RichText::new("Reset").strong()).clicked() {
                        cx.send(Command::ResetSandbox);
                        self.confirm_reset = false;
                    }
                    if ui.button("Cancel").clicked() {
                        self.confirm_reset = false;
                    }
                });
            });
        }
    }
}
