//! The app's per-frame logic (after rerun's `app/logic`): drain the worker's events into the
//! state and carry out the effects it answers with, switch connections, and handle the keys
//! that act before any view draws (shortcuts, Esc).

use super::command::Command;
use super::intents::{Route, WindowKind};
use super::state::{Effect, Toast};
use super::ui_command::UiCommand;
use super::views::calendar::CalendarView;
use super::views::entries::EntriesView;
use super::views::releases::ReleasesView;
use super::views::timeline::TimelineView;
use super::worker;
use super::{App, PROCESS_START};
use crate::app::state::ConnectionInfo;
use crate::cma::Client;

impl App {
    /// Drains worker results into the state and carries out their effects (also used by tests
    /// between frames).
    pub fn drain_events(&mut self) {
        while let Ok(stamped) = self.events.try_recv() {
            let effects = self.state.receive(stamped);
            // Once per process: a reconnect loads releases again, long after the launch.
            if self.releases_shown_after.is_none()
                && self.state.releases_loaded
                && let Some(started) = PROCESS_START.get()
            {
                let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                self.releases_shown_after = Some(ms);
                tracing::info!(ms, "releases shown after launch");
            }
            for effect in effects {
                self.run_effect(effect);
            }
        }
    }

    fn run_effect(&mut self, effect: Effect) {
        match effect {
            Effect::Toast(toast) => self.show_toast(toast),
            Effect::OpenRelease(id) => self.go(Route::Release(id)),
            Effect::CloseRelease(id) => {
                if self.detail.as_ref().is_some_and(|d| d.release_id == id) {
                    self.go(Route::ReleaseList);
                }
            }
            Effect::RefreshReleases => self.refresh_releases(),
            Effect::ReloadReleaseList => self.releases.reload(),
            Effect::Reconnect {
                id,
                client,
                connection,
            } => self.reconnect(id, *client, connection),
        }
    }

    fn show_toast(&mut self, toast: Toast) {
        match toast {
            Toast::Success(t) => {
                self.toasts.success(t);
            }
            Toast::Info(t) => {
                self.toasts.info(t);
            }
            // Failures get their own notices: one sentence, the detail behind "Details".
            Toast::Error(failure) => self.failures.push(failure),
        }
    }

    /// Queues a command for the worker, marking in the state what it sets pending.
    pub(super) fn send(&mut self, command: Command) {
        if self.state.on_sent(&command) {
            self.worker.send(command);
        }
    }

    /// Switches to another connection without restarting: a new worker on a new client, fresh
    /// data, the same window.
    fn reconnect(
        &mut self,
        id: Option<String>,
        client: crate::cma::ClientConfig,
        connection: ConnectionInfo,
    ) {
        let client = match Client::new(client) {
            Ok(c) => c,
            Err(e) => {
                self.show_toast(Toast::Error(crate::app::failure::Failure {
                    summary: "The connection settings cannot be used.".to_owned(),
                    detail: Some(e.to_string()),
                }));
                return;
            }
        };
        let mut options = self.worker_options.clone();
        options.is_sandbox = connection.is_sandbox;
        // The old space's tasks (action pollers, schedule followers) stop; anything they sent
        // already is of the old epoch and dropped.
        self.worker.shutdown();
        let epoch = self.state.reconnect(connection.clone(), id);
        self.worker = worker::spawn(&self.runtime, client, &self.sink, options, epoch);
        self.space_in_frames = Some(1);
        self.releases = ReleasesView::new();
        self.entries = EntriesView::default();
        self.detail = None;
        self.inspector = None;
        self.entity_detail = None;
        self.calendar = CalendarView::new(self.worker_options.clock.now());
        // The timeline's rows were the old state's: anchor afresh (it stayed on "Loading…").
        self.timeline = TimelineView::default();
        self.schedule_dialog = None;
        // The status bar says when it is connected (or why not).
        self.show_toast(Toast::Info(format!(
            "Connecting to {}…",
            connection.profile
        )));
    }

    /// Reloads what shows releases after a change made elsewhere (a schedule fired, another
    /// client): the open release, or the list.
    pub(super) fn refresh_releases(&mut self) {
        match &self.detail {
            Some(detail) => {
                let id = detail.release_id.clone();
                self.send(Command::OpenRelease {
                    id,
                    members: Vec::new(),
                });
            }
            None => self.releases.reload(),
        }
    }

    /// Esc closes the topmost window (schedule dialog, entry detail, inspector) before a view
    /// sees it, so it never navigates away underneath an open window.
    pub(super) fn escape(&mut self, ctx: &egui::Context) {
        if self.palette.is_some() {
            return;
        }
        let open = self.schedule_dialog.is_some()
            || self.entity_detail.is_some()
            || self.inspector.is_some();
        if open && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
            let topmost = if self.schedule_dialog.is_some() {
                WindowKind::Schedule
            } else if self.entity_detail.is_some() {
                WindowKind::Entity
            } else {
                WindowKind::Inspector
            };
            self.close(topmost);
        }
    }

    /// Keyboard shortcuts of the [`UiCommand`]s.
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) {
        let pressed: Vec<UiCommand> = UiCommand::ALL
            .into_iter()
            .filter(|c| {
                c.shortcut()
                    .is_some_and(|s| ctx.input_mut(|i| i.consume_shortcut(&s)))
            })
            .collect();
        for command in pressed {
            self.run_ui_command(command, ctx);
        }
    }
}
