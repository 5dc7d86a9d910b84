//! The main areas (`*View`) and dialogs (`*Dialog`). Views draw from [`AppState`] and push
//! [`Intent`]s; they keep only UI state (filters, selection, open dialogs).
//!
//! Architecture Invariant: nothing here knows tokio, reqwest, rusqlite or the file system.

pub mod entity_detail;
pub mod entity_picker;
pub mod entries;
pub mod inspector;
pub mod release_detail;
pub mod release_items;
pub mod release_readiness;
pub mod releases;
pub mod settings;
pub mod settings_alerts;
pub mod timeline;

pub mod calendar;
pub mod schedule_dialog;

use super::command::Command;
use super::intents::{Intent, Route, Window, WindowKind};
use super::state::AppState;

/// What a view may do besides drawing: read the state, push [`Intent`]s.
pub struct ViewCtx<'a> {
    /// The data.
    pub state: &'a AppState,
    /// What the views asked for this frame, in order.
    pub intents: &'a mut Vec<Intent>,
    /// Whether Ctrl+F was pressed this frame (focus the filter).
    pub focus_filter: bool,
    /// "Now" for this frame, from the app's clock (views never read the system clock).
    pub now: jiff::Timestamp,
}

impl<'a> ViewCtx<'a> {
    /// A context for drawing from `state` at `now`, collecting intents into `intents`.
    pub fn new(state: &'a AppState, intents: &'a mut Vec<Intent>, now: jiff::Timestamp) -> Self {
        Self {
            state,
            intents,
            focus_filter: false,
            now,
        }
    }

    /// Queues a command for the worker.
    pub fn send(&mut self, command: Command) {
        self.intents.push(Intent::Run(command));
    }

    /// Asks once for the entries and assets among `links` that are not loaded, loading, or
    /// known to be absent ([`Command::ResolveEntities`]); nothing when none is missing, so a
    /// view may call it every frame.
    pub fn resolve<'l>(&mut self, links: impl IntoIterator<Item = &'l crate::cma::Link>) {
        let ids = self.state.missing_entities(links);
        if !ids.is_empty() {
            self.send(Command::ResolveEntities { ids });
        }
    }

    /// Asks once for the titles of the releases among `links` that are neither loaded nor
    /// asked for ([`Command::ResolveReleases`]); nothing when none is missing.
    pub fn resolve_releases<'l>(&mut self, links: impl IntoIterator<Item = &'l crate::cma::Link>) {
        let ids = self.state.missing_release_titles(links);
        if !ids.is_empty() {
            self.send(Command::ResolveReleases { ids });
        }
    }

    /// Asks to show another place.
    pub fn go(&mut self, route: Route) {
        self.intents.push(Intent::Go(route));
    }

    /// Asks to open a window.
    pub fn open(&mut self, window: Window) {
        self.intents.push(Intent::Open(window));
    }

    /// Asks to open the schedule dialog.
    pub fn open_schedule(&mut self, request: schedule_dialog::ScheduleRequest) {
        self.open(Window::Schedule(request));
    }

    /// Asks to close a window.
    pub fn close(&mut self, window: WindowKind) {
        self.intents.push(Intent::Close(window));
    }
}
