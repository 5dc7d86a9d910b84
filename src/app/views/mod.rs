//! The main areas (`*View`) and dialogs (`*Dialog`). Views draw from [`AppState`] and push
//! [`Command`]s; they keep only UI state (filters, selection, open dialogs).
//!
//! Architecture Invariant: nothing here knows tokio, reqwest, rusqlite or the file system.

pub mod entries;
pub mod inspector;
pub mod release_detail;
pub mod releases;
pub mod settings;
pub mod timeline;
pub mod timeline_panels;

pub mod calendar;
pub mod schedule_dialog;

use super::command::Command;
use super::state::AppState;

/// What a view may do besides drawing: push commands, ask to navigate.
pub struct ViewCtx<'a> {
    /// The data.
    pub state: &'a AppState,
    /// Commands for the worker, collected this frame.
    pub commands: &'a mut Vec<Command>,
    /// Set to open a release's detail.
    pub open_release: &'a mut Option<String>,
    /// Set to open the failure inspector for an action id.
    pub inspect_action: &'a mut Option<String>,
    /// Set to open an entity's detail.
    pub open_entity: &'a mut Option<(crate::cma::EntityKind, String)>,
    /// Whether Ctrl+F was pressed this frame (focus the filter).
    pub focus_filter: bool,
    /// Set to open the schedule dialog (new schedule or reschedule).
    pub schedule: &'a mut Option<schedule_dialog::ScheduleRequest>,
}

impl ViewCtx<'_> {
    /// Queues a command.
    pub fn send(&mut self, command: Command) {
        self.commands.push(command);
    }
}
