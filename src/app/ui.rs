//! The app's layout (after rerun's `app/ui`): navigation, status bar, the current area and
//! the windows over it. Views draw from the state and push intents; nothing here changes the
//! state.

use egui::{RichText, Ui};

use super::App;
use super::intents::{Route, Window, WindowKind};
use super::state::{ConnectionStatus, Nav};
use super::theme;
use super::ui_command::UiCommand;
use super::views::ViewCtx;

impl App {
    pub(super) fn nav_ui(&mut self, ui: &mut Ui) {
        ui.add_space(10.0);
        ui.label(RichText::new("Release Desk").heading().strong());
        // The line is there before the name arrives, so the navigation below never jumps
        // under the pointer.
        let name = match (&self.state.space_name, &self.state.connection_status) {
            (Some(name), _) => name.as_str(),
            (None, ConnectionStatus::Connecting) => "Loading the space…",
            (None, _) => "Not connected",
        };
        ui.label(RichText::new(name).weak());
        ui.add_space(14.0);
        for nav in Nav::ALL {
            let shortcut = match nav {
                Nav::Releases => UiCommand::GoReleases,
                Nav::Entries => UiCommand::GoEntries,
                Nav::Calendar => UiCommand::GoCalendar,
                Nav::Timeline => UiCommand::GoTimeline,
                Nav::Settings => UiCommand::GoSettings,
            };
            let text = RichText::new(nav.label()).size(15.0);
            let response = ui
                .add_sized(
                    [ui.available_width(), 30.0],
                    egui::Button::selectable(self.nav == nav, text),
                )
                .on_hover_text(shortcut.shortcut_text(ui.ctx()));
            if response.clicked() {
                // A second click on Releases goes back to the list.
                let route = if nav == Nav::Releases && self.nav == Nav::Releases {
                    Route::ReleaseList
                } else {
                    Route::Area(nav)
                };
                self.go(route);
            }
        }
        ui.with_layout(egui::Layout::bottom_up(egui::Align::Min), |ui| {
            ui.add_space(8.0);
            if ui
                .button(format!(
                    "⌘ Commands  {}",
                    UiCommand::CommandPalette.shortcut_text(ui.ctx())
                ))
                .on_hover_text("Every command and its shortcut")
                .clicked()
            {
                self.open(Window::Palette);
            }
        });
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let visuals = ui.visuals().clone();
            match &self.state.connection {
                Some(c) => {
                    use super::state::ConnectionStatus as S;
                    let (tone, word, detail) = match &self.state.connection_status {
                        S::Connecting => (theme::Tone::Progress, "Connecting…", None),
                        S::Connected => (theme::Tone::Success, "Connected", None),
                        S::Unreachable { summary, detail } => {
                            (theme::Tone::Danger, "Unreachable", Some((summary, detail)))
                        }
                        S::TokenRefused { summary, detail } => (
                            theme::Tone::Danger,
                            "Token refused",
                            Some((summary, detail)),
                        ),
                    };
                    let (rect, dot) =
                        ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                    ui.painter()
                        .circle_filled(rect.center(), 4.0, theme::tone(&visuals, tone));
                    dot.on_hover_text(word);
                    ui.label(format!(
                        "{} · {} / {}",
                        c.profile, c.space_id, c.environment_id
                    ));
                    let state_label = ui.label(
                        RichText::new(word)
                            .color(theme::tone(&visuals, tone))
                            .small(),
                    );
                    // The plain sentence, and the error in full behind the hover.
                    if let Some((summary, detail)) = detail {
                        state_label.on_hover_ui(|ui| {
                            ui.label(RichText::new(summary.as_str()).strong());
                            ui.label(RichText::new(detail.as_str()).weak().small());
                            ui.label("Check the connection in Settings (Test connection).");
                        });
                    }
                    ui.separator();
                    match &c.receiver {
                        Some(addr) => ui
                            .label(format!(
                                "Receiver {addr} · {} events this session",
                                self.state.events_received
                            ))
                            .on_hover_text("Webhook deliveries verified and stored since launch"),
                        None => ui.label(RichText::new("Receiver off").weak()),
                    };
                }
                None => {
                    ui.label("Not connected");
                }
            }
            ui.separator();
            let in_flight = self.state.actions_in_flight();
            if in_flight > 0 {
                ui.spinner();
                ui.label(format!(
                    "{in_flight} action{} running",
                    if in_flight == 1 { "" } else { "s" }
                ));
            } else {
                ui.label(RichText::new("No action running").weak());
            }
        });
    }

    /// The current area and the windows over it; what they ask for is carried out after all
    /// of them have drawn.
    pub(super) fn central_ui(&mut self, ui: &mut Ui) {
        let mut intents = Vec::new();
        {
            let mut cx = ViewCtx::new(&self.state, &mut intents, self.worker_options.clock.now());
            cx.focus_filter = std::mem::take(&mut self.focus_filter);
            match self.nav {
                Nav::Releases => match &mut self.detail {
                    Some(detail) => detail.ui(ui, &mut cx),
                    None => self.releases.ui(ui, &mut cx),
                },
                Nav::Entries => self.entries.ui(ui, &mut cx),
                Nav::Calendar => self.calendar.ui(ui, &mut cx),
                Nav::Timeline => self.timeline.ui(ui, &mut cx),
                Nav::Settings => self.settings.ui(ui, &mut cx),
            }
            let ctx = ui.ctx().clone();
            if let Some(inspector) = &mut self.inspector {
                inspector.show(&ctx, &mut cx);
            }
            if let Some(detail) = &mut self.entity_detail {
                detail.show(&ctx, &mut cx);
            }
            if let Some(dialog) = &mut self.schedule_dialog {
                dialog.show(&ctx, &mut cx);
            }
        }
        for intent in intents {
            self.handle(intent);
        }
    }

    /// The command palette, when open.
    pub(super) fn palette_ui(&mut self, ctx: &egui::Context) {
        let view_actions = self.view_actions();
        let Some(palette) = &mut self.palette else {
            return;
        };
        let mut intents = Vec::new();
        let (chosen, open) = {
            let mut cx = ViewCtx::new(&self.state, &mut intents, self.worker_options.clock.now());
            palette.show(ctx, &mut cx, &view_actions)
        };
        for intent in intents {
            self.handle(intent);
        }
        if !open {
            self.close(WindowKind::Palette);
            // The palette's filter had focus; give the keyboard back to the lists.
            ctx.memory_mut(|m| m.stop_text_input());
        }
        if let Some(choice) = chosen {
            self.run_palette_choice(choice, ctx);
        }
    }
}
