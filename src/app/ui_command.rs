//! [`UiCommand`]: one enum for everything the menus, keyboard shortcuts and the command palette
//! can do, with its label and shortcut. Some are the current view's actions
//! ([`UiCommand::is_view_action`]): the app offers them only where they apply.

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
    /// The open release's Validate (a view action).
    ValidateRelease,
    /// The open release's Publish… (a view action; the confirmation still asks).
    PublishRelease,
    /// The open release's Schedule… (a view action).
    ScheduleRelease,
}

impl UiCommand {
    /// Every command, in palette order.
    pub const ALL: [UiCommand; 14] = [
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
        UiCommand::ValidateRelease,
        UiCommand::PublishRelease,
        UiCommand::ScheduleRelease,
    ];

    /// Whether this is an action of the current view (offered only where it applies) rather
    /// than a command that works everywhere.
    pub fn is_view_action(self) -> bool {
        matches!(
            self,
            UiCommand::ValidateRelease | UiCommand::PublishRelease | UiCommand::ScheduleRelease
        )
    }

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
            UiCommand::ValidateRelease => "Validate this release",
            UiCommand::PublishRelease => "Publish this release…",
            UiCommand::ScheduleRelease => "Schedule this release…",
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
            // Shift: the plain letters are taken (Ctrl+R reload, Ctrl+S is the habit of
            // saving) or belong to text fields.
            UiCommand::ToggleTheme => {
                return Some(KeyboardShortcut::new(cmd | Modifiers::SHIFT, Key::T));
            }
            UiCommand::ValidateRelease => {
                return Some(KeyboardShortcut::new(cmd | Modifiers::SHIFT, Key::V));
            }
            UiCommand::PublishRelease => {
                return Some(KeyboardShortcut::new(cmd | Modifiers::SHIFT, Key::P));
            }
            UiCommand::ScheduleRelease => {
                return Some(KeyboardShortcut::new(cmd | Modifiers::SHIFT, Key::S));
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
