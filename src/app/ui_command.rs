//! [`UiCommand`]: one enum for everything the menus, keyboard shortcuts and the command palette
//! can do, with its label and shortcut.

use egui::{Key, KeyboardShortcut, Modifiers};

/// A user-level command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiCommand {
    /// Show releases.
    GoReleases,
    /// Show entries.
    GoEntries,
    /// Show the calendar.
    GoCalendar,
    /// Show the timeline.
    GoTimeline,
    /// Show settings.
    GoSettings,
    /// Open the create-release dialog.
    NewRelease,
    /// Reload the current view.
    Reload,
    /// Focus the current view's filter.
    FocusFilter,
    /// Open the command palette.
    CommandPalette,
    /// Test the connection.
    TestConnection,
    /// Switch between light and dark.
    ToggleTheme,
}

impl UiCommand {
    /// Every command, in palette order.
    pub const ALL: [UiCommand; 11] = [
        UiCommand::GoReleases,
        UiCommand::GoEntries,
        UiCommand::GoCalendar,
        UiCommand::GoTimeline,
        UiCommand::GoSettings,
        UiCommand::NewRelease,
        UiCommand::Reload,
        UiCommand::FocusFilter,
        UiCommand::CommandPalette,
        UiCommand::TestConnection,
        UiCommand::ToggleTheme,
    ];

    /// The label in the palette.
    pub fn label(self) -> &'static str {
        match self {
            UiCommand::GoReleases => "Go to Releases",
            UiCommand::GoEntries => "Go to Entries",
            UiCommand::GoCalendar => "Go to Calendar",
            UiCommand::GoTimeline => "Go to Timeline",
            UiCommand::GoSettings => "Go to Settings",
            UiCommand::NewRelease => "New release…",
            UiCommand::Reload => "Reload",
            UiCommand::FocusFilter => "Focus the filter",
            UiCommand::CommandPalette => "Command palette",
            UiCommand::TestConnection => "Test connection",
            UiCommand::ToggleTheme => "Toggle light / dark theme",
        }
    }

    /// The keyboard shortcut, if any.
    pub fn shortcut(self) -> Option<KeyboardShortcut> {
        let cmd = Modifiers::COMMAND;
        let key = match self {
            UiCommand::GoReleases => Key::Num1,
            UiCommand::GoEntries => Key::Num2,
            UiCommand::GoCalendar => Key::Num3,
            UiCommand::GoTimeline => Key::Num4,
            UiCommand::GoSettings => Key::Comma,
            UiCommand::NewRelease => Key::N,
            UiCommand::Reload => Key::R,
            UiCommand::FocusFilter => Key::F,
            UiCommand::CommandPalette => Key::K,
            UiCommand::TestConnection => return None,
            UiCommand::ToggleTheme => {
                return Some(KeyboardShortcut::new(
                    Modifiers::COMMAND | Modifiers::SHIFT,
                    Key::T,
                ));
            }
        };
        Some(KeyboardShortcut::new(cmd, key))
    }

    /// The shortcut as text ("Ctrl+K"), or empty.
    pub fn shortcut_text(self, ctx: &egui::Context) -> String {
        self.shortcut()
            .map(|s| ctx.format_shortcut(&s))
            .unwrap_or_default()
    }
}

/// The command palette's UI state: a filter and a selection.
#[derive(Debug, Default)]
pub struct Palette {
    filter: String,
    selected: usize,
}

impl Palette {
    /// Draws the palette; returns the chosen command, and whether it stays open.
    pub fn show(&mut self, ctx: &egui::Context) -> (Option<UiCommand>, bool) {
        let mut chosen = None;
        let mut open = true;
        let needle = self.filter.to_lowercase();
        let matches: Vec<UiCommand> = UiCommand::ALL
            .into_iter()
            .filter(|c| *c != UiCommand::CommandPalette)
            .filter(|c| needle.is_empty() || c.label().to_lowercase().contains(&needle))
            .collect();
        self.selected = self.selected.min(matches.len().saturating_sub(1));
        let modal = egui::Modal::new(egui::Id::unique("command-palette")).show(ctx, |ui| {
            ui.set_width(420.0);
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("Type a command…")
                    .desired_width(f32::INFINITY),
            );
            edit.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Command filter")
            });
            edit.request_focus();
            ui.separator();
            for (i, command) in matches.iter().enumerate() {
                ui.horizontal(|ui| {
                    let r = ui.selectable_label(i == self.selected, command.label());
                    if r.clicked() {
                        chosen = Some(*command);
                    }
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        ui.label(egui::RichText::new(command.shortcut_text(ctx)).weak());
                    });
                });
            }
            if matches.is_empty() {
                ui.label(egui::RichText::new("No command matches").weak());
            }
        });
        ctx.input(|i| {
            if i.key_pressed(Key::ArrowDown) {
                self.selected = (self.selected + 1).min(matches.len().saturating_sub(1));
            }
            if i.key_pressed(Key::ArrowUp) {
                self.selected = self.selected.saturating_sub(1);
            }
            if i.key_pressed(Key::Enter) {
                chosen = matches.get(self.selected).copied();
            }
            if i.key_pressed(Key::Escape) {
                open = false;
            }
        });
        if modal.should_close() {
            open = false;
        }
        if chosen.is_some() {
            open = false;
        }
        (chosen, open)
    }
}
